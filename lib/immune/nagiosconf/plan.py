"""The resolved configuration: every service of every host, with its final values.

:func:`make_plan` joins the inventory, the roles and the catalogue: for each
host, the services of role ``all`` and of its roles (one per item with
``foreach``), argument values from the host's overrides, else the role, else
the catalogue default, computed from the host's facts and validated (a bad
threshold is an error naming the host, the service and the argument). The
writers (``nagiosgen``, ``nrpegen``) only format a plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from immune.nagiosconf.catalogue import Argument, Catalogue, CheckSpec
from immune.nagiosconf.errors import ConfigError, whole_from_1
from immune.nagiosconf.expr import ExpressionError, render
from immune.nagiosconf.inventory import Host, Inventory
from immune.nagiosconf.roles import (
    EVERY_HOST,
    TEMPLATE_KEYS,
    Roles,
    ServiceSpec,
    Template,
    template,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BAD_NAME_CHARS = re.compile(r"[;!$`'\"\\]")


@dataclass(frozen=True)
class Invocation:
    """A command with its argument values decided (absent optional ones left out)."""

    spec: CheckSpec
    values: tuple[tuple[Argument, str], ...]


@dataclass(frozen=True)
class Service:
    """One service of one host, ready to be written."""

    host: Host
    description: str
    check: Invocation
    template: str
    settings: tuple[tuple[str, int], ...]  # per-service intervals and attempts
    period: str
    depends_on: tuple[str, ...]
    handler: Invocation | None
    contact_groups: tuple[str, ...]

    @property
    def via_nrpe(self) -> bool:
        return self.check.spec.runs == "nrpe"

    @property
    def nrpe_command(self) -> str:
        """The command name in the host's nrpe.cfg fragment."""
        return "immune_" + re.sub(r"[^a-z0-9]+", "_", self.description.lower()).strip("_")


@dataclass(frozen=True)
class Plan:
    """The inventory resolved against the roles and the catalogue."""

    inventory: Inventory
    catalogue: Catalogue
    roles: Roles
    templates: Mapping[str, Template]
    host_check: Invocation
    services: tuple[Service, ...]

    def services_of(self, host: Host) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.host.name == host.name)


def _facts(host: Host, inventory: Inventory, item: Any = None) -> dict[str, Any]:
    facts = {"host_name": host.name, "address": host.address, **host.facts}
    if inventory.state_dir:
        facts.setdefault("state_dir", inventory.state_dir)
    if item is not None:
        facts["item"] = item
    return facts


def invocation(spec: CheckSpec, given: Mapping[str, Any], facts: Mapping[str, Any],
               where: str, field: str) -> Invocation:
    """Decide every argument's value: *given* or the default, rendered and validated."""
    values = []
    for argument in spec.arguments:
        template_value = given.get(argument.name, argument.default)
        if template_value is None and argument.name == "state_dir" and "state_dir" in facts:
            template_value = "{state_dir}"
        if template_value is None:
            if argument.required:
                raise ConfigError(where, f"{field}.{argument.name}",
                                  f"required by {spec.name} and not given")
            continue
        try:
            value = render(template_value, facts)
        except ExpressionError as err:
            raise ConfigError(where, f"{field}.{argument.name}", str(err)) from None
        if problem := argument.validate(value):
            raise ConfigError(where, f"{field}.{argument.name}", f"bad value: {problem}")
        if argument.kind == "flag" and value == "false":
            continue
        values.append((argument, value))
    return Invocation(spec, tuple(values))


@dataclass(frozen=True)
class _Site:
    """What resolving a service needs besides the host and the role's spec."""

    inventory: Inventory
    catalogue: Catalogue
    contact_groups: frozenset[str]


def _resolve(host: Host, spec: ServiceSpec, site: _Site, item: Any) -> Service:
    inventory, catalogue = site.inventory, site.catalogue
    facts = _facts(host, inventory, item)
    try:
        description = render(spec.name, facts)
    except ExpressionError as err:
        raise ConfigError(f"host '{host.name}'", f"service '{spec.name}'", str(err)) from None
    where = f"host '{host.name}' service '{description}'"
    if BAD_NAME_CHARS.search(description):
        raise ConfigError(where, "name", "must not contain ; ! $ ` ' \" or \\")
    override = dict(host.overrides.get(description, {}))
    check_spec = catalogue.checks[spec.check]
    for key in override:
        if key not in TEMPLATE_KEYS and check_spec.argument(key) is None:
            raise ConfigError(where, f"overrides.{key}",
                              f"neither an argument of {check_spec.name} nor {TEMPLATE_KEYS}")
    check = invocation(check_spec, {**spec.args, **override}, facts, where, "args")
    handler = None
    if spec.event_handler:
        handler = invocation(catalogue.checks[spec.event_handler], spec.handler_args, facts,
                             where, "handler_args")
    settings = {}
    if spec.max_check_attempts is not None:
        settings["max_check_attempts"] = spec.max_check_attempts
    for key in TEMPLATE_KEYS:
        if key in override:
            settings[key] = whole_from_1(override[key], where, f"overrides.{key}")
    if spec.period not in inventory.timeperiods:
        raise ConfigError(where, "period", f"unknown timeperiod '{spec.period}'")
    groups = spec.contact_groups or ("admins",)
    for group in groups:
        if group not in site.contact_groups:
            raise ConfigError(where, "contact_groups", f"no contact is in group '{group}'")
    return Service(host, description, check, spec.template, tuple(sorted(settings.items())),
                   spec.period, spec.depends_on, handler, groups)


def _services_of(host: Host, roles: Roles, site: _Site) -> list[Service]:
    found: list[Service] = []
    for role_name in (EVERY_HOST, *host.roles):
        role = roles.roles.get(role_name)
        for spec in role.services if role else ():
            items: list[Any] = [None]
            if spec.foreach:
                items = host.facts.get(spec.foreach)  # type: ignore[assignment]
                if not isinstance(items, list):
                    raise ConfigError(f"host '{host.name}'", f"facts.{spec.foreach}",
                                      f"a list is needed by service '{spec.name}'")
            found.extend(_resolve(host, spec, site, item) for item in items)
    names = [s.description for s in found]
    for service in found:
        where = f"host '{host.name}' service '{service.description}'"
        if names.count(service.description) > 1:
            raise ConfigError(where, "name", "two services of this host have this name")
        for master in service.depends_on:
            if master not in names:
                raise ConfigError(where, "depends_on", f"no service '{master}' on this host")
    nrpe_names = [s.nrpe_command for s in found if s.via_nrpe]
    if len(set(nrpe_names)) != len(nrpe_names):
        raise ConfigError(f"host '{host.name}'", "services", "two NRPE command names collide")
    unknown = set(host.overrides) - set(names)
    if unknown:
        raise ConfigError(f"host '{host.name}'", f"overrides.{sorted(unknown)[0]}",
                          "no such service on this host")
    return found


def make_plan(inventory: Inventory, roles: Roles, catalogue: Catalogue) -> Plan:
    """Resolve every service of every host (raises :class:`ConfigError`)."""
    templates = {}
    for name, base in roles.templates.items():
        templates[name] = template(name, inventory.template_overrides.get(name, {}),
                                   f"{inventory.source} [service_templates.{name}]", base)
    for name in inventory.template_overrides:
        if name not in roles.templates:
            raise ConfigError(f"{inventory.source} [service_templates.{name}]", "name",
                              "no such template in roles.toml")
    groups = frozenset(g for c in inventory.contacts for g in c.groups)
    site = _Site(inventory, catalogue, groups)
    services = [s for host in inventory.hosts for s in _services_of(host, roles, site)]
    host_check = invocation(catalogue.checks[roles.host_check], roles.host_args, {},
                            "roles.toml [host_template]", "args")
    return Plan(inventory, catalogue, roles, templates, host_check, tuple(services))
