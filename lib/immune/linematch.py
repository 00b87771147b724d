"""Finding the matching lines in a block of log lines, at grep speed.

:class:`LineMatcher` works on bytes, never decoding the block: fixed strings
(the default) are found with ``bytes.find``, which scans about as fast as
``grep``; regular expressions (Python ``re`` syntax, multi-line mode so
``^`` and ``$`` anchor at each line) use a compiled bytes pattern. Case
folding (``ignore_case``) is ASCII-only, as in ``grep -i`` under the C
locale. A line matching any exclude pattern is not a match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence


class LineMatcher:
    """Lines of a block that contain one of *patterns* and none of *excludes*."""

    def __init__(self, patterns: Sequence[str], regex: bool = False, ignore_case: bool = False,
                 excludes: Sequence[str] = ()) -> None:
        if not patterns:
            raise ValueError("no pattern given")
        self.ignore_case = ignore_case
        self.regex = regex
        self._finders = self._compile(patterns)
        self._excludes = self._compile(excludes) if excludes else []

    def _compile(self, patterns: Sequence[str]) -> list:
        """Finders (block, start, end) -> offset of the first match or -1."""
        encoded = [p.encode("utf-8", "surrogateescape") for p in patterns]
        if self.regex:
            flags = re.MULTILINE | (re.IGNORECASE if self.ignore_case else 0)
            try:
                pattern = re.compile(b"|".join(b"(?:%s)" % p for p in encoded), flags)
            except re.error as err:
                raise ValueError(f"bad regular expression: {err}") from None

            def search(block: bytes, start: int, end: int) -> int:
                found = pattern.search(block, start, end)
                return found.start() if found else -1

            return [search]
        if self.ignore_case:
            encoded = [p.lower() for p in encoded]
        return [_finder(needle) for needle in dict.fromkeys(encoded)]

    def lines(self, block: bytes) -> Iterator[bytes]:
        """Each matching line of *block* (complete lines), without its newline."""
        haystack = block.lower() if self.ignore_case and not self.regex else block
        if len(self._finders) == 1:
            spans = _spans(self._finders[0], haystack)
        else:
            spans = sorted({span for find in self._finders for span in _spans(find, haystack)})
        excludes = self._excludes
        for start, stop in spans:
            if not any(exclude(haystack, start, stop) >= 0 for exclude in excludes):
                yield block[start:stop]

    def count(self, block: bytes) -> int:
        """How many lines of *block* match."""
        return sum(1 for _ in self.lines(block))


def _finder(needle: bytes):
    return lambda block, start, end: block.find(needle, start, end)


def _spans(find, block: bytes) -> Iterator[tuple[int, int]]:
    """(start, stop) of each line of *block* in which *find* finds something."""
    end = len(block)
    hit = find(block, 0, end)
    while hit >= 0:
        start = block.rfind(b"\n", 0, hit) + 1
        stop = block.find(b"\n", hit)
        if stop < 0:
            stop = end
        yield start, stop
        hit = find(block, stop + 1, end) if stop + 1 < end else -1
