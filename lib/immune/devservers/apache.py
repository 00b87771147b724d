"""A private Apache 2.4 with mod_status (used by the ``apache`` test fixture and the demo).

Its document root holds ``index.html`` and whatever is written there;
``/server-status`` is open to 127.0.0.1 with ExtendedStatus on. The server
can be stopped and restarted by others (``apache2 -f CONF -k restart``, as a
Nagios event handler does): on exit, a server started that way is stopped too,
found through the private PID file and checked to be ours.
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

from immune.devservers.process import free_port, port_open, running, which

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


@dataclass
class Apache:
    """A running private Apache."""

    port: int
    root: Path
    docroot: Path
    proc: object = field(repr=False)
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def config(self) -> Path:
        return self.root / "httpd.conf"

    @property
    def pid_file(self) -> Path:
        return self.root / "run" / "httpd.pid"

    def restart_argv(self) -> list[str]:
        """The command that restarts (or starts) this server, as an event handler runs it."""
        return [which("apache2"), "-f", str(self.config), "-k", "restart"]

    def main_pid(self) -> int | None:
        """The PID of the running parent process, from the private PID file."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return None
        return pid if str(self.config).encode() in cmdline else None

    def write(self, name: str, content: str | bytes) -> Path:
        """Put a file in the document root (readable by the server's user)."""
        path = self.docroot / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        path.chmod(0o644)
        return path


def _stop_restarted(server: Apache) -> None:
    """Stop a server someone else (re)started from our config, by its PID file."""
    pid = server.main_pid()
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def apache_server(tmp: Path, extra: str = "", scheme: str = "http") -> Iterator[Apache]:
    """Start a private Apache; *extra* is appended to its configuration (*scheme*
    ``https`` when *extra* turns TLS on)."""
    port = free_port()
    root = tmp / f"apache-{port}"
    (root / "run").mkdir(parents=True)
    # As root the workers run as www-data: the docroot must be outside a 0700 tmp.
    docroot = Path(tempfile.mkdtemp(prefix="immune-docroot-"))
    docroot.chmod(0o755)
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    conf = root / "httpd.conf"
    conf.write_text(CONFIG.format(root=root, port=port, modules=MODULES, docroot=docroot,
                                  user=user, extra=extra))
    server = None
    try:
        with running([which("apache2"), "-f", str(conf), "-DFOREGROUND"],
                     lambda: port_open(port), f"apache on {port}", root / "error.log",
                     stop_signal=signal.SIGTERM) as proc:
            server = Apache(port, root, docroot, proc, scheme)
            server.write("index.html", "<html><body>immune test page</body></html>\n")
            yield server
    finally:
        if server is not None:
            _stop_restarted(server)
        shutil.rmtree(docroot, ignore_errors=True)
