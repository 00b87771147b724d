"""A private Apache 2.4 with mod_status: the ``apache`` fixture.

The starter lives in ``immune.devservers.apache`` (the demo uses it too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from immune.devservers.apache import Apache, apache_server

__all__ = ["Apache", "apache_server", "apache"]


@pytest.fixture
def apache(tmp_path) -> Iterator[Apache]:
    with apache_server(tmp_path) as server:
        yield server
