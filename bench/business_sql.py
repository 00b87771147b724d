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
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUSINESS = REPO / "examples" / "business"
BIN = Path(sys.executable).parent
CONTROL = ("SELECT COALESCE(SUM(status = 'ok'), 0), COUNT(*) FROM orders "
           "WHERE UNIX_TIMESTAMP(created_at) >= UNIX_TIMESTAMP(NOW()) - 900")


def load_seed():
    spec = importlib.util.spec_from_file_location("business_seed", BUSINESS / "seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def program(name: str) -> str:
    path = shutil.which(name) or next((str(Path(d) / name) for d in ("/usr/sbin", "/sbin")
                                       if (Path(d) / name).exists()), None)
    if not path:
        sys.exit(f"{name} is not installed (Debian package mariadb-server)")
    return path


class Server:
    """A private mariadbd sized for bulk loading; stopped by its PID."""

    def __init__(self, base: Path) -> None:
        self.base, self.port, self.sock = base, free_port(), base / "sock"
        root = ["--user=root"] if os.geteuid() == 0 else []
        (base / "tmp").mkdir()
        subprocess.run([program("mariadb-install-db"), "--no-defaults", f"--datadir={base}/data",
                        "--auth-root-authentication-method=normal", "--skip-test-db", *root],
                       check=True, capture_output=True, timeout=300)
        argv = [program("mariadbd"), "--no-defaults", *root, f"--datadir={base}/data",
                f"--socket={self.sock}", f"--port={self.port}", "--bind-address=127.0.0.1",
                f"--log-error={base}/err.log", f"--pid-file={base}/pid", "--skip-name-resolve",
                f"--tmpdir={base}/tmp",
                "--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M",
                "--innodb-flush-log-at-trx-commit=0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        end = time.monotonic() + 60
        while not self.sock.exists() and time.monotonic() < end and self.proc.poll() is None:
            time.sleep(0.05)
        if not self.sock.exists():
            self.stop()
            sys.exit("mariadbd did not start: " + (base / "err.log").read_text()[-1000:])

    def option_file(self, seed) -> Path:
        """A bench user over TCP, in a 0600 option file."""
        import pymysql

        password = secrets.token_hex(12)
        conn = pymysql.connect(unix_socket=str(self.sock), user="root", autocommit=True)
        with conn.cursor() as cur:
            cur.execute("CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY %s", (password,))
            cur.execute("GRANT ALL ON *.* TO 'bench'@'127.0.0.1'")
        conn.close()
        path = self.base / "bench.cnf"
        path.write_text(f"[client]\nuser=bench\npassword={password}\nhost=127.0.0.1\n"
                        f"port={self.port}\n[small]\ndatabase=small\n[big]\ndatabase=big\n")
        path.chmod(0o600)
        return path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


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
    base = Path(tempfile.mkdtemp(prefix="bench-business-"))
    server = None
    try:
        server = Server(base)
        cnf = server.option_file(seed)
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
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
