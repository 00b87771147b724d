"""The time a log line was written, read from its own timestamp.

:class:`LineTime` takes a ``strptime`` format (``%Y-%m-%d %H:%M:%S``) and
finds a timestamp of that shape in the first :data:`SEARCH_BYTES` bytes of a
line (so ``[02-Dec-2026 14:00:00 UTC] PHP Fatal error`` works with
``%d-%b-%Y %H:%M:%S``), or where a given regular expression says (its first
group, else the whole match). Times without ``%z`` are local time; a format
without a year (syslog's ``%b %d %H:%M:%S``) gets the year that puts the
line in the past.

:meth:`LineTime.window_start` finds where a time window begins in a large
log by bisection, so a first run reads the window, not the whole file.
"""

from __future__ import annotations

import os
import re

SEARCH_BYTES = 200
PROBE_BYTES = 64 << 10
BACK_OFF = 1 << 20
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

    def window_start(self, fd: int, size: int, since: float, now: float) -> int:
        """A line start shortly before the first line dated *since* or later.

        Bisects the file on the timestamps of the lines found at each probe,
        then backs off :data:`BACK_OFF` bytes, so lines a little out of order
        are not missed (the caller still judges each line by its time).
        """
        low, high = 0, size
        while high - low > PROBE_BYTES:
            middle = (low + high) // 2
            stamp = self._first_time_after(fd, middle, now)
            if stamp is not None and stamp < since:
                low = middle
            else:
                high = middle
        start = max(low - BACK_OFF, 0)
        if start == 0:
            return 0
        data = os.pread(fd, PROBE_BYTES, start)
        newline = data.find(b"\n")
        return start + newline + 1 if newline >= 0 else low

    def _first_time_after(self, fd: int, offset: int, now: float) -> float | None:
        lines = os.pread(fd, PROBE_BYTES, offset).split(b"\n")[1:-1]
        for line in lines:
            stamp = self.of(line, now)
            if stamp is not None:
                return stamp
        return None
