"""immune.http against a real private Apache, a black hole and a closed port."""

import time
import urllib.request

import pytest
from components.process import free_port
from immune.deadline import CheckTimeout, Deadline
from immune.http import (
    HttpError,
    Target,
    fetch,
    fetch_following,
    handshake,
    redirect_target,
    split_host,
    target_for,
)


def target(server, path="/", **kw):
    return Target("127.0.0.1", server.port, "127.0.0.1", path, **kw)


def test_fetch_reads_what_urllib_reads(apache_web):
    apache_web.write("page.html", "<html>\n" + "x" * 5000 + "\n</html>\n")
    response = fetch(target(apache_web, "/page.html"), Deadline(5))
    with urllib.request.urlopen(apache_web.url + "/page.html", timeout=5) as independent:
        assert response.body == independent.read()
        assert response.status == independent.status == 200
        assert response.header("Content-Type") == independent.headers["Content-Type"]
    assert response.status_line == "HTTP/1.1 200 OK"
    assert not response.truncated and response.redirects == 0
    assert 0 < response.seconds < 5
    assert response.head_size > len("HTTP/1.1 200 OK\r\n\r\n")


def test_body_is_bounded_and_marked_truncated(apache_web):
    apache_web.write("big.bin", b"y" * 300_000)
    response = fetch(target(apache_web, "/big.bin"), Deadline(5), max_body=1000)
    assert response.body == b"y" * 1000 and response.truncated
    assert response.header("content-length") == "300000"


def test_head_has_no_body(apache_web):
    response = fetch(target(apache_web), Deadline(5), method="HEAD")
    assert response.status == 200 and response.body == b""
    assert int(response.header("content-length")) > 0


def test_redirects_are_followed_and_counted(apache_web):
    response = fetch_following(target(apache_web, "/hop1"), Deadline(5))
    assert response.status == 200 and response.redirects == 2
    assert response.target.path == "/index.html"
    assert fetch(target(apache_web, "/hop1"), Deadline(5)).status == 302


def test_redirect_loop_and_too_many_redirects(apache_web):
    with pytest.raises(HttpError) as loop:
        fetch_following(target(apache_web, "/loop"), Deadline(5))
    assert loop.value.kind == "redirect-loop" and "/loop" in str(loop.value)
    with pytest.raises(HttpError) as many:
        fetch_following(target(apache_web, "/hop1"), Deadline(5), max_redirects=1)
    assert many.value.kind == "redirects"


def test_refused_connection_is_one_line_error():
    port = free_port()
    with pytest.raises(HttpError) as err:
        fetch(Target("127.0.0.1", port, "127.0.0.1"), Deadline(5))
    assert err.value.kind == "refused"
    assert str(err.value) == f"connection refused by 127.0.0.1:{port}"


def test_black_hole_times_out_at_the_deadline(blackhole):
    deadline = Deadline(0.3)
    start = time.monotonic()
    with pytest.raises(CheckTimeout) as err:
        fetch(Target("127.0.0.1", blackhole, "127.0.0.1"), deadline)
    assert 0.25 < time.monotonic() - start < 1
    assert err.value.stage == f"waiting for the response from 127.0.0.1:{blackhole}"


def test_tls_fetch_and_verification_failure(apache_tls):
    apache_tls.write("secure.txt", "over tls")
    tls = Target("127.0.0.1", apache_tls.port, "localhost", "/secure.txt", tls=True)
    assert fetch(tls, Deadline(5)).body == b"over tls"
    with pytest.raises(HttpError) as err:
        fetch(tls._replace(verify=True), Deadline(5))
    assert err.value.kind == "tls" and "CERTIFICATE_VERIFY_FAILED" in str(err.value)


def test_the_certificate_the_server_presented(apache_tls):
    import socket
    import ssl

    independent = ssl.PEM_cert_to_DER_cert(
        ssl.get_server_certificate(("127.0.0.1", apache_tls.port)))
    tls = Target("127.0.0.1", apache_tls.port, "localhost", "/", tls=True)
    der, seconds = handshake(tls, Deadline(5))  # no request sent
    assert der == independent and 0 < seconds < 5
    assert fetch(tls, Deadline(5)).certificate == independent  # self-signed: not verified
    with pytest.raises(HttpError) as err:
        handshake(tls._replace(verify=True), Deadline(5))
    assert err.value.kind == "tls"
    with pytest.raises(HttpError) as err:  # no IPv6 address for an IPv4 literal
        handshake(tls._replace(family=socket.AF_INET6), Deadline(5))
    assert err.value.kind == "dns"


def test_plain_http_to_a_tls_port_is_not_a_tls_error(apache_tls):
    # Apache answers plain HTTP on an https port with 400: an HTTP answer, judged as such.
    response = fetch(Target("127.0.0.1", apache_tls.port, "127.0.0.1"), Deadline(5))
    assert response.status == 400
    assert response.certificate is None  # plain http: no certificate


def test_host_header_and_url():
    assert Target("10.0.0.1", 80, "example.com").host_header == "example.com"
    assert Target("10.0.0.1", 8080, "example.com").host_header == "example.com:8080"
    assert Target("10.0.0.1", 443, "example.com", tls=True).host_header == "example.com"
    assert Target("10.0.0.1", 80, "example.com:5000").host_header == "example.com:5000"
    assert Target("::1", 8080, "::1").host_header == "[::1]:8080"
    assert Target("h", 8443, "h", "/x?y=1", tls=True).url == "https://h:8443/x?y=1"


def test_split_host():
    assert split_host("example.com:5000") == ("example.com", 5000)
    assert split_host("example.com") == ("example.com", None)
    assert split_host("[::1]:80") == ("::1", 80)
    assert split_host("::1") == ("::1", None)


def test_target_for_options():
    assert target_for("example.com") == Target("example.com", 80, "example.com", "/")
    assert target_for("example.com", tls=True).port == 443
    assert target_for("example.com:5000", path="status") == \
        Target("example.com", 5000, "example.com:5000", "/status")
    assert target_for("example.com:5000", 8080).port == 8080  # -p wins over -H host:port
    assert target_for("[::1]:8443", tls=True, verify=True) == \
        Target("::1", 8443, "[::1]:8443", "/", True, True)
    assert target_for("www.example.com", address="10.0.0.1").address == "10.0.0.1"


def test_redirect_target_resolves_relative_and_absolute_locations():
    base = Target("10.0.0.1", 8080, "www.example.com", "/a/b")
    assert redirect_target(base, "c").path == "/a/c"
    assert redirect_target(base, "/d?q=1").path == "/d?q=1"
    moved = redirect_target(base, "https://other.example/x")
    assert (moved.address, moved.port, moved.host, moved.tls) == ("other.example", 443,
                                                                  "other.example", True)
    sticky = redirect_target(base, "https://other.example/x", sticky_address=True)
    assert (sticky.address, sticky.port) == ("10.0.0.1", 443)
    both = redirect_target(base, "https://other.example/x", True, True)
    assert (both.address, both.port) == ("10.0.0.1", 8080)
    v6 = redirect_target(base, "http://[::1]:8080/x")
    assert (v6.address, v6.port, v6.host_header) == ("::1", 8080, "[::1]:8080")
    assert redirect_target(base, "http://[::1]/x").host_header == "[::1]"
    with pytest.raises(HttpError):
        redirect_target(base, "ftp://example.com/")


def test_request_line_and_host_header_cannot_be_injected(apache_web):
    with pytest.raises(HttpError) as err:
        fetch(Target("127.0.0.1", apache_web.port, "x\r\nX-Evil: 1"), Deadline(5))
    assert err.value.kind == "dns" and "not a valid host name" in str(err.value)
    response = fetch(target(apache_web, "/index.html\r\nX-Evil: 1"), Deadline(5))
    assert response.status == 404  # the path went out percent-encoded, as one request line
    idn = fetch(Target("127.0.0.1", apache_web.port, "bücher.example"), Deadline(5))
    assert idn.status == 200
    with pytest.raises(HttpError) as bad:
        fetch(target(apache_web), Deadline(5), headers=(("X-A", "1\r\nX-Evil: 1"),))
    assert bad.value.kind == "protocol" and "invalid request header" in str(bad.value)
    ranged = fetch(target(apache_web), Deadline(5), headers=(("Range", "bytes=0-4"),))
    assert ranged.status == 206 and ranged.body == b"<html"
