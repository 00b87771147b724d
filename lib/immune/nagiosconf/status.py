"""Read Nagios' ``status.dat``: what every service's last check said.

Nagios 4 rewrites the file every ``status_update_interval`` seconds as blocks
``servicestatus { key=value ... }``. :func:`read_status` returns the host and
service blocks as immutable :class:`ServiceStatus` values (the board of the
demo and the end-to-end tests are built on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from immune.output import STATE_NAMES


@dataclass(frozen=True)
class ServiceStatus:
    """One service as Nagios last saw it."""

    host: str
    service: str
    state: int
    state_type: int  # 0 SOFT, 1 HARD
    attempt: int
    max_attempts: int
    last_check: int  # epoch seconds, 0 = never
    next_check: int  # epoch seconds, 0 = not scheduled
    checks_done: bool
    output: str
    long_output: str
    perfdata: str

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state] if 0 <= self.state < 4 else str(self.state)

    @property
    def hard(self) -> bool:
        return self.state_type == 1

    def waiting(self, now: float, horizon: float = 60) -> bool:
        """Never checked, and not due within *horizon* seconds (e.g. outside its
        time period: a [Peak Hours] service off-peak)."""
        return not self.checks_done and self.next_check > now + horizon


def parse_blocks(text: str) -> list[tuple[str, dict[str, str]]]:
    """The ``kind { key=value }`` blocks of a status (or retention) file, in order."""
    blocks: list[tuple[str, dict[str, str]]] = []
    current: dict[str, str] | None = None
    kind = ""
    for raw in text.splitlines():
        line = raw.strip()
        if current is None:
            if line.endswith("{"):
                kind, current = line[:-1].strip(), {}
        elif line == "}":
            blocks.append((kind, current))
            current = None
        elif "=" in line:
            key, _, value = line.partition("=")
            current[key] = value
    return blocks


def _unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\\\", "\\")


def services(text: str) -> list[ServiceStatus]:
    """Every ``servicestatus`` block of a status file's *text*."""
    found = []
    for kind, block in parse_blocks(text):
        if kind != "servicestatus":
            continue
        found.append(ServiceStatus(
            host=block.get("host_name", ""),
            service=block.get("service_description", ""),
            state=int(block.get("current_state", 3)),
            state_type=int(block.get("state_type", 0)),
            attempt=int(block.get("current_attempt", 0)),
            max_attempts=int(block.get("max_attempts", 0)),
            last_check=int(block.get("last_check", 0)),
            next_check=int(block.get("next_check", 0)),
            checks_done=block.get("has_been_checked", "0") == "1",
            output=_unescape(block.get("plugin_output", "")),
            long_output=_unescape(block.get("long_plugin_output", "")),
            perfdata=block.get("performance_data", ""),
        ))
    return found


def host_states(text: str) -> dict[str, int]:
    """Host name -> current state (0 UP, 1 DOWN, 2 UNREACHABLE) of a status file."""
    return {block.get("host_name", ""): int(block.get("current_state", 0))
            for kind, block in parse_blocks(text) if kind == "hoststatus"}


def read_status(path: str | Path) -> list[ServiceStatus]:
    """The services in the status file at *path* (empty when not written yet)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return services(text)
