"""Where a business check's SQL comes from, and its window.

``--query SQL``, ``--query-file FILE``, or ``--metric NAME`` of a
``--metrics-file`` (an INI file: ``query`` or ``query-file`` relative to
it, ``window``, and defaults for the check's own options, which the
command line overrides), plus ``--defaults-file``/``--group`` naming the
database and ``--window SECONDS`` bound to ``%(window)s``.
"""

from __future__ import annotations

import os
from collections import namedtuple

from immune.domain import CheckError
from immune.mycnf import DEFAULT_FILE
from immune.options import positive_seconds

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from immune.options import CheckParser

DEFAULT_WINDOW = 900


class Query(namedtuple("Query", "sql window origin settings", defaults=((),))):
    """SQL text, its window in seconds, its origin (for messages), metric-file settings."""

    __slots__ = ()

    def setting(self, name: str, default: Any = None) -> Any:
        """A value from the query's ``--metrics-file`` section, else *default*."""
        return dict(self.settings).get(name, default)


def add_query_options(parser: CheckParser, group: bool = True) -> None:
    """Add --defaults-file, --group, --query/--query-file/--metric, --metrics-file, --window."""
    parser.add_argument("--defaults-file", metavar="FILE", default=DEFAULT_FILE,
                        help=f"MySQL option file with user, password, host, port, socket, "
                             f"database (default {DEFAULT_FILE}; must be mode 0600)")
    if group:
        parser.add_argument("--group", metavar="NAME",
                            help="option-file group read after [client] (default: [client])")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--query", metavar="SQL", help="the SQL to run; %%(window)s is the "
                        "window in seconds, a literal %% is written %%%%")
    source.add_argument("--query-file", metavar="FILE", help="read the SQL from FILE")
    source.add_argument("--metric", metavar="NAME", help="a named query of --metrics-file")
    parser.add_argument("--metrics-file", metavar="FILE",
                        help="INI file of named queries: [NAME] query or query-file, window, "
                             "and this check's option defaults")
    parser.add_argument("--window", type=positive_seconds, metavar="SECONDS",
                        help=f"time window bound to %%(window)s (default {DEFAULT_WINDOW})")


def query_from_args(args: Any, allowed: tuple[str, ...] = ()) -> Query | None:
    """The Query the options name, or None when none was given.

    *allowed* lists this check's option names (``min-volume``) that a
    ``--metrics-file`` section may set besides query, query-file and window.
    """
    if args.metric:
        return _metric(args, allowed)
    if args.query_file:
        return Query(_read_sql(args.query_file), args.window or DEFAULT_WINDOW,
                     os.path.basename(args.query_file))
    if args.query:
        return Query(args.query, args.window or DEFAULT_WINDOW, "--query")
    return None


def _read_sql(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            sql = handle.read().strip().rstrip(";")
    except OSError as err:
        raise CheckError(f"cannot read query file {path}: {err.strerror}") from None
    if not sql:
        raise CheckError(f"query file {path} is empty")
    return sql


def _metric(args: Any, allowed: tuple[str, ...]) -> Query:
    import configparser

    path = args.metrics_file
    if not path:
        raise CheckError("--metric needs --metrics-file")
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = lambda key: key.strip().lower().replace("_", "-")  # type: ignore
    try:
        if not parser.read(path, encoding="utf-8"):
            raise CheckError(f"cannot read metrics file {path}")
    except configparser.Error as err:
        raise CheckError(f"metrics file {path}: {str(err).splitlines()[0][:120]}") from None
    if not parser.has_section(args.metric):
        raise CheckError(f"metrics file {path} has no [{args.metric}]")
    section = dict(parser.items(args.metric))
    unknown = set(section) - {"query", "query-file", "window", *allowed}
    if unknown:
        raise CheckError(f"metrics file {path} [{args.metric}]: unknown key "
                         f"'{sorted(unknown)[0]}'")
    if "query" in section:
        sql = section["query"].strip().rstrip(";")
    elif "query-file" in section:
        sql = _read_sql(os.path.join(os.path.dirname(path), section["query-file"]))
    else:
        raise CheckError(f"metrics file {path} [{args.metric}] has no query or query-file")
    window = args.window
    if window is None:
        try:
            window = positive_seconds(section.get("window", str(DEFAULT_WINDOW)))
        except Exception:  # noqa: BLE001 - argparse.ArgumentTypeError
            raise CheckError(f"metrics file {path} [{args.metric}]: bad window") from None
    settings = tuple((k, v) for k, v in section.items() if k in allowed)
    return Query(sql, window, f"metric {args.metric}", settings)
