#!/usr/bin/env python3
"""Benchmark of immune.counters, the app side: what counting costs a web app.

Self-contained: starts its own memcached (127.0.0.1, a free port, killed at
the end) and a black-hole server (accepts, never answers). Measures

1. ``incr`` throughput against a live memcached (ops/s), next to raw
   pymemcache ``Client.incr`` on one connection as the floor;
2. per-call cost when memcached is down (connection refused): the first call,
   then every call while the server is skipped;
3. the same with a black-hole server (the first call pays the I/O timeout);
4. ``check_counter`` wall time per run (the monitoring side's startup budget
   is 70 ms for network checks), when installed next to this Python.

Usage: python bench/counters.py [--calls N]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from components.tcppeer import Peer  # noqa: E402
from immune.counters import Counters  # noqa: E402
from immune.devservers.memcached import memcached  # noqa: E402
from immune.devservers.process import free_port  # noqa: E402
from runner import timed  # noqa: E402


@contextlib.contextmanager
def black_hole():
    """A server that accepts and never answers (as the tests' ``blackhole``)."""
    released = threading.Event()
    peer = Peer(lambda conn: released.wait())
    try:
        yield f"127.0.0.1:{peer.port}"
    finally:
        released.set()
        peer.close()


def describe(spent: list[float]) -> str:
    ordered = sorted(spent)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return (f"mean {statistics.mean(spent) * 1e6:.1f} us, median "
            f"{statistics.median(spent) * 1e6:.1f} us, p99 {p99 * 1e6:.1f} us, "
            f"max {max(spent) * 1e6:.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    calls = parser.parse_args().calls

    with tempfile.TemporaryDirectory() as tmp, memcached(Path(tmp)) as live:
        from pymemcache.client.base import Client

        raw = Client(("127.0.0.1", live.port), no_delay=True)
        raw.set("raw", "0")
        spent = timed(lambda: raw.incr("raw", 1), calls)
        print(f"raw pymemcache incr, live memcached: {calls / sum(spent):,.0f} ops/s "
              f"({describe(spent)})")
        pool = Counters([live.address])
        pool.incr("bench.warm")
        spent = timed(lambda: pool.incr("bench.orders"), calls)
        print(f"counters.incr, live memcached:       {calls / sum(spent):,.0f} ops/s "
              f"({describe(spent)})")
        names = [f"bench.n{i}" for i in range(100)]
        spent = timed(lambda: [pool.incr(n) for n in names], calls // 100)
        print(f"counters.incr, 100 counters:         {calls / sum(spent):,.0f} ops/s")

    down = Counters([f"127.0.0.1:{free_port()}"])
    first = timed(lambda: down.incr("bench.orders"), 1)[0]
    spent = timed(lambda: down.incr("bench.orders"), calls)
    print(f"memcached down (refused): first call {first * 1e3:.2f} ms, then "
          f"{describe(spent)}")

    with black_hole() as hole:
        blind = Counters([hole])
        first = timed(lambda: blind.incr("bench.orders"), 1)[0]
        spent = timed(lambda: blind.incr("bench.orders"), calls)
        print(f"black-hole server: first call {first * 1e3:.1f} ms (I/O timeout "
              f"{blind.timeout * 1e3:.0f} ms), then {describe(spent)}; one call pays it "
              f"again every {blind.retry_after:g} s")

    check = Path(sys.executable).parent / "check_counter"
    if check.exists():
        with tempfile.TemporaryDirectory() as tmp, memcached(Path(tmp)) as live:
            argv = [str(check), "--memcached", live.address, "-C", "orders", "--window", "900"]
            subprocess.run(argv, capture_output=True)
            spent = timed(lambda: subprocess.run(argv, capture_output=True), 20)
            print(f"check_counter run (15 buckets, live memcached): median "
                  f"{statistics.median(spent) * 1e3:.0f} ms, max {max(spent) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
