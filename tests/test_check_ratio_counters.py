"""check_ratio with its counter source: numerator and denominator from the app's memcached.

The app side (immune.counters) writes into past minutes; the check's clock is
pinned with $IMMUNE_NOW; expected ratios are computed here from what was
written. The ratio judging itself (min volume, groups, schedule) is the SQL
source's, tested in test_check_ratio.py; here: that counters feed it exactly.
"""

from __future__ import annotations

import time

import pytest
from immune.counters import Counters
from runner import run_check

NOW = (int(time.time()) // 60) * 60 + 30
CLOCK = {"IMMUNE_NOW": str(NOW)}


def ratio(*args: str):
    return run_check("check_ratio", *args, env=CLOCK)


def orders(pool: Counters, minutes: int, total: int, failed: int, tag: str | None = None,
           start: int = 1) -> None:
    """*total* orders a minute, *failed* of them failed, in minutes start..minutes ago."""
    for age in range(start, minutes + 1):
        assert pool.incr("orders.total", total, tag=tag, at=NOW - 60 * age)
        assert pool.incr("orders.success", total - failed, tag=tag, at=NOW - 60 * age)


@pytest.fixture
def pool(memcached_pool):
    servers = [m.address for m in memcached_pool]
    return Counters(servers), ",".join(servers)


def test_success_rate_from_counters(pool):
    app, servers = pool
    orders(app, 20, total=200, failed=5)
    app.incr("orders.total", 9999, at=NOW)  # the current minute: not in the window
    args = ["--memcached", servers, "--counter", "orders.success", "--counter", "orders.total"]
    out = ratio(*args, "-w", "97:", "-c", "95:").output
    assert out.state == "OK"
    assert out.summary == "orders.success 97.5% (2925/3000) in 15m"
    assert out.perfdata["orders.success"].value == 97.5
    assert out.perfdata["volume orders.success"].value == 3000
    warn = ratio(*args, "-w", "98:", "-c", "95:", "--window", "3600", "--label", "orders").output
    assert warn.state == "WARNING" and warn.summary.startswith("orders 97.5% (3900/4000)")


def test_each_tag_is_a_group_the_worst_wins(pool):
    app, servers = pool
    orders(app, 15, total=10, failed=2, tag="canary")   # the new release: 80%
    orders(app, 15, total=190, failed=1, tag="main")    # the rest: 99.47%
    args = ["--memcached", servers, "--counter", "orders.success", "--counter", "orders.total",
            "--tag", "canary", "--tag", "main", "-w", "97:", "-c", "95:"]
    out = ratio(*args).output
    assert out.state == "CRITICAL" and out.summary.startswith("canary 80% (below 95); 1 OK")
    assert out.perfdata["main"].value == pytest.approx(100 * 2835 / 2850, abs=0.01)
    quiet = ratio(*args, "--min-volume", "200").output  # canary: 150 orders, too few
    assert quiet.state == "OK" and "1 below min volume" in quiet.summary


def test_schedule_names_the_period(pool):
    app, servers = pool
    orders(app, 15, total=100, failed=4)
    day = time.strftime("%a", time.gmtime(NOW))
    out = ratio("--memcached", servers, "--counter", "orders.success", "--counter",
                "orders.total", "--timezone", "UTC", "--schedule", f"peak={day}", "-c", "97:",
                "--otherwise", "off-peak", "-c", "90:").output
    assert out.state == "CRITICAL" and out.summary.endswith("[peak]")


def test_dead_server_is_unknown_naming_it(pool, memcached_pool):
    app, servers = pool
    orders(app, 15, total=100, failed=0)
    holder = app.server_for("orders.total")
    next(m for m in memcached_pool if m.address == holder).kill()
    out = ratio("--memcached", servers, "--counter", "orders.success", "--counter",
                "orders.total", "-c", "95:").output
    lost = [n for n in ("orders.success", "orders.total") if app.server_for(n) == holder]
    assert out.state == "UNKNOWN" and out.perfdata == {}
    assert out.summary == f"{', '.join(lost)}: memcached {holder} refused the connection"


@pytest.mark.parametrize("argv, reason", [
    (["--counter", "a"], "--counter twice"),
    (["--counter", "a", "--counter", "b", "--counter", "c"], "--counter twice"),
    (["--counter", "a", "--counter", "b", "--query", "select 1, 2"], "either SQL"),
    (["--counter", "a", "--counter", "b", "--group-by"], "repeat --tag"),
    (["--tag", "canary", "--query", "select 1, 2"], "either SQL"),
    (["--counter", "a", "--counter", "b", "--window", "90"], "multiple of 60"),
    (["--counter", "a b"], "bad counter name"),
    (["--counter", "a", "--counter", "b", "--memcached", "x:y"], "HOST:PORT"),
])
def test_bad_counter_options_are_one_unknown_line(argv, reason):
    run = ratio(*argv)
    assert run.code == 3 and reason in run.output.summary and run.output.long_lines == []
