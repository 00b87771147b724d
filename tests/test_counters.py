"""immune.counters, the app side, against real memcached servers.

Buckets are checked by reading memcached directly with the documented key
layout ``<prefix><c|g>:<name>[@<tag>]:<epoch minute>``, not through the module.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import warnings

import pytest
from components.memcached import names_on_every_server
from components.process import free_port, port_open, running
from immune import counters
from immune.counters import CounterNameError, Counters, parse_servers
from pymemcache.client.base import Client
from runner import timed, which


def raw(server: str) -> Client:
    host, port = server.rsplit(":", 1)
    return Client((host, int(port)), connect_timeout=1, timeout=1)


def minute(at: float) -> int:
    return int(at // 60)


def test_module_imports_neither_nagiosplugin_nor_the_base_layer(memcached_server):
    at = time.time() - 60
    code = (
        "import sys, immune.counters as c\n"
        f"assert c.incr('imports.probe', 3, at={at!r}), 'not written'\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('immune', 'nagiosplugin'))))\n"
        "print('pymemcache' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, env={"IMMUNE_COUNTERS_SERVERS": memcached_server.address})
    assert done.returncode == 0, done.stderr
    modules, pymemcache_loaded = done.stdout.split("\n")[:2]
    assert modules.split() == ["immune", "immune.counters"]
    assert pymemcache_loaded == "True"  # the only dependency, loaded at first use
    assert raw(memcached_server.address).get(f"immune:c:imports.probe:{minute(at)}") == b"3"


def test_incr_writes_one_bucket_per_minute_with_the_documented_key(memcached_server):
    pool = Counters([memcached_server.address])
    now = time.time()
    written = {}
    for age in (0, 1, 2, 5, 59):
        at = now - 60 * age
        for n in (1, 2, 3 + age):
            assert pool.incr("orders.success", n, at=at)
        written[minute(at)] = 6 + age
    assert pool.incr("orders.success", 7, tag="canary", at=now)
    client = raw(memcached_server.address)
    for m, total in written.items():
        assert client.get(f"immune:c:orders.success:{m}") == str(total).encode()
    assert client.get(f"immune:c:orders.success@canary:{minute(now)}") == b"7"


def test_bucket_expires_ttl_after_its_minute(memcached_server):
    pool = Counters([memcached_server.address], prefix="app1:", ttl=3600)
    now = time.time()
    at = now - 600
    assert pool.incr("logins", at=at)
    key = f"app1:c:logins:{minute(at)}"
    reply = raw(memcached_server.address).raw_command(f"mg {key} t", b"\r\n")
    assert reply.startswith(b"HD t"), reply  # meta get: b"HD t2987" = 2987 s left
    ttl_left = int(reply.split()[1][1:])
    expected = minute(at) * 60 + 3600 - now
    assert abs(ttl_left - expected) <= 2
    assert not pool.incr("logins", at=now - 3700)  # already past its TTL: not written
    assert raw(memcached_server.address).get(f"app1:c:logins:{minute(now - 3700)}") is None


def test_concurrent_incr_on_a_missing_bucket_loses_nothing(memcached_server):
    pool = Counters([memcached_server.address])
    at = time.time() - 120
    barrier = threading.Barrier(8)
    failures = []

    def work() -> None:
        barrier.wait()
        for _ in range(150):
            if not pool.incr("race", 1, at=at):
                failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert raw(memcached_server.address).get(f"immune:c:race:{minute(at)}") == b"1200"


def test_gauge_keeps_the_last_value_of_the_minute(memcached_server):
    pool = Counters([memcached_server.address])
    now = time.time()
    assert pool.set("queue.depth", 17, at=now)
    assert pool.set("queue.depth", 4.5, at=now)
    assert raw(memcached_server.address).get(f"immune:g:queue.depth:{minute(now)}") == b"4.5"


@pytest.mark.parametrize("call", [
    lambda p: p.incr("bad name"),
    lambda p: p.incr("x" * 101),
    lambda p: p.incr("ok", -1),
    lambda p: p.incr("ok", 1.5),
    lambda p: p.incr("ok", tag="a b"),
    lambda p: p.set("ok", float("nan")),
    lambda p: p.set("ok", "12"),
])
def test_bad_calls_warn_and_never_raise(memcached_server, call):
    pool = Counters([memcached_server.address])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # even an app that turns warnings into errors
        assert call(pool) is False


def test_bad_configuration_raises_at_configure_time():
    for kwargs in ({"servers": "host:notaport"}, {"servers": ""}, {"prefix": "a b"},
                   {"ttl": 10}, {"ttl": 40 * 86400}):
        with pytest.raises(CounterNameError):
            Counters(**kwargs)
    assert parse_servers("a, b:1,[::1]:2,a:11211") == ("a:11211", "b:1", "[::1]:2")


def test_module_functions_use_the_configured_pool(memcached_server, monkeypatch):
    monkeypatch.setattr(counters, "_default", None)
    monkeypatch.setenv("IMMUNE_COUNTERS_SERVERS", "127.0.0.1:1")
    counters.configure(servers=[memcached_server.address], prefix="web:")
    at = time.time() - 60
    assert counters.incr("signups", 2, at=at) and counters.set("users.online", 99, at=at)
    client = raw(memcached_server.address)
    assert client.get(f"web:c:signups:{minute(at)}") == b"2"
    assert client.get(f"web:g:users.online:{minute(at)}") == b"99"


def test_pool_places_every_bucket_of_a_counter_on_one_server(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    now = time.time()
    names = names_on_every_server(pool, servers, 30)
    for name in names:
        for age in range(3):
            assert pool.incr(name, 1, tag="canary" if age == 2 else None, at=now - 60 * age)
    clients = {s: raw(s) for s in servers}
    holders = {}
    for name in names:
        keys = [f"immune:c:{name}:{minute(now)}", f"immune:c:{name}:{minute(now - 60)}",
                f"immune:c:{name}@canary:{minute(now - 120)}"]
        found = {s for s, c in clients.items() for k in keys if c.get(k) is not None}
        assert len(found) == 1, f"{name} is split over {found}"
        holder = found.pop()
        assert all(clients[holder].get(k) == b"1" for k in keys)
        holders[name] = pool.server_for(name)
    assert set(holders.values()) == set(servers)  # spread over the whole pool
    # placement does not depend on the order the pool is listed in
    assert all(Counters(servers[::-1]).server_for(n) == s for n, s in holders.items())


def assert_fast(spent: list[float]) -> None:
    """Microseconds per call: no socket is touched (p99, so one preemption is not a failure)."""
    p99 = sorted(spent)[int(len(spent) * 0.99) - 1]
    assert statistics.median(spent) < 0.0001 and p99 < 0.002, (statistics.median(spent), p99)


def test_dead_server_costs_the_app_nothing_but_its_counts(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers)
    names = names_on_every_server(pool, servers, 30)
    on = {s: [n for n in names if pool.server_for(n) == s] for s in servers}
    assert all(pool.incr(n) for n in names)
    memcached_pool[0].kill()
    dead = servers[0]
    lost = on[dead][0]
    first = timed(lambda: pool.incr(lost), 1)[0]
    assert first < 0.2  # refused at once (connect timeout 50 ms at worst)
    assert pool.is_skipped(dead)
    assert_fast(timed(lambda: pool.incr(lost), 300))
    assert not pool.incr(lost) and not pool.set(lost, 1)
    assert all(pool.incr(n) for s in servers[1:] for n in on[s])  # the others still count


def test_black_hole_server_is_paid_once_then_skipped(blackhole):
    pool = Counters([f"127.0.0.1:{blackhole}"], timeout=0.1, retry_after=5)
    first = timed(lambda: pool.incr("orders"), 1)[0]
    assert 0.09 < first < 0.5
    assert_fast(timed(lambda: pool.incr("orders"), 300))


def test_a_skipped_server_is_retried_after_the_pause(tmp_path):
    port = free_port()
    server = f"127.0.0.1:{port}"
    pool = Counters([server], retry_after=0.3)
    at = time.time()
    assert not pool.incr("comeback", at=at)  # nothing listens yet
    argv = [which("memcached"), "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "16"]
    argv += ["-u", "root"] if os.geteuid() == 0 else []
    with running(argv, lambda: port_open(port), "memcached", tmp_path / "mc.log"):
        assert not pool.incr("comeback", at=at)  # still skipped: no connection attempt
        time.sleep(0.35)
        assert pool.incr("comeback", 5, at=at)
        assert raw(server).get(f"immune:c:comeback:{minute(at)}") == b"5"


def test_a_forked_child_gets_its_own_connection(memcached_server):
    pool = Counters([memcached_server.address])
    at = time.time() - 60
    assert pool.incr("forked", 1, at=at)  # the parent's connection is open now
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os._exit(0 if all(pool.incr("forked", 10, at=at) for _ in range(5)) else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert pool.incr("forked", 100, at=at)  # the parent's connection still works
    assert raw(memcached_server.address).get(f"immune:c:forked:{minute(at)}") == b"151"


def test_every_server_used_carries_the_pool_marker(memcached_pool):
    servers = [m.address for m in memcached_pool]
    pool = Counters(servers[::-1], prefix="shop:")
    for i in range(30):
        pool.incr(f"metric{i}")
    expected = f"{','.join(sorted(servers))} ttl=172800".encode()
    assert [raw(s).get("shop:pool") for s in servers] == [expected] * 3
