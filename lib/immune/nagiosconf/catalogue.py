"""What the generator knows about each check: read from ``checks.toml``, never from the scripts.

One table per command (a check, or an event handler)::

    [check_load]
    description = "Load averages against the host's capacity"
    kind = "check"           # or "handler" (an event handler)
    source = "immune"        # immune ($USER1$) or monitoring-plugins ($USER2$)
    runs = "nrpe"            # nrpe: on the watched host; local: on the Nagios server
    address = "-H"           # option taking $HOSTADDRESS$ (local network checks)
    fixed = ["-r"]           # arguments always given
    [check_load.arguments]   # in command-line order
    warning = { option = "-w", kind = "range", count = 3, required = true }
    critical = { option = "-c", kind = "range", count = 3, required = true }

Argument kinds: ``range`` (threshold syntax, ``count`` values allowed),
``integer``, ``number``, ``text``, ``flag`` (option alone, when true).
A new check is covered by adding its table: no code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from immune.nagiosconf.errors import ConfigError, read_toml
from immune.ranges import RangeError, parse_range_list

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SOURCES = {"immune": "$USER1$", "monitoring-plugins": "$USER2$"}
RUNS = ("nrpe", "local")
KINDS = ("range", "integer", "number", "text", "flag")


@dataclass(frozen=True)
class Argument:
    """One option of a check."""

    name: str
    option: str
    kind: str = "text"
    count: int = 1
    required: bool = False
    default: str | None = None
    description: str = ""

    def validate(self, value: str) -> str | None:
        """Why *value* is not acceptable for this argument, or ``None``."""
        if self.kind == "range":
            try:
                parse_range_list(value, self.count)
            except RangeError as err:
                return str(err)
        elif self.kind == "integer":
            if not value.lstrip("-").isdigit():
                return f"'{value}' is not a whole number"
        elif self.kind == "number":
            try:
                float(value)
            except ValueError:
                return f"'{value}' is not a number"
        elif self.kind == "flag" and value not in ("true", "false"):
            return f"'{value}' is not true or false"
        return None


@dataclass(frozen=True)
class CheckSpec:
    """One command the generator can configure."""

    name: str
    description: str
    kind: str
    source: str
    runs: str
    address: str | None
    fixed: tuple[str, ...]
    arguments: tuple[Argument, ...]

    @property
    def macro_dir(self) -> str:
        """``$USER1$`` (our plugins) or ``$USER2$`` (the Monitoring Plugins)."""
        return SOURCES[self.source]

    @property
    def short(self) -> str:
        """Name without ``check_``: the prefix of its Icinga argument names (ITL style)."""
        return self.name.removeprefix("check_")

    def argument(self, name: str) -> Argument | None:
        return next((a for a in self.arguments if a.name == name), None)


def _argument(where: str, name: str, table: Any) -> Argument:
    if not isinstance(table, Mapping) or not isinstance(table.get("option"), str):
        raise ConfigError(where, f"arguments.{name}", "needs an 'option' string")
    kind = table.get("kind", "text")
    if kind not in KINDS:
        raise ConfigError(where, f"arguments.{name}.kind", f"'{kind}' is not one of {KINDS}")
    argument = Argument(name, table["option"], kind, int(table.get("count", 1)),
                        bool(table.get("required", False)),
                        None if table.get("default") is None else str(table["default"]),
                        str(table.get("description", "")))
    if argument.default is not None and (problem := argument.validate(argument.default)):
        raise ConfigError(where, f"arguments.{name}.default", problem)
    return argument


def _spec(name: str, table: Mapping[str, Any], where: str) -> CheckSpec:
    source = table.get("source", "immune")
    if source not in SOURCES:
        raise ConfigError(where, "source", f"'{source}' is not one of {tuple(SOURCES)}")
    runs = table.get("runs", "local")
    if runs not in RUNS:
        raise ConfigError(where, "runs", f"'{runs}' is not one of {RUNS}")
    kind = table.get("kind", "check")
    if kind not in ("check", "handler"):
        raise ConfigError(where, "kind", f"'{kind}' is not check or handler")
    arguments = tuple(_argument(where, arg, spec)
                      for arg, spec in dict(table.get("arguments", {})).items())
    return CheckSpec(name, str(table.get("description", name)), kind, source, runs,
                     table.get("address"), tuple(str(a) for a in table.get("fixed", ())),
                     arguments)


@dataclass(frozen=True)
class Catalogue:
    """Every command of ``checks.toml``, by name."""

    checks: Mapping[str, CheckSpec]

    def get(self, name: str, where: str, field: str) -> CheckSpec:
        """The named check, or a :class:`ConfigError` naming *where* it was asked for."""
        if name not in self.checks:
            raise ConfigError(where, field, f"unknown check '{name}' (not in checks.toml)")
        return self.checks[name]


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate ``checks.toml``."""
    data = read_toml(path)
    checks = {name: _spec(name, table, f"{path.name} [{name}]")
              for name, table in sorted(data.items())}
    return Catalogue(checks)
