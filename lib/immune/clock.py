"""The wall clock every check reads, with a test hook.

:func:`now` is ``time.time()``, unless the environment variable
``IMMUNE_NOW`` holds epoch seconds: then that fixed instant is "now", so
tests (and an operator replaying an incident) can run a check at any time
of week without touching the system clock.
"""

from __future__ import annotations

import math
import os
import time

ENV = "IMMUNE_NOW"


def now() -> float:
    """The current time in epoch seconds (``$IMMUNE_NOW`` when set)."""
    fixed = os.environ.get(ENV)
    if not fixed:
        return time.time()
    try:
        value = float(fixed)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{ENV}='{fixed[:40]}' is not a number of epoch seconds")
    return value
