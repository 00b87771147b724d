"""Sizes with units, as operators write them (``50MB``, ``2G``, ``512k``).

Binary multiples, as the Monitoring Plugins' ``check_disk`` and
``check_file_age`` use them: ``1KB`` = 1024 bytes, ``1MB`` = 1024 KB.
``KiB``-style suffixes mean the same. A bare number is bytes unless the
caller names another default unit.
"""

from __future__ import annotations

import math
import re

from immune.numbers import format_number

MULTIPLES = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4,
             "P": 1024**5}
# A pattern, compiled on first use: only runs that parse a size pay for it.
_SIZE = r"(?i)^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([KMGTP]?)(?:I?B)?\s*$"


class SizeError(ValueError):
    """A size that is not a number with an optional unit."""


def parse_size(text: str, default_unit: str = "B") -> int:
    """Bytes in *text* (``50MB`` -> 52428800); a bare number is in *default_unit*."""
    match = re.match(_SIZE, text or "")
    if not match:
        raise SizeError(f"'{text}' is not a size (e.g. 512, 20KB, 50MB, 2GB)")
    number, prefix = float(match[1]), match[2].upper()
    bare = not re.search(r"[A-Za-z]", text)
    multiple = MULTIPLES[default_unit.upper()[:1] if bare else prefix]
    value = number * multiple
    if not math.isfinite(value):
        raise SizeError(f"'{text}' is too large")
    return int(value)


def unit_multiple(unit: str) -> int:
    """Bytes in one *unit* (``B``, ``KB``, ``MB``, ``GB``, ``TB``)."""
    prefix = unit.strip().upper()[:1]
    if prefix not in MULTIPLES:
        raise SizeError(f"unknown unit '{unit}' (use B, KB, MB, GB, TB)")
    return MULTIPLES[prefix if prefix != "B" else ""]


def format_size(size: float) -> str:
    """A human size for summaries: ``812 B``, ``4.2 KB``, ``33 GB`` (binary multiples)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            return f"{format_number(size, 1 if unit != 'B' else 0)} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
