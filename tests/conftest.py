"""Shared fixtures. Component fixtures start real private servers (see components/)."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# Every module in components/ may define fixtures; all are available to all tests.
pytest_plugins = sorted(f"components.{p.stem}" for p in (Path(__file__).parent / "components")
                        .glob("*.py") if p.stem not in ("__init__", "process"))


@pytest.fixture
def blackhole(tcp_peer):
    """A port where a TCP listener accepts and never answers, and UDP is swallowed."""
    released = threading.Event()
    peer = tcp_peer(lambda conn: released.wait())
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", peer.port))
    try:
        yield peer.port
    finally:
        released.set()
        udp.close()


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """A private state directory, also exported as IMMUNE_STATE_DIR."""
    path = tmp_path / "state"
    monkeypatch.setenv("IMMUNE_STATE_DIR", str(path))
    return path


@pytest.fixture(autouse=True, scope="session")
def private_default_state(tmp_path_factory):
    """No test writes state to the system default (/var/lib/immune) by accident."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMMUNE_STATE_DIR", str(tmp_path_factory.mktemp("default-state")))
        yield
