"""Free-space thresholds as the Monitoring Plugins' check_disk takes them.

``-w``/``-c`` are floors of free space: a percent (``20%``), a count of the
``--units`` (``500``, resolved once all options are read), or a size
(``2GB``); ``-W``/``-K`` floors of free inodes in percent. As in the C
plugin, thresholds apply to the ``-p`` paths that follow them and ``-C``
clears them, so one command line can hold several groups::

    -w 10% -c 5% -p /tmp -p /var -C -w 100000 -c 50000 -p /

Thresholds given before ``-C`` with no ``-p`` yet apply to every other
mount; ``-p`` paths given before any threshold take the last ones given
(the C plugin refuses that order).
"""

from __future__ import annotations

import argparse
from collections import namedtuple

from immune.domain import Critical, Warn
from immune.numbers import format_number
from immune.ranges import NEVER, Range
from immune.units import SizeError, parse_size, unit_multiple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from immune.mounts import Usage

MB = 1024 * 1024
UNIT_NAMES = {1: "B", 1024: "kB", MB: "MB", 1024 * MB: "GB", 1024 * 1024 * MB: "TB"}


class Limit(namedtuple("Limit", "text percent size multiple")):
    """One free-space floor: a percent of the file system or a size in bytes.

    Made by :func:`limit` from an option's text; a bare count of ``--units``
    has no size until :meth:`resolve` gives it one. An immutable value.
    """

    __slots__ = ()

    def resolve(self, multiple: int) -> Limit:
        """This limit with a bare number in *multiple* bytes (``-u`` may come anywhere)."""
        size = self.size
        if self.percent is None and size is None:
            size = _number(self.text, self.text) * multiple
        return self._replace(size=size, multiple=multiple)

    def floor(self, size: float) -> float:
        """Free bytes below which this limit is crossed on a file system of *size* bytes."""
        if self.percent is not None:
            return size * self.percent / 100
        return self.size or 0.0

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{format_number(self.percent, 2)}%"
        return f"{format_number((self.size or 0) / self.multiple, 1)} {UNIT_NAMES[self.multiple]}"


def _number(text: str, original: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(
            f"'{original}' is not a free-space limit (e.g. 20%, 500, 2GB)")
    return value


def limit(text: str) -> Limit:
    """Option type of ``-w``/``-c``: ``20%``, ``500`` (in ``--units``), ``2GB``."""
    shown = text.strip()
    percent: float | None = None
    size: float | None = None
    if shown.endswith("%"):
        percent = _number(shown[:-1], text)
        if percent > 100:
            raise argparse.ArgumentTypeError(f"'{text}' is more than 100%")
    elif not any(c.isalpha() for c in shown):
        _number(shown, text)  # a count of --units, resolved after parsing
    else:
        try:
            size = parse_size(shown)
        except SizeError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    return Limit(shown, percent, size, MB)


def inode_limit(text: str) -> Limit:
    """Option type of ``-W``/``-K``: a percent, ``%`` optional."""
    return limit(text if text.strip().endswith("%") else text.strip() + "%")


def units(text: str) -> int:
    """Option type of ``-u``: bytes in one unit (B, kB, MB, GB, TB)."""
    try:
        multiple = unit_multiple(text)
    except SizeError:
        multiple = 0
    if multiple not in UNIT_NAMES:
        raise argparse.ArgumentTypeError(f"unknown unit '{text}' (use B, kB, MB, GB, TB)")
    return multiple


limit.__name__ = "free-space limit"
inode_limit.__name__ = "inode limit"
units.__name__ = "unit"


class Thresholds(namedtuple("Thresholds", "warning critical iwarning icritical",
                            defaults=((), (), None, None))):
    """The floors one mount is judged by; empty ones never alert."""

    __slots__ = ()

    @property
    def inodes(self) -> bool:
        """True when free inodes are judged (and shown)."""
        return self.iwarning is not None or self.icritical is not None

    def judge(self, usage: Usage) -> tuple[Any, str] | None:
        """``(Critical or Warn, hint)`` for the first floor crossed, else ``None``."""
        for state, limits, ilimit in ((Critical, self.critical, self.icritical),
                                      (Warn, self.warning, self.iwarning)):
            for floor in limits:
                if usage.free < floor.floor(usage.size):
                    return state, f"free below {floor}"
            inodes = usage.inodes_free_percent
            if ilimit is not None and inodes is not None and inodes < ilimit.percent:
                return state, f"free inodes below {ilimit}"
        return None

    def used_levels(self, usage: Usage) -> tuple[Range, Range]:
        """Warning and critical as levels of used MB, for perfdata."""
        def level(limits: tuple[Limit, ...]) -> Range:
            if not limits:
                return NEVER
            floor = max(f.floor(usage.size) for f in limits)
            return Range(0, round(max(usage.size - floor, 0) / MB, 3))
        return level(self.warning), level(self.critical)


class Step(argparse.Action):
    """Record ``-w -c -W -K -p -C`` in command-line order in ``namespace.plan``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        plan = list(getattr(namespace, "plan", None) or [])
        plan.append((self.dest, values))
        namespace.plan = plan


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add ``-w -c -W -K -p -C``, all recorded in order in ``args.plan``."""
    parser.set_defaults(plan=[])
    parser.add_argument("-w", "--warning", dest="warning", type=limit, action=Step,
                        metavar="LIMIT", help="WARNING when free space is below LIMIT: "
                        "a percent (20%%), a count of --units (500), or a size (2GB)")
    parser.add_argument("-c", "--critical", dest="critical", type=limit, action=Step,
                        metavar="LIMIT", help="CRITICAL when free space is below LIMIT")
    parser.add_argument("-W", "--iwarning", dest="iwarning", type=inode_limit, action=Step,
                        metavar="PERCENT%", help="WARNING when free inodes are below PERCENT")
    parser.add_argument("-K", "--icritical", dest="icritical", type=inode_limit, action=Step,
                        metavar="PERCENT%", help="CRITICAL when free inodes are below PERCENT")
    parser.add_argument("-p", "--path", "--partition", dest="path", action=Step,
                        metavar="PATH", help="check the mount of PATH (a mount point, a path "
                        "on it, or a device) with the thresholds given before it; repeatable")
    parser.add_argument("-C", "--clear", dest="clear", action=Step, nargs=0,
                        help="start a new group of thresholds for the -p paths that follow")


def plan_thresholds(plan: list[tuple[str, Any]], multiple: int
                    ) -> tuple[Thresholds | None, list[tuple[str, Thresholds]]]:
    """Read the recorded plan: thresholds for all other mounts, and per ``-p`` path.

    The first is ``None`` when only the ``-p`` paths are to be checked.
    """
    current: dict[str, Any] = {}
    others: Thresholds | None = None
    paths: list[tuple[str, Thresholds | None]] = []
    for step, value in plan:
        if step in ("warning", "critical"):
            current[step] = (*current.get(step, ()), value.resolve(multiple))
        elif step in ("iwarning", "icritical"):
            current[step] = value
        elif step == "path":
            paths.append((value, Thresholds(**current) if current else None))
        elif step == "clear":
            if not paths and others is None:
                others = Thresholds(**current)
            current = {}
    last = Thresholds(**current)
    if not paths:
        return (last if current or others is None else others), []
    return others, [(path, chosen or last) for path, chosen in paths]
