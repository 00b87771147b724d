"""immune.tcp: escapes, matching, and reading from real sockets within a deadline."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from components.process import free_port
from immune import tcp
from immune.deadline import CheckTimeout, Deadline


def test_unescape_like_check_tcp_dash_e():
    assert tcp.unescape("stats\\r\\n") == "stats\r\n"
    assert tcp.unescape("a\\tb\\\\c") == "a\tb\\c"
    assert tcp.unescape("keep \\x and trailing \\") == "keep \\x and trailing \\"


def test_expectation_any_or_all():
    assert tcp.expectation_met(b"220 ready", [b"220", b"nope"], match_all=False)
    assert not tcp.expectation_met(b"220 ready", [b"220", b"nope"], match_all=True)
    assert tcp.expectation_met(b"anything", [], match_all=True)


def pair():
    a, b = socket.socketpair()
    return a, b


def test_read_stops_at_the_match_without_waiting_for_more():
    ours, theirs = pair()
    with ours, theirs:
        theirs.sendall(b"+OK hello\r\n")
        start = time.monotonic()
        reply = tcp.read_reply(ours, Deadline(5), [b"+OK"])
        assert time.monotonic() - start < 0.5
        assert reply == tcp.Reply(b"+OK hello\r\n", True, False)
        assert reply.first_line() == "+OK hello"


def test_read_stops_at_eof_and_at_maxbytes():
    ours, theirs = pair()
    with ours:
        theirs.sendall(b"x" * 100)
        theirs.close()
        assert tcp.read_reply(ours, Deadline(5), [b"y"]) == tcp.Reply(b"x" * 100, False, True)
    ours, theirs = pair()
    with ours, theirs:
        theirs.sendall(b"y" * 3000)
        reply = tcp.read_reply(ours, Deadline(5), [b"z"], maxbytes=1000)
        assert len(reply.data) == 1000 and not reply.matched and not reply.eof


def test_quiet_server_ends_the_read_after_some_data(monkeypatch):
    monkeypatch.setattr(tcp, "QUIET", 0.2)
    ours, theirs = pair()
    with ours, theirs:
        theirs.sendall(b"partial")
        start = time.monotonic()
        reply = tcp.read_reply(ours, Deadline(5), [b"never"])
        assert 0.2 <= time.monotonic() - start < 1
        assert reply.data == b"partial" and not reply.matched


def test_silence_is_a_timeout_naming_the_stage():
    ours, theirs = pair()
    deadline = Deadline(0.3)
    with ours, theirs, pytest.raises(CheckTimeout) as err, deadline.stage("reading"):
        tcp.read_reply(ours, deadline, [b"220"])
    assert err.value.stage == "reading"


def test_endless_sender_is_cut_before_the_deadline():
    ours, theirs = pair()
    stop = threading.Event()

    def flood():
        while not stop.is_set():
            try:
                theirs.sendall(b"\x00garbage" * 512)
            except OSError:
                return

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    deadline = Deadline(0.5)
    try:
        reply = tcp.read_reply(ours, deadline, [b"NEEDLE"])
        assert deadline.remaining() > 0  # returned with time left to report
        assert 0 < len(reply.data) <= tcp.READ_CAP
    finally:
        stop.set()
        ours.close()
        thread.join(1)
        theirs.close()


def test_connect_refused_and_unresolved():
    port = free_port()
    with pytest.raises(tcp.ConnectError) as err:
        tcp.connect("127.0.0.1", port, Deadline(2))
    assert err.value.refused
    assert str(err.value) == f"connect to address 127.0.0.1 and port {port}: Connection refused"
    with pytest.raises(tcp.ResolveError):
        tcp.connect("no-such-host.invalid", 80, Deadline(2))


def test_connect_to_a_listener():
    server = socket.create_server(("127.0.0.1", 0))
    with server, tcp.connect("127.0.0.1", server.getsockname()[1], Deadline(2)) as sock:
        assert sock.getpeername() == server.getsockname()


def test_pause_never_sleeps_into_the_deadline_margin():
    deadline = Deadline(0.3)
    start = time.monotonic()
    slept = tcp.pause(5, deadline)
    assert 0 < slept <= 0.3 - tcp.MARGIN + 0.01
    assert time.monotonic() - start < 0.3 and deadline.remaining() > 0
    assert tcp.pause(0, deadline) == 0


def test_resolve_addresses_at_once_and_names_through_the_resolver():
    infos = tcp.resolve("127.0.0.1", 80, 0, Deadline(1))
    assert [info[4] for info in infos] == [("127.0.0.1", 80)]
    names = {info[4][0] for info in tcp.resolve("localhost", 80, socket.AF_INET, Deadline(2))}
    assert names == {"127.0.0.1"}  # from /etc/hosts, as getent would say
    with pytest.raises(socket.gaierror):
        tcp.resolve("no-such-host.invalid", 80, 0, Deadline(5))


def test_tls_verification_refuses_a_self_signed_certificate(tmp_path):
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=chat.example", "-days", "1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server = socket.create_server(("127.0.0.1", 0))

    def serve(count):
        for _ in range(count):
            conn, _ = server.accept()
            try:
                with server_context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, args=(2,), daemon=True)
    thread.start()
    port = server.getsockname()[1]
    with server:
        plain = tcp.start_tls(tcp.connect("127.0.0.1", port, Deadline(5)), Deadline(5),
                              "chat.example")
        with plain:
            assert plain.recv(5) == b"hello"
        with pytest.raises(tcp.ConnectError) as err:
            tcp.start_tls(tcp.connect("127.0.0.1", port, Deadline(5)), Deadline(5),
                          "chat.example", verify=True)
        assert "CERTIFICATE_VERIFY_FAILED" in str(err.value)
        thread.join(5)
