"""What the business-metric checks share: options, durations, plain-word hints.

Every business check (``check_ratio``, ``check_lag``, ``check_shard_usage``,
``check_violations``) takes its query options from :mod:`immune.mysql`,
schedule-aware thresholds from :mod:`immune.schedule` and a ``--label``
naming what it counts; its summary ends with the period that applied
(``[peak]``, :meth:`immune.schedule.Period.tagged`). Summaries and long
output hold aggregates only, never a row.
"""

from __future__ import annotations

import argparse

from immune import mysql, queries
from immune.context import ThresholdContext
from immune.domain import CheckError
from immune.numbers import format_number
from immune.schedule import add_scheduled_thresholds

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from immune.options import CheckParser

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def label(text: str) -> str:
    """An option type for ``--label``: short, one line, no ``=`` (it names perfdata)."""
    clean = " ".join(text.split())
    if not clean or len(clean) > 40 or "=" in clean or "'" in clean or "|" in clean:
        raise argparse.ArgumentTypeError(f"label '{text[:40]}' must be 1-40 characters "
                                         f"without = ' |")
    return clean


def add_business_options(parser: CheckParser, warning: str, critical: str,
                         default_label: str, default_warning: str | None = None,
                         default_critical: str | None = None, group: bool = True) -> None:
    """The options every business check has: query, thresholds by schedule, --label."""
    queries.add_query_options(parser, group=group)
    add_scheduled_thresholds(parser, warning, critical, default_warning=default_warning,
                             default_critical=default_critical)
    parser.add_argument("--label", type=label, metavar="TEXT",
                        help=f"what is measured, for the summary and perfdata "
                             f"(default '{default_label}')")


def breach(limit: Any, value: float) -> str:
    """Why *value* breaks *limit*, in plain words: ``above 900``, ``below 95``."""
    if not limit.invert and value > limit.end:
        return f"above {format_number(limit.end)}"
    if not limit.invert and value < limit.start:
        return f"below {format_number(limit.start)}"
    return limit.violation


class Judge(ThresholdContext):
    """A ThresholdContext whose hints read ``above 900`` rather than ``outside range 0:900``."""

    def hint(self, limit: Any, value: float) -> str:
        return breach(limit, value)


def format_duration(seconds: float) -> str:
    """``45s``, ``2m 5s``, ``3h 20m``, ``2d 4h`` (two units at most), ``0.25s``."""
    if seconds < 60:
        return f"{format_number(seconds, 2 if seconds < 10 else 0)}s"
    whole = int(round(seconds))
    parts = []
    for unit, size in _UNITS:
        if whole >= size or parts:
            parts.append((whole // size, unit))
            whole %= size
    shown = [f"{n}{u}" for n, u in parts[:2] if n]
    return " ".join(shown)


def fetch(args: Any, query: Any, deadline: Any) -> tuple[list[tuple], str]:
    """The rows of the check's query on the database of ``--defaults-file``/``--group``,
    and where they came from (for ``-v``)."""
    if query is None:
        raise CheckError("no query: give --query, --query-file or --metric")
    where = mysql.target(args.defaults_file, args.group)
    return mysql.fetch(where, query, deadline), f"{query.origin} on {where.where} [{where.name}]"


def setting(args: Any, query: Any, name: str, convert: Any, default: Any) -> Any:
    """An option's value: the command line, else the metric file, else *default*."""
    given = getattr(args, name.replace("-", "_"))
    if given is not None:
        return given
    raw = query.setting(name) if query is not None else None
    if raw is None:
        return default
    try:
        return convert(raw)
    except (ValueError, argparse.ArgumentTypeError):
        raise CheckError(f"{query.origin}: bad {name} '{raw[:40]}'") from None
