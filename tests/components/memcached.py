"""Private memcached instances: ``memcached_server`` (one) and ``memcached_pool`` (three).

The starter lives in ``immune.devservers.memcached`` (the demo uses it too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from immune.devservers.memcached import Memcached, memcached

__all__ = ["Memcached", "memcached", "memcached_server", "memcached_pool"]


@pytest.fixture
def memcached_server(tmp_path) -> Iterator[Memcached]:
    with memcached(tmp_path) as server:
        yield server


@pytest.fixture
def memcached_pool(tmp_path) -> Iterator[list[Memcached]]:
    with memcached(tmp_path) as a, memcached(tmp_path) as b, memcached(tmp_path) as c:
        yield [a, b, c]
