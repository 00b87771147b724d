"""Services per role, host and service templates: read from ``roles.toml``.

::

    [service_templates.standard]      # -> Nagios template immune-standard
    check_interval = 5                # in interval_length units (minutes by default)
    retry_interval = 1
    max_check_attempts = 3

    [roles.webserver]
    description = "Web servers"
    [[roles.webserver.services]]
    name = "Webserver load"           # service_description
    check = "check_load"              # a table of checks.toml
    template = "standard"
    args = { warning = "{cpus * 1.5}", critical = "{cpus * 3}" }   # see expr
    depends_on = ["Apache running"]   # services of the same host
    period = "peak"                   # a timeperiod of the inventory (default 24x7)
    foreach = "mounts"                # optional: one service per item of a fact, {item}
    event_handler = "restart_apache"  # optional, with handler_args = {...}

The role ``all`` applies to every host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from immune.nagiosconf.catalogue import Catalogue
from immune.nagiosconf.errors import ConfigError, read_toml, whole_from_1

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EVERY_HOST = "all"
TEMPLATE_KEYS = ("check_interval", "retry_interval", "max_check_attempts")
SERVICE_KEYS = {"name", "check", "template", "args", "depends_on", "period", "foreach",
                "event_handler", "handler_args", "max_check_attempts", "contact_groups"}


@dataclass(frozen=True)
class Template:
    """Check and retry intervals and attempts: a Nagios ``use`` template."""

    name: str
    check_interval: int
    retry_interval: int
    max_check_attempts: int


@dataclass(frozen=True)
class ServiceSpec:
    """One service a role asks for (values are still templates over facts)."""

    name: str
    check: str
    template: str
    args: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    period: str = "24x7"
    foreach: str | None = None
    event_handler: str | None = None
    handler_args: Mapping[str, Any] = field(default_factory=dict)
    max_check_attempts: int | None = None
    contact_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Role:
    """A role hosts can have (``webserver``) and the services it brings."""

    name: str
    description: str
    services: tuple[ServiceSpec, ...]


@dataclass(frozen=True)
class Roles:
    """Everything of ``roles.toml``."""

    host_check: str
    host_args: Mapping[str, Any]
    host_template: Template
    templates: Mapping[str, Template]
    roles: Mapping[str, Role]


def template(name: str, table: Mapping[str, Any], where: str,
             base: Template | None = None) -> Template:
    """A template from *table*, missing keys taken from *base*."""
    values = {}
    for key in TEMPLATE_KEYS:
        values[key] = whole_from_1(table.get(key, getattr(base, key, None)), where, key)
    unknown = set(table) - set(TEMPLATE_KEYS)
    if unknown:
        raise ConfigError(where, sorted(unknown)[0], f"unknown key (allowed: {TEMPLATE_KEYS})")
    return Template(name, **values)


def _service(table: Mapping[str, Any], where: str, catalogue: Catalogue,
             templates: Mapping[str, Template]) -> ServiceSpec:
    if not isinstance(table.get("name"), str) or not table["name"]:
        raise ConfigError(where, "name", "every service needs a name")
    where = f"{where} service '{table['name']}'"
    if unknown := set(table) - SERVICE_KEYS:
        raise ConfigError(where, sorted(unknown)[0], "unknown key")
    spec = catalogue.get(str(table.get("check")), where, "check")
    for arg in table.get("args", {}):
        if spec.argument(arg) is None:
            raise ConfigError(where, f"args.{arg}", f"{spec.name} has no such argument")
    if table.get("event_handler"):
        handler = catalogue.get(table["event_handler"], where, "event_handler")
        for arg in table.get("handler_args", {}):
            if handler.argument(arg) is None:
                raise ConfigError(where, f"handler_args.{arg}",
                                  f"{handler.name} has no such argument")
    name = table.get("template", "standard")
    if name not in templates:
        raise ConfigError(where, "template", f"unknown template '{name}'")
    return ServiceSpec(table["name"], spec.name, name, dict(table.get("args", {})),
                       tuple(table.get("depends_on", ())), table.get("period", "24x7"),
                       table.get("foreach"), table.get("event_handler"),
                       dict(table.get("handler_args", {})), table.get("max_check_attempts"),
                       tuple(table.get("contact_groups", ())))


def load_roles(path: Path, catalogue: Catalogue) -> Roles:
    """Read and validate ``roles.toml`` against the catalogue."""
    data = read_toml(path)
    host = data.get("host_template", {})
    where = f"{path.name} [host_template]"
    host_check = catalogue.get(str(host.get("check")), where, "check")
    host_template = template("host", {k: v for k, v in host.items() if k in TEMPLATE_KEYS},
                             where)
    templates = {name: template(name, table, f"{path.name} [service_templates.{name}]")
                 for name, table in data.get("service_templates", {}).items()}
    roles = {}
    for name, table in data.get("roles", {}).items():
        where = f"{path.name} [roles.{name}]"
        services = tuple(_service(s, where, catalogue, templates)
                         for s in table.get("services", ()))
        roles[name] = Role(name, str(table.get("description", name)), services)
    return Roles(host_check.name, dict(host.get("args", {})), host_template, templates, roles)
