#!/usr/bin/env python3
"""Bounded cost of the SQL business checks: latency with 10k vs 5M rows in the table.

Starts its own private MariaDB (temp dir, 127.0.0.1, free port, stopped by
PID), loads the reference schema twice (databases ``small`` and ``big``),
puts the same recent rows in both (the checks' window) and old history
around them: 10k rows per table in ``small``, 5M in ``big`` (INSERT ...
SELECT doubling). Then, in one run, interleaved:

- ``check_ratio --metric orders_success`` and ``check_lag --metric
  registration_queue_delay`` as Nagios runs them (whole process), and
- the same two queries alone over one connection (server time + round trip),

median of N runs each. The target: big / small <= 1.5. A control query
that cannot use the index (a function on the time column) is timed too, to
show what an unbounded query would cost on the same tables.

    python3 bench/business_sql.py [--rows 5000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from immune.devservers.mariadb import MariaDB, install_template, mariadb_server
from immune.devservers.process import MissingProgram

REPO = Path(__file__).resolve().parent.parent
BUSINESS = REPO / "examples" / "business"
BIN = Path(sys.executable).parent
CONTROL = ("SELECT COALESCE(SUM(status = 'ok'), 0), COUNT(*) FROM orders "
           "WHERE UNIX_TIMESTAMP(created_at) >= UNIX_TIMESTAMP(NOW()) - 900")
#: Sized for bulk loading (the test servers' 16M pool would make the bench time the disk).
BULK = ("--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M",
        "--innodb-flush-log-at-trx-commit=0")


def load_seed():
    spec = importlib.util.spec_from_file_location("business_seed", BUSINESS / "seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def server_in(base: Path) -> Iterator[MariaDB]:
    """A private mariadbd under *base* sized for bulk loading; stopped at the end."""
    try:
        template = install_template(base / "template")
    except MissingProgram as err:
        sys.exit(f"{err} (Debian package mariadb-server)")
    with mariadb_server(template, base, extra=(*BULK, f"--tmpdir={base}/template/tmp")) \
            as server:
        yield server


def option_file(server: MariaDB) -> Path:
    """A bench user over TCP, in a 0600 option file with groups [small] and [big]."""
    password = secrets.token_hex(12)
    server.sql(f"CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY '{password}';\n"
               "GRANT ALL ON *.* TO 'bench'@'127.0.0.1';")
    path = server.option_file(server.datadir.parent / "bench.cnf", user="bench",
                              password=password)
    with path.open("a") as cnf:
        cnf.write("[small]\ndatabase=small\n[big]\ndatabase=big\n")
    return path


def fill(seed, conn, database: str, rows: int) -> float:
    """Schema, identical recent rows, then history up to *rows* rows per table."""
    start = time.monotonic()
    seed.create_schema(conn, database)
    seed.orders(conn, 1000, success=0.98, ago=(1, 600), seed=1)
    seed.queue(conn, pending_ages=(40, 90, 300), done=997, seed=2)
    seed.history(conn, rows - 1000, tables=("orders", "registration_queue"))
    with conn.cursor() as cur:
        cur.execute("ANALYZE TABLE orders, registration_queue")
    return time.monotonic() - start


def run_check(cnf: Path, database: str, check: str, metric: str) -> float:
    argv = [str(BIN / check), "--defaults-file", str(cnf), "--group", database,
            "--metrics-file", str(BUSINESS / "metrics.ini"), "--metric", metric]
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"{check} on {database} failed: {done.stdout.strip()}")
    return elapsed


def time_query(conn, sql: str, window: int) -> float:
    start = time.monotonic()
    with conn.cursor() as cur:
        cur.execute(sql, {"window": window})
        cur.fetchall()
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows per table in big")
    parser.add_argument("--small", type=int, default=10_000, help="rows per table in small")
    parser.add_argument("--runs", type=int, default=15, help="runs of each measurement")
    args = parser.parse_args()
    seed = load_seed()
    with tempfile.TemporaryDirectory(prefix="bench-business-") as tmp, \
            server_in(Path(tmp)) as server:
        cnf = option_file(server)
        conns = {db: seed.connect(str(cnf), "client", "") for db in ("small", "big")}
        for db, rows in (("small", args.small), ("big", args.rows)):
            took = fill(seed, conns[db], db, rows)
            print(f"seeded {db}: {rows:,} rows in orders and registration_queue in {took:.1f}s")
        queries = {"check_ratio": ("orders_success", "orders_success.sql", 900),
                   "check_lag": ("registration_queue_delay", "registration_queue_delay.sql",
                                 604800)}
        samples: dict[tuple[str, str, str], list[float]] = {}
        for _ in range(args.runs):
            for check, (metric, query_file, window) in queries.items():
                sql = (BUSINESS / "queries" / query_file).read_text()
                for db in ("small", "big"):   # interleaved: load on the machine hits both
                    samples.setdefault((check, db, "process"), []).append(
                        run_check(cnf, db, check, metric))
                    samples.setdefault((check, db, "query"), []).append(
                        time_query(conns[db], sql, window))
        print(f"\nmedian of {args.runs} runs      small ({args.small:,})  big ({args.rows:,})"
              f"  big/small")
        for check in queries:
            for kind in ("process", "query"):
                small = statistics.median(samples[(check, "small", kind)])
                big = statistics.median(samples[(check, "big", kind)])
                print(f"{check:<12} {kind:<8} {small * 1000:>12.2f} ms {big * 1000:>11.2f} ms"
                      f" {big / small:>9.2f}")
        control = {db: statistics.median(time_query(conns[db], CONTROL, 900) for _ in range(3))
                   for db in ("small", "big")}
        print(f"control: the orders query without its index range: small "
              f"{control['small'] * 1000:.1f} ms, big {control['big'] * 1000:.1f} ms "
              f"({control['big'] / control['small']:.0f}x)")


if __name__ == "__main__":
    main()
