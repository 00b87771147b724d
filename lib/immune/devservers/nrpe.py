"""A private NRPE daemon (tests and the demo): runs the commands of nrpe.cfg fragments.

``nrpe -c CFG -f`` on 127.0.0.1 and a free port, allowed only from
127.0.0.1, arguments from clients refused (``dont_blame_nrpe=0``): every
command line is fixed in the fragments the config generator wrote. As root
the daemon runs its commands as ``nagios`` (NRPE refuses root): they and
their files must be readable by that user.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from immune.devservers.process import current_user, free_port, port_open, running, which

RUN_AS_ROOT = "nagios"  # the user Debian's nagios-nrpe-server package creates
CONFIG = """\
server_address=127.0.0.1
server_port={port}
allowed_hosts=127.0.0.1
pid_file={base}/nrpe.pid
nrpe_user={user}
nrpe_group={group}
dont_blame_nrpe=0
allow_bash_command_substitution=0
command_timeout=30
connection_timeout=60
debug=0
disable_syslog=1
log_file={base}/nrpe.log
{includes}
"""


@dataclass
class NRPE:
    """A running private NRPE daemon."""

    port: int
    base: Path
    proc: object = field(repr=False)

    def run(self, command: str, timeout: float = 30) -> tuple[int, str]:
        """Ask the daemon to run *command* through ``check_nrpe``: exit code and output."""
        done = subprocess.run([which("check_nrpe"), "-H", "127.0.0.1", "-p", str(self.port),
                               "-t", str(int(timeout)), "-c", command],
                              capture_output=True, text=True, timeout=timeout + 5)
        return done.returncode, done.stdout


def run_as() -> tuple[str, str]:
    """User and group for the daemon: NRPE refuses root, so root runs it as ``nagios``."""
    if os.geteuid() == 0:
        return RUN_AS_ROOT, grp.getgrgid(pwd.getpwnam(RUN_AS_ROOT).pw_gid).gr_name
    return current_user()


@contextlib.contextmanager
def nrpe_server(base: Path, fragments: Sequence[Path], port: int | None = None,
                env: dict[str, str] | None = None) -> Iterator[NRPE]:
    """Run a private NRPE with the commands of *fragments* until the block ends
    (on *port*, or a free one)."""
    base.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    cfg = base / "nrpe.cfg"
    user, group = run_as()
    cfg.write_text(CONFIG.format(
        port=port, base=base, user=user, group=group,
        includes="\n".join(f"include={f}" for f in fragments)))
    with running([which("nrpe"), "-c", str(cfg), "-f"], lambda: port_open(port),
                 f"nrpe on {port}", base / "nrpe.out", timeout=20, env=env) as proc:
        yield NRPE(port, base, proc)
