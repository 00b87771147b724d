"""A private MariaDB (used by the ``mariadb`` test fixture and the demo).

:func:`install_template` makes a data directory once (``mariadb-install-db``,
about a second); :func:`mariadb_server` copies it and starts a server (0.1 s).
``MariaDB.sql()`` runs statements as root over the socket;
``MariaDB.option_file()`` writes a 0600 ``[client]`` file for checks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from immune.devservers.process import free_port, port_open, running, stop, which

ROOT_PASSWORD = "root-secret-for-tests"
GRANT_ROOT = f"""
ALTER USER 'root'@'localhost' IDENTIFIED BY '{ROOT_PASSWORD}';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{ROOT_PASSWORD}';
GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
"""


@dataclass
class MariaDB:
    """A running private MariaDB."""

    port: int
    socket: Path
    datadir: Path
    proc: object = field(repr=False)

    def sql(self, statements: str, database: str | None = None) -> str:
        """Run SQL as root; returns tab-separated output."""
        argv = [which("mariadb"), "--no-defaults", f"--socket={self.socket}", "-uroot",
                f"-p{ROOT_PASSWORD}", "--batch", "--skip-column-names"]
        if database:
            argv.append(database)
        done = subprocess.run(argv, input=statements, capture_output=True, text=True,
                              timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"SQL failed: {done.stderr.strip()}")
        return done.stdout

    def option_file(self, path: Path, user: str = "root", password: str = ROOT_PASSWORD,
                    database: str | None = None, group: str = "client",
                    mode: int = 0o600) -> Path:
        """A MySQL option file for this server (TCP on 127.0.0.1)."""
        lines = [f"[{group}]", f"user={user}", f"password={password}", "host=127.0.0.1",
                 f"port={self.port}"]
        if database:
            lines.append(f"database={database}")
        path.write_text("\n".join(lines) + "\n")
        path.chmod(mode)
        return path

    def kill(self) -> None:
        """Kill the server at once (a crash, as far as clients know)."""
        stop(self.proc)


def install_template(base: Path) -> Path:
    """An initialised data directory under *base*, to be copied per server."""
    datadir = base / "data"
    tmpdir = base / "tmp"  # private: others cleaning /tmp must not break the bootstrap
    tmpdir.mkdir(parents=True, exist_ok=True)
    argv = [which("mariadb-install-db"), "--no-defaults", f"--datadir={datadir}",
            "--auth-root-authentication-method=normal", "--skip-test-db",
            "--innodb-log-file-size=8M", f"--tmpdir={tmpdir}"]
    if os.geteuid() == 0:
        argv.append("--user=root")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed: {done.stdout}{done.stderr}"[-2000:])
    return datadir


@contextlib.contextmanager
def mariadb_server(template: Path, tmp: Path, extra: tuple[str, ...] = ()) -> Iterator[MariaDB]:
    """Start a private server on a copy of *template* (*extra*: more mariadbd
    options); root gets ROOT_PASSWORD.

    A start that fails is tried again on a new port, three times at most:
    :func:`free_port` can race with another server starting on a busy machine.
    """
    for attempt in range(3):
        with contextlib.ExitStack() as stack:
            try:
                server = _start(stack, template, tmp, extra)
            except RuntimeError:
                if attempt == 2:
                    raise
                continue
            yield server
            return


def _start(stack: contextlib.ExitStack, template: Path, tmp: Path,
           extra: tuple[str, ...]) -> MariaDB:
    port = free_port()
    base = tmp / f"mariadb-{port}"
    base.mkdir()
    datadir = base / "data"
    shutil.copytree(template, datadir, symlinks=True)
    sock = base / "sock"
    argv = [which("mariadbd"), "--no-defaults", f"--datadir={datadir}", f"--socket={sock}",
            f"--port={port}", "--bind-address=127.0.0.1", f"--log-error={base}/err.log",
            "--skip-name-resolve", "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M", f"--pid-file={base}/pid", *extra]
    if os.geteuid() == 0:
        argv.insert(2, "--user=root")
    proc = stack.enter_context(running(argv, lambda: port_open(port) and sock.exists(),
                                       f"mariadb on {port}", base / "err.log", timeout=60))
    done = subprocess.run([which("mariadb"), "--no-defaults", f"--socket={sock}", "-uroot"],
                          input=GRANT_ROOT, text=True, timeout=60, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"cannot set up root on {port}: {done.stderr}")
    return MariaDB(port, sock, datadir, proc)
