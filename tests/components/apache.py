"""A private Apache 2.4 with mod_status: the ``apache`` fixture.

Its document root holds ``index.html`` and whatever a test writes there;
``/server-status`` is open to 127.0.0.1 with ExtendedStatus on. The starter
lives in ``immune.devservers.apache`` (the demo uses it too).

Variants for the web checks: ``apache_web`` (one per test module) adds
redirects and error statuses made with mod_alias (see :data:`WEB_CONFIG`);
``apache_tls`` serves https with a throwaway self-signed certificate
(:func:`components.tcppeer.make_certificate`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from immune.devservers.apache import MODULES, Apache, apache_server

__all__ = ["Apache", "apache_server", "apache", "apache_web", "apache_tls", "WEB_CONFIG",
           "TLS_CONFIG", "MODULES"]

# Answers made by mod_alias alone: redirects (one hop, two hops, a loop) and
# error statuses (Redirect with a non-3xx status and no URL).
WEB_CONFIG = """\
Redirect 301 /old /index.html
Redirect 302 /hop1 /hop2
Redirect 302 /hop2 /index.html
Redirect 302 /loop /loop
Redirect 503 /down
Redirect 410 /gone
"""
TLS_CONFIG = """\
LoadModule ssl_module {modules}/mod_ssl.so
SSLEngine on
SSLCertificateFile "{cert}"
SSLCertificateKeyFile "{key}"
"""


@pytest.fixture
def apache(tmp_path) -> Iterator[Apache]:
    with apache_server(tmp_path) as server:
        yield server


@pytest.fixture(scope="module")
def apache_web(tmp_path_factory) -> Iterator[Apache]:
    """One Apache per test module, with the redirects and errors of WEB_CONFIG."""
    with apache_server(tmp_path_factory.mktemp("apache-web"), WEB_CONFIG) as server:
        yield server


@pytest.fixture(scope="module")
def apache_tls(tmp_path_factory) -> Iterator[Apache]:
    """One https-only Apache per test module (self-signed certificate)."""
    from components.tcppeer import make_certificate  # a plugin module: import late

    tmp = tmp_path_factory.mktemp("apache-tls")
    cert, key = make_certificate(tmp / "tls", "/CN=localhost")
    extra = TLS_CONFIG.format(modules=MODULES, cert=cert, key=key)
    with apache_server(tmp, extra, scheme="https") as server:
        yield server
