"""A program run within the time left, without importing ``subprocess``.

``subprocess`` costs 16 M instructions to import (``selectors``,
``threading``, ``signal``'s enum classes...), about 5 ms of every run of a
check whose job is to run a program (php, named-checkconf). Such a check
needs one thing of it: start the program, never through a shell, in a
session of its own, with stdin empty or given; collect stdout and stderr;
wait within the time left; when the time is up, kill the program's whole
process group. ``os.posix_spawnp``, ``os.pipe`` and ``select.poll`` do that.
"""

from __future__ import annotations

# _signal is the C module under ``signal``, without its enum classes.
import _signal
import fcntl
import os
import select
import time
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_READ_SIZE = 65536
_REAP_SECONDS = 0.5


class Completed(namedtuple("Completed", "args returncode stdout stderr")):
    """A program that ended: its *args*, *returncode* (negative: killed by that
    signal, as in ``subprocess``) and its *stdout* and *stderr* as bytes."""

    __slots__ = ()


class NotStarted(OSError):
    """The program could not be started (missing, not executable)."""


class Expired(Exception):
    """The time ran out; the program's process group has been killed."""


def run(argv: Sequence[str], timeout: float, input: bytes | None = None) -> Completed:
    """Run *argv* (a bare name is searched in ``PATH``) for at most *timeout* seconds.

    Raises :class:`NotStarted` when it cannot start and :class:`Expired` when
    the time runs out; on any exception (the check's own hard timer too) the
    program's process group is killed and reaped before it propagates.
    """
    args = list(argv)
    end = time.monotonic() + timeout
    opened: list[int] = []
    try:
        stdin_r, stdin_w = _pipe(opened) if input is not None else (_devnull(opened), None)
        out_r, out_w = _pipe(opened)
        err_r, err_w = _pipe(opened)
        actions = [(os.POSIX_SPAWN_DUP2, stdin_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                   (os.POSIX_SPAWN_DUP2, err_w, 2)]
        pid, mask = _start(args, actions)
        try:
            # the check's hard timer, held while the program had no pid here, strikes here
            _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
            for fd in (stdin_r, out_w, err_w):
                _close(fd, opened)
            out, err = _collect(out_r, err_r, stdin_w, input or b"", end, opened)
            status = _wait(pid, end)
        except BaseException:
            _kill_group(pid)
            raise
        return Completed(args, os.waitstatus_to_exitcode(status), out, err)
    finally:
        for fd in list(opened):
            _close(fd, opened)


def _start(args: list[str], actions: list) -> tuple[int, set[int]]:
    """Start the program in a session of its own: its pid, and the signal mask to
    restore, for this returns with SIGALRM blocked.

    The check's hard timer (SIGALRM) is held from before the start until the
    caller, knowing the pid, can kill what it started. The program gets the
    signal mask the check had and, as with ``subprocess``, SIGPIPE and
    SIGXFSZ back at their defaults (Python ignores them). SIGCHLD is put back
    to its default too: a parent that ignores it passes that on through exec,
    and the kernel would then reap the program and lose its exit status.
    """
    if _signal.getsignal(_signal.SIGCHLD) == _signal.SIG_IGN:
        _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
    mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGALRM})
    try:
        pid = os.posix_spawnp(args[0], args, os.environ, file_actions=actions, setsid=True,
                              setsigmask=mask, setsigdef=(_signal.SIGPIPE, _signal.SIGXFSZ))
    except BaseException as err:
        _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
        if isinstance(err, OSError):
            raise NotStarted(err.errno, err.strerror) from None
        raise
    return pid, mask


def _collect(out_r: int, err_r: int, stdin_w: int | None, data: bytes, end: float,
             opened: list[int]) -> tuple[bytes, bytes]:
    """Feed *data* to stdin and read stdout and stderr until both end, by *end*."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    pending = memoryview(data)
    if stdin_w is not None:
        if pending:
            poller.register(stdin_w, select.POLLOUT)
        else:
            _close(stdin_w, opened)
    waiting = len(chunks) + (1 if stdin_w is not None and pending else 0)
    while waiting:
        left = end - time.monotonic()
        if left <= 0:
            raise Expired
        for fd, _event in poller.poll(left * 1000):
            if fd == stdin_w:
                try:  # at most PIPE_BUF bytes: a pipe ready for writing takes them at once
                    pending = pending[os.write(fd, pending[:select.PIPE_BUF]):]
                except BrokenPipeError:  # the program does not read it all: its business
                    pending = pending[:0]
                done = not pending
            else:
                block = os.read(fd, _READ_SIZE)
                chunks[fd].append(block)
                done = not block
            if done:
                poller.unregister(fd)
                _close(fd, opened)
                waiting -= 1
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _wait(pid: int, end: float) -> int:
    """The wait status of *pid*, waiting until *end* (then :class:`Expired`)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= end:
            raise Expired
        time.sleep(0.001)


def _kill_group(pid: int) -> None:
    """Kill the program's session (its process group) and reap the program."""
    try:
        os.killpg(pid, _signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        _wait(pid, time.monotonic() + _REAP_SECONDS)
    except (Expired, ChildProcessError):
        pass


def _pipe(opened: list[int]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    opened += (read_end, write_end)
    return _above_stdio(read_end, opened), _above_stdio(write_end, opened)


def _devnull(opened: list[int]) -> int:
    fd = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    opened.append(fd)
    return _above_stdio(fd, opened)


def _above_stdio(fd: int, opened: list[int]) -> int:
    """*fd*, or a copy numbered 3 or more when it is 0-2 (the caller ran with one of
    those closed): the program's 0-2 are made from these, which must not clash."""
    if fd > 2:
        return fd
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    opened.append(high)
    _close(fd, opened)
    return high


def _close(fd: int, opened: list[int]) -> None:
    if fd in opened:
        opened.remove(fd)
        os.close(fd)
