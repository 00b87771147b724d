"""check_counter against real memcached: what the app wrote is what the check reads.

The check's clock is pinned with $IMMUNE_NOW; counts go into past minutes.
"""

from __future__ import annotations

import time

import pytest
from components.memcached import names_on_every_server
from immune.counters import Counters
from runner import run_check
from test_faults import PEERS

NOW = (int(time.time()) // 60) * 60 + 30
CLOCK = {"IMMUNE_NOW": str(NOW)}


def counter(*args: str, **env: str):
    return run_check("check_counter", *args, env={**CLOCK, **env})


def history(pool: Counters, name: str, minutes: int, tag: str | None = None) -> dict:
    """Count 2*age+1 in each of the last minutes (and the current one); {age: count}."""
    written = {}
    for age in range(minutes + 1):
        assert pool.incr(name, 2 * age + 1, tag=tag, at=NOW - 60 * age)
        written[age] = 2 * age + 1
    return written


def in_window(written: dict, seconds: int) -> int:
    return sum(v for age, v in written.items() if 1 <= age <= seconds // 60)


@pytest.mark.parametrize("seconds", [60, 900, 3600])
def test_sum_over_the_window(memcached_server, seconds):
    written = history(Counters([memcached_server.address]), "orders.success", 70)
    total = in_window(written, seconds)
    out = counter("--memcached", memcached_server.address, "-C", "orders.success",
                  "--window", str(seconds)).output
    assert out.state == "OK"
    rate = round(total * 60 / seconds, 1)
    assert out.summary == f"orders.success: {total} in {seconds} s ({rate:g}/min)"
    assert out.perfdata["orders.success"].value == total


@pytest.mark.parametrize("per, factor", [("second", 1), ("minute", 60), ("hour", 3600)])
def test_rate_per_unit_is_judged(memcached_server, per, factor):
    written = history(Counters([memcached_server.address]), "logins", 20)
    rate = in_window(written, 900) * factor / 900
    args = ["--memcached", memcached_server.address, "-C", "logins", "--per", per]
    ok = counter(*args, "-c", f"{rate * 0.99}:").output
    assert ok.state == "OK" and ok.perfdata["logins"].value == pytest.approx(rate, rel=1e-5)
    low = counter(*args, "-w", f"{rate * 2}:", "-c", f"{rate * 1.01}:").output
    assert low.state == "CRITICAL" and "below" in low.summary


def test_at_most_n_per_day(memcached_server):
    pool = Counters([memcached_server.address])
    for hours_ago in (1, 5, 23):
        pool.incr("apache.restarts", at=NOW - 3600 * hours_ago)
    pool.incr("apache.restarts", at=NOW - 3600 * 25)  # yesterday: outside the day
    args = ["--memcached", memcached_server.address, "-C", "apache.restarts",
            "--window", "86400"]
    assert counter(*args, "-w", "2", "-c", "5").output.state == "WARNING"
    out = counter(*args, "-w", "3", "-c", "5").output
    assert out.state == "OK" and out.perfdata["apache.restarts"].value == 3
    assert out.summary == "apache.restarts: 3 in 86400 s (0.1/h)"


def test_tag_reads_only_that_host_group(memcached_server):
    pool = Counters([memcached_server.address])
    all_hosts = history(pool, "orders.success", 15)
    canary = history(pool, "orders.success", 15, tag="canary")
    pool.incr("orders.success", 1000, tag="canary", at=NOW - 60)
    out = counter("--memcached", memcached_server.address, "-C", "orders.success",
                  "--tag", "canary").output
    assert out.perfdata["orders.success@canary"].value == in_window(canary, 900) + 1000
    plain = counter("--memcached", memcached_server.address, "-C", "orders.success").output
    assert plain.perfdata["orders.success"].value == in_window(all_hosts, 900)


def test_gauge_latest_value(memcached_server):
    pool = Counters([memcached_server.address])
    pool.set("queue.depth", 5, at=NOW - 300)
    pool.set("queue.depth", 42, at=NOW - 120)
    out = counter("--memcached", memcached_server.address, "-C", "queue.depth", "--gauge",
                  "-w", "30", "-c", "100").output
    assert out.state == "WARNING"
    assert out.summary.startswith("queue.depth: 42 (set 2 min ago)")
    never = counter("--memcached", memcached_server.address, "-C", "never.set",
                    "--gauge").output
    assert never.state == "UNKNOWN" and "no value set in the last 900 s" in never.summary
    assert never.perfdata["never.set"].value is None


def test_dead_server_is_named_and_the_others_are_judged(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    names = names_on_every_server(pool, servers, 9)
    written = {n: history(pool, n, 15) for n in names}
    memcached_pool[2].kill()
    dead = servers[2]
    lost = [n for n in names if pool.server_for(n) == dead]
    kept = [n for n in names if n not in lost]
    assert lost and kept
    args = [arg for n in names for arg in ("-C", n)]
    run = counter("--memcached", ",".join(servers), *args, "-v", "-c", "0:100000")
    out = run.output
    assert out.state == "UNKNOWN"
    assert f"{', '.join(lost)}: memcached {dead} refused the connection" in out.summary
    assert list(out.perfdata) == names
    for name in names:
        value = out.perfdata[name].value
        assert value == (None if name in lost else in_window(written[name], 900))
    assert any(f"{lost[0]} on {dead}: memcached {dead}" in line for line in out.long_lines)


def test_judged_problems_come_before_unknowns(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    names = names_on_every_server(pool, servers, 9)
    for name in names:
        history(pool, name, 15)
    memcached_pool[0].kill()
    kept = [n for n in names if pool.server_for(n) != servers[0]]
    args = [arg for n in names for arg in ("-C", n)]
    out = counter("--memcached", ",".join(servers), *args, "-c", "100").output
    assert out.state == "UNKNOWN"  # the worst state, but the judged CRITICAL is told first
    assert out.summary.startswith(f"{kept[0]}: 255 in 900 s (17/min), outside range 0:100;")


def test_default_pool_from_the_environment(memcached_server):
    Counters([memcached_server.address]).incr("signups", 4, at=NOW - 120)
    out = counter("-C", "signups", IMMUNE_COUNTERS_SERVERS=memcached_server.address).output
    assert out.summary == "signups: 4 in 900 s (0.3/min)"


def test_hanging_server_ends_unknown_within_the_timeout(blackhole):
    start = time.monotonic()
    out = counter("--memcached", f"127.0.0.1:{blackhole}", "-C", "x", "-t", "0.5").output
    assert time.monotonic() - start < 1.5
    assert out.state == "UNKNOWN" and "timeout" in out.summary


@pytest.mark.parametrize("argv, reason", [
    (["-C", "a b"], "bad counter name"),
    (["-C", "a", "--window", "90"], "multiple of 60"),
    (["-C", "a", "--window", "604860"], "multiple of 60"),
    (["-C", "a", "--memcached", "host:port"], "HOST:PORT"),
    (["-C", "a", "--tag", "x y"], "bad tag"),
    (["-C", "a", "--prefix", "a b"], "bad prefix"),
    (["-C", "a", "--gauge", "--per", "minute"], "not allowed"),
    ([], "required"),
])
def test_bad_options_are_one_unknown_line(argv, reason):
    run = counter(*argv)
    assert run.code == 3 and reason in run.output.summary and run.output.long_lines == []


def test_schedule_aware_thresholds(memcached_server):
    """Peak-hours and off-peak thresholds: the period that contains NOW judges."""
    written = history(Counters([memcached_server.address]), "orders.success", 15)
    rate = in_window(written, 900) / 15  # 17/min
    moment = time.gmtime(NOW)
    day = time.strftime("%a", moment)
    hour = f"{moment.tm_hour:02d}:00-{(moment.tm_hour + 1) % 24:02d}:00"
    other_day = time.strftime("%a", time.gmtime(NOW + 86400))
    args = ["--memcached", memcached_server.address, "-C", "orders.success", "--per", "minute",
            "--timezone", "UTC"]
    peak = counter(*args, "--schedule", f"peak={day} {hour}", "-w", f"{rate + 1}:",
                   "-c", f"{rate - 1}:", "--otherwise", "off-peak", "-c", f"{rate * 2}:", "-v")
    out = peak.output
    assert out.state == "WARNING" and out.summary.startswith("orders.success: 255 in")
    assert out.summary.endswith("[peak]")
    assert out.long_lines[0] == f"period peak ({day} {hour}): warning {rate + 1:g}:, " \
                                f"critical {rate - 1:g}:"
    off = counter(*args, "--schedule", f"peak={other_day} {hour}", "-w", f"{rate + 1}:",
                  "--otherwise", "off-peak", "-c", f"{rate * 2}:").output
    assert off.state == "CRITICAL" and off.summary.endswith("below 34 [off-peak]")
    assert off.perfdata["orders.success"].crit == f"{rate * 2:g}:"


@pytest.mark.parametrize("kind", sorted(PEERS) + ["huge", "repeats", "truncated", "hostile-mc"])
def test_a_misbehaving_server_is_unknown_with_a_clean_line(kind, tcp_peer):
    """The peers of test_faults plus memcached-shaped lies; never OK, never a crash."""
    def lie(reply: bytes):
        def behave(conn):
            conn.recv(65536)
            conn.sendall(reply)
            time.sleep(0.5)
        return behave

    behaviours = {
        **PEERS,
        "huge": lie(b"VALUE immune:c:x:1 0 99999999999999\r\n"),
        "repeats": lie(b"VALUE immune:c:x:1 0 1\r\n1\r\n" * 5000),
        "truncated": lie(b"VALUE immune:c:x:1 0 10\r\n12"),
        "hostile-mc": lie(b"VALUE \x1b[31m|evil=1 0 4\r\n\x1b[2J\r\nEND\r\n"),
    }
    port = tcp_peer(behaviours[kind]).port
    for verbosity in ([], ["-vvv"]):
        run = counter("--memcached", f"127.0.0.1:{port}", "-C", "x", "--window", "3600",
                      "-t", "1", *verbosity)
        assert run.seconds < 1.5
        out = run.output
        assert out.state == "UNKNOWN" and f"127.0.0.1:{port}" in out.summary


def test_a_pool_that_is_not_the_apps_is_unknown(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    history(pool, "orders.success", 15)
    assert all(pool.incr(f"metric{i}") for i in range(30))  # every server in use, marked
    out = counter("--memcached", ",".join(servers[:2]), "-C", "orders.success", "-v").output
    assert out.state == "UNKNOWN" and out.perfdata == {}
    assert f"the app writes to pool {','.join(sorted(servers))}" in out.summary


def test_a_window_longer_than_the_apps_ttl_is_unknown(memcached_server):
    Counters([memcached_server.address], ttl=3600).incr("orders", at=NOW - 60)
    args = ["--memcached", memcached_server.address, "-C", "orders"]
    assert counter(*args, "--window", "3540").output.state == "OK"
    out = counter(*args, "--window", "3600").output
    assert out.state == "UNKNOWN"
    assert "window 3600 s is longer than the app keeps counts (3600 s TTL)" in out.summary
