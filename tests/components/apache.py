"""A private Apache 2.4 with mod_status: the ``apache`` fixture.

Its document root holds ``index.html`` and whatever a test writes there;
``/server-status`` is open to 127.0.0.1 with ExtendedStatus on.

Variants for the web checks: ``apache_web`` (one per test module) adds
redirects and error statuses made with mod_alias (see :data:`WEB_CONFIG`);
``apache_tls`` serves https with a throwaway self-signed certificate
(:func:`components.tcppeer.make_certificate`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from runner import which

from components.process import free_port, port_open, running

MODULES = "/usr/lib/apache2/modules"
CONFIG = """\
ServerRoot "{root}"
ServerName 127.0.0.1
DefaultRuntimeDir "{root}/run"
PidFile "{root}/run/httpd.pid"
Mutex file:{root}/run default
ErrorLog "{root}/error.log"
LogLevel warn
Listen 127.0.0.1:{port}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule authz_host_module {modules}/mod_authz_host.so
LoadModule status_module {modules}/mod_status.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule alias_module {modules}/mod_alias.so
TypesConfig /etc/mime.types
{user}
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
KeepAlive On
DocumentRoot "{docroot}"
DirectoryIndex index.html
<Directory "{docroot}">
    AllowOverride None
    Require all granted
</Directory>
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
{extra}
"""


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


@dataclass
class Apache:
    port: int
    root: Path
    docroot: Path
    proc: object = field(repr=False)
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def write(self, name: str, content: str | bytes) -> Path:
        """Put a file in the document root (readable by the server's user)."""
        path = self.docroot / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        path.chmod(0o644)
        return path


@contextlib.contextmanager
def apache_server(tmp: Path, extra: str = "", scheme: str = "http") -> Iterator[Apache]:
    """Start a private Apache; *extra* is appended to its configuration."""
    port = free_port()
    root = tmp / f"apache-{port}"
    (root / "run").mkdir(parents=True)
    # As root the workers run as www-data: the docroot must be outside pytest's 0700 tmp.
    docroot = Path(tempfile.mkdtemp(prefix="immune-docroot-"))
    docroot.chmod(0o755)
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    conf = root / "httpd.conf"
    conf.write_text(CONFIG.format(root=root, port=port, modules=MODULES, docroot=docroot,
                                  user=user, extra=extra))
    try:
        server = None
        with running([which("apache2"), "-f", str(conf), "-DFOREGROUND"],
                     lambda: port_open(port), f"apache on {port}", root / "error.log",
                     stop_signal=signal.SIGTERM) as proc:
            server = Apache(port, root, docroot, proc, scheme)
            server.write("index.html", "<html><body>immune test page</body></html>\n")
            yield server
    finally:
        shutil.rmtree(docroot, ignore_errors=True)


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
