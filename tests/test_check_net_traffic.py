"""check_net_traffic on real interfaces: a private loopback, veth pairs, resets, clock jumps.

Each test runs in its own network namespace (``netns`` fixture), where
nothing else sends on its loopback: byte counts can be compared exactly with
the kernel's /sys counters, read independently of the check.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from immune.state import StateStore
from runner import libfaketime, run_check

SEND_OVER_LOOPBACK = """
import socket, sys, threading
size = int(sys.argv[1])
server = socket.create_server(("127.0.0.1", 0))
got = []
def sink():
    conn, _ = server.accept()
    total = 0
    while chunk := conn.recv(65536):
        total += len(chunk)
    got.append(total)
thread = threading.Thread(target=sink)
thread.start()
with socket.create_connection(server.getsockname()) as client:
    client.sendall(b"x" * size)
thread.join()
assert got == [size], got
"""

SEND_RAW_FRAMES = """
import socket, sys
count, size = int(sys.argv[1]), int(sys.argv[2])
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
    sock.bind(("d0", 0))
    header = b"\\xff" * 6 + b"\\x02\\x00\\x00\\x00\\x00\\x01" + b"\\x88\\xb5"
    frame = header + b"\\x00" * (size - len(header))
    for _ in range(count):
        sock.send(frame)
"""


def sys_counter(netns, interface, name):
    return int(netns.read(f"/sys/class/net/{interface}/statistics/{name}"))


def send_over_loopback(netns, size):
    done = netns.exec(sys.executable, "-c", SEND_OVER_LOOPBACK, str(size))
    assert done.returncode == 0, done.stderr


def interval_and_bytes(line):
    """``lo: 1064 bytes in, 1064 bytes out over 0.314 s; ...`` -> (rx, tx, seconds)."""
    words = line.split()
    return int(words[1]), int(words[4]), float(words[8])


def test_loopback_traffic_matches_the_kernel_counters(netns, state_dir):
    first = netns.check("check_net_traffic", "-i", "lo").output
    assert first.state == "OK" and first.summary == "lo first run, baseline recorded"
    before = sys_counter(netns, "lo", "rx_bytes")
    assert first.perfdata["lo_rxbytes"].value == before  # nothing else talks on this lo
    assert first.perfdata["lo_rxbytes"].uom == "c"
    send_over_loopback(netns, 1_000_000)
    second = netns.check("check_net_traffic", "-i", "lo", "-v").output
    after = sys_counter(netns, "lo", "rx_bytes")
    assert second.perfdata["lo_rxbytes"].value == after
    assert second.perfdata["lo_txbytes"].value == sys_counter(netns, "lo", "tx_bytes")
    rx, tx, seconds = interval_and_bytes(second.long_lines[0])
    assert rx == tx == after - before > 1_000_000  # payload plus TCP/IP headers
    bps = second.perfdata["lo_rx_bps"].value
    assert abs(rx * 8 / bps - seconds) <= 0.0006  # the interval, printed to the millisecond
    assert second.summary.startswith("lo in ") and "bit/s out" in second.summary
    assert "%" not in second.summary  # loopback has no link speed
    assert "lo_rxpct" not in second.perfdata


def test_percent_of_a_given_capacity_and_absolute_thresholds(netns, state_dir):
    netns.check("check_net_traffic", "-i", "lo", "--speed", "1")
    send_over_loopback(netns, 500_000)  # 4 Mbit: far above 1 Mbit/s within a few seconds
    out = netns.check("check_net_traffic", "-i", "lo", "--speed", "1", "-w", "50",
                      "-c", "80").output
    assert out.state == "CRITICAL"
    pct = out.perfdata["lo_rxpct"]
    assert pct.value > 80 and pct.uom == "%" and (pct.warn, pct.crit, pct.max) == ("50", "80",
                                                                                    "100")
    assert out.perfdata["lo_rx_bps"].max == "1000000"
    assert abs(pct.value - out.perfdata["lo_rx_bps"].value / 1e4) < 0.01
    assert "in% outside range 0:80" in out.summary
    send_over_loopback(netns, 500_000)
    out = netns.check("check_net_traffic", "-i", "lo", "--mbit-warning", "0.5").output
    assert out.state == "WARNING" and "in Mbit/s outside range 0:0.5" in out.summary
    assert out.perfdata["lo_rx_bps"].warn == "500000"  # perfdata thresholds in bit/s


def test_default_interfaces_link_speed_and_real_frames_on_a_veth(netns, state_dir):
    netns.veth("d0", "d1")
    netns.ip("link", "add", "br0", "type", "bridge")
    netns.ip("link", "set", "br0", "up")
    netns.ip("link", "add", "d2", "type", "veth", "peer", "name", "d3")  # down: not watched
    first = netns.check("check_net_traffic").output
    assert first.summary == ("br0 first run, baseline recorded; d0 first run, baseline "
                             "recorded; d1 first run, baseline recorded")
    assert int(netns.read("/sys/class/net/d0/speed")) == 10000
    sent_before = sys_counter(netns, "d0", "tx_bytes")
    done = netns.exec(sys.executable, "-c", SEND_RAW_FRAMES, "200", "1000")
    assert done.returncode == 0, done.stderr
    out = netns.check("check_net_traffic", "-w", "80", "-v").output
    assert out.state == "OK"
    counted = out.perfdata["d0_txbytes"].value
    kernel = sys_counter(netns, "d0", "tx_bytes")
    assert counted >= sent_before + 200_000 and 0 <= kernel - counted < 2000  # IPv6 chatter
    assert out.perfdata["d1_rxbytes"].value >= 200_000
    assert out.perfdata["d0_rx_bps"].max == "10000000000"
    assert "d0 in " in out.summary and "(0%)" in out.summary
    # The bridge has no known speed: watched, but no percentage and no UNKNOWN.
    assert "br0_rxpct" not in out.perfdata and "d0_txpct" in out.perfdata
    assert "d2_rxbytes" not in out.perfdata and "lo_rxbytes" not in out.perfdata


def test_real_drops_are_judged(netns, state_dir):
    # A veth whose peer is down drops what it is asked to send: real tx_dropped.
    netns.ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
    netns.ip("link", "set", "d0", "up")
    netns.check("check_net_traffic", "-i", "d0")
    before = sys_counter(netns, "d0", "tx_dropped")
    done = netns.exec(sys.executable, "-c", SEND_RAW_FRAMES, "50", "100")
    assert done.returncode == 0, done.stderr
    assert sys_counter(netns, "d0", "tx_dropped") - before == 50
    run = netns.check("check_net_traffic", "-i", "d0", "--drops-warning", "0",
                      "--drops-critical", "100000", "--errors-critical", "0", "-v")
    out = run.output
    assert out.state == "WARNING" and "drops/s outside range 0:0" in out.summary
    _, _, seconds = interval_and_bytes(out.long_lines[0])
    # 50 drops over the interval, which is printed rounded to the millisecond
    assert abs(out.perfdata["d0_drops"].value * seconds - 50) <= 50 * 0.0006 / seconds + 0.01
    assert out.perfdata["d0_errors"].value == 0 and out.perfdata["d0_drops"].warn == "0"


def test_recreated_interface_means_a_new_baseline(netns, state_dir):
    netns.veth("d0", "d1")
    netns.check("check_net_traffic", "-i", "d0")
    netns.ip("link", "del", "d0")
    netns.veth("d0", "d1")
    out = netns.check("check_net_traffic", "-i", "d0").output
    assert out.state == "OK" and out.summary == "d0 interface re-created, new baseline"
    assert "d0_rx_bps" not in out.perfdata
    again = netns.check("check_net_traffic", "-i", "d0").output
    assert again.summary.startswith("d0 in ") and "d0_rx_bps" in again.perfdata


def test_state_forgets_interfaces_that_are_gone(netns, state_dir):
    netns.veth("d0", "d1")
    netns.check("check_net_traffic")
    assert set(StateStore(state_dir).load("check_net_traffic")["interfaces"]) == {"d0", "d1"}
    netns.ip("link", "del", "d0")
    netns.check("check_net_traffic", "-i", "lo")
    assert set(StateStore(state_dir).load("check_net_traffic")["interfaces"]) == {"lo"}


def test_counters_that_went_down_mean_a_new_baseline(state_dir):
    run_check("check_net_traffic", "-i", "lo")
    store = StateStore(state_dir)
    document = store.load("check_net_traffic")
    document["interfaces"]["lo"]["rx_bytes"] += 10**12  # as if the counter had been reset
    store.save("check_net_traffic", document)
    out = run_check("check_net_traffic", "-i", "lo").output
    assert out.state == "OK" and out.summary == "lo counters reset, new baseline"


def test_clock_going_back_means_a_new_baseline(state_dir):
    assert run_check("check_net_traffic", "-i", "lo").code == 0
    earlier = {"LD_PRELOAD": libfaketime(), "FAKETIME": "-1h", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    out = run_check("check_net_traffic", "-i", "lo", env=earlier).output
    assert out.state == "OK" and out.summary == "lo clock went back, new baseline"
    # A state file stamped in the future (a clock that jumped back since) does the same.
    store = StateStore(state_dir)
    document = store.load("check_net_traffic")
    document["interfaces"]["lo"]["at"] = time.time() + 86400
    store.save("check_net_traffic", document)
    out = run_check("check_net_traffic", "-i", "lo").output
    assert out.summary == "lo clock went back, new baseline"
    assert run_check("check_net_traffic", "-i", "lo").output.summary.startswith("lo in ")


def test_corrupt_state_is_a_first_run(state_dir):
    run_check("check_net_traffic", "-i", "lo")
    path = Path(StateStore(state_dir).path("check_net_traffic"))
    path.write_text("{not json")
    out = run_check("check_net_traffic", "-i", "lo").output
    assert out.state == "OK" and out.summary == "lo first run, baseline recorded"
    assert json.loads(path.read_text())["interfaces"]["lo"]["rx_bytes"] > 0


def test_unknown_speed_of_a_named_interface_with_thresholds_is_unknown(state_dir):
    run_check("check_net_traffic", "-i", "lo", "-w", "80")
    out = run_check("check_net_traffic", "-i", "lo", "-w", "80").output
    assert out.state == "UNKNOWN" and "link speed unknown: give --speed" in out.summary
    assert out.perfdata["lo_rxpct"].value is None  # U


def test_nothing_to_watch_and_unknown_names_are_unknown(netns, state_dir):
    out = netns.check("check_net_traffic").output
    assert out.state == "UNKNOWN" and "no interface is up besides loopback" in out.summary
    out = netns.check("check_net_traffic", "-i", "eth7").output
    assert out.state == "UNKNOWN" and out.summary == "no interface eth7"


def test_bad_speed_is_one_unknown_line():
    for value in ("0", "-5", "fast"):
        run = run_check("check_net_traffic", "--speed", value)
        assert run.code == 3 and run.output.long_lines == []


def test_hostile_interface_names_keep_the_output_clean(netns, state_dir):
    # The kernel allows "=", "|", quotes and escape characters in names: a container
    # (or an attacker) can make such a veth. One must not make the whole check UNKNOWN.
    netns.ip("link", "add", "a=b|\x1b[1", "type", "veth", "peer", "name", "q'\"x")
    netns.ip("link", "set", "a=b|\x1b[1", "up")
    netns.ip("link", "set", "q'\"x", "up")
    netns.check("check_net_traffic")
    out = netns.check("check_net_traffic", "-v").output  # the strict grammar parses it
    assert out.state == "OK", out.summary
    assert {"a_b/ [1_rx_bps", "q'\"x_rx_bps"} <= set(out.perfdata)
    assert "a_b/ [1 in " in out.summary and "q'\"x in " in out.summary
