"""A private Nagios Core 4 with fast scheduling (tests and the demo).

:func:`write_main_config` writes a ``nagios.cfg`` whose every path is in one
directory and whose time unit is one second (``interval_length=1``), so a
``check_interval 5`` runs every 5 s. :func:`validate` runs ``nagios4 -v``;
:func:`nagios_server` runs the daemon in the foreground until the block ends.
Notifications are off: a private instance never mails anyone.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from immune.devservers.process import current_user, running, which
from immune.nagiosconf.status import ServiceStatus, read_status

MAIN_CONFIG = """\
# Private Nagios 4 main configuration: every path under {base}.
log_file={base}/nagios.log
{cfg_dirs}
resource_file={resource}
object_cache_file={base}/objects.cache
precached_object_file={base}/objects.precache
status_file={base}/status.dat
status_update_interval=1
temp_file={base}/nagios.tmp
temp_path={base}/tmp
lock_file={base}/nagios.lock
command_file={base}/nagios.cmd
check_external_commands=1
check_result_path={base}/checkresults
nagios_user={user}
nagios_group={group}
use_syslog=0
log_rotation_method=n
log_archive_path={base}/archives
retain_state_information=0
state_retention_file={base}/retention.dat
interval_length=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_service_check_spread=1
max_host_check_spread=1
service_interleave_factor=s
check_result_reaper_frequency=1
max_check_result_reaper_time=1
enable_notifications=0
enable_event_handlers=1
execute_service_checks=1
execute_host_checks=1
accept_passive_service_checks=1
enable_flap_detection=0
log_event_handlers=1
log_initial_states=1
service_check_timeout=30
event_handler_timeout=30
illegal_macro_output_chars=`~$&|'"<>
"""


def write_main_config(base: Path, cfg_dirs: Sequence[Path], resource: Path,
                      extra: str = "") -> Path:
    """Write ``base/nagios.cfg`` reading objects from *cfg_dirs*; returns its path.

    *extra* lines are appended (later settings win, e.g. ``check_workers=4``)."""
    for sub in ("tmp", "checkresults", "archives"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    main = base / "nagios.cfg"
    user, group = current_user()
    main.write_text(MAIN_CONFIG.format(
        base=base, resource=resource,
        cfg_dirs="\n".join(f"cfg_dir={d}" for d in cfg_dirs),
        user=user, group=group) + extra)
    return main


def validate(main_config: Path) -> tuple[bool, str]:
    """``nagios4 -v``: whether the configuration is valid, and what it said."""
    done = subprocess.run([which("nagios4"), "-v", str(main_config)], capture_output=True,
                          text=True, timeout=60)
    return done.returncode == 0, done.stdout + done.stderr


@dataclass
class Nagios:
    """A running private Nagios."""

    base: Path
    main_config: Path
    proc: object = field(repr=False)

    @property
    def status_file(self) -> Path:
        return self.base / "status.dat"

    @property
    def log_file(self) -> Path:
        return self.base / "nagios.log"

    def services(self) -> list[ServiceStatus]:
        """Every service in ``status.dat`` right now."""
        return read_status(self.status_file)

    def service(self, host: str, service: str) -> ServiceStatus | None:
        return next((s for s in self.services() if s.host == host and s.service == service),
                    None)

    def command(self, *fields: str) -> None:
        """Send one external command, e.g. ``command("SCHEDULE_FORCED_SVC_CHECK", h, s, t)``."""
        line = f"[{int(time.time())}] {';'.join(fields)}\n".encode()
        fd = os.open(self.base / "nagios.cmd", os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def force_check(self, host: str, service: str) -> None:
        """Run a service's check now."""
        self.command("SCHEDULE_FORCED_SVC_CHECK", host, service, str(int(time.time())))

    def wait_for(self, predicate, timeout: float = 30, what: str = "services"
                 ) -> list[ServiceStatus]:
        """Poll ``status.dat`` until ``predicate(services)`` is true; returns them."""
        end = time.monotonic() + timeout
        found: list[ServiceStatus] = []
        while time.monotonic() < end:
            found = self.services()
            if found and predicate(found):
                return found
            if self.proc.poll() is not None:  # type: ignore[attr-defined]
                break
            time.sleep(0.2)
        tail = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
        raise TimeoutError(f"nagios: {what} not reached in {timeout}s; status: "
                           f"{[(s.host, s.service, s.state, s.output) for s in found]}\n{tail}")

    def wait_all_checked(self, timeout: float = 30) -> list[ServiceStatus]:
        """Wait until every service has been checked at least once (except those
        waiting for their time period, e.g. [Peak Hours] services off-peak)."""
        def done(found: list[ServiceStatus]) -> bool:
            now = time.time()
            return all(s.checks_done or s.waiting(now) for s in found)

        return self.wait_for(done, timeout, "every service checked")


@contextlib.contextmanager
def nagios_server(base: Path, cfg_dirs: Sequence[Path], resource: Path,
                  timeout: float = 30, extra: str = "") -> Iterator[Nagios]:
    """Validate, then run a private Nagios 4 in the foreground until the block ends
    (*extra*: more ``nagios.cfg`` lines)."""
    base.mkdir(parents=True, exist_ok=True)
    main = write_main_config(base, cfg_dirs, resource, extra)
    ok, said = validate(main)
    if not ok:
        raise RuntimeError(f"nagios4 -v {main} failed:\n{said[-3000:]}")
    log = base / "daemon.out"
    with running([which("nagios4"), str(main)], lambda: (base / "status.dat").exists()
                 and (base / "nagios.cmd").exists(), "nagios", log, timeout=timeout) as proc:
        yield Nagios(base, main, proc)
