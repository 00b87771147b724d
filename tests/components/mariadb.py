"""A private MariaDB: the ``mariadb`` fixture (a fresh server per test, 0.1 s).

The data directory is made once per session with ``mariadb-install-db`` and
copied for each test. ``MariaDB.sql()`` runs statements as root over the
socket; ``MariaDB.option_file()`` writes a 0600 ``[client]`` file for checks.
The starter lives in ``immune.devservers.mariadb`` (the demo uses it too).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from immune.devservers.mariadb import ROOT_PASSWORD, MariaDB, install_template, mariadb_server

__all__ = ["ROOT_PASSWORD", "MariaDB", "mariadb_server", "mariadb_template", "mariadb"]


@pytest.fixture(scope="session")
def mariadb_template(tmp_path_factory) -> Path:
    """An initialised data directory, made once per test session."""
    return install_template(tmp_path_factory.mktemp("mariadb-template"))


@pytest.fixture
def mariadb(mariadb_template, tmp_path) -> Iterator[MariaDB]:
    with mariadb_server(mariadb_template, tmp_path) as server:
        yield server
