"""check_tcp against real memcached and Apache, scripted peers, and the C plugin."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from components.process import free_port
from components.tcppeer import make_certificate
from runner import c_plugin, check_path, run_check

C_PLUGIN = c_plugin("check_tcp")  # /usr/lib/nagios/plugins/check_tcp
MEMCACHED_STATS = ["-E", "-s", "stats\\r\\n", "-e", "STAT pid", "-q", "quit\\r\\n"]
HTTP_GET = ["-E", "-s", "GET / HTTP/1.0\\r\\n\\r\\n"]


def c_plugin(*args: str) -> int:
    """Exit code of the Monitoring Plugins check_tcp on the same arguments."""
    return subprocess.run([C_PLUGIN, *args], capture_output=True, timeout=30).returncode


def test_memcached_stats_conversation_names_the_server_pid(memcached_server):
    args = ["-H", "127.0.0.1", "-p", str(memcached_server.port), *MEMCACHED_STATS]
    out = run_check("check_tcp", *args).output
    assert out.state == "OK"
    # The answer's first line carries memcached's pid: compare with the process we started.
    assert f"[STAT pid {memcached_server.proc.pid}]" in out.summary
    assert out.summary.startswith("0.")
    assert f"second response time on 127.0.0.1 port {memcached_server.port}" in out.summary
    time_ = out.perfdata["time"]
    assert time_.uom == "s" and time_.min == "0" and time_.max == "10"
    assert 0 < time_.value < 1
    assert c_plugin(*args) == 0


def test_apache_answer_and_mismatch_states_match_the_c_plugin(apache):
    base = ["-H", "127.0.0.1", "-p", str(apache.port), *HTTP_GET]
    ok = run_check("check_tcp", *base, "-e", "HTTP/1.1 200")
    assert ok.output.state == "OK" and "[HTTP/1.1 200 OK]" in ok.output.summary
    cases = [([], 1), (["-M", "crit"], 2), (["-M", "ok"], 0), (["-M", "warn"], 1)]
    for extra, code in cases:
        args = [*base, "-e", "HTTP/1.1 404", *extra]
        run = run_check("check_tcp", *args)
        assert run.code == code, run.stdout
        if code:
            assert "Unexpected response from host/socket: HTTP/1.1 200 OK" in run.stdout
        assert run.seconds < 1.5  # Apache closes after HTTP/1.0: no waiting for more
        assert c_plugin(*args) == code
    assert c_plugin(*base, "-e", "HTTP/1.1 200") == 0


def test_any_or_all_expect_strings(apache):
    base = ["-H", "127.0.0.1", "-p", str(apache.port), *HTTP_GET, "-e", "HTTP/1.1 200",
            "-e", "no such text"]
    assert run_check("check_tcp", *base).code == 0 == c_plugin(*base)
    assert run_check("check_tcp", *base, "-A").code == 1 == c_plugin(*base, "-A")
    both = ["-e", "immune test page"]
    assert run_check("check_tcp", "-H", "127.0.0.1", "-p", str(apache.port), *HTTP_GET,
                     "-e", "HTTP/1.1 200", *both, "-A").code == 0


def test_refused_connection_state_follows_refuse_option():
    port = str(free_port())
    for extra, code in [([], 2), (["-r", "warn"], 1), (["-r", "ok"], 0), (["-r", "crit"], 2)]:
        run = run_check("check_tcp", "-H", "127.0.0.1", "-p", port, *extra)
        assert run.code == code
        assert run.output.summary == f"connect to address 127.0.0.1 and port {port}: " \
                                     "Connection refused"
        assert c_plugin("-H", "127.0.0.1", "-p", port, *extra) == code


def test_unresolvable_name_is_critical_like_the_c_plugin():
    run = run_check("check_tcp", "-H", "no-such-host.invalid", "-p", "80")
    assert run.code == 2 == c_plugin("-H", "no-such-host.invalid", "-p", "80")
    assert "Invalid hostname, address or socket: no-such-host.invalid" in run.output.summary


DNS_BLACK_HOLE = """
set -e
mount --bind "$1/resolv.conf" /etc/resolv.conf
"$2" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").close()
time.sleep(20)' "$1/ready" &
hole=$!
while [ ! -e "$1/ready" ]; do sleep 0.01; done
start=$(date +%s%N)
"$3" -H chat.example -p 80 -t 1 || true
echo "seconds $(( ($(date +%s%N) - start) / 1000000 ))e-3"
kill $hole
"""


def test_a_resolver_that_never_answers_is_a_timeout(netns, tmp_path):
    # A private namespace and mount namespace (ip netns exec) whose resolv.conf names a
    # DNS server that swallows queries: the C resolver would wait 30 s.
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:30 attempts:1\n")
    done = netns.exec("sh", "-c", DNS_BLACK_HOLE, "sh", str(tmp_path), sys.executable,
                      check_path("check_tcp"))
    status, seconds = done.stdout.splitlines()
    assert status == "TCP UNKNOWN - timeout after 1s while connecting to chat.example port 80"
    assert float(seconds.split()[1]) < 1.5


def test_black_hole_connect_is_ok_but_waiting_for_an_answer_times_out(blackhole):
    # A listener that accepts: a bare connect succeeds, as with the C plugin.
    plain = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(blackhole), "-t", "1")
    assert plain.code == 0 == c_plugin("-H", "127.0.0.1", "-p", str(blackhole), "-t", "1")
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(blackhole), "-e", "220",
                    "-t", "0.5")
    assert run.seconds < 1.5
    # Our contract: a timeout is UNKNOWN naming the stage (the C plugin says CRITICAL).
    assert run.output.state == "UNKNOWN"
    assert run.output.summary == f"timeout after 0.5s while talking to 127.0.0.1 port {blackhole}"


def endless(conn):
    chunk = bytes(range(256)) * 64  # binary garbage, control characters included
    while True:
        conn.sendall(chunk)


def test_endless_garbage_is_cut_at_maxbytes(tcp_peer):
    peer = tcp_peer(endless)
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(peer.port), "-e", "NEEDLE",
                    "-m", "5000", "-v")
    assert run.code == 1 and run.seconds < 1.5
    assert run.output.long_lines[0] == "received 5000 bytes:"
    assert "Unexpected response from host/socket" in run.output.summary  # sanitised


def test_endless_garbage_without_maxbytes_stops_before_the_deadline(tcp_peer):
    peer = tcp_peer(endless)
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(peer.port), "-e", "NEEDLE",
                    "-t", "1", "-v")
    assert run.seconds < 1.5
    assert run.output.state == "WARNING"  # judged on what arrived, not a timeout
    received = int(run.output.long_lines[0].split()[1])
    assert 0 < received <= 1 << 20


def test_stops_reading_as_soon_as_the_expected_string_arrives(tcp_peer):
    def split_needle_then_endless(conn):
        conn.sendall(b"220 chat.example ESMTP rea")
        time.sleep(0.3)
        conn.sendall(b"dy\r\n")
        endless(conn)

    peer = tcp_peer(split_needle_then_endless)
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(peer.port), "-e", "ESMTP ready",
                    "-w", "0.1", "-c", "5", "-v")
    assert run.seconds < 1.5
    out = run.output
    assert out.state == "WARNING"  # took 0.3 s > -w 0.1
    assert out.perfdata["time"].value >= 0.3
    assert out.perfdata["time"].warn == "0.1" and out.perfdata["time"].crit == "5"
    assert "[220 chat.example ESMTP ready]" in out.summary
    assert int(out.long_lines[0].split()[1]) < 1 << 20  # did not read on to the cap


def test_silence_then_close_is_critical_no_data(tcp_peer):
    peer = tcp_peer(lambda conn: None)  # closes at once
    args = ["-H", "127.0.0.1", "-p", str(peer.port), "-e", "220"]
    run = run_check("check_tcp", *args)
    assert run.code == 2 and run.output.summary == "No data received from host"
    assert c_plugin(*args) == 2


def test_send_and_quit_strings_reach_the_server_as_the_c_plugin_sends_them(tcp_peer):
    def answer(conn):
        peer.recv_some(conn)
        conn.sendall(b"+OK ready\r\n")

    peer = tcp_peer(answer)
    port = str(peer.port)
    run_check("check_tcp", "-H", "127.0.0.1", "-p", port, "-s", "PING", "-e", "+OK",
              "-q", "QUIT")
    time.sleep(0.6)
    ours = bytes(peer.received)
    peer.received.clear()
    c_plugin("-H", "127.0.0.1", "-p", port, "-s", "PING", "-e", "+OK", "-q", "QUIT")
    time.sleep(0.6)
    assert ours == bytes(peer.received) == b"PINGQUIT\r\n"  # no -E: \r\n added to quit only
    peer.received.clear()
    run_check("check_tcp", "-H", "127.0.0.1", "-p", port, "-E", "-s", "PING\\r\\n",
              "-e", "+OK", "-q", "bye\\tnow\\\\")
    time.sleep(0.6)
    assert bytes(peer.received) == b"PING\r\nbye\tnow\\"


def test_jail_hides_the_answer_and_delay_is_not_response_time(tcp_peer):
    peer = tcp_peer(lambda conn: conn.sendall(b"220 secret banner\r\n"))
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(peer.port), "-e", "220",
                    "-j", "-d", "0.4")
    assert run.code == 0 and "secret" not in run.stdout
    assert run.seconds >= 0.4 and run.output.perfdata["time"].value < 0.3


def test_unix_socket(tcp_peer, tmp_path):
    path = tmp_path / "chat.sock"
    tcp_peer(lambda conn: conn.sendall(b"HELLO chat\n"), unix_path=path)
    out = run_check("check_tcp", "-H", str(path), "-e", "HELLO").output
    assert out.state == "OK"
    assert f"response time on socket {path} [HELLO chat]" in out.summary


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(tmp_path / "tls")


def test_tls_conversation_and_sni(tcp_peer, certificate):
    peer = tcp_peer(lambda conn: conn.sendall(b"* OK chat ready\r\n"), tls=certificate)
    args = ["-H", "127.0.0.1", "-p", str(peer.port), "-S", "-e", "* OK"]
    out = run_check("check_tcp", *args, "--sni", "chat.example").output
    assert out.state == "OK" and "[* OK chat ready]" in out.summary
    assert peer.server_names == ["chat.example"]
    assert c_plugin(*args) == 0
    assert run_check("check_tcp", "-H", "localhost", "-p", str(peer.port), "-4", "-S",
                     "-e", "* OK").code == 0
    assert peer.server_names[-1] == "localhost"  # a host name is sent as SNI by default
    plain = tcp_peer(lambda conn: conn.sendall(b"220 no tls here\r\n" * 50))
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", str(plain.port), "-S", "-e", "220")
    assert run.code == 2 and run.output.summary.startswith("Cannot make SSL connection")
    assert c_plugin("-H", "127.0.0.1", "-p", str(plain.port), "-S", "-e", "220") == 2


@pytest.mark.parametrize("days,made_at,option,code,text", [
    (30, None, "20", 0, None),
    (10, None, "20", 1, "Certificate 'chat.example' expires in 9 day(s) ("),
    (10, None, "20,10", 2, "Certificate 'chat.example' expires in 9 day(s) ("),
    (10, None, "20,30", 2, "Certificate 'chat.example' expires in 9 day(s) ("),  # CRIT > WARN
    (10, None, "5,30", 0, None),
    (10, "2020-01-01 00:00:00", "5", 2, "Certificate 'chat.example' expired on 2020-01-11 "),
])
def test_certificate_days(tcp_peer, tmp_path, days, made_at, option, code, text):
    cert = make_certificate(tmp_path / "tls", days=days, made_at=made_at)
    peer = tcp_peer(lambda conn: conn.sendall(b"* OK chat ready\r\n"), tls=cert)
    args = ["-H", "127.0.0.1", "-p", str(peer.port), "-D", option, "-e", "* OK"]
    run = run_check("check_tcp", *args, "-v")
    assert run.code == code == c_plugin(*args)
    if text:
        assert run.output.summary.startswith(text)
    else:
        assert "[* OK chat ready]" in run.output.summary
        assert run.output.long_lines[0].startswith("Certificate 'chat.example' will expire on ")


@pytest.mark.parametrize("argv", [["-D", "x"], ["-D", "1,2,3"],
                                  ["-r", "maybe"], ["-M", "bad"], ["-m", "-1"], ["-d", "0"],
                                  ["-p", "0"], ["-4", "-6"]])
def test_bad_options_are_one_unknown_line(argv):
    run = run_check("check_tcp", "-H", "127.0.0.1", "-p", "1", *argv)
    assert run.code == 3 and run.output.long_lines == []


def test_port_is_required_for_tcp_after_the_name_resolves():
    run = run_check("check_tcp", "-H", "127.0.0.1")
    assert run.code == 3 and run.output.summary == "a port (-p) is required"
    run = run_check("check_tcp", "-H", "no-such-host.invalid")  # the C plugin says this first
    assert run.code == 2 and "Invalid hostname" in run.output.summary



def test_certificate_days_are_counted_from_immune_now_as_faketime_moves_the_c_plugin(
        tcp_peer, tmp_path):
    import os
    import ssl

    from immune import x509
    from runner import libfaketime

    cert = make_certificate(tmp_path / "tls", days=30)
    end = x509.parse(ssl.PEM_cert_to_DER_cert(cert[0].read_text())).not_after
    peer = tcp_peer(lambda conn: conn.sendall(b"* OK chat ready\r\n"), tls=cert)
    args = ["-H", "127.0.0.1", "-p", str(peer.port), "-D", "20,10", "-e", "* OK"]
    for before, code, text in ((25 * 86400, 0, None),
                               (15 * 86400 + 60, 1, "expires in 15 day(s) ("),
                               (5 * 86400 + 60, 2, "expires in 5 day(s) ("),
                               (-86400, 2, "expired on ")):
        now = end - before
        run = run_check("check_tcp", *args, env={"IMMUNE_NOW": str(now)})
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))
        faked = {**os.environ, "LD_PRELOAD": libfaketime(), "FAKETIME": f"@{stamp}",
                 "TZ": "UTC"}
        theirs = subprocess.run([C_PLUGIN, *args], capture_output=True, text=True,
                                timeout=30, env=faked)
        assert run.code == code == theirs.returncode, (run.stdout, theirs.stdout)
        if text:
            assert run.output.summary.startswith(f"Certificate 'chat.example' {text}")
            assert f"Certificate 'chat.example' {text}" in theirs.stdout
