"""The reference business database: the ``shop`` fixture (private MariaDB + schema).

``shop.seed`` is ``examples/business/seed.py`` (the shipped seeding module),
``shop.conn`` a root connection to the ``shop`` database, ``shop.cnf`` a
0600 option file for the checks, ``shop.run(check, ...)`` runs a check
against it with the shipped metrics file.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from runner import Run, run_check

REPO = Path(__file__).resolve().parents[2]
BUSINESS = REPO / "examples" / "business"
METRICS = BUSINESS / "metrics.ini"


def load_seed():
    """The shipped seed module, imported from its file."""
    spec = importlib.util.spec_from_file_location("business_seed", BUSINESS / "seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Shop:
    mariadb: object
    cnf: Path
    conn: object
    seed: object

    def run(self, check: str, *args: str, env: dict[str, str] | None = None) -> Run:
        return run_check(check, "--defaults-file", str(self.cnf), "--metrics-file",
                         str(METRICS), *args, env=env)

    def sql(self, statement: str, params=None) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(statement, params)
            return list(cur.fetchall())


@pytest.fixture(scope="session")
def shop_template(mariadb_template, tmp_path_factory) -> Path:
    """A data directory holding the empty reference schema, made once per session."""
    from components.mariadb import mariadb_server  # imported here: pytest loads it later

    base = tmp_path_factory.mktemp("shop-template")
    with mariadb_server(mariadb_template, base) as server:
        seed = load_seed()
        conn = seed.connect(str(server.option_file(base / "root.cnf")), database="")
        seed.create_schema(conn, "shop")
        conn.close()
        # as mariadb_server expects a template (root without password over the socket),
        # then a clean stop: copies start without crash recovery
        server.sql("ALTER USER 'root'@'localhost' IDENTIFIED BY ''; SHUTDOWN")
        server.proc.wait(30)
        return server.datadir


@contextlib.contextmanager
def shop_server(template: Path, tmp: Path, extra: tuple[str, ...] = ()) -> Iterator[Shop]:
    """A private MariaDB started from *template* (with *extra* server options), as a Shop."""
    from components.mariadb import mariadb_server

    seed = load_seed()
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(mariadb_server(template, tmp, extra))
        cnf = server.option_file(tmp / "shop.cnf", database="shop")
        conn = seed.connect(str(cnf))
        stack.callback(conn.close)
        yield Shop(server, cnf, conn, seed)


@pytest.fixture
def shop(shop_template, tmp_path):
    """A fresh private MariaDB with the empty reference schema in database ``shop``."""
    with shop_server(shop_template, tmp_path) as server:
        yield server
