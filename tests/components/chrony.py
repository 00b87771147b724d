"""Private NTP servers (chronyd on 127.0.0.1, a free UDP port): the ``ntp_server`` factory.

``ntp_server()`` serves the true time (``local stratum 8``, the system clock
untouched with ``-x``); ``ntp_server("+90s")`` runs chronyd itself under
libfaketime, so its clock, and every answer it gives, is 90 s ahead;
``ntp_server(synchronised=False)`` has no time source at all and answers
"not synchronised" (leap indicator 3, stratum 0).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from runner import libfaketime, which

from components.process import free_port, running, stop

CONFIG = """\
port {port}
bindaddress 127.0.0.1
allow 127.0.0.1
{local}
cmdport 0
bindcmdaddress /
pidfile {root}/chronyd.pid
driftfile {root}/chrony.drift
"""


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing is bound to right now."""
    return free_port(socket.SOCK_DGRAM)


def answers(port: int) -> bool:
    """True when an NTP server on 127.0.0.1:*port* replies to a client packet."""
    import ntplib

    try:
        ntplib.NTPClient().request("127.0.0.1", version=3, port=port, timeout=0.2)
    except (ntplib.NTPException, OSError):
        return False
    return True


@dataclass
class NtpServer:
    port: int
    skew: str | None
    proc: object

    def kill(self) -> None:
        """Stop answering (the port stays closed: nothing else is bound there)."""
        stop(self.proc)


@contextlib.contextmanager
def chronyd(root: Path, skew: str | None = None,
            synchronised: bool = True) -> Iterator[NtpServer]:
    """One chronyd on a free UDP port; *skew* like ``+90s`` shifts its clock (libfaketime)."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_udp_port()
    conf = root / "chrony.conf"
    local = "local stratum 8" if synchronised else ""
    conf.write_text(CONFIG.format(port=port, root=root, local=local))
    user = ["-u", "root"] if os.geteuid() == 0 else ["-U"]
    argv = [which("chronyd"), "-d", "-x", *user, "-f", str(conf)]
    env = {"LD_PRELOAD": libfaketime(), "FAKETIME": skew} if skew else {}
    with running(argv, lambda: answers(port), f"chronyd on udp {port}", root / "chronyd.log",
                 timeout=15, env=env) as proc:
        yield NtpServer(port, skew, proc)


@pytest.fixture
def ntp_server(tmp_path) -> Iterator[Callable[..., NtpServer]]:
    """A factory: ``ntp_server()``, ``ntp_server("+90s")``; all stopped afterwards."""
    import itertools

    numbers = itertools.count()
    with contextlib.ExitStack() as stack:
        def start(skew: str | None = None, synchronised: bool = True) -> NtpServer:
            root = tmp_path / f"chrony-{next(numbers)}"
            return stack.enter_context(chronyd(root, skew, synchronised))

        yield start
