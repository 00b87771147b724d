"""immune.httpwire: response parsing and chunked bodies (the socket half is exercised
against a real Apache by tests/test_http.py)."""

import pytest
from immune.httpwire import HttpError, ascii_host, ascii_path, dechunk, parse_head


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
