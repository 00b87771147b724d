"""Debian ifupdown's ``/etc/network/interfaces``, read as ``ifup`` reads it.

:func:`parse` follows ``#`` comment lines, backslash continuations,
``source`` globs and ``source-directory`` (run-parts names), relative to
the including file, each file once, and notes every syntax problem with its
file and line instead of raising. What the stanzas expect of a running
system is :mod:`immune.ifexpect`'s business.
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
_RUN_PARTS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


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
