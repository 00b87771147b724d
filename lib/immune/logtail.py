"""Reading only the new lines of a log, safe across rotation and truncation.

A :class:`Position` (device, inode, byte offset and a fingerprint of the
file's first bytes) says where the previous run stopped. :class:`LogTail`
yields the complete lines written since, in large binary blocks:

- same file, grown: from the offset on;
- rotated by rename (``log`` -> ``log.1``): the rest of the old file, found
  among the log's siblings by its inode, then the new file from byte 0;
- copied and truncated (``copytruncate``, seen as a smaller file or a
  changed fingerprint): the rest of the copy, found as a sibling whose first
  bytes match the fingerprint, then the truncated file from byte 0;
- rotated several times since (``log.3``, ``log.2``, ``log.1``): the
  numbered files between the old one and the live one are read whole.

A partial last line of the live file (no newline yet) is held back until it
is complete; the last line of a finished rotated file counts even without
one. Compressed rotated files are not read: lines that reached only them
are reported lost in :attr:`LogTail.notes`.
"""

from __future__ import annotations

import os
import stat
import time
from collections import namedtuple
from collections.abc import Callable, Iterator

from immune.state import checksum

CHUNK = 1 << 20
MAX_LINE_BLOCK = 64 << 20
FINGERPRINT_BYTES = 1024
COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z", ".zip")


class LogError(Exception):
    """The log cannot be read (missing, not a file, no permission): one-line reason."""


class Position(namedtuple("Position", "dev inode offset fp_len fp mtime finished",
                           defaults=(0, 0))):
    """Where reading stopped: file identity, byte offset, fingerprint of its start.

    *mtime* (ns) is the file's modification time then and *finished* the
    inode of the rotated file read to its end before it: together they find
    the copy of a log that was still empty at the last run (nothing to
    fingerprint) without taking the older generation for it.
    """

    __slots__ = ()

    def to_state(self) -> dict:
        """The position as a JSON-ready dict."""
        return dict(self._asdict())

    @classmethod
    def from_state(cls, data: object) -> Position | None:
        """The position in *data*, or ``None`` when missing or malformed."""
        if not isinstance(data, dict):
            return None
        try:
            values = [data[name] for name in cls._fields[:5]] + [
                data.get("mtime", 0), data.get("finished", 0)]
        except KeyError:
            return None
        ints = values[:4] + values[5:]
        if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 1 << 63
               for v in ints) or not isinstance(values[4], str) \
                or values[3] > FINGERPRINT_BYTES:  # (an absurd one would fail every run)
            return None
        return cls(*values)


class _Source(namedtuple("_Source", "fd name start final")):
    """One file to read: from *start*; *final* = rotated away, its last line counts."""


def _fingerprint(fd: int, length: int) -> str:
    """The checksum of the file's first *length* bytes."""
    return checksum(os.pread(fd, length, 0))


def _open(path: str) -> tuple[int, os.stat_result]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise LogError(f"cannot read {path}: {err.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise LogError(f"{path} is {kind}")
    return fd, info


class LogTail:
    """The unseen lines of the log at *path*, from *position* on.

    Without a position (first run) reading starts at the end of the file
    (``start="end"``: only lines written from now on) or at its beginning
    (``start="beginning"``), or where ``start(fd, size)`` says (a line
    start, e.g. the first line of a time window). After :meth:`blocks` has been consumed,
    :attr:`position` is where the next run resumes and :attr:`notes` says
    what happened (rotation, truncation, lost lines, backlog left).
    """

    def __init__(self, path: str, position: Position | None, start: str | Callable = "end",
                 chunk: int = CHUNK) -> None:
        self.path = os.path.abspath(path)
        self.position = position
        self._finished = position.finished if position else 0
        self.first_run = position is None
        self.start = start
        self.chunk = chunk
        self.notes: list[str] = []
        self.backlog = 0

    def blocks(self, stop_at: float | None = None) -> Iterator[bytearray]:
        """Yield blocks of complete lines, each ending with a newline.

        A block is one reused buffer, valid until the next block is asked
        for (no copy per block: this is what keeps a full scan near grep's
        speed); copy what must be kept. :attr:`position` moves past a block
        as it is yielded: consume every block. With *stop_at* (a
        ``time.monotonic()`` value) reading stops between blocks once that
        time has passed; :attr:`backlog` then says how many bytes remain.
        """
        sources = self._plan()
        buffer = bytearray(self.chunk)
        try:
            for index, source in enumerate(sources):
                offset = source.start
                size = os.fstat(source.fd).st_size
                while offset < size:
                    if stop_at is not None and time.monotonic() >= stop_at:
                        self.backlog = size - offset + sum(
                            os.fstat(s.fd).st_size - s.start for s in sources[index + 1:])
                        self.notes.append(f"{self.backlog} bytes left to read next run")
                        self._move(source, offset)
                        return
                    self._read(source, offset, buffer)
                    if not buffer:
                        break
                    offset += len(buffer)
                    if not buffer.endswith(b"\n"):
                        buffer += b"\n"
                    self._move(source, offset)
                    yield buffer
                self._move(source, offset)
                if source.final:
                    self._finished = self.position.inode
        finally:
            for source in sources:
                os.close(source.fd)

    def _read(self, source: _Source, offset: int, buffer: bytearray) -> None:
        """Fill *buffer* with complete lines from *offset* (a final file's tail too)."""
        length = self.chunk
        while True:
            if len(buffer) != length:  # shrinking keeps the memory: no copy, no fault
                buffer[len(buffer):] = bytes(length - len(buffer)) \
                    if len(buffer) < length else b""
                del buffer[length:]
            got = os.preadv(source.fd, [buffer], offset)
            cut = buffer.rfind(b"\n", 0, got) + 1
            if got < length:  # end of file
                del buffer[got if source.final else cut:]
                return
            if cut or length >= MAX_LINE_BLOCK:  # (an enormous line is split)
                del buffer[cut or got:]
                return
            length *= 2

    def _move(self, source: _Source, offset: int) -> None:
        info = os.fstat(source.fd)
        fp_len = min(info.st_size, FINGERPRINT_BYTES)  # a partial line is stable too
        self.position = Position(info.st_dev, info.st_ino, offset, fp_len,
                                 _fingerprint(source.fd, fp_len), info.st_mtime_ns,
                                 self._finished)

    def _plan(self) -> list[_Source]:
        """The files to read, oldest first, with where to start in each."""
        pos = self.position
        try:
            fd, info = _open(self.path)
        except LogError:
            previous = self._find_previous(pos, None) if pos else None
            if previous is None:
                raise
            self.notes.append(f"{self.path} is missing: reading {previous.name} for now")
            return [previous._replace(final=False)]
        current = _Source(fd, self.path, 0, False)
        if pos is None:
            return [current._replace(start=self._first_offset(fd, info.st_size))]
        same = (info.st_dev, info.st_ino) == (pos.dev, pos.inode)
        if same and info.st_size >= pos.offset and _fingerprint(fd, pos.fp_len) == pos.fp:
            copies = self._copy_of_empty(pos, info) if pos.fp_len == 0 else []
            if not copies:
                return [current._replace(start=pos.offset)]
            self.notes.append(f"log truncated: reading its copy {copies[0].name}")
            return [*copies, current]
        what = "truncated" if same else "rotated"
        previous = self._find_previous(pos, info)
        if previous is None:
            self.notes.append(f"log {what}; the previous file was not found "
                              "(compressed or deleted?): its unread lines are lost")
            return [current]
        self.notes.append(f"log {what}: finishing {previous.name} from byte {pos.offset}")
        return [previous, *self._between(previous.name), current]

    def _first_offset(self, fd: int, size: int) -> int:
        if callable(self.start):
            offset = min(max(int(self.start(fd, size)), 0), size)
            self.notes.append(f"first run: reading from byte {offset} of {size}")
            return offset
        if self.start == "beginning":
            self.notes.append("first run: reading the whole log")
            return 0
        self.notes.append("first run: reading from the end of the log")
        tail = os.pread(fd, min(size, CHUNK), max(size - CHUNK, 0))
        return max(size - CHUNK, 0) + tail.rfind(b"\n") + 1 if b"\n" in tail else size

    def _siblings(self) -> Iterator[tuple[os.DirEntry, os.stat_result]]:
        """The uncompressed regular files next to the log (not the log itself)."""
        folder, base = os.path.split(self.path)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name == base or entry.name.endswith(COMPRESSED):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                yield entry, info

    def _find_previous(self, pos: Position, current: os.stat_result | None) -> _Source | None:
        """The file read last time: by inode among the siblings, else by fingerprint."""
        base = os.path.basename(self.path)
        by_fingerprint: list[tuple[float, str]] = []
        for entry, info in self._siblings():
            if info.st_size < pos.offset or (current and info.st_ino == current.st_ino):
                continue
            if (info.st_dev, info.st_ino) == (pos.dev, pos.inode):
                found = self._verified(entry.path, pos)
                if found is not None:
                    return found
            elif entry.name.startswith(base) and pos.fp_len > 0:
                by_fingerprint.append((info.st_mtime, entry.path))
        for _, path in sorted(by_fingerprint, reverse=True):
            found = self._verified(path, pos)
            if found is not None:
                return found
        return None

    def _copy_of_empty(self, pos: Position, current: os.stat_result) -> list[_Source]:
        """The copies ``copytruncate`` made of a log that was empty at the last run.

        Nothing was read to fingerprint, so the first copy is the oldest
        rotated sibling modified after the log was last seen (older
        generations were last written before the log was emptied); the
        numbered ones after it follow.
        """
        if current.st_mtime_ns == pos.mtime:
            return []
        base = os.path.basename(self.path)
        found: list[tuple[int, int, str]] = []
        for entry, info in self._siblings():
            suffix = entry.name[len(base) + 1:]
            if entry.name.startswith(base) and info.st_size > 0 \
                    and info.st_ino not in (current.st_ino, pos.finished) \
                    and info.st_mtime_ns > pos.mtime:
                found.append((info.st_mtime_ns, -int(suffix) if suffix.isdigit() else 0,
                              entry.path))
        if not found:
            return []
        oldest = min(found)[2]
        try:
            fd, _ = _open(oldest)
        except LogError:
            return []
        return [_Source(fd, oldest, 0, True), *self._between(oldest)]

    @staticmethod
    def _verified(path: str, pos: Position) -> _Source | None:
        try:
            fd, _ = _open(path)
        except LogError:
            return None
        if _fingerprint(fd, pos.fp_len) == pos.fp:
            return _Source(fd, path, pos.offset, True)
        os.close(fd)
        return None

    def _between(self, previous: str) -> list[_Source]:
        """Numbered files rotated after *previous* (``log.2``, ``log.1``), read whole."""
        suffix = previous[len(self.path) + 1:] if previous.startswith(self.path + ".") else ""
        if not suffix.isdigit():
            return []
        sources = []
        for number in range(int(suffix) - 1, 0, -1):
            try:
                fd, _ = _open(f"{self.path}.{number}")
            except LogError:
                self.notes.append(f"{self.path}.{number} not readable: its lines are lost")
                continue
            sources.append(_Source(fd, f"{self.path}.{number}", 0, True))
        return sources
