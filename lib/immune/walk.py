"""A bounded walk over the regular files in a directory.

A directory check must not cost more as the directory grows: :class:`Walk`
looks at no more than *limit* directory entries (files, subdirectories and
anything else, matching or not), then stops and says so in
:attr:`Walk.truncated`. Files are yielded as :class:`FileInfo` values, never
collected, so memory stays flat too. Symbolic links are not followed (a
link is neither counted nor descended into); a file that vanishes between
listing and ``stat`` (log rotation) is skipped; an unreadable subdirectory
is counted in :attr:`Walk.unreadable` and skipped. Only the top directory
must be readable: if it is not, :class:`immune.domain.CheckError` says why.
"""

from __future__ import annotations

import os
import stat
from collections import namedtuple
from collections.abc import Iterator

from immune.domain import CheckError

DEFAULT_LIMIT = 10000


class FileInfo(namedtuple("FileInfo", "path size mtime")):
    """One regular file: its path, size in bytes and modification time (epoch seconds)."""

    __slots__ = ()


def has_wildcards(text: str) -> bool:
    """True when *text* contains shell glob characters (``*``, ``?``, ``[``)."""
    return any(ch in text for ch in "*?[")


def split_glob(pattern: str) -> tuple[str, str]:
    """Split ``/dir/name-*.gz`` into the literal directory and the name pattern.

    Wildcards are allowed in the last component only (a bounded walk of one
    directory); :class:`ValueError` otherwise.
    """
    directory, name = os.path.split(pattern)
    if not name or has_wildcards(directory):
        raise ValueError(f"'{pattern}': wildcards are allowed in the file name only")
    return directory or ".", name


class Walk:
    """Regular files in *top* (and below with *recursive*) whose name matches *pattern*.

    Iterate once. After iteration :attr:`examined` is the number of entries
    looked at, :attr:`truncated` whether the walk stopped at *limit*.
    """

    def __init__(self, top: str, pattern: str | None = None, recursive: bool = False,
                 limit: int = DEFAULT_LIMIT) -> None:
        self.top = top
        self.pattern = pattern
        self.recursive = recursive
        self.limit = limit
        self.examined = 0
        self.truncated = False
        self.unreadable = 0

    def __iter__(self) -> Iterator[FileInfo]:
        if self.pattern is not None:
            from fnmatch import fnmatchcase as match
        pending = [self.top]
        while pending:
            directory = pending.pop()
            try:
                entries = os.scandir(directory)
            except OSError as err:
                if directory == self.top:
                    raise CheckError(f"cannot read directory {self.top}: "
                                     f"{err.strerror or err}") from None
                self.unreadable += 1
                continue
            with entries:
                for entry in entries:
                    if self.examined >= self.limit:
                        self.truncated = True
                        return
                    self.examined += 1
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if self.recursive:
                                pending.append(entry.path)
                            continue
                        if not entry.is_file(follow_symlinks=False):
                            continue
                        if self.pattern is not None and not match(entry.name, self.pattern):
                            continue
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    except OSError:
                        self.unreadable += 1
                        continue
                    if stat.S_ISREG(info.st_mode):
                        yield FileInfo(entry.path, info.st_size, info.st_mtime)
