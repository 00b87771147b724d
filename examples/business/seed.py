#!/usr/bin/env python3
"""Seed the reference business schema with data for the business checks.

Usable as a command (the demo) and as a module (tests, bench/business_sql.py)::

    seed.py --defaults-file F --database shop --schema --demo
    seed.py --defaults-file F --database shop --orders 1000 --success 0.91
    seed.py --defaults-file F --database shop --history 100000

Times are relative to the server's NOW(): "ago" ranges are in seconds
before it. --history adds old rows (outside every check's window) to every
table by INSERT ... SELECT doubling: millions of rows in seconds, the
realistic bulk that a bounded query must not read. Personal data is fake
and recognisable (``alice.example17@example.org``): tests assert it never
reaches a check's output.
"""

from __future__ import annotations

import argparse
import random
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DAY = 86400
OLD = (40 * DAY, 400 * DAY)     # history: older than every shipped window
PROVIDERS = ("aol", "gmail", "hotmail", "yahoo")
FIRST_NAMES = ("Alice", "Bruno", "Chiara", "Dmitri", "Emeka", "Fatima")


def connect(defaults_file: str, group: str | None = None, database: str | None = None):
    """A pymysql connection (autocommit) from a MySQL option file.

    *database* overrides the file's; '' connects to no database.
    """
    import pymysql
    from immune.mysql import connect_arguments, target

    arguments = connect_arguments(target(defaults_file, group).options)
    if database is not None:
        arguments["database"] = database or None
    return pymysql.connect(**arguments, autocommit=True, local_infile=False)


def create_schema(conn, database: str) -> None:
    """Create *database* (if needed) with the reference schema, and use it."""
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        cur.execute(f"USE `{database}`")
        for statement in (HERE / "schema.sql").read_text().split(";"):
            body = "\n".join(line for line in statement.splitlines()
                             if not line.strip().startswith("--"))
            if body.strip():
                cur.execute(body)


def _now(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT NOW()")
        return cur.fetchone()[0]


def _times(conn, n: int, ago: tuple[float, float], rng: random.Random):
    now = _now(conn)
    low, high = ago
    return [now - timedelta(seconds=rng.uniform(low, high)) for _ in range(n)]


def _insert(conn, sql: str, rows: list[tuple]) -> None:
    with conn.cursor() as cur:
        for start in range(0, len(rows), 5000):
            cur.executemany(sql, rows[start:start + 5000])


def _mix(n: int, good: float, rng: random.Random) -> list[bool]:
    """Exactly round(n * good) True values, shuffled."""
    flags = [i < round(n * good) for i in range(n)]
    rng.shuffle(flags)
    return flags


def orders(conn, n: int, success: float = 0.98, ago=(1, 600), seed: int = 1) -> None:
    """*n* orders, exactly round(n * success) of them successful."""
    rng = random.Random(seed)
    rows = [(rng.randint(1, 10**6), at, "ok" if ok else "failed", rng.randint(99, 9999))
            for at, ok in zip(_times(conn, n, ago, rng), _mix(n, success, rng), strict=True)]
    _insert(conn, "INSERT INTO orders (user_id, created_at, status, amount_cents) "
                  "VALUES (%s, %s, %s, %s)", rows)


def registrations(conn, n: int, good: float = 0.9, ago=(1, 600), seed: int = 2) -> None:
    """*n* registrations; the bad ones alternate unverified and spam."""
    rng = random.Random(seed)
    rows = []
    for i, (at, ok) in enumerate(zip(_times(conn, n, ago, rng), _mix(n, good, rng),
                                     strict=True)):
        rows.append((rng.randint(1, 10**6), at, 1 if ok or i % 2 else 0, 0 if ok or not i % 2
                     else 1))
    _insert(conn, "INSERT INTO registrations (user_id, created_at, verified, spam) "
                  "VALUES (%s, %s, %s, %s)", rows)


def queue(conn, pending_ages=(), done: int = 0, seed: int = 3) -> None:
    """Pending registrations queued *pending_ages* seconds ago, and *done* finished ones."""
    rng = random.Random(seed)
    now = _now(conn)
    rows = [(rng.randint(1, 10**6), "pending", now - timedelta(seconds=age), None)
            for age in pending_ages]
    for at in _times(conn, done, (1, 3600), rng):
        rows.append((rng.randint(1, 10**6), "done", at, at + timedelta(seconds=5)))
    _insert(conn, "INSERT INTO registration_queue (registration_id, state, queued_at, "
                  "done_at) VALUES (%s, %s, %s, %s)", rows)


def contact_imports(conn, mix: dict[str, tuple[int, float]], ago=(1, 600),
                    seed: int = 4) -> None:
    """Per provider: (imports, success fraction)."""
    rng = random.Random(seed)
    rows = []
    for provider, (n, good) in mix.items():
        for at, ok in zip(_times(conn, n, ago, rng), _mix(n, good, rng), strict=True):
            rows.append((rng.randint(1, 10**6), provider, at, int(ok)))
    _insert(conn, "INSERT INTO contact_imports (user_id, provider, created_at, succeeded) "
                  "VALUES (%s, %s, %s, %s)", rows)


def client(conn, version: str, sessions: int, exceptions: int, released_ago: float = DAY,
           ago=(1, 600), seed: int = 5) -> None:
    """A client release with *sessions* sessions and *exceptions* exception reports."""
    rng = random.Random(seed)
    now = _now(conn)
    _insert(conn, "INSERT INTO client_releases (version, released_at) VALUES (%s, %s)",
            [(version, now - timedelta(seconds=released_ago))])
    _insert(conn, "INSERT INTO client_sessions (user_id, client_version, started_at) "
                  "VALUES (%s, %s, %s)",
            [(rng.randint(1, 10**6), version, at) for at in _times(conn, sessions, ago, rng)])
    _insert(conn, "INSERT INTO client_exceptions (session_id, client_version, created_at) "
                  "VALUES (%s, %s, %s)",
            [(rng.randint(1, 10**6), version, at) for at in _times(conn, exceptions, ago, rng)])


def tickets(conn, waiting_ages=(), answered: int = 0, seed: int = 6) -> None:
    """Tickets waiting since *waiting_ages* seconds, and *answered* answered ones."""
    rng = random.Random(seed)
    now = _now(conn)
    rows = [(rng.randint(1, 10**6), "Where is my refund?", "waiting",
             now - timedelta(seconds=age)) for age in waiting_ages]
    rows += [(rng.randint(1, 10**6), "Thanks", "answered", at)
             for at in _times(conn, answered, (1, DAY), rng)]
    _insert(conn, "INSERT INTO support_tickets (user_id, subject, state, waiting_since) "
                  "VALUES (%s, %s, %s, %s)", rows)


def backups(conn, ok_ages=(), failed_ages=()) -> None:
    """Backups that finished OK / failed *ages* seconds ago."""
    now = _now(conn)
    rows = [("nightly", now - timedelta(seconds=age + 600), now - timedelta(seconds=age), st)
            for ages, st in ((ok_ages, "ok"), (failed_ages, "failed")) for age in ages]
    _insert(conn, "INSERT INTO backups (name, started_at, finished_at, status) "
                  "VALUES (%s, %s, %s, %s)", rows)


def rerated(conn, refunded: int = 0, unrefunded: int = 0, rerated_ago: float = 3 * DAY,
            seed: int = 7) -> None:
    """One re-rated product with purchases, *refunded* of them refunded (gifts to the sender)."""
    rng = random.Random(seed)
    now = _now(conn)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO products (creator_id, title, rerated_at) VALUES (%s, %s, %s)",
                    (rng.randint(1, 10**6), "Neon hoodie", now - timedelta(seconds=rerated_ago)))
        product = cur.lastrowid
        for i in range(refunded + unrefunded):
            buyer = rng.randint(1, 10**6)
            gift = rng.randint(1, 10**6) if i % 3 == 0 else None
            cur.execute("INSERT INTO purchases (buyer_id, recipient_id, product_id, created_at,"
                        " amount_cents) VALUES (%s, %s, %s, %s, %s)",
                        (buyer, gift, product, now - timedelta(seconds=rerated_ago + DAY), 500))
            if i < refunded:
                cur.execute("INSERT INTO refunds (purchase_id, refunded_to, created_at) "
                            "VALUES (%s, %s, %s)", (cur.lastrowid, buyer, now))


def person(i: int) -> tuple[str, str]:
    """A recognisable fake (email, name) for user number *i*."""
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    return f"{first.lower()}.example{i}@example.org", f"{first} Example{i}"


def users(conn, active: int = 0, inactive_unerased: int = 0, inactive_erased: int = 0,
          disabled_notified: int = 0, disabled_unnotified: int = 0, seed: int = 8) -> None:
    """Users with recognisable personal data, in the states the invariants look at."""
    rng = random.Random(seed)
    now = _now(conn)
    kinds = ([("active", None, None)] * active
             + [("inactive", None, None)] * inactive_unerased
             + [("inactive", None, now)] * inactive_erased
             + [("disabled", "notified", None)] * disabled_notified
             + [("disabled", None, None)] * disabled_unnotified)
    with conn.cursor() as cur:
        for i, (kind, notice, erased) in enumerate(kinds):
            email, name = (None, None) if erased else person(i)
            last = now - timedelta(days=rng.uniform(600, 900) if kind == "inactive"
                                   else rng.uniform(0, 30))
            disabled = now - timedelta(days=2) if kind == "disabled" else None
            cur.execute("INSERT INTO users (email, name, created_at, last_active_at, "
                        "disabled_at, erased_at) VALUES (%s, %s, %s, %s, %s, %s)",
                        (email, name, last - timedelta(days=100), last, disabled, erased))
            if notice:
                cur.execute("INSERT INTO notifications (user_id, kind, created_at) "
                            "VALUES (%s, 'account_disabled', %s)", (cur.lastrowid, disabled))


def shard(conn, used: int, capacity: int) -> None:
    """This database as a shard holding account ids up to *used* of *capacity*."""
    now = _now(conn)
    with conn.cursor() as cur:
        cur.execute("REPLACE INTO shard_info (id, name, capacity) VALUES (1, DATABASE(), %s)",
                    (capacity,))
        if used:
            cur.execute("INSERT INTO users (id, email, name, created_at, last_active_at) "
                        "VALUES (%s, NULL, NULL, %s, %s)", (used, now, now))


# Old rows for --history: table -> (time column, columns copied, filter of history rows)
HISTORY = {
    "orders": ("created_at", "user_id, created_at, status, amount_cents", "1"),
    "registrations": ("created_at", "user_id, created_at, verified, spam", "1"),
    "registration_queue": ("queued_at", "registration_id, state, queued_at, done_at",
                           "state = 'done'"),
    "contact_imports": ("created_at", "user_id, provider, created_at, succeeded", "1"),
    "client_sessions": ("started_at", "user_id, client_version, started_at", "1"),
    "client_exceptions": ("created_at", "session_id, client_version, created_at", "1"),
    "support_tickets": ("waiting_since", "user_id, subject, state, waiting_since",
                        "state = 'closed'"),
    "backups": ("finished_at", "name, started_at, finished_at, status", "1"),
    "purchases": ("created_at", "buyer_id, recipient_id, product_id, created_at, "
                                "amount_cents", "1"),
    "users": ("last_active_at", "email, name, created_at, last_active_at", "erased_at IS NULL"),
    "products": (None, "creator_id, title", "rerated_at IS NULL"),
}


def _history_base(conn, table: str, n: int, rng: random.Random) -> None:
    at = _times(conn, n, OLD, rng)
    old_release = "0.9.0"
    rows = {
        "orders": [(rng.randint(1, 10**6), t, "ok" if rng.random() < 0.97 else "failed", 500)
                   for t in at],
        "registrations": [(rng.randint(1, 10**6), t, 1, 0) for t in at],
        "registration_queue": [(rng.randint(1, 10**6), "done", t, t) for t in at],
        "contact_imports": [(rng.randint(1, 10**6), rng.choice(PROVIDERS), t, 1) for t in at],
        "client_sessions": [(rng.randint(1, 10**6), old_release, t) for t in at],
        "client_exceptions": [(rng.randint(1, 10**6), old_release, t) for t in at],
        "support_tickets": [(rng.randint(1, 10**6), "Old question", "closed", t) for t in at],
        "backups": [("nightly", t - timedelta(seconds=600), t, "ok") for t in at],
        "purchases": [(rng.randint(1, 10**6), None, rng.randint(10**6, 2 * 10**6), t, 500)
                      for t in at],
        "users": [(*person(10**6 + i), t - timedelta(days=100), t) for i, t in enumerate(at)],
        "products": [(rng.randint(1, 10**6), "Old hat") for t in at],
    }[table]
    columns = HISTORY[table][1]
    marks = ", ".join(["%s"] * len(rows[0])) if rows else ""
    _insert(conn, f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def history(conn, n: int, tables=tuple(HISTORY), seed: int = 9) -> None:
    """Add *n* old rows to each of *tables*: a few thousand inserted, then doubled."""
    rng = random.Random(seed)
    for table in tables:
        column, columns, where = HISTORY[table]
        base = min(n, 2000)
        _history_base(conn, table, base, rng)
        done = base
        while done < n:
            step = min(done, n - done)
            shifted, old = columns, "1"
            if column:   # older still, by up to two days per doubling
                shifted = columns.replace(column, f"{column} - INTERVAL FLOOR(RAND() * 3000) "
                                                  f"MINUTE")
                old = f"{column} < NOW() - INTERVAL {OLD[0]} SECOND"
            with conn.cursor() as cur:
                cur.execute(f"INSERT INTO {table} ({columns}) SELECT {shifted} FROM {table} "
                            f"WHERE {where} AND {old} LIMIT {step}")
            done += step


def demo(conn) -> None:
    """A healthy site: every reference business check OK."""
    orders(conn, 500, success=0.985)
    registrations(conn, 200, good=0.95, ago=(1, 3000))
    queue(conn, pending_ages=(20, 45, 90), done=100)
    contact_imports(conn, {p: (60, 0.98) for p in PROVIDERS}, ago=(1, 3000))
    client(conn, "2.4.1", sessions=2000, exceptions=12, ago=(1, 3000))
    tickets(conn, waiting_ages=(3600, 7200), answered=50)
    backups(conn, ok_ages=(6 * 3600, 30 * 3600), failed_ages=(54 * 3600,))
    rerated(conn, refunded=5, unrefunded=0)
    users(conn, active=50, inactive_erased=5, disabled_notified=2)
    shard(conn, used=0, capacity=1_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--defaults-file", required=True, help="MySQL option file (0600)")
    parser.add_argument("--group", help="option-file group (default [client])")
    parser.add_argument("--database", default="shop", help="database (default shop)")
    parser.add_argument("--schema", action="store_true", help="create the database and tables")
    parser.add_argument("--demo", action="store_true", help="seed a healthy site")
    parser.add_argument("--orders", type=int, default=0, help="add N recent orders")
    parser.add_argument("--success", type=float, default=0.98, help="their success fraction")
    parser.add_argument("--history", type=int, default=0, help="add N old rows to each table")
    args = parser.parse_args()
    conn = connect(args.defaults_file, args.group, "" if args.schema else args.database)
    if args.schema:
        create_schema(conn, args.database)
    if args.demo:
        demo(conn)
    if args.orders:
        orders(conn, args.orders, args.success)
    if args.history:
        history(conn, args.history)
    conn.close()


if __name__ == "__main__":
    main()
