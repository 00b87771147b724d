"""Thresholds that depend on the time of week (peak and off-peak hours).

One service can judge "orders success rate" by peak thresholds on weekday
daytime and by looser ones otherwise::

    --schedule 'peak=Mon-Fri 08:00-22:00' -w 97: -c 95: --otherwise off-peak -w 93: -c 90:

Options are read in order: ``-w``/``-c`` belong to the ``--schedule`` block
before them; those given before the first ``--schedule``, or after
``--otherwise``, apply outside every schedule. Blocks do not inherit from
each other: an option a block lacks takes the check's default. The first
``--schedule`` that contains the current time wins.

A schedule (WHEN) is a list of day words and time ranges separated by
spaces or commas: ``Mon-Fri 08:00-22:00``, ``Sat,Sun 10:00-20:00``,
``Mon-Fri 08:00-12:00 14:00-18:00 Sat 10:00-14:00``. Day words are ``Mon``
... ``Sun`` (or full names), ranges wrap (``Fri-Mon``); days without a time
range mean whole days; a time range without days means every day. A time
range whose end is not after its start crosses midnight and belongs to the
day it starts on: ``Fri-Sat 22:00-02:00`` is Friday 22:00 to Saturday 02:00
and Saturday 22:00 to Sunday 02:00. Times are the host's local time, or
``--timezone ZONE`` (an IANA name such as ``Europe/Berlin``).

Everything is validated when options are parsed: a bad schedule, zone, or
a ``--schedule`` without any threshold after it is one UNKNOWN line.
"""

from __future__ import annotations

import argparse
import re
from collections import namedtuple

from immune import clock
from immune.options import threshold, threshold_list
from immune.ranges import Range

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from immune.options import CheckParser

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAYS = frozenset(range(7))
DEFAULT_OTHERWISE = "off-schedule"
# patterns, compiled at first use (and cached) by the re module, not at import
_TIME_RANGE = r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9 _.+-]{0,39}$"


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message is one line."""


class Clause(namedtuple("Clause", "days start end")):
    """Days of week (0 = Monday) and minutes of day [start, end); end <= start crosses midnight."""

    __slots__ = ()

    def contains(self, weekday: int, minute: int) -> bool:
        """True when minute *minute* of day *weekday* falls in this clause."""
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return ((weekday in self.days and minute >= self.start)
                or ((weekday - 1) % 7 in self.days and minute < self.end))


class Period(namedtuple("Period", "name when clauses warning critical")):
    """A named part of the week and the thresholds that apply in it.

    ``when`` is the schedule text ('' for the otherwise period), ``name`` the
    label shown in summaries ('' when the check has no schedule at all).
    """

    __slots__ = ()

    @property
    def tag(self) -> str:
        """``[peak]`` for the status line, '' when the check has no schedule."""
        return f"[{self.name}]" if self.name else ""

    def tagged(self, text: str) -> str:
        """*text* followed by the tag (``... [peak]``) when the check has a schedule."""
        return f"{text} {self.tag}" if self.tag else text

    def lines(self) -> list[str]:
        """The long output's period line (:meth:`describe`), none without a schedule."""
        return [self.describe()] if self.tag else []

    def describe(self) -> str:
        """One line for the long output: which period and which thresholds."""
        where = f"period {self.name}" + (f" ({self.when})" if self.when not in ("", self.name)
                                          else "")
        return (f"{where}: warning {_text(self.warning) or 'none'}, "
                f"critical {_text(self.critical) or 'none'}")


class Schedule(namedtuple("Schedule", "periods otherwise timezone")):
    """Scheduled periods in order of precedence, the otherwise period, a zone name or None."""

    __slots__ = ()

    def select(self, when: float | None = None) -> Period:
        """The period that applies at epoch seconds *when* (default :func:`immune.clock.now`)."""
        if not self.periods:
            return self.otherwise
        weekday, minute = week_position(clock.now() if when is None else when, self.timezone)
        for period in self.periods:
            if any(clause.contains(weekday, minute) for clause in period.clauses):
                return period
        return self.otherwise


def week_position(when: float, timezone: str | None = None) -> tuple[int, int]:
    """(weekday 0 = Monday, minute of day) of epoch seconds *when* in *timezone* or local time."""
    if timezone:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        moment = datetime.fromtimestamp(when, ZoneInfo(timezone))
        return moment.weekday(), moment.hour * 60 + moment.minute
    import time

    local = time.localtime(when)
    return local.tm_wday, local.tm_hour * 60 + local.tm_min


def _days(word: str, spec: str) -> frozenset[int]:
    def one(name: str) -> int:
        low = name.lower()
        if low in DAY_NAMES:
            return DAY_NAMES.index(low)
        if low in _FULL_DAYS:
            return _FULL_DAYS.index(low)
        raise ScheduleError(f"invalid schedule '{spec}': '{word}' is neither days (Mon-Fri) "
                            f"nor a time range (08:00-22:00)")

    if "-" not in word:
        return frozenset({one(word)})
    first, _, last = word.partition("-")
    start, end = one(first), one(last)
    return frozenset((start + i) % 7 for i in range((end - start) % 7 + 1))


def _minutes(hours: str, minutes: str, spec: str, word: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ScheduleError(f"invalid schedule '{spec}': no such time in '{word}'")
    return value


def parse_when(spec: str) -> tuple[Clause, ...]:
    """Parse schedule text (``Mon-Fri 08:00-22:00, Sat 10:00-14:00``) into clauses."""
    words = [w for w in re.split(r"[\s,]+", spec.strip()) if w]
    if not words:
        raise ScheduleError("invalid schedule '': give days and/or times, "
                            "e.g. 'Mon-Fri 08:00-22:00'")
    clauses: list[Clause] = []
    days: frozenset[int] | None = None
    days_used = False
    for word in words:
        found = re.match(_TIME_RANGE, word)
        if found is None:
            if days is None or days_used:
                days, days_used = frozenset(), False
            days |= _days(word, spec)
            continue
        start = _minutes(found[1], found[2], spec, word)
        end = _minutes(found[3], found[4], spec, word)
        if start == 24 * 60 or start == end:
            raise ScheduleError(f"invalid schedule '{spec}': '{word}' is not a time range")
        clauses.append(Clause(ALL_DAYS if days is None else days, start, end % (24 * 60)))
        days_used = True
    if days is not None and not days_used:
        clauses.append(Clause(days, 0, 0))
    return tuple(_whole_days(c) for c in clauses)


def _whole_days(clause: Clause) -> Clause:
    # 00:00-24:00 (stored as 0-0) is every minute of each day, not a midnight crossing.
    if clause.start == clause.end == 0:
        return Clause(clause.days, 0, 24 * 60)
    return clause


def parse_period(text: str) -> tuple[str, str, tuple[Clause, ...]]:
    """``[NAME=]WHEN`` into (name, when, clauses); the name defaults to the text of WHEN."""
    name, sep, when = text.partition("=")
    if not sep:
        name, when = "", text
    when = " ".join(when.split())
    clauses = parse_when(when)
    name = name.strip()
    if sep and not re.match(_NAME, name):
        raise ScheduleError(f"invalid period name '{name}': letters, digits, ' _.+-', "
                            f"at most 40")
    return name or when, when, clauses


def _text(ranges: Any) -> str:
    if isinstance(ranges, tuple) and not isinstance(ranges, Range):
        return ",".join(map(str, ranges)) if any(not r.is_never for r in ranges) else ""
    return str(ranges)


class _Blocks:
    """The blocks being read during one parse (kept on the namespace, dropped after)."""

    def __init__(self) -> None:
        self.scheduled: list[dict[str, Any]] = []
        self.otherwise: dict[str, Any] = {"name": None}
        self.current = self.otherwise
        self.timezone: str | None = None
        self.repeated: str | None = None
        self.otherwise_given = False


_STATE = "_schedule_blocks"


def _blocks(namespace: argparse.Namespace) -> _Blocks:
    blocks = getattr(namespace, _STATE, None)
    if blocks is None:
        blocks = _Blocks()
        setattr(namespace, _STATE, blocks)
    return blocks


class _ScheduleAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        try:
            name, when, clauses = parse_period(values)
        except ScheduleError as err:
            parser.error(str(err))
        blocks = _blocks(namespace)
        blocks.current = {"name": name, "when": when, "clauses": clauses, "option": values}
        blocks.scheduled.append(blocks.current)


class _OtherwiseAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        blocks = _blocks(namespace)
        if values is not None and not re.match(_NAME, values):
            parser.error(f"invalid period name '{values}': letters, digits, ' _.+-', at most 40")
        if blocks.otherwise["name"] is not None and values is not None:
            parser.error("--otherwise given twice with different names")
        if values is not None:
            blocks.otherwise["name"] = values
        blocks.current = blocks.otherwise
        blocks.otherwise_given = True


class _ThresholdAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        blocks = _blocks(namespace)
        key = self.const
        if key in blocks.current and blocks.repeated is None:
            blocks.repeated = f"{option} given twice for the same period"
        blocks.current[key] = values


class _TimezoneAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(values)
        except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError, OSError
            parser.error(f"unknown time zone '{values}' (want e.g. Europe/Berlin)")
        _blocks(namespace).timezone = values


def add_scheduled_thresholds(parser: CheckParser, warning: str, critical: str,
                             count: int = 1, default_warning: str | None = None,
                             default_critical: str | None = None) -> None:
    """Add ``-w/-c`` that may depend on time of week, plus ``--schedule``,
    ``--otherwise`` and ``--timezone``.

    After parsing, ``args.thresholds`` is a :class:`Schedule`;
    ``args.thresholds.select()`` gives the :class:`Period` in force now, with
    its ``warning`` and ``critical`` ranges (tuples of *count* ranges when
    *count* > 1) and its ``tag`` for the summary.
    """
    kind = threshold if count == 1 else threshold_list(count)
    defaults = {"warning": kind(default_warning or ""), "critical": kind(default_critical or "")}
    for short, key, text in (("-w", "warning", warning), ("-c", "critical", critical)):
        parser.add_argument(short, f"--{key}", type=kind, action=_ThresholdAction, const=key,
                            dest=_STATE, default=None, metavar="RANGE", help=text)
    parser.add_argument("--schedule", action=_ScheduleAction, dest=_STATE, default=None,
                        metavar="[NAME=]WHEN",
                        help="the -w/-c after this apply during WHEN, e.g. "
                             "'peak=Mon-Fri 08:00-22:00' (repeatable; the first match wins)")
    parser.add_argument("--otherwise", action=_OtherwiseAction, dest=_STATE, default=None,
                        nargs="?", metavar="NAME",
                        help="the -w/-c after this apply outside every --schedule "
                             f"(so do those before the first one; name default "
                             f"'{DEFAULT_OTHERWISE}')")
    parser.add_argument("--timezone", action=_TimezoneAction, dest=_STATE, default=None,
                        metavar="ZONE",
                        help="read --schedule times in this IANA zone (default: local time)")

    def finish(known: argparse.Namespace) -> None:
        blocks = getattr(known, _STATE, None) or _Blocks()
        if hasattr(known, _STATE):
            delattr(known, _STATE)
        known.thresholds = _finish(parser, blocks, defaults)

    parser.add_check(finish)


def _finish(parser: Any, blocks: _Blocks, defaults: dict[str, Any]) -> Schedule:
    def period(block: dict[str, Any], name: str, when: str = "",
               clauses: tuple[Clause, ...] = ()) -> Period:
        return Period(name, when, clauses, block.get("warning", defaults["warning"]),
                      block.get("critical", defaults["critical"]))

    if not blocks.scheduled:
        if blocks.otherwise_given:
            parser.error("--otherwise without any --schedule")
        return Schedule((), period(blocks.otherwise, ""), blocks.timezone)
    if blocks.repeated:
        parser.error(blocks.repeated + " (missing --schedule or --otherwise?)")
    for block in blocks.scheduled:
        if "warning" not in block and "critical" not in block:
            parser.error(f"--schedule '{block['option']}' has no -w/-c after it "
                         f"(to never alert in it: -w '' -c '')")
    periods = tuple(period(b, b["name"], b["when"], b["clauses"]) for b in blocks.scheduled)
    names = [p.name for p in periods]
    otherwise = period(blocks.otherwise, blocks.otherwise["name"] or DEFAULT_OTHERWISE)
    if len(set(names)) < len(names) or otherwise.name in names:
        parser.error("two periods have the same name: name them with --schedule 'NAME=WHEN'")
    return Schedule(periods, otherwise, blocks.timezone)
