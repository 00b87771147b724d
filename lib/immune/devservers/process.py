"""Start and stop one private server process, wait for it to be ready.

Shared by the tests (``tests/components``) and the demo (``tools/demo``):
every private server runs on 127.0.0.1, a free port, a temporary directory,
and is stopped by the PID we started, never by name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/lib/nagios/plugins")


class MissingProgram(RuntimeError):
    """A program a private server needs is not installed (an install bug)."""


def which(program: str) -> str:
    """The path of a required external program (also looked up in sbin dirs)."""
    path = shutil.which(program) or next(
        (str(p) for d in SBIN_DIRS if (p := Path(d) / program).exists()), None)
    if not path:
        raise MissingProgram(f"{program} is not installed: tools/setup must install it")
    return path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A TCP (or, with ``SOCK_DGRAM``, UDP) port on 127.0.0.1 that nothing uses right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_user() -> tuple[str, str]:
    """The effective user and group names of this process (daemons run as them)."""
    import grp
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
        return True
    return False


def wait_until(ready: Callable[[], bool], timeout: float, what: str,
               proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Poll *ready* until true; fail with the server's log when it is not."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if ready():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.02)
    detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not become ready in {timeout}s: {detail}")


@contextlib.contextmanager
def running(argv: Sequence[str], ready: Callable[[], bool], what: str, log: Path,
            timeout: float = 20, env: dict[str, str] | None = None,
            stop_signal: int = signal.SIGKILL) -> Iterator[subprocess.Popen]:
    """Run *argv* until the block ends; stopped by PID in a finally, even if start failed."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        wait_until(ready, timeout, what, proc, log)
        yield proc
    finally:
        stop(proc, stop_signal)


def stop(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Stop the process we started (and its group), nothing else."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
