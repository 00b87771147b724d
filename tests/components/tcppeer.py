"""A tiny scripted TCP (or Unix socket) peer: the ``tcp_peer`` fixture.

Not a mock of any real server: a protocol peer for the cases real servers do
not produce on demand (garbage, endless data, a late or split answer,
silence then close). Each accepted connection runs ``behaviour(conn)`` in a
thread; what the client sent is recorded in :attr:`Peer.received`. With
``tls=(certfile, keyfile)`` the peer speaks TLS.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from runner import libfaketime, which


def make_certificate(directory: Path, subject: str = "/CN=chat.example", days: int = 30,
                     made_at: str | None = None) -> tuple[Path, Path]:
    """A self-signed certificate and key made by openssl (*made_at*: as if on that date)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    env = None
    if made_at:
        env = {**os.environ, "LD_PRELOAD": libfaketime(), "FAKETIME": f"@{made_at}"}
    subprocess.run([which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", subject, "-days", str(days), "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60, env=env)
    return cert, key


class Peer:
    """A listening socket on 127.0.0.1 (free port) or at a Unix path."""

    def __init__(self, behaviour: Callable[[socket.socket], None],
                 unix_path: Path | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.behaviour = behaviour
        self.received = bytearray()
        self.connections = 0
        self.server_names: list[str | None] = []  # SNI seen in TLS handshakes
        self.tls = None
        if tls is not None:
            import ssl

            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(*tls)
            self.tls.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        if unix_path is not None:
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(str(unix_path))
            self.path: str | None = str(unix_path)
            self.port = 0
        else:
            self.server = socket.socket()
            self.server.bind(("127.0.0.1", 0))
            self.path = None
            self.port = self.server.getsockname()[1]
        self.server.listen(16)
        self.server.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            if self.tls is not None:
                conn.settimeout(5)
                conn = self.tls.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
        with conn, contextlib.suppress(OSError):
            self.behaviour(conn)
            conn.settimeout(0.5)  # record what the client says last (its quit string)
            while chunk := conn.recv(4096):
                self.received += chunk

    def recv_some(self, conn: socket.socket, timeout: float = 1.0) -> bytes:
        """Read what the client sent so far (for behaviours that answer a request)."""
        conn.settimeout(timeout)
        with contextlib.suppress(TimeoutError):
            chunk = conn.recv(4096)
            self.received += chunk
            return chunk
        return b""

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self._stop.set()
        self._accepter.join(1)
        for thread in self._threads:
            thread.join(2)
        self.server.close()
        if self.path:
            with contextlib.suppress(OSError):
                os.unlink(self.path)


@pytest.fixture
def tcp_peer() -> Iterator[Callable[..., Peer]]:
    """A factory: ``tcp_peer(behaviour, unix_path=None, tls=(cert, key))`` starts a peer,
    stopped at teardown."""
    peers: list[Peer] = []

    def start(behaviour: Callable[[socket.socket], None],
              unix_path: Path | None = None, tls: tuple[Path, Path] | None = None) -> Peer:
        peer = Peer(behaviour, unix_path, tls)
        peers.append(peer)
        return peer

    try:
        yield start
    finally:
        for peer in peers:
            peer.close()
