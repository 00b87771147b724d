"""check_apache against a real private Apache with mod_status.

Busy workers are made real by holding requests open (connections that sent
an incomplete request: Apache counts their workers as busy, "reading"). The
test reads /server-status?auto itself as the independent source of truth.
"""

import contextlib
import socket
import time
import urllib.request

import pytest
from components.process import free_port
from runner import run_check

SCOREBOARD = {"_": "waiting", "S": "starting", "R": "reading", "W": "sending",
              "K": "keepalive", "D": "dns", "C": "closing", "L": "logging",
              "G": "graceful", "I": "idle_cleanup", ".": "open"}


def status(server):
    """mod_status' own figures, read by the test."""
    with urllib.request.urlopen(server.url + "/server-status?auto", timeout=5) as page:
        text = page.read().decode("latin-1")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def check(server, *args):
    return run_check("check_apache", "-H", "127.0.0.1", "-p", str(server.port), *args).output


@contextlib.contextmanager
def held_requests(server, count):
    """*count* connections, each stuck half-way through its request line."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.port), 5)
            sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(sock)
        wait_for_busy(server, count + 1)  # the held requests and the status read itself
        yield
    finally:
        for sock in socks:
            sock.close()
        wait_for_busy(server, 1)  # the next test starts on an idle server


def wait_for_busy(server, count):
    end = time.monotonic() + 5
    while int(status(server)["BusyWorkers"]) != count and time.monotonic() < end:
        time.sleep(0.05)


def test_idle_server_figures_match_mod_status(apache_web):
    out = check(apache_web)
    independent = status(apache_web)
    assert out.state == "OK"
    # Each read is itself one busy worker, so an idle server looks the same to both.
    assert out.perfdata["busy"].value == int(independent["BusyWorkers"]) == 1
    assert out.perfdata["idle"].value == int(independent["IdleWorkers"])
    board = independent["Scoreboard"]
    for char, label in SCOREBOARD.items():  # idle: both reads see the same board
        assert out.perfdata[label].value == board.count(char), label
        assert out.perfdata[label].max == str(len(board))
    accesses = int(independent["Total Accesses"])
    assert accesses - 2 <= out.perfdata["accesses"].value <= accesses
    assert out.perfdata["accesses"].uom == "c"
    assert out.perfdata["connections"].value == int(independent["ConnsTotal"])
    assert out.summary == (f"1 busy worker, {independent['IdleWorkers']} idle "
                           f"({independent['ConnsTotal']} connections)")


def test_port_given_with_the_host(apache_web):
    out = run_check("check_apache", "-H", f"127.0.0.1:{apache_web.port}").output
    assert out.state == "OK" and out.perfdata["busy"].value >= 1


def test_held_requests_are_busy_reading_workers(apache_web):
    with held_requests(apache_web, 6):
        out = check(apache_web)
        independent = status(apache_web)
    assert out.perfdata["busy"].value == int(independent["BusyWorkers"]) == 7
    assert out.perfdata["reading"].value == independent["Scoreboard"].count("R") == 6
    assert out.perfdata["sending"].value == 1
    workers = int(independent["BusyWorkers"]) + int(independent["IdleWorkers"])
    assert out.perfdata["idle_percent"].value == round(100 * (workers - 7) / workers, 1)


@pytest.mark.parametrize("args,state", [
    (["-w", "6", "-c", "10"], "WARNING"),
    (["-w", "3", "-c", "6"], "CRITICAL"),
    (["-w", "7", "-c", "10"], "OK"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else a)
def test_thresholds_on_busy_workers(apache_web, args, state):
    with held_requests(apache_web, 6):
        out = check(apache_web, *args)
    assert out.perfdata["busy"].value == 7
    assert out.state == state
    if state != "OK":
        limit = args[1] if state == "WARNING" else args[3]
        assert out.summary.endswith(f": busy workers 7 outside range 0:{limit}")


def test_idle_percent_and_connections_metrics(apache_web):
    independent = status(apache_web)
    busy, idle = int(independent["BusyWorkers"]), int(independent["IdleWorkers"])
    percent = 100 * idle / (busy + idle)
    low = check(apache_web, "--metric", "idle-percent", "-w", f"{percent + 1:.1f}:")
    assert low.state == "WARNING" and "idle workers" in low.summary
    assert float(low.perfdata["idle_percent"].warn.rstrip(":")) == round(percent + 1, 1)
    fine = check(apache_web, "--metric", "idle-percent", "-w", f"{percent - 1:.1f}:")
    assert fine.state == "OK"
    conns = independent["ConnsTotal"]
    hit = check(apache_web, "--metric", "connections", "-c", f"@{conns}:{conns}")
    assert hit.state == "CRITICAL" and hit.perfdata["connections"].crit.startswith("@")
    # thresholds apply to the chosen metric only
    assert hit.perfdata["busy"].crit == ""


def test_a_page_that_is_not_mod_status_is_unknown(apache_web):
    out = check(apache_web, "-u", "/index.html")
    assert out.state == "UNKNOWN" and "is not mod_status output" in out.summary
    missing = check(apache_web, "-u", "/no-status-here")
    assert missing.state == "UNKNOWN" and "404 Not Found" in missing.summary


def test_server_down_is_unknown():
    port = free_port()
    out = run_check("check_apache", "-H", "127.0.0.1", "-p", str(port)).output
    assert out.state == "UNKNOWN" and out.summary == f"connection refused by 127.0.0.1:{port}"


def test_status_over_https(apache_tls):
    out = run_check("check_apache", "-H", "127.0.0.1", "-p", str(apache_tls.port), "-S").output
    assert out.state == "OK" and out.perfdata["busy"].value == 1


# What mod_status of a prefork server (no ConnsTotal, no ExtendedStatus) looks like,
# served as a file by the real server.
PREFORK = ("127.0.0.1\nServerVersion: Apache/2.4.62 (Debian)\nServerMPM: prefork\n"
           "BusyWorkers: 3\nIdleWorkers: 5\nProcesses: 8\n"
           "Scoreboard: _W_K_R__G....\n")


def test_prefork_status_without_connections(apache_web):
    apache_web.write("prefork-status.txt", PREFORK)
    out = check(apache_web, "-u", "/prefork-status.txt", "-w", "2")
    assert out.state == "WARNING" and out.summary.startswith("3 busy workers, 5 idle: ")
    board = PREFORK.rsplit("Scoreboard: ", 1)[1].strip()
    for char, label in SCOREBOARD.items():
        assert out.perfdata[label].value == board.count(char), label
    assert "connections" not in out.perfdata and "accesses" not in out.perfdata
    conns = check(apache_web, "-u", "/prefork-status.txt", "--metric", "connections")
    assert conns.state == "UNKNOWN" and "reports no ConnsTotal" in conns.summary
