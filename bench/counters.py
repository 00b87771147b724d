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
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from immune.counters import Counters


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def memcached():
    binary = shutil.which("memcached") or "/usr/bin/memcached"
    port = free_port()
    argv = [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64"]
    argv += ["-u", "root"] if os.geteuid() == 0 else []
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                        0.1):
                break
            time.sleep(0.01)
        yield f"127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@contextlib.contextmanager
def black_hole():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(1)
        for conn in held:
            conn.close()
        server.close()


def timed(call, times: int) -> list[float]:
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        spent.append(time.perf_counter() - start)
    return spent


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

    with memcached() as server:
        from pymemcache.client.base import Client

        host, port = server.rsplit(":", 1)
        raw = Client((host, int(port)), no_delay=True)
        raw.set("raw", "0")
        spent = timed(lambda: raw.incr("raw", 1), calls)
        print(f"raw pymemcache incr, live memcached: {calls / sum(spent):,.0f} ops/s "
              f"({describe(spent)})")
        pool = Counters([server])
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
        with memcached() as server, tempfile.TemporaryDirectory():
            argv = [str(check), "--memcached", server, "-C", "orders", "--window", "900"]
            subprocess.run(argv, capture_output=True)
            spent = timed(lambda: subprocess.run(argv, capture_output=True), 20)
            print(f"check_counter run (15 buckets, live memcached): median "
                  f"{statistics.median(spent) * 1e3:.0f} ms, max {max(spent) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
