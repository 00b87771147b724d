"""immune.memcache, the monitoring-side reader, against real memcached servers.

Counts are written with immune.counters into past minutes (no sleeping); the
expected sums are computed here from what was written.
"""

from __future__ import annotations

import time

import pytest
from components.memcached import names_on_every_server
from immune.counters import Counters
from immune.deadline import CheckTimeout, Deadline
from immune.memcache import COUNTER, GAUGE, Misconfigured, Series, Window, read
from pymemcache.client.base import Client

NOW = (int(time.time()) // 60) * 60 + 30  # half-way through the current minute


def stats(server: str) -> dict:
    host, port = server.rsplit(":", 1)
    client = Client((host, int(port)), connect_timeout=1, timeout=1)
    try:
        return {k.decode(): v for k, v in client.stats().items()}
    finally:
        client.close()


def write_history(pool: Counters, name: str, minutes: int, tag: str | None = None) -> dict:
    """Count 3*age+1 in each of the last *minutes* minutes; returns {minute: count}."""
    written = {}
    for age in range(0, minutes + 1):  # age 0 is the current minute, outside every window
        at = NOW - 60 * age
        assert pool.incr(name, 3 * age + 1, tag=tag, at=at)
        written[int(at // 60)] = 3 * age + 1
    return written


def test_window_is_the_whole_minutes_before_the_current_one():
    window = Window.last(900, at=NOW)
    assert window.end == NOW - 30
    assert list(window.minutes) == [NOW // 60 - k for k in range(15, 0, -1)]


@pytest.mark.parametrize("seconds", [60, 300, 900, 3600])
def test_sums_exactly_what_was_written_in_the_window(memcached_server, seconds):
    pool = Counters([memcached_server.address])
    written = write_history(pool, "orders.success", 70)
    window = Window.last(seconds, at=NOW)
    [reading], dead = read([memcached_server.address], [Series("orders.success")], window,
                           Deadline(5))
    expected = sum(v for m, v in written.items() if m in window.minutes)
    assert dead == {} and reading.sound
    assert reading.total == expected
    assert len(reading.buckets) == seconds // 60
    assert reading.per(60, window) == pytest.approx(expected * 60 / seconds)


def test_missing_minutes_count_zero_and_tags_are_separate(memcached_server):
    pool = Counters([memcached_server.address])
    for age in (2, 5):
        pool.incr("logins", 10, at=NOW - 60 * age)
    pool.incr("logins", 7, tag="canary", at=NOW - 60)
    window = Window.last(600, at=NOW)
    plain, canary, never = read([memcached_server.address],
                                [Series("logins"), Series("logins", "canary"), Series("nothing")],
                                window, Deadline(5))[0]
    assert (plain.total, len(plain.buckets)) == (20, 2)
    assert (canary.total, len(canary.buckets)) == (7, 1)
    assert (never.total, never.buckets, never.latest) == (0, {}, None)


def test_gauge_latest_value(memcached_server):
    pool = Counters([memcached_server.address])
    pool.set("queue.depth", 40, at=NOW - 600)
    pool.set("queue.depth", 12.5, at=NOW - 180)
    pool.set("queue.depth", 99, at=NOW)  # the current minute: not in the window yet
    [reading], _ = read([memcached_server.address], [Series("queue.depth", kind=GAUGE)],
                        Window.last(900, at=NOW), Deadline(5))
    assert reading.latest == (NOW // 60 - 3, 12.5)


def test_one_connection_per_server_holding_wanted_counters(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    names = [f"metric{i}" for i in range(12)]
    wanted = names[:4]
    holders = {pool.server_for(n) for n in wanted}
    before = {s: int(stats(s)["total_connections"]) for s in servers}
    read(servers, [Series(n) for n in wanted], Window.last(86400, at=NOW), Deadline(5))
    after = {s: int(stats(s)["total_connections"]) for s in servers}
    # the stats call itself is one connection on every server
    assert {s: after[s] - before[s] - 1 for s in servers} == \
        {s: int(s in holders) for s in servers}


def test_dead_server_makes_only_its_counters_undeterminable(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    names = names_on_every_server(pool, servers, 12)
    written = {n: write_history(pool, n, 16) for n in names}
    memcached_pool[1].kill()
    window = Window.last(900, at=NOW)
    readings, dead = read(servers, [Series(n) for n in names], window, Deadline(5))
    assert list(dead) == [servers[1]] and "refused" in dead[servers[1]]
    assert [r.series.name for r in readings] == names
    lost = [r for r in readings if r.server == servers[1]]
    assert lost and all(r.total is None and servers[1] in r.error for r in lost)
    kept = [r for r in readings if r.server != servers[1]]
    assert kept
    for reading in kept:
        expected = sum(v for m, v in written[reading.series.name].items()
                       if m in window.minutes)
        assert reading.sound and reading.total == expected


def test_a_hanging_server_gets_a_share_of_the_time_not_all(memcached_server, blackhole):
    hole = f"127.0.0.1:{blackhole}"
    servers = [memcached_server.address, hole]
    pool = Counters(servers)
    on_live = next(n for n in (f"m{i}" for i in range(50)) if pool.server_for(n) != hole)
    on_hole = next(n for n in (f"m{i}" for i in range(50)) if pool.server_for(n) == hole)
    pool.incr(on_live, 5, at=NOW - 60)
    start = time.monotonic()
    readings, dead = read(servers, [Series(on_hole), Series(on_live)],
                          Window.last(300, at=NOW), Deadline(2))
    assert time.monotonic() - start < 1.9
    assert "timeout" in dead[hole]
    assert readings[0].error and readings[1].total == 5


def test_single_hanging_server_ends_in_the_deadline(blackhole):
    deadline = Deadline(0.5)
    deadline.arm()
    try:
        start = time.monotonic()
        _, dead = read([f"127.0.0.1:{blackhole}"], [Series("x")], Window.last(300, at=NOW),
                       deadline)
    except CheckTimeout:
        dead = {"hard timer": "timeout"}
    finally:
        deadline.disarm()
    assert time.monotonic() - start < 0.7
    assert "timeout" in list(dead.values())[0]


def test_a_trickling_server_is_held_to_its_share(tcp_peer):
    reply = b"VALUE immune:c:x:1 0 64\r\n" + b"1" * 64 + b"\r\nEND\r\n"

    def trickle(conn):
        peer.recv_some(conn)
        for byte in reply:  # a byte every 50 ms: every single wait is short
            if peer.stopping:
                return
            conn.sendall(bytes([byte]))
            time.sleep(0.05)

    peer = tcp_peer(trickle)
    server = f"127.0.0.1:{peer.port}"
    start = time.monotonic()
    _, dead = read([server], [Series("x")], Window.last(300, at=NOW), Deadline(1))
    assert time.monotonic() - start < 1
    assert dead == {server: "timeout after 0.9s"}


def test_a_server_named_by_host_name(memcached_server):
    named = memcached_server.address.replace("127.0.0.1", "localhost")
    assert Counters([named]).incr("orders", 5, at=NOW - 60)
    [reading], dead = read([named], [Series("orders")], Window.last(300, at=NOW), Deadline(5))
    assert dead == {} and reading.total == 5


def test_corrupt_bucket_is_undeterminable_not_a_crash(memcached_server):
    pool = Counters([memcached_server.address])
    pool.incr("orders", 5, at=NOW - 60)
    host, port = memcached_server.address.rsplit(":", 1)
    Client((host, int(port))).set(f"immune:c:orders:{NOW // 60 - 2}", b"garbage", noreply=False)
    [reading], dead = read([memcached_server.address], [Series("orders", kind=COUNTER)],
                           Window.last(300, at=NOW), Deadline(5))
    assert dead == {} and reading.total is None and "corrupt value" in reading.error


def test_a_check_naming_another_pool_is_told_not_misled(memcached_pool):
    servers = [m.address for m in memcached_pool]
    Counters(servers).incr("orders", 5, at=NOW - 60)
    holder = Counters(servers).server_for("orders")
    window = Window.last(300, at=NOW)
    with pytest.raises(Misconfigured, match="--memcached must list the app's pool"):
        read([holder], [Series("orders")], window, Deadline(5))  # one server forgotten
    host, port = holder.rsplit(":", 1)
    Client((host, int(port))).delete("immune:pool", noreply=False)  # e.g. memcached restarted since
    [reading], _ = read([holder], [Series("orders")], window, Deadline(5))
    assert reading.sound  # no marker, no claim either way
