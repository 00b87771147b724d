"""Debian ifupdown's ``/etc/network/interfaces``: parsed, checked, and turned into expectations.

:func:`parse` reads the file as ``ifup`` does (``#`` comment lines,
backslash continuations, ``source`` globs and ``source-directory`` relative
to the including file, each file once) and notes every syntax problem with
its file and line. :func:`expectations` says what a running system
configured from it must show: the addresses of ``static`` and ``loopback``
stanzas, default routes from ``gateway``, and simple routes and addresses
added by ``up ip route add ...``, ``up route add ...`` or ``up ip addr add
...`` lines. DHCP-like methods expect some address of their family.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

STANZAS = ("iface", "mapping", "auto", "rename", "source", "source-directory",
           "no-auto-down", "no-scripts")
METHODS = {
    "inet": {"loopback", "static", "manual", "dhcp", "bootp", "tunnel", "ppp", "wvdial",
             "ipv4ll"},
    "inet6": {"auto", "loopback", "static", "manual", "dhcp", "v4tunnel", "6to4"},
    "ipx": {"static", "dynamic"},
    "can": {"static"},
}
DYNAMIC = {"dhcp", "bootp", "ipv4ll"}
UP_HOOKS = ("up", "post-up")
_RUN_PARTS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_SHELL = re.compile(r"[;&|`$<>(){}]")


class Problem(namedtuple("Problem", "where message")):
    """A syntax problem at *where* (``file:line``)."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class Stanza(namedtuple("Stanza", "name family method options where")):
    """One ``iface NAME FAMILY METHOD`` stanza; *options* are ``(key, value, where)``."""

    __slots__ = ()

    def values(self, key: str) -> list[str]:
        """Every value given for option *key*, in order."""
        return [value for k, value, _ in self.options if k == key]


class Interfaces(namedtuple("Interfaces", "stanzas auto mappings files problems")):
    """A parsed configuration: stanzas, interfaces brought up automatically
    (``auto`` and ``allow-*``: a dict of name to where it was named), mapping
    patterns, files read, syntax problems."""

    __slots__ = ()


class Address(namedtuple("Address", "interface address family where")):
    """An expected address: *address* an ``ipaddress`` interface value, or
    ``None`` for "some address of *family* (4 or 6)" (DHCP and the like)."""

    __slots__ = ()


class Route(namedtuple("Route", "interface network gateway where")):
    """An expected route to *network* (``ipaddress`` network), via *gateway*
    (an address or ``None``), on *interface* (``None``: any)."""

    __slots__ = ()


class _Reader:
    def __init__(self) -> None:
        self.stanzas: list[Stanza] = []
        self.auto: dict[str, str] = {}
        self.mappings: list[str] = []
        self.files: list[str] = []
        self.problems: list[Problem] = []
        self.current: tuple[str, list] | None = None  # ("iface"|"mapping", options)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def read(self, path: str, where: str | None = None, depth: int = 0) -> None:
        real = os.path.realpath(path)
        if real in self.files:
            self.problem(where or path, f"{path} is included more than once")
            return
        if depth > 10:
            self.problem(where or path, "includes nested too deeply")
            return
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as err:
            self.problem(where or path, f"cannot read {path}: {err.strerror}")
            return
        self.files.append(real)
        self.current = None
        for number, line in _logical_lines(text):
            self.line(path, number, line, depth)
        self.current = None

    def line(self, path: str, number: int, line: str, depth: int) -> None:
        where = f"{path}:{number}"
        words = line.split()
        keyword = words[0]
        if keyword == "iface":
            self.iface(words, where)
        elif keyword == "mapping":
            self.mappings.extend(words[1:])
            self.current = ("mapping", [])
            if len(words) < 2:
                self.problem(where, "mapping without interface pattern")
        elif keyword == "auto" or keyword.startswith("allow-"):
            for name in words[1:]:
                self.auto.setdefault(name, where)
            self.current = None
            if len(words) < 2:
                self.problem(where, f"{keyword} without interface names")
        elif keyword in ("source", "source-directory"):
            self.current = None
            if len(words) != 2:
                self.problem(where, f"{keyword} needs exactly one path")
                return
            self.include(keyword, words[1], os.path.dirname(path), where, depth)
        elif keyword in STANZAS:
            self.current = None
        elif self.current is None:
            self.problem(where, f"unknown stanza or option outside a stanza: '{keyword}'")
        elif self.current[0] == "iface":
            if len(words) < 2:
                self.problem(where, f"option '{keyword}' without a value")
            elif len(words) == 4 and words[3] in METHODS.get(words[2], ()):
                self.problem(where, f"'{keyword}' line looks like a misspelt iface stanza")
            self.current[1].append((keyword, " ".join(words[1:]), where))

    def iface(self, words: list[str], where: str) -> None:
        self.current = ("iface", [])
        if len(words) == 2:
            self.problem(where, f"iface {words[1]} without address family and method")
            return
        if len(words) < 4:
            self.problem(where, "iface line without method"
                         if len(words) == 3 else "iface line without interface name")
            return
        name, family, method = words[1:4]
        extra = words[4:]
        if extra and not (len(extra) == 2 and extra[0] == "inherits"):
            self.problem(where, f"unexpected words after iface method: {' '.join(extra)}")
        if family not in METHODS:
            self.problem(where, f"unknown address family '{family}'")
        elif method not in METHODS[family]:
            self.problem(where, f"unknown method '{method}' for {family}")
        self.stanzas.append(Stanza(name, family, method, self.current[1], where))

    def include(self, keyword: str, pattern: str, base: str, where: str, depth: int) -> None:
        target = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
        if keyword == "source-directory":
            try:
                names = sorted(n for n in os.listdir(target) if _RUN_PARTS_NAME.match(n))
            except OSError as err:
                self.problem(where, f"source-directory {pattern}: {err.strerror}")
                return
            paths = [os.path.join(target, n) for n in names]
            paths = [p for p in paths if os.path.isfile(p)]
        elif any(char in target for char in "*?["):
            import glob

            paths = sorted(glob.glob(target))
        else:
            paths = [target]
        for sub in paths:
            self.read(sub, where, depth + 1)


def _logical_lines(text: str):
    """(first line number, line) pairs: comments and blank lines dropped, continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.strip():
            yield start, line
    if pending.strip():
        yield start, pending


def parse(path: str) -> Interfaces:
    """Read *path* and everything it sources; problems are collected, never raised."""
    reader = _Reader()
    reader.read(path)
    return Interfaces(tuple(reader.stanzas), dict(reader.auto),
                      tuple(reader.mappings), tuple(reader.files), tuple(reader.problems))


def is_mapped(interfaces: Interfaces, name: str) -> bool:
    """True when a ``mapping`` stanza covers interface *name*."""
    if not interfaces.mappings:
        return False
    from fnmatch import fnmatchcase

    return any(fnmatchcase(name, pattern) for pattern in interfaces.mappings)


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
