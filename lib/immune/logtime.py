"""The time a log line was written, read from its own timestamp.

:class:`LineTime` takes a ``strptime`` format (``%Y-%m-%d %H:%M:%S``) and
finds a timestamp of that shape in the first :data:`SEARCH_BYTES` bytes of a
line (so ``[02-Dec-2026 14:00:00 UTC] PHP Fatal error`` works with
``%d-%b-%Y %H:%M:%S``), or where a given regular expression says (its first
group, else the whole match). Times without ``%z`` are local time; a format
without a year (syslog's ``%b %d %H:%M:%S``) gets the year that puts the
line in the past.
"""

from __future__ import annotations

import re

SEARCH_BYTES = 200
_DIRECTIVES = {
    "Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}", "H": r"\d{1,2}",
    "I": r"\d{1,2}", "M": r"\d{1,2}", "S": r"\d{1,2}", "f": r"\d{1,6}", "j": r"\d{1,3}",
    "b": r"[A-Za-z]{3}", "h": r"[A-Za-z]{3}", "B": r"[A-Za-z]+", "a": r"[A-Za-z]{3}",
    "A": r"[A-Za-z]+", "p": r"[AaPp][Mm]", "z": r"(?:[+-]\d{2}:?\d{2}|Z)",
    "Z": r"[A-Za-z]{1,5}", "%": "%",
}


def format_regex(fmt: str) -> str:
    """A regular expression matching timestamps written with strptime format *fmt*."""
    parts, i = [], 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%" and i + 1 < len(fmt):
            parts.append(_DIRECTIVES.get(fmt[i + 1], r"\S+"))
            i += 2
            continue
        parts.append(r"\s+" if char.isspace() else re.escape(char))
        i += 1
    return "".join(parts)


class LineTime:
    """Epoch time of a line from its timestamp, or ``None`` when it has none."""

    def __init__(self, fmt: str, regex: str | None = None) -> None:
        from datetime import datetime

        self.fmt = fmt
        self._parse = datetime.strptime
        self._has_year = "%Y" in fmt or "%y" in fmt
        try:
            self._where = re.compile((regex or format_regex(fmt)).encode())
        except re.error as err:
            raise ValueError(f"bad timestamp regex: {err}") from None
        self._cache: dict[bytes, float | None] = {}

    def of(self, line: bytes, now: float) -> float | None:
        """The epoch time written at the start of *line* (*now* places year-less times)."""
        found = self._where.search(line, 0, SEARCH_BYTES)
        if not found:
            return None
        text = found.group(1) if found.re.groups else found.group(0)
        if text in self._cache:
            return self._cache[text]
        if len(self._cache) > 10000:
            self._cache.clear()
        self._cache[text] = value = self._epoch(text.decode("ascii", "replace"), now)
        return value

    def _epoch(self, text: str, now: float) -> float | None:
        try:
            stamp = self._parse(text, self.fmt)
            if not self._has_year:
                from datetime import datetime

                year = datetime.fromtimestamp(now).year
                stamp = stamp.replace(year=year)
                if stamp.timestamp() > now + 86400:
                    stamp = stamp.replace(year=year - 1)
            return stamp.timestamp()
        except (ValueError, OverflowError):
            return None
