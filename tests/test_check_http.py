"""check_http against a real private Apache, side by side with the C check_http.

The Monitoring Plugins' check_http, run on the same URL in the same test, is
the independent source of truth for verdicts (exit codes) and page sizes.
"""

import os
import re
import ssl
import subprocess
import time

import pytest
from components.process import free_port
from runner import c_plugin, libfaketime, run_check, which

C_HTTP = c_plugin("check_http")
DAY = 86400


@pytest.fixture(autouse=True)
def settled_files(apache_web):
    """Files dated in the past: Apache marks the ETag of a file changed within the last
    second weak (``W/``, 2 bytes more), which would make page sizes differ between two
    reads of the same file a moment apart."""
    past = time.time() - 60
    for path in apache_web.docroot.rglob("*"):
        os.utime(path, (past, past))


def publish(server, name, content):
    """Write a page into the document root, dated in the past (see settled_files)."""
    path = server.write(name, content)
    past = time.time() - 60
    os.utime(path, (past, past))


def c_plugin(*args):
    """Exit code and page size (bytes) the C check_http reports."""
    proc = subprocess.run([C_HTTP, *args], capture_output=True, text=True, timeout=30)
    size = re.search(r"size=(\d+)B", proc.stdout)
    return proc.returncode, int(size[1]) if size else None, proc.stdout


def both(server, *args):
    """Our output and the C plugin's (code, size, text) for the same arguments."""
    argv = ["-H", "127.0.0.1", "-p", str(server.port), *args]
    return run_check("check_http", *argv).output, c_plugin(*argv)


def test_ok_page_has_the_c_plugins_verdict_and_size(apache_web):
    ours, (code, size, _) = both(apache_web)
    assert (ours.code, code) == (0, 0)
    assert ours.summary.startswith("HTTP/1.1 200 OK - ")
    assert ours.summary.endswith(" second response time")
    assert ours.perfdata["size"].value == size
    assert f"{size} bytes in " in ours.summary
    assert ours.perfdata["time"].uom == "s" and ours.perfdata["time"].min == "0"


@pytest.mark.parametrize("args", [
    ["-s", "immune test page"],
    ["-s", "no such text"],
    ["-r", "test +page"],
    ["-r", "TEST PAGE"],
    ["-R", "TEST PAGE"],
    ["-r", "test page", "--invert-regex"],
    ["-r", "no such", "--invert-regex"],
    ["-r", "^<html>.*</html>$"],
    ["-d", "Content-Type: text/html"],
    ["-d", "X-No-Such-Header"],
], ids=" ".join)
def test_content_expectations_match_the_c_plugin(apache_web, args):
    ours, (code, _, text) = both(apache_web, *args)
    assert ours.code == code, text
    if ours.code:
        assert ours.state == "CRITICAL"
        assert re.search(r"not found|pattern found", ours.summary)


def test_missing_string_is_named_in_the_summary(apache_web):
    ours, _ = both(apache_web, "-s", "payment gateway up")
    assert ours.summary.startswith("HTTP/1.1 200 OK - string 'payment gateway up' not found")


def test_payment_api_health_check(apache_web):
    apache_web.write("api/health", '{"gateway": "cybersource", "status": "loaded"}\n')
    up = run_check("check_http", "-H", "127.0.0.1", "-p", str(apache_web.port),
                   "-u", "/api/health", "-s", '"status": "loaded"').output
    assert up.state == "OK"
    apache_web.write("api/health", '{"gateway": "cybersource", "status": "failed"}\n')
    down = run_check("check_http", "-H", "127.0.0.1", "-p", str(apache_web.port),
                     "-u", "/api/health", "-s", '"status": "loaded"').output
    assert down.state == "CRITICAL"


@pytest.mark.parametrize("policy", ["ok", "warning", "critical", "follow", "sticky",
                                    "stickyport"])
def test_redirect_policies_match_the_c_plugin(apache_web, policy):
    ours, (code, size, text) = both(apache_web, "-u", "/old", "-f", policy)
    assert ours.code == code, text
    if policy in ("follow", "sticky", "stickyport"):
        assert ours.summary.startswith("HTTP/1.1 200 OK (after 1 redirect) - ")
        assert ours.perfdata["size"].value == size
    else:
        assert ours.summary.startswith("HTTP/1.1 301 Moved Permanently - ")


@pytest.mark.parametrize("args", [["-u", "/loop", "-f", "follow"],
                                  ["-u", "/hop1", "-f", "follow", "--max-redirs", "1"],
                                  ["-u", "/hop1", "-f", "follow", "--max-redirs", "2"]],
                         ids=" ".join)
def test_redirect_loops_and_limits_match_the_c_plugin(apache_web, args):
    ours, (code, _, text) = both(apache_web, *args)
    assert ours.code == code, text


@pytest.mark.parametrize("args", [["-u", "/nothere"], ["-u", "/nothere", "-e", "404"],
                                  ["-u", "/nothere", "-e", "200,302"],
                                  ["-u", "/gone"], ["-u", "/down"], ["-u", "/down", "-e", "503"],
                                  ["-e", "HTTP/1.1 200"], ["-u", "/old", "-e", "200"]],
                         ids=" ".join)
def test_status_codes_and_expect_match_the_c_plugin(apache_web, args):
    ours, (code, _, text) = both(apache_web, *args)
    assert ours.code == code, text


def test_404_is_warning_and_expected_404_is_ok(apache_web):
    plain, _ = both(apache_web, "-u", "/nothere")
    assert plain.state == "WARNING" and plain.summary.startswith("HTTP/1.1 404 Not Found - ")
    expected, _ = both(apache_web, "-u", "/nothere", "-e", "404")
    assert expected.state == "OK"
    wrong, _ = both(apache_web, "-u", "/nothere", "-e", "200,302")
    assert wrong.state == "CRITICAL"
    assert "status line does not contain '200' or '302'" in wrong.summary


def test_page_size_limits_around_the_c_plugins_size(apache_web):
    _, (_, size, _) = both(apache_web)
    for pagesize, state in [(f"{size}:{size}", "OK"), (f"{size + 1}", "WARNING"),
                            (f"0:{size - 1}", "WARNING"), (f"{size - 1}:{size + 1}", "OK")]:
        ours, (code, _, text) = both(apache_web, "-m", pagesize)
        assert (ours.state, ours.code) == (state, code), text
        if state == "WARNING":
            side = "small" if pagesize.count(":") == 0 else "large"
            assert f"page size {size} too {side}" in ours.summary


def homepage(lines, closing=True):
    body = "\n".join(f"<p>line {n}</p>" for n in range(lines - 2))
    return f"<html>\n{body}\n" + ("</html>\n \n" if closing else "<p>cut off")


def test_min_lines_and_closing_tag(apache_web):
    content = homepage(680)
    apache_web.write("home.html", content)
    apache_web.write("broken.html", homepage(680, closing=False))
    lines = len(content.splitlines())
    base = ["-H", "127.0.0.1", "-p", str(apache_web.port)]
    ok = run_check("check_http", *base, "-u", "/home.html", "--min-lines", str(lines),
                   "--closing-tag").output
    assert ok.state == "OK" and ok.perfdata["lines"].value == lines
    assert ok.perfdata["lines"].crit == f"{lines}:"
    short = run_check("check_http", *base, "-u", "/home.html", "--min-lines",
                      str(lines + 1)).output
    assert short.state == "CRITICAL" and f"{lines} lines below {lines + 1}" in short.summary
    cut = run_check("check_http", *base, "-u", "/broken.html", "--closing-tag").output
    assert cut.state == "CRITICAL" and "no closing </html> tag" in cut.summary


@pytest.mark.parametrize("args,state", [
    (["-w", "0"], "WARNING"),          # any real response takes more than 0 s
    (["-c", "0"], "CRITICAL"),
    (["-w", "@0:1000"], "WARNING"),    # ... and less than 1000 s
    (["-w", "1000", "-c", "1000"], "OK"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else a)
def test_response_time_thresholds(apache_web, args, state):
    argv = ["-H", "127.0.0.1", "-p", str(apache_web.port), *args]
    run = run_check("check_http", *argv)
    out = run.output
    assert out.state == state
    assert 0 < out.perfdata["time"].value <= run.seconds
    assert out.code == c_plugin(*argv)[0]


def test_refused_connection_is_critical_like_the_c_plugin():
    port = str(free_port())
    out = run_check("check_http", "-H", "127.0.0.1", "-p", port).output
    assert out.state == "CRITICAL" and out.summary == f"connection refused by 127.0.0.1:{port}"
    assert c_plugin("-H", "127.0.0.1", "-p", port)[0] == out.code


def test_black_hole_is_unknown_where_the_c_plugin_says_critical(blackhole):
    # The suite's contract: running out of -t is UNKNOWN, naming the stage.
    run = run_check("check_http", "-H", "127.0.0.1", "-p", str(blackhole), "-t", "1")
    assert run.seconds < 2
    assert run.output.state == "UNKNOWN"
    assert run.output.summary == ("timeout after 1s while waiting for the response from "
                                  f"127.0.0.1:{blackhole}")
    code, _, text = c_plugin("-H", "127.0.0.1", "-p", str(blackhole), "-t", "1")
    assert code == 2 and "timeout" in text


def test_virtual_host_and_address(apache_web):
    out = run_check("check_http", "-I", "127.0.0.1", "-H", "localhost", "-p",
                    str(apache_web.port), "-s", "immune test page").output
    assert out.state == "OK"
    only_ip = run_check("check_http", "-I", "127.0.0.1", "-p", str(apache_web.port)).output
    assert only_ip.state == "OK"
    neither = run_check("check_http", "-p", str(apache_web.port)).output
    assert neither.state == "UNKNOWN" and "-H HOST or -I ADDRESS is required" in neither.summary


def test_large_body_is_bounded_but_sized_like_the_c_plugin(apache_web):
    publish(apache_web, "large.bin", b"z" * (3 * 1024 * 1024))
    ours, (code, size, _) = both(apache_web, "-u", "/large.bin", "-s", "never there")
    assert ours.code == code == 2
    assert ours.perfdata["size"].value == size


def test_head_and_no_body(apache_web):
    head, (code, size, _) = both(apache_web, "-j", "HEAD")
    assert head.code == code == 0 and head.perfdata["size"].value == size
    nobody, (code, size, _) = both(apache_web, "-N")
    assert nobody.code == code == 0 and nobody.perfdata["size"].value == size


def test_quoted_text_is_sanitised_and_bounded(apache_web):
    ours, _ = both(apache_web, "-s", "evil\x1b[31m\nline|" + "x" * 300)
    assert ours.state == "CRITICAL"  # grammar checked: no control characters, no '|'
    assert len(ours.summary) <= 200


def test_bad_options_are_one_unknown_line():
    for args in (["-H", "x", "-r", "("], ["-H", "x", "-m", "10:5"], ["-H", "x", "-f", "maybe"]):
        out = run_check("check_http", *args).output
        assert out.state == "UNKNOWN" and out.long_lines == []


def test_https_against_a_self_signed_server(apache_tls):
    apache_tls.write("tls.txt", "secure payload")
    argv = ["-H", "localhost", "-I", "127.0.0.1", "-p", str(apache_tls.port), "-u", "/tls.txt"]
    ours = run_check("check_http", *argv, "-S", "-s", "secure payload").output
    assert ours.state == "OK" and ours.code == c_plugin(*argv, "-S", "-s", "secure payload")[0]
    timed = run_check("check_http", *argv, "-S", "-E").output
    assert timed.perfdata["time_ssl"].value > 0
    verified = run_check("check_http", *argv, "-S", "--verify-cert").output
    assert verified.state == "CRITICAL" and "TLS handshake" in verified.summary
    plain, (code, _, text) = both(apache_tls, "-u", "/tls.txt")
    assert plain.code == code, text  # plain HTTP to an https port: 400 Bad Request


def test_extra_headers_reach_the_server(apache_web):
    ours, (code, size, text) = both(apache_web, "-k", "Range: bytes=0-4", "-A", "probe/1.0")
    assert ours.summary.startswith("HTTP/1.1 206 Partial Content - "), ours.summary
    assert ours.code == code == 0 and ours.perfdata["size"].value == size, text


def test_extended_perfdata_splits_the_response_time(apache_web):
    ours, _ = both(apache_web, "-E")
    parts = ["time_connect", "time_firstbyte", "time_headers", "time_transfer"]
    assert [p for p in ours.perfdata if p.startswith("time_")] == parts
    total = ours.perfdata["time"].value
    assert ours.perfdata["time_firstbyte"].value <= ours.perfdata["time_headers"].value
    assert ours.perfdata["time_connect"].value + ours.perfdata["time_headers"].value <= total
    tls = run_check("check_http", "-H", "127.0.0.1", "-S", "-E", "-p", "1").output
    assert "time_ssl" not in tls.perfdata  # no answer, no timings


def test_port_in_the_host_name_like_the_c_plugin(apache_web):
    host = f"127.0.0.1:{apache_web.port}"
    ours = run_check("check_http", "-H", host, "-s", "immune test page").output
    code, _, text = c_plugin("-H", host, "-s", "immune test page")
    assert ours.state == "OK" and ours.code == code, text


# -C: the server certificate's days left, side by side with the C plugin -------------

# made half a day ago, so that no day boundary falls between our run and the C plugin's
HALF_A_DAY_AGO = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - DAY / 2))
CERTIFICATES = {"5 days": (5, HALF_A_DAY_AGO), "20 days": (20, HALF_A_DAY_AGO),
                "60 days": (60, HALF_A_DAY_AGO), "expired": (10, "2020-01-01 00:00:00")}
ACCESS_LOG = 'CustomLog "{log}" "%r"\n'


@pytest.fixture(scope="module", params=list(CERTIFICATES))
def apache_cert(request, tmp_path_factory):
    """An https Apache per certificate of CERTIFICATES, logging each request line."""
    from components.apache import MODULES, TLS_CONFIG, apache_server
    from components.tcppeer import make_certificate

    days, made_at = CERTIFICATES[request.param]
    tmp = tmp_path_factory.mktemp("apache-cert")
    cert, key = make_certificate(tmp / "tls", "/CN=cert.example", days, made_at)
    extra = TLS_CONFIG.format(modules=MODULES, cert=cert, key=key) + \
        ACCESS_LOG.format(log=tmp / "access.log")
    with apache_server(tmp, extra, scheme="https") as server:
        server.access_log = tmp / "access.log"
        yield server


def certificate_words(text):
    """(state word, what the C plugin says of the certificate, the count) of a -C line."""
    found = re.search(r"(OK|WARNING|CRITICAL) - Certificate '([^']*)' (will expire on|"
                      r"expires in (\d+) (day|hour|minute)|expired on)", text)
    assert found, text
    return found[1], found[2], found[3].split(" ")[0], found[4], found[5]


def line(out):
    """Our status line without the check's name and perfdata."""
    return f"{out.state} - {out.summary}"


def requests_logged(server):
    return server.access_log.read_text().splitlines() if server.access_log.exists() else []


@pytest.mark.parametrize("option", ["30,14", "30,3", "60", "0", "10,50", "40,50"])
def test_certificate_days_left_match_the_c_plugin(apache_cert, option):
    argv = ["-H", "127.0.0.1", "-p", str(apache_cert.port), "-C", option, "-u", "/cert-only"]
    ours = run_check("check_http", *argv).output
    code, size, text = c_plugin(*argv)
    assert ours.code == code, (ours, text)
    assert certificate_words(line(ours)) == certificate_words(text), (ours, text)
    assert size is None and "size" not in ours.perfdata  # no request: no page
    assert list(ours.perfdata) == ["time"] and ours.perfdata["time"].value > 0
    assert not any("/cert-only" in line for line in requests_logged(apache_cert))


def test_continue_after_certificate_requests_the_page_and_the_worse_verdict_wins(apache_cert):
    base = ["-H", "127.0.0.1", "-p", str(apache_cert.port), "--continue-after-certificate"]
    for extra in (["-C", "30,14"], ["-C", "0"], ["-C", "0", "-u", "/nothere"],
                  ["-C", "10", "-s", "not on the page"]):
        ours = run_check("check_http", *base, *extra).output
        code, size, text = c_plugin(*base, *extra)
        assert ours.code == code, (extra, ours, text)
        assert ours.perfdata["size"].value == size, (ours, text)
        cert_state = certificate_words(text.splitlines()[0])[0]
        if cert_state != "OK":  # the certificate's trouble is named in the summary
            assert "Certificate 'cert.example' " in ours.summary, ours.summary
    assert any(line.startswith("GET /nothere ") for line in requests_logged(apache_cert))


def test_moving_now_with_immune_now_as_faketime_moves_the_c_plugin(apache_tls):
    from immune import x509

    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate(("127.0.0.1", apache_tls.port)))
    end = x509.parse(der).not_after
    argv = ["-H", "127.0.0.1", "-p", str(apache_tls.port), "-C", "30,14"]
    for before, state, count in ((45 * DAY, "OK", None), (30 * DAY + 60, "WARNING", "30"),
                                 (14 * DAY + 60, "CRITICAL", "14"), (5 * 3600 + 60, "CRITICAL",
                                                                     "5"),
                                 (20 * 60 + 30, "CRITICAL", "20"), (-DAY, "CRITICAL", None)):
        now = end - before
        ours = run_check("check_http", *argv, env={"IMMUNE_NOW": str(now)}).output
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))
        faked = {**os.environ, "LD_PRELOAD": libfaketime(), "FAKETIME": f"@{stamp}",
                 "TZ": "UTC"}
        proc = subprocess.run([C_HTTP, *argv], capture_output=True, text=True, timeout=30,
                              env=faked)
        theirs = certificate_words(proc.stdout)
        assert ours.code == proc.returncode, (ours, proc.stdout)
        assert certificate_words(line(ours)) == theirs, (ours, proc.stdout)
        assert (ours.state, theirs[3]) == (state, count), (ours, proc.stdout)


def test_certificate_implies_https_on_port_443(netns, tmp_path):
    from components.tcppeer import make_certificate

    cert, key = make_certificate(tmp_path, "/CN=www.example", 20, HALF_A_DAY_AGO)
    server = subprocess.Popen(  # openssl's own https server, on 443 in a private namespace
        [netns.ip_path, "netns", "exec", netns.name, which("openssl"), "s_server", "-accept",
         "127.0.0.1:443", "-cert", str(cert), "-key", str(key), "-www"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):  # until it listens
            if netns.check("check_tcp", "-H", "127.0.0.1", "-p", "443").code == 0:
                break
            time.sleep(0.1)
        ours = netns.check("check_http", "-H", "127.0.0.1", "-C", "30,14").output
        theirs = netns.exec(C_HTTP, "-H", "127.0.0.1", "-C", "30,14")
        assert ours.code == theirs.returncode == 1, (ours, theirs.stdout)
        assert certificate_words(line(ours)) == certificate_words(theirs.stdout) == \
            ("WARNING", "www.example", "expires", "19", "day")
    finally:
        server.kill()
        server.wait(10)


def test_address_family_options(apache_web):
    ipv4 = ["-H", "localhost", "-p", str(apache_web.port), "-s", "immune test page"]
    assert run_check("check_http", *ipv4, "-4").output.state == "OK"
    ipv6 = run_check("check_http", "-H", "127.0.0.1", "-p", str(apache_web.port), "-6").output
    code, _, text = c_plugin("-H", "127.0.0.1", "-p", str(apache_web.port), "-6")
    assert ipv6.state == "CRITICAL" and ipv6.code == code, text  # no IPv4 address as IPv6
    both_families = run_check("check_http", *ipv4, "-4", "-6")
    assert both_families.code == 3 and both_families.output.long_lines == []
