"""Threshold ranges in the Nagios range syntax.

``10`` alerts outside 0..10, ``10:`` below 10, ``~:10`` above 10, ``10:20``
outside, ``@10:20`` inside; endpoints are inclusive. Unlike
``nagiosplugin.Range`` an empty or absent threshold means *never alert*
(:data:`NEVER`), scientific notation is accepted on input, and a malformed or
inverted range is refused with a one-line reason when options are parsed.
"""

from __future__ import annotations

import math
from collections import namedtuple

from immune.numbers import format_number

INF = math.inf


class RangeError(ValueError):
    """A threshold that does not follow the range syntax."""


class Range(namedtuple("Range", "start end invert", defaults=(-INF, INF, False))):
    """An immutable threshold range; :meth:`match` is True where no alert is due."""

    __slots__ = ()

    def match(self, value: float) -> bool:
        """True when *value* is acceptable (no alert) under this range."""
        inside = self.start <= value <= self.end
        return inside != self.invert

    def __contains__(self, value: float) -> bool:
        return self.match(value)

    @property
    def is_never(self) -> bool:
        """True for the range that never alerts (no threshold given)."""
        return not self.invert and self.start == -INF and self.end == INF

    def __str__(self) -> str:
        """The range in canonical Nagios syntax ('' for :data:`NEVER`)."""
        if self.is_never:
            return ""
        text = "@" if self.invert else ""
        if self.start == -INF:
            text += "~:"
        elif self.start != 0 or self.end == INF:
            text += format_number(self.start) + ":"
        if self.end != INF:
            text += format_number(self.end)
        return text

    @property
    def violation(self) -> str:
        """Human-readable reason why a value does not match."""
        if self.invert:
            low = "~" if self.start == -INF else format_number(self.start)
            high = "" if self.end == INF else format_number(self.end)
            return f"inside range {low}:{high}"
        if self.start == -INF:
            return f"above {format_number(self.end)}"
        if self.end == INF:
            return f"below {format_number(self.start)}"
        return f"outside range {format_number(self.start)}:{format_number(self.end)}"


NEVER = Range()


def _number(atom: str, spec: str) -> float:
    try:
        value = float(atom)
    except ValueError:
        raise RangeError(f"invalid range '{spec}': '{atom}' is not a number") from None
    if math.isnan(value):
        raise RangeError(f"invalid range '{spec}': NaN is not a bound")
    return value


def parse_range(spec: str | None) -> Range:
    """Parse one range; ``None`` or ``''`` gives :data:`NEVER`.

    >>> parse_range('10:').match(5)
    False
    """
    if spec is None:
        return NEVER
    text = spec.strip()
    if text == "":
        return NEVER
    invert = text.startswith("@")
    body = text[1:] if invert else text
    if body.count(":") > 1 or body in ("", ":"):
        raise RangeError(f"invalid range '{spec}'")
    if ":" in body:
        low, high = body.split(":")
        start = -INF if low == "~" else (0.0 if low == "" else _number(low, spec))
        end = INF if high == "" else _number(high, spec)
    else:
        start, end = 0.0, _number(body, spec)
    if start > end:
        raise RangeError(
            f"invalid range '{spec}': start {format_number(start)} "
            f"is greater than end {format_number(end)}"
        )
    return Range(start, end, invert)


def parse_range_list(spec: str | None, count: int) -> tuple[Range, ...]:
    """Parse ``count`` comma-separated ranges (``5,4,3``).

    A single range applies to all values; empty items mean never alert.
    """
    if spec is None:
        return (NEVER,) * count
    items = spec.split(",")
    if len(items) == 1:
        return (parse_range(items[0]),) * count
    if len(items) != count:
        raise RangeError(f"expected 1 or {count} comma-separated ranges, got '{spec}'")
    return tuple(parse_range(item) for item in items)
