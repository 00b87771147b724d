"""The site's inventory: hosts (address, roles, facts, overrides), contacts, time periods.

::

    [site]
    plugin_dir = "/usr/local/bin"                   # $USER1$: our checks
    monitoring_plugins = "/usr/lib/nagios/plugins"   # $USER2$: check_nrpe, check_ping...
    state_dir = "/var/lib/immune"                    # optional, given to handlers and checks
    nrpe_port = 5666

    [contacts.alice]
    email = "alice@example.com"
    groups = ["admins"]

    [timeperiods.peak]
    alias = "Peak hours"
    monday = "17:00-24:00"

    [service_templates.standard]      # optional: overrides roles.toml
    check_interval = 10

    [[hosts]]
    name = "web1"
    address = "10.0.0.11"
    roles = ["webserver"]
    facts = { cpus = 8, link_mbps = 1000, mounts = ["/", "/var"] }
    [hosts.overrides."Webserver load"]  # argument values, attempts, intervals
    critical = "{cpus * 4}"

Every mistake is a :class:`ConfigError` naming the host and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from immune.nagiosconf.errors import ConfigError, read_toml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
TIMERANGE = re.compile(r"^\d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*$")
HOST_KEYS = {"name", "address", "alias", "roles", "facts", "overrides", "nrpe_port"}


@dataclass(frozen=True)
class Host:
    """One watched host: where it is, what it does, what is known about it."""

    name: str
    address: str
    alias: str
    roles: tuple[str, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    nrpe_port: int = 5666


@dataclass(frozen=True)
class Contact:
    """Someone Nagios notifies, and the contact groups they are in."""

    name: str
    email: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Inventory:
    """Everything of an inventory file, validated."""

    plugin_dir: str
    monitoring_plugins: str
    state_dir: str | None
    hosts: tuple[Host, ...]
    contacts: tuple[Contact, ...]
    timeperiods: Mapping[str, Mapping[str, str]]
    template_overrides: Mapping[str, Mapping[str, Any]]
    source: str


def _text(table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        reason = "missing" if value is None else f"must be text, not {value!r}"
        raise ConfigError(where, key, reason)
    return value


def _host(table: Any, index: int, seen: set[str], roles: set[str], default_port: int) -> Host:
    if not isinstance(table, Mapping):
        raise ConfigError(f"hosts[{index}]", "host", "must be a table")
    name = table.get("name")
    where = f"host '{name}'" if isinstance(name, str) else f"hosts[{index}]"
    name = _text(table, "name", where)
    if not NAME.match(name):
        raise ConfigError(where, "name", "letters, digits, '.', '_' and '-' only")
    if name in seen:
        raise ConfigError(where, "name", "duplicate host (defined twice)")
    seen.add(name)
    if unknown := set(table) - HOST_KEYS:
        raise ConfigError(where, sorted(unknown)[0], f"unknown key (allowed: {sorted(HOST_KEYS)})")
    address = _text(table, "address", where)
    if not re.match(r"^[A-Za-z0-9:._-]+$", address):
        raise ConfigError(where, "address", f"'{address}' is not a host name or IP address")
    host_roles = table.get("roles", [])
    if not isinstance(host_roles, list) or not all(isinstance(r, str) for r in host_roles):
        raise ConfigError(where, "roles", "must be a list of role names")
    for role in host_roles:
        if role not in roles:
            known = ", ".join(sorted(roles))
            raise ConfigError(where, "roles", f"unknown role '{role}' (known: {known})")
    facts = table.get("facts", {})
    if not isinstance(facts, Mapping):
        raise ConfigError(where, "facts", "must be a table")
    for key, value in facts.items():
        ok = (isinstance(value, int | float | str) and not isinstance(value, bool)) or (
            isinstance(value, list) and all(isinstance(v, str | int) for v in value))
        if not ok:
            raise ConfigError(where, f"facts.{key}", "a number, text, or a list of them")
    overrides = table.get("overrides", {})
    if not isinstance(overrides, Mapping) or not all(isinstance(v, Mapping)
                                                     for v in overrides.values()):
        raise ConfigError(where, "overrides", "must be tables by service name")
    port = table.get("nrpe_port", default_port)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError(where, "nrpe_port", f"{port!r} is not a port number")
    return Host(name, address, str(table.get("alias", name)), tuple(host_roles), dict(facts),
                {k: dict(v) for k, v in overrides.items()}, port)


def _timeperiods(data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    periods = {"24x7": {"alias": "Always", **{d: "00:00-24:00" for d in DAYS}}}
    for name, table in data.items():
        where = f"timeperiod '{name}'"
        if not NAME.match(name) or not isinstance(table, Mapping):
            raise ConfigError(where, "name", "a simple name and a table of days")
        for key, value in table.items():
            if key != "alias" and (key not in DAYS or not TIMERANGE.match(str(value))):
                raise ConfigError(where, key, f"expected a weekday = 'HH:MM-HH:MM', got {value!r}")
        periods[name] = {"alias": str(table.get("alias", name)),
                         **{k: str(v) for k, v in table.items() if k != "alias"}}
    return periods


def load_inventory(path: Path, roles: set[str]) -> Inventory:
    """Read and validate an inventory file; *roles* are the names roles.toml defines."""
    data = read_toml(path)
    site = data.get("site", {})
    port = site.get("nrpe_port", 5666)
    hosts_data = data.get("hosts", [])
    if not isinstance(hosts_data, list) or not hosts_data:
        raise ConfigError(path.name, "hosts", "at least one [[hosts]] entry is needed")
    seen: set[str] = set()
    hosts = tuple(_host(table, i, seen, roles, port) for i, table in enumerate(hosts_data))
    contacts = []
    for name, table in sorted(data.get("contacts", {}).items()):
        where = f"contact '{name}'"
        if not NAME.match(name):
            raise ConfigError(where, "name", "letters, digits, '.', '_' and '-' only")
        contacts.append(Contact(name, _text(table, "email", where),
                                tuple(table.get("groups", ["admins"]))))
    if not contacts:
        contacts.append(Contact("root", "root@localhost", ("admins",)))
    if not any("admins" in c.groups for c in contacts):
        raise ConfigError(path.name, "contacts", "at least one contact must be in group 'admins'")
    return Inventory(
        plugin_dir=_text(site, "plugin_dir", "[site]", "/usr/local/bin"),
        monitoring_plugins=_text(site, "monitoring_plugins", "[site]", "/usr/lib/nagios/plugins"),
        state_dir=site.get("state_dir"), hosts=hosts, contacts=tuple(contacts),
        timeperiods=_timeperiods(data.get("timeperiods", {})),
        template_overrides=dict(data.get("service_templates", {})), source=path.name)
