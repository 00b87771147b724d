"""State kept between runs of a check (log offsets, counter snapshots, baselines).

One directory holds it all: ``--state-dir``, else ``$IMMUNE_STATE_DIR``, else
``/var/lib/immune`` when usable, else a per-user directory. Each key is one
JSON file, written atomically (temp file + rename, mode 0600) so a check
killed mid-write leaves the old state intact, and guarded by a lock taken
with a timeout. A missing, corrupt or unreadable file reads as "no state":
the check records a fresh baseline instead of crashing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import time
import zlib
from collections.abc import Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SYSTEM_DIR = "/var/lib/immune"
ENV_VAR = "IMMUNE_STATE_DIR"
#: A state file larger than this is not ours: it reads as "no state" (bounded cost).
MAX_STATE_BYTES = 16 << 20


class StateError(Exception):
    """The state directory or a state file cannot be used (one-line reason)."""


def default_state_dir() -> str:
    """Where state lives when ``--state-dir`` is not given."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    if os.access(SYSTEM_DIR, os.W_OK) or (not os.path.exists(SYSTEM_DIR)
                                          and os.access(os.path.dirname(SYSTEM_DIR), os.W_OK)):
        return SYSTEM_DIR
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(base, "immune")


def checksum(data: bytes) -> str:
    """16 hex digits: two zlib checksums of *data* (for names and fingerprints in state).

    zlib rather than hashlib: loading OpenSSL costs ~10 ms per check run.
    """
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _file_name(key: str) -> str:
    """A safe, readable file name for *key*; the checksum keeps distinct keys apart."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("._")[:60]
    return f"{readable}-{checksum(key.encode('utf-8', 'surrogateescape'))}"  # non-UTF-8 paths too


class Draft:
    """The document of one key while :meth:`StateStore.updating` holds its lock.

    Change :attr:`data` in place or assign a new dict: what it holds when the
    block ends is what is saved.
    """

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


class StateStore:
    """JSON documents by key in one directory, atomic and locked."""

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = os.fspath(directory) if directory else default_state_dir()

    def path(self, key: str) -> str:
        """The file that holds *key*."""
        return os.path.join(self.directory, _file_name(key) + ".json")

    def load(self, key: str) -> dict[str, Any] | None:
        """The stored document, or ``None`` when missing, unusable or too big."""
        try:  # O_NONBLOCK: a fifo put in its place reads as empty instead of hanging
            fd = os.open(self.path(key), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            with open(fd, "rb") as handle:
                raw = handle.read(MAX_STATE_BYTES + 1)
            if len(raw) > MAX_STATE_BYTES:
                return None
            data = json.loads(raw)
        except (OSError, ValueError, RecursionError):  # deep nesting: RecursionError
            return None
        return data if isinstance(data, dict) else None

    def save(self, key: str, data: dict[str, Any]) -> None:
        """Replace the document atomically (readers see old or new, never half)."""
        self._ensure_directory()
        target = self.path(key)
        temp = f"{target}.{os.getpid()}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise StateError(f"cannot write state in {self.directory}: {err.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"), allow_nan=False)
            os.replace(temp, target)
        except (OSError, ValueError) as err:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            reason = getattr(err, "strerror", None) or str(err)
            raise StateError(f"cannot write state file {target}: {reason}") from None

    @contextlib.contextmanager
    def locked(self, key: str, timeout: float) -> Iterator[None]:
        """Hold the lock on *key*, waiting at most *timeout* seconds for it."""
        self._ensure_directory()
        lock_path = self.path(key)[: -len(".json")] + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise StateError(f"cannot open lock {lock_path}: {err.strerror}") from None
        try:
            give_up = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        raise StateError(f"cannot lock {lock_path}: {err.strerror}") from None
                    if time.monotonic() >= give_up:
                        raise StateError(f"state {lock_path} is locked by another run") from None
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def updating(self, key: str, timeout: float) -> Iterator[Draft]:
        """Lock *key* (waiting at most *timeout* seconds), load its document and hand it
        over as a :class:`Draft`; save the draft's data only when the block succeeds.

        A missing, corrupt or unusable document loads as ``{}`` (a fresh baseline);
        a block that raises leaves the stored document as it was.
        """
        with self.locked(key, timeout):
            draft = Draft(self.load(key) or {})
            yield draft
            self.save(key, draft.data)

    def check_directory(self) -> None:
        """Raise :class:`StateError` when the directory's path holds something else
        (a file): every key would read as "no state" there, without a word."""
        if os.path.exists(self.directory) and not os.path.isdir(self.directory):
            raise StateError(f"state dir {self.directory} is not a directory")

    def _ensure_directory(self) -> None:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        except OSError as err:
            raise StateError(f"cannot create state dir {self.directory}: {err.strerror}") from None
        self.check_directory()
