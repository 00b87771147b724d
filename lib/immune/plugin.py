"""The runtime every check runs in: parse, arm the deadline, probe, judge, print.

:class:`Plugin` replaces ``nagiosplugin.Runtime``. Whatever happens, the
check prints one status line and exits 0-3: bad options and ``--help`` exit
UNKNOWN, a timeout names the stage that was running, any exception becomes a
one-line UNKNOWN (its traceback follows only with ``-vvv``).

A check module (``checks/check_<what>.py``, installed as ``immune.checks``)
provides three things, and its command runs ``PLUGIN.main()``::

    def options(parser: CheckParser) -> None      # its own options
    def build(args, deadline) -> immune.check.Check  # Resources, Contexts, Summary
    PLUGIN = Plugin("LOAD", __doc__, options, build)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from immune.deadline import CheckTimeout, Deadline
from immune.options import CheckParser, ShowText, UsageError
from immune.output import render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

UNKNOWN = 3


class Plugin:
    """One check command: its status-line NAME, help text, options and builder.

    *prog*, the name in usage and version text, defaults to the name the
    command was run by, read when the parser is built.
    """

    def __init__(self, name: str, description: str,
                 options: Callable[[CheckParser], None],
                 build: Callable[[argparse.Namespace, Deadline], Any],
                 prog: str | None = None) -> None:
        self.name = name
        self.description = description
        self.options = options
        self.build = build
        self.prog = prog

    def parser(self) -> CheckParser:
        """The check's complete argument parser."""
        prog = self.prog or sys.argv[0].rsplit("/", 1)[-1]
        parser = CheckParser(prog, self.description)
        self.options(parser)
        return parser

    def run(self, argv: Sequence[str] | None = None) -> tuple[int, str]:
        """Run the check; returns the exit code and the complete output."""
        try:
            args = self.parser().parse_args(argv)
        except ShowText as shown:
            return UNKNOWN, str(shown)
        except UsageError as err:
            return UNKNOWN, render(self.name, UNKNOWN, str(err))
        deadline = Deadline(args.timeout)
        try:
            deadline.arm()
            try:
                return self._execute(args, deadline)
            finally:
                deadline.disarm()
        except CheckTimeout as timeout:
            return UNKNOWN, render(self.name, UNKNOWN, str(timeout))
        except UsageError as err:  # options that only clash once combined, found by build
            return UNKNOWN, render(self.name, UNKNOWN, str(err))
        except BaseException as err:  # noqa: BLE001 - the contract: never a traceback
            detail = _traceback_lines() if args.verbose >= 3 else ()
            reason = str(err) or type(err).__name__
            return UNKNOWN, render(self.name, UNKNOWN,
                                   f"{reason} (while {deadline.stage_name})", (), detail)

    def _execute(self, args: argparse.Namespace, deadline: Deadline) -> tuple[int, str]:
        with deadline.stage("setting up"):
            check = self.build(args, deadline)
        with deadline.stage("probing"):
            check()
        with deadline.stage("reporting"):
            long_lines = check.long_output() if args.verbose else []
            return check.exitcode, render(self.name, check.exitcode, check.summary_str,
                                          check.perfdata, long_lines)

    def main(self, argv: Sequence[str] | None = None) -> NoReturn:
        """Run the check, print its output on stdout and exit with its state."""
        code, text = self.run(argv)
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except (BrokenPipeError, OSError):
            pass
        sys.exit(code)


def _traceback_lines() -> list[str]:
    import traceback

    return traceback.format_exc().splitlines()
