"""Private memcached instances (used by the test fixtures and the demo)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from immune.devservers.process import free_port, port_open, running, stop, which


@dataclass
class Memcached:
    """A running private memcached."""

    port: int
    proc: object

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        """Kill the server now (a hard lock-up or crash, as far as clients know)."""
        stop(self.proc)


@contextlib.contextmanager
def memcached(tmp: Path) -> Iterator[Memcached]:
    """One memcached on 127.0.0.1, a free port, 16 MB, no UDP."""
    port = free_port()
    argv = [which("memcached"), "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "16"]
    if os.geteuid() == 0:
        argv += ["-u", "root"]
    with running(argv, lambda: port_open(port), f"memcached on {port}",
                 tmp / f"memcached-{port}.log", timeout=10) as proc:
        yield Memcached(port, proc)
