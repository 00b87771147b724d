"""Private memcached instances: ``memcached_server`` (one) and ``memcached_pool`` (three).

The starter lives in ``immune.devservers.memcached`` (the demo uses it too).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from immune.counters import Counters
from immune.devservers.memcached import Memcached, memcached

__all__ = ["Memcached", "memcached", "memcached_server", "memcached_pool", "names_on_every_server"]


@pytest.fixture
def memcached_server(tmp_path) -> Iterator[Memcached]:
    with memcached(tmp_path) as server:
        yield server


@pytest.fixture
def memcached_pool(tmp_path) -> Iterator[list[Memcached]]:
    with memcached(tmp_path) as a, memcached(tmp_path) as b, memcached(tmp_path) as c:
        yield [a, b, c]


def names_on_every_server(pool: Counters, servers: list[str], count: int) -> list[str]:
    """At least *count* counter names ``metric0``, ``metric1``... with two or more placed
    on each server: placement follows the servers' (random) ports, and a test that kills
    one server needs counters on it and on the others whatever the ports."""
    names: list[str] = []
    for i in itertools.count():
        names.append(f"metric{i}")
        if len(names) >= count and all(
                sum(pool.server_for(n) == server for n in names) >= 2 for server in servers):
            return names
    raise AssertionError("unreachable")
