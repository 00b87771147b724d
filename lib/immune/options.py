"""Command-line options that keep the plugin contract.

:class:`CheckParser` is an ``argparse`` parser that never exits by itself:
``-h`` and ``-V`` raise :class:`ShowText` (printed on stdout, exit 3), any bad
option or value raises :class:`UsageError` (one UNKNOWN line, exit 3). It
carries the standard options ``-h -V -v -t`` and helpers for ``-w/-c``
thresholds validated at parse time.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from immune import __version__
from immune.deadline import DEFAULT_TIMEOUT
from immune.ranges import RangeError, parse_range, parse_range_list
from immune.units import SizeError, parse_size

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class UsageError(Exception):
    """A bad option or value; the message is one line for the operator."""


class ShowText(Exception):
    """Help or version text was asked for; print it and exit UNKNOWN."""


def _raise_text(text_of: Callable[[argparse.ArgumentParser], str]) -> type[argparse.Action]:
    class _Show(argparse.Action):
        def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
            super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

        def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
            raise ShowText(text_of(parser))

    return _Show


def positive_seconds(text: str) -> float:
    """An option type for durations: a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be a positive number of seconds")
    return value


def non_negative_int(text: str) -> int:
    """An option type for counts and sizes: a whole number from 0 up."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must not be negative")
    return value


def port_number(text: str) -> int:
    """An option type for TCP/UDP ports (1-65535)."""
    value = non_negative_int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port '{text}' is not in 1-65535")
    return value


def size(text: str) -> int:
    """An option type for sizes with units (``512``, ``20KB``, ``50MB``), in bytes."""
    try:
        return parse_size(text)
    except SizeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def threshold(text: str):
    """An option type for one range (``10``, ``10:``, ``~:10``, ``@10:20``)."""
    try:
        return parse_range(text)
    except RangeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def threshold_list(count: int) -> Callable[[str], tuple]:
    """An option type for one range or *count* comma-separated ranges."""

    def parse(text: str) -> tuple:
        try:
            return parse_range_list(text, count)
        except RangeError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = "threshold list"
    return parse


def state_name(ok: Any, warn: Any, crit: Any) -> Callable[[str], Any]:
    """An option type for a state the operator names (``ok``, ``warn``, ``crit``).

    The parsed value is the one given here for that name.
    """
    values = {"ok": ok, "warn": warn, "crit": crit}

    def parse(text: str) -> Any:
        if text not in values:
            raise argparse.ArgumentTypeError(f"'{text}' is not one of ok, warn, crit")
        return values[text]

    parse.__name__ = "state name"
    return parse


def regex(text: str) -> str:
    """An option type for a regular expression, validated at parse time, kept as text."""
    import re

    try:
        re.compile(text)
    except re.error as err:
        raise argparse.ArgumentTypeError(f"bad regular expression '{text}': {err}") from None
    return text


regex.__name__ = "regular expression"

# socket's address families (Linux values), without importing socket to parse options
AF_UNSPEC, AF_INET, AF_INET6 = 0, 2, 10


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help as written; a fixed width spares the ``shutil`` import (5 ms per run)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=79, max_help_position=30)


class CheckParser(argparse.ArgumentParser):
    """Argument parser for one check, with the standard plugin options."""

    def __init__(self, prog: str, description: str, epilog: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(prog=prog, description=description, epilog=epilog, add_help=False,
                         formatter_class=_HelpFormatter)
        self.add_argument("-h", "--help", action=_raise_text(lambda p: p.format_help()),
                          help="show this help and exit (UNKNOWN)")
        self.add_argument("-V", "--version",
                          action=_raise_text(lambda p: f"{p.prog} (immune) {__version__}\n"),
                          help="show the version and exit (UNKNOWN)")
        self.add_argument("-v", "--verbose", action="count", default=0,
                          help="more output: -v long output, -vvv tracebacks")
        self.add_argument("-t", "--timeout", type=positive_seconds, default=timeout,
                          metavar="SECONDS",
                          help=f"give up (UNKNOWN) after this many seconds (default {timeout:g})")
        self._checks: tuple[Callable[[argparse.Namespace], None], ...] = ()

    def add_thresholds(self, warning: str, critical: str, count: int = 1,
                       default_warning: str | None = None,
                       default_critical: str | None = None) -> None:
        """Add ``-w/--warning`` and ``-c/--critical`` range options.

        With *count* > 1 each accepts one range or a comma list of *count*.
        Defaults are range strings, validated like any given value.
        """
        kind = threshold if count == 1 else threshold_list(count)
        self.add_argument("-w", "--warning", type=kind, default=kind(default_warning or ""),
                          metavar="RANGE", help=warning)
        self.add_argument("-c", "--critical", type=kind, default=kind(default_critical or ""),
                          metavar="RANGE", help=critical)

    def add_host(self, default_port: int | None = None, required: bool = True) -> None:
        """Add ``-H/--hostname HOST`` and ``-p/--port PORT`` (network checks).

        Every check offering ``-H`` is driven by the contract suite's
        black-hole timeout test with ``-H 127.0.0.1 -p PORT``.
        """
        self.add_argument("-H", "--hostname", metavar="HOST", required=required,
                          help="host name or address to check")
        port_help = "port to connect to" + (f" (default {default_port})" if default_port else "")
        self.add_argument("-p", "--port", type=port_number, default=default_port,
                          metavar="PORT", help=port_help)

    def add_family(self) -> None:
        """Add ``-4/--use-ipv4`` and ``-6/--use-ipv6``, exclusive, as ``family``.

        The value is a socket address family: ``AF_INET``, ``AF_INET6``, or
        ``AF_UNSPEC`` (either) when neither is given.
        """
        family = self.add_mutually_exclusive_group()
        family.add_argument("-4", "--use-ipv4", dest="family", action="store_const",
                            const=AF_INET, default=AF_UNSPEC, help="use IPv4 only")
        family.add_argument("-6", "--use-ipv6", dest="family", action="store_const",
                            const=AF_INET6, help="use IPv6 only")

    def add_state_dir(self) -> None:
        """Add ``--state-dir`` (default: $IMMUNE_STATE_DIR, /var/lib/immune, per-user)."""
        self.add_argument("--state-dir", metavar="DIR", default=None,
                          help="directory for state kept between runs "
                               "(default: $IMMUNE_STATE_DIR, /var/lib/immune, "
                               "~/.local/state/immune)")

    def add_check(self, check: Callable[[argparse.Namespace], None]) -> None:
        """Run *check* on the parsed options once the last one is read.

        argparse has no hook after the last option: this is the place for
        what needs all of them (a combination, options read in blocks). The
        check may set attributes on the namespace; it raises
        :class:`UsageError` (or calls :meth:`error`) for bad arguments.
        Checks run in the order they were added.
        """
        self._checks = (*self._checks, check)

    def parse_known_args(self, args: Any = None,  # type: ignore[override]
                         namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        """Parse as argparse does, then run the checks added by :meth:`add_check`."""
        known, extras = super().parse_known_args(args, namespace)
        for check in self._checks:
            check(known)
        return known, extras

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise UsageError(message or "invalid arguments")
