"""What an ifupdown configuration expects of the running system.

:func:`expectations` turns parsed stanzas (:mod:`immune.ifupdown`) into the
addresses and routes a system configured from them must show: addresses of
``static`` and ``loopback`` stanzas, default routes from ``gateway``, and
routes and addresses added by simple ``up``/``post-up`` commands (``ip
route add ...``, ``route add ...``, ``ip addr add ...``). DHCP-like methods
expect some address of their family. Bad values are syntax problems.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from immune.ifupdown import Interfaces, Problem, Stanza, is_mapped

DYNAMIC = {"dhcp", "bootp", "ipv4ll"}
UP_HOOKS = ("up", "post-up")
_SHELL = re.compile(r"[;&|`$<>(){}]")


class Address(namedtuple("Address", "interface address family where")):
    """An expected address: *address* an ``ipaddress`` interface value, or
    ``None`` for "some address of *family* (4 or 6)" (DHCP and the like)."""

    __slots__ = ()


class Route(namedtuple("Route", "interface network gateway where")):
    """An expected route to *network* (``ipaddress`` network), via *gateway*
    (an address or ``None``), on *interface* (``None``: any)."""

    __slots__ = ()


def expectations(interfaces: Interfaces) -> tuple[list[Address], list[Route], list[Problem]]:
    """Addresses and routes the running system must show, and the value problems found."""
    import ipaddress

    addresses: list[Address] = []
    routes: list[Route] = []
    problems: list[Problem] = []
    for stanza in interfaces.stanzas:
        version = {"inet": 4, "inet6": 6}.get(stanza.family)
        if version is None:
            continue
        for key in ("netmask", "gateway"):
            if len(stanza.values(key)) > 1:
                problems.append(Problem(stanza.where, f"{stanza.name}: more than one {key}"))
        if stanza.method == "loopback":
            loop = "127.0.0.1/8" if version == 4 else "::1/128"
            addresses.append(Address(stanza.name, ipaddress.ip_interface(loop), version,
                                     stanza.where))
        elif stanza.method in DYNAMIC or (version == 6 and stanza.method == "auto"):
            if stanza.method in DYNAMIC:
                addresses.append(Address(stanza.name, None, version, stanza.where))
        elif stanza.method == "static":
            _static(ipaddress, stanza, version, addresses, routes, problems)
        for key, value, where in stanza.options:
            if key in UP_HOOKS:
                _hook(ipaddress, stanza.name, value, where, addresses, routes)
    names = {stanza.name for stanza in interfaces.stanzas}
    for name, where in interfaces.auto.items():
        if name not in names and not is_mapped(interfaces, name):
            problems.append(Problem(where, f"{name} is brought up automatically but has no "
                                           "iface stanza"))
    return addresses, routes, problems


def _static(ipaddress, stanza: Stanza, version: int, addresses: list, routes: list,
            problems: list) -> None:
    values = stanza.values("address")
    if not values:
        problems.append(Problem(stanza.where, f"{stanza.name}: {stanza.family} static "
                                              "without address"))
    netmask = (stanza.values("netmask") or [None])[0]
    for value in values:
        text = value if "/" in value or netmask is None else f"{value}/{netmask}"
        address = _value(ipaddress.ip_interface, text, "address", stanza, version, problems)
        if address is not None:
            addresses.append(Address(stanza.name, address, version, stanza.where))
    for gateway in stanza.values("gateway")[:1]:
        via = _value(ipaddress.ip_address, gateway, "gateway", stanza, version, problems)
        if via is not None:
            default = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
            routes.append(Route(stanza.name, default, via, stanza.where))


def _value(parse, text: str, what: str, stanza: Stanza, version: int, problems: list):
    """*text* parsed as an address of the stanza's family, or ``None`` and a problem noted."""
    try:
        value = parse(text)
    except ValueError:
        problems.append(Problem(stanza.where, f"{stanza.name}: invalid {what} '{text}'"))
        return None
    if value.version != version:
        problems.append(Problem(stanza.where, f"{stanza.name}: {what} {text} is not an "
                                              f"{stanza.family} address"))
        return None
    return value


def _hook(ipaddress, name: str, command: str, where: str, addresses: list,
          routes: list) -> None:
    """Understand ``ip route add``, ``route add`` and ``ip addr add`` commands; ignore others."""
    command = re.sub(r"\s*\|\|\s*true\s*$", "", command)
    if _SHELL.search(command):
        return
    words = command.split()
    if not words:
        return
    words[0] = os.path.basename(words[0])
    try:
        if words[0] == "ip":
            _ip_command(ipaddress, name, words[1:], where, addresses, routes)
        elif words[0] == "route" and words[1:2] == ["add"]:
            _route_command(ipaddress, name, words[2:], where, routes)
    except (ValueError, IndexError):
        return  # not a simple command we understand: not ours to judge


def _ip_command(ipaddress, name, words, where, addresses, routes) -> None:
    six = False
    while words and words[0].startswith("-"):
        six = six or words[0] == "-6"
        words = words[1:]
    obj, verb, rest = words[0], words[1], words[2:]
    params = dict(zip(rest[1::2], rest[2::2], strict=False))
    if verb not in ("add", "a", "replace", "append"):
        return
    if "route".startswith(obj):
        if "table" in rest or "vrf" in rest or not rest:
            return
        target = rest[0]
        via = ipaddress.ip_address(params["via"]) if "via" in params else None
        if target == "default":
            six = six or (via is not None and via.version == 6)
            target = "::/0" if six else "0.0.0.0/0"
        network = ipaddress.ip_network(target, strict=False)
        routes.append(Route(params.get("dev", name), network, via, where))
    elif "address".startswith(obj):
        address = ipaddress.ip_interface(rest[0])
        addresses.append(Address(params.get("dev", name), address, address.version, where))


def _route_command(ipaddress, name, words, where, routes) -> None:
    six = words[:2] == ["-A", "inet6"]
    if six:
        words = words[2:]
    target, via, dev, netmask = None, None, name, None
    it = iter(words)
    for word in it:
        if word in ("-net", "-host"):
            target = next(it)
        elif word == "default":
            target = "::/0" if six else "0.0.0.0/0"
        elif word in ("gw", "netmask", "dev"):
            value = next(it)
            via = ipaddress.ip_address(value) if word == "gw" else via
            netmask = value if word == "netmask" else netmask
            dev = value if word == "dev" else dev
        elif target is None:
            target = word
    if target is None:
        return
    if netmask and "/" not in target:
        target = f"{target}/{netmask}"
    routes.append(Route(dev, ipaddress.ip_network(target, strict=False), via, where))
