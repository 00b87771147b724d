"""immune.httpwire: response parsing and chunked bodies (the socket half is exercised
against a real Apache by tests/test_http.py)."""

import contextlib
import socket
import threading

import pytest
from immune.deadline import Deadline
from immune.httpwire import HttpError, ascii_host, ascii_path, dechunk, parse_head, read_body


def test_dechunk_whole_and_truncated():
    assert dechunk(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n") == (b"hello world", True)
    assert dechunk(b"5\r\nhello\r\n6\r\n wo") == (b"hello", False)
    assert dechunk(b"zz\r\n") == (b"", False)


def test_status_line_with_control_characters_is_not_http():
    with pytest.raises(HttpError) as err:
        parse_head(b"HTTP/1.1 200 \x1b[31mOK\x07\r\nServer: x", "peer:80")
    assert err.value.kind == "protocol" and "invalid HTTP response from peer:80" in str(err.value)
    line, status, headers = parse_head(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\nServer: x", "p")
    assert (line, status, headers) == ("HTTP/1.1 200 OK", 200, (("X-A", "1 2"), ("Server", "x")))


def test_outgoing_text_is_ascii_without_control_characters():
    assert ascii_path("/a b/ü?q=1") == "/a%20b/%C3%BC?q=1"
    assert ascii_path("/x\r\nEvil: 1") == "/x%0D%0AEvil:%201"
    assert ascii_host("bücher.example") == "xn--bcher-kva.example"
    for bad in ("x\r\nEvil: 1", "a b", "tab\there"):
        with pytest.raises(HttpError):
            ascii_host(bad)


def chunked(payload, size):
    """*payload* framed as chunks of *size* bytes (the last one shorter), then the end."""
    pieces = [payload[at:at + size] for at in range(0, len(payload), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def read_chunked(wire, record, max_body):
    """read_body over a socket pair, the peer sending *wire* in *record*-byte writes and
    keeping the connection open: only the last chunk can end the read."""
    ours, peer = socket.socketpair()
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"

    def send():
        with contextlib.suppress(OSError):  # a cut body: we stop reading and close
            for at in range(0, len(wire), record):
                peer.sendall(wire[at:at + record])

    sender = threading.Thread(target=send)
    sender.start()
    try:
        return read_body(ours, Deadline(10), b"", "GET", 200, parse_head(head, "p")[2],
                         max_body)
    finally:
        ours.close()
        sender.join()
        peer.close()


def test_large_chunked_body_in_small_records_is_decoded_whole():
    payload = bytes(range(256)) * 6000  # 1.5 MB in 3000 chunks sent in 997-byte writes
    wire = chunked(payload, 500)
    assert dechunk(wire) == (payload, True)
    assert read_chunked(wire, 997, 2 * 1024 * 1024) == (payload, False)
    body, truncated = read_chunked(wire, 16 * 1024, 1000 * 1000)
    assert (body, truncated) == (payload[:1000 * 1000], True)
