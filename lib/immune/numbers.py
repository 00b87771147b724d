"""Numbers as the plugin contract wants them: ``[-0-9.]`` only, or ``U``; counts in words."""

from __future__ import annotations

import math

UNDETERMINED = "U"


def format_number(value: float | int | bool | None, digits: int = 6) -> str:
    """Format *value* for perfdata and thresholds.

    No exponent, no float noise (0.1 + 0.2 gives ``0.3``), booleans as 0/1,
    ``None``, NaN and infinities as ``U``. At most *digits* decimals.
    """
    if value is None:
        return UNDETERMINED
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if not math.isfinite(value):
        return UNDETERMINED
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def plural(count: int, word: str) -> str:
    """``1 route``, ``2 routes``, ``0 mismatches``: *count* and *word*, plural unless 1."""
    suffix = "es" if word.endswith(("s", "h")) else "s"
    return f"{count} {word}{'' if count == 1 else suffix}"
