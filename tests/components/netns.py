"""A private network namespace with its own interfaces: the ``netns`` fixture.

Real kernel interfaces (a veth pair, loopback), addresses and routes, in a
namespace of their own: nothing on the host's network changes, and checks
run inside it (``ip netns exec``) see only it. Deleted in a ``finally``.
This kernel has no ``dummy`` link type; veth pairs stand in for NICs.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner import Run, run_check, which

_COUNTER = itertools.count()


class NetNamespace:
    """``ip netns`` NAME: run commands and installed checks inside it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ip_path = which("ip")

    def ip(self, *args: str) -> str:
        """Run ``ip ARGS`` inside the namespace; fail the test on error."""
        proc = subprocess.run([self.ip_path, "-n", self.name, *args], capture_output=True,
                              text=True, timeout=10)
        assert proc.returncode == 0, f"ip {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def exec(self, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run([self.ip_path, "netns", "exec", self.name, *argv],
                              capture_output=True, text=True, timeout=timeout)

    def check(self, name: str, *args: str, env: dict[str, str] | None = None) -> Run:
        """Run an installed check inside the namespace, as Nagios would."""
        return run_check(name, *args, env=env, wrapper=(self.ip_path, "netns", "exec", self.name))

    def read(self, path: str) -> str:
        """A file as seen from inside the namespace (``/sys`` is remounted there)."""
        proc = self.exec("cat", path)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def veth(self, a: str, b: str) -> None:
        """Create the veth pair *a*--*b* and bring both ends up."""
        self.ip("link", "add", a, "type", "veth", "peer", "name", b)
        self.ip("link", "set", a, "up")
        self.ip("link", "set", b, "up")


@pytest.fixture
def netns() -> Iterator[NetNamespace]:
    name = f"immtest-{os.getpid()}-{next(_COUNTER)}"
    ip = which("ip")
    created = subprocess.run([ip, "netns", "add", name], capture_output=True, text=True)
    assert created.returncode == 0, f"cannot create a network namespace: {created.stderr}"
    try:
        ns = NetNamespace(name)
        ns.ip("link", "set", "lo", "up")
        yield ns
    finally:
        subprocess.run([ip, "netns", "del", name], capture_output=True)
        assert not Path(f"/run/netns/{name}").exists()
