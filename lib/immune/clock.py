"""Wall-clock time for checks that judge time windows, injectable for tests.

:func:`now` is ``time.time()``, unless ``$IMMUNE_NOW`` holds an epoch time:
then that is "now". Tests use it to write log lines at known times and run
a check "30 minutes later" without sleeping.
"""

from __future__ import annotations

import os
import time

ENV_VAR = "IMMUNE_NOW"


def now() -> float:
    """The current wall-clock time in epoch seconds (``$IMMUNE_NOW`` when set)."""
    fixed = os.environ.get(ENV_VAR)
    if fixed:
        try:
            return float(fixed)
        except ValueError:
            pass
    return time.time()
