"""Network faults against every check that talks to a server (every check offering -H).

Each network check meets peers that misbehave the ways real ones do: one
that closes at once, one that sends binary garbage, one that sends an
endless stream, one that answers with hostile text (escape sequences,
``|``, control characters, very long lines), a name that does not
resolve and, where the check speaks TLS, a handshake that stalls (the peer
never answers the ClientHello). Whatever happens, the check ends within ``-t`` + 0.5 s with a
clean status line that is not OK (no false "all is well"), and its output
stays clean and bounded at every verbosity.
"""

from __future__ import annotations

import os
import socket

import pytest
from runner import run_check, which
from test_contract import NETWORK_CHECKS, NETWORK_EXTRA, help_text

TIMEOUT = 1.0
HOSTILE = (b"HTTP/1.1 200 \x1b[31mOK|evil=1\x07\r\nServer: \x1b]0;pwned\x07" + b"A" * 9000
           + b"\r\nContent-Length: 40\r\n\r\n<html>\x00\x1b[2J|perf=1;2;3 \r\n</html>\n\n\n\n\n")

# Peers a check may legitimately call OK: a plain TCP check without -e only
# promises that the port accepts connections.
MAY_BE_OK = {"check_tcp": {"closes", "garbage", "endless", "hostile"}}


def closes(conn: socket.socket) -> None:
    conn.close()


def garbage(conn: socket.socket) -> None:
    conn.sendall(os.urandom(4096))


def endless(conn: socket.socket) -> None:
    chunk = b"HTTP/1.1 200 OK\r\n" + b"X" * 65536
    while True:
        conn.sendall(chunk)


def hostile(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(HOSTILE)


PEERS = {"closes": closes, "garbage": garbage, "endless": endless, "hostile": hostile}


@pytest.fixture(params=sorted(PEERS))
def peer(request, tcp_peer):
    return request.param, tcp_peer(PEERS[request.param]).port


@pytest.mark.parametrize("verbosity", [[], ["-vvv"]], ids=["quiet", "vvv"])
@pytest.mark.parametrize("name", NETWORK_CHECKS)
def test_misbehaving_peer(name, peer, verbosity):
    kind, port = peer
    run = run_check(name, "-H", "127.0.0.1", "-p", str(port), "-t", str(TIMEOUT),
                    *NETWORK_EXTRA.get(name, []), *verbosity)
    out = run.output  # strict grammar: no control characters, no stray '|', bounded
    assert run.seconds < TIMEOUT + 0.5, f"{name} took {run.seconds:.2f}s against {kind}"
    if kind not in MAY_BE_OK.get(name, ()):
        assert out.state != "OK", f"{name} called a {kind} peer OK: {run.stdout}"


TLS_CHECKS = [n for n in NETWORK_CHECKS if "--ssl" in help_text(n)]


@pytest.mark.parametrize("name", TLS_CHECKS)
def test_tls_handshake_that_stalls(name, blackhole):
    # The peer accepts the connection and never answers the ClientHello.
    run = run_check(name, "-H", "127.0.0.1", "-p", str(blackhole), "--ssl", "-t", str(TIMEOUT),
                    *NETWORK_EXTRA.get(name, []))
    out = run.output
    assert out.state == "UNKNOWN" and "timeout" in out.summary.lower(), run.stdout
    assert run.seconds < TIMEOUT + 0.5


def test_the_tls_checks_are_found():
    assert {"check_http", "check_tcp"} <= set(TLS_CHECKS)


@pytest.mark.parametrize("name", NETWORK_CHECKS)
def test_name_that_does_not_resolve(name):
    # In a private network namespace: the look-up fails at once, nothing leaves the host.
    run = run_check(name, "-H", "no-such-host.invalid", "-t", str(TIMEOUT),
                    *NETWORK_EXTRA.get(name, []), wrapper=(which("unshare"), "--net"))
    out = run.output
    assert out.state in ("CRITICAL", "UNKNOWN"), run.stdout
    assert "no-such-host.invalid" in out.summary, run.stdout
    assert run.seconds < TIMEOUT + 0.5
