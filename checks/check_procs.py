#!/usr/bin/env python3
"""check_procs: how many processes match, e.g. is exactly one cron running.

Drop-in for the Monitoring Plugins check_procs (process count metric):
filters -C command name, -a argument substring, --ereg-argument-array,
-u user, -s state, -p parent, -k no kernel threads; -w/-c count ranges
(-c 1:1 = CRITICAL unless exactly one). The check never counts itself,
other runs of itself, nor wrappers above it that name it (sh -c, sudo,
timeout). Reads /proc directly (Linux).
"""

import argparse
import os
import sys

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource, Summary
from immune.plugin import Plugin
from immune.procs import ancestors, processes

PROG = os.path.basename(sys.argv[0])


class Selection:
    """Which processes count: every given filter must match."""

    def __init__(self, args):
        self.command = args.command
        self.argument = args.argument_array
        self.regex = None
        if args.ereg_argument_array is not None:
            import re

            self.regex = re.compile(args.ereg_argument_array)
        self.uid, self.user = args.user or (None, None)
        self.states = args.state
        self.ppid = args.ppid
        self.no_kthreads = args.no_kthreads

    def wanted(self, comm):
        """Whether a process named *comm* may match, before its command line is read."""
        name = self.command
        return name is None or comm == name or (len(comm) == 15 and name.startswith(comm))

    def matches(self, proc):
        return ((self.command is None or _command_is(proc, self.command))
                and (self.argument is None or self.argument in proc.args)
                and (self.regex is None or self.regex.search(proc.args) is not None)
                and (self.uid is None or proc.uid == self.uid)
                and (self.states is None or proc.state in self.states)
                and (self.ppid is None or proc.ppid == self.ppid)
                and not (self.no_kthreads and proc.kernel))

    def describe(self):
        """``command name 'cron', args 'x'``: the filters as check_procs words them."""
        parts = []
        if self.command is not None:
            parts.append(f"command name '{self.command}'")
        if self.argument is not None:
            parts.append(f"args '{self.argument}'")
        if self.regex is not None:
            parts.append(f"regex args '{self.regex.pattern}'")
        if self.uid is not None:
            parts.append(f"UID = {self.uid} ({self.user})")
        if self.states is not None:
            parts.append(f"state '{self.states}'")
        if self.ppid is not None:
            parts.append(f"ppid = {self.ppid}")
        return ", ".join(parts)


def _command_is(proc, name):
    """Exact command name; the kernel keeps only 15 characters, so longer
    names are matched on the name the program was started as."""
    if proc.comm == name:
        return True
    if len(proc.comm) == 15 and name.startswith(proc.comm):
        return os.path.basename(proc.args.split(" ", 1)[0]) == name
    return False


def _runs_this_check(proc):
    return any(os.path.basename(word) == PROG for word in proc.args.split(" ", 2)[:2])


class Processes(Resource):
    """The number of processes selected, leaving out this check and its wrappers."""

    def __init__(self, selection):
        self.selection = selection
        self.matched = []

    def probe(self):
        me = os.getpid()
        wrappers = {p.pid for p in ancestors(me) if PROG in p.args}
        for proc in processes(self.selection.uid is not None, wanted=self.selection.wanted):
            if proc.pid == me or proc.pid in wrappers or _runs_this_check(proc):
                continue
            if self.selection.matches(proc):
                self.matched.append(proc)
        return Metric("procs", len(self.matched), min=0, context="procs")


class ProcsSummary(Summary):
    """``1 process with command name 'cron'`` (``(count outside range 1:1)`` on alerts)."""

    def __init__(self, selection):
        self.selection = selection

    def ok(self, results):
        count = results["procs"].metric.value
        text = f"{count} process{'' if count == 1 else 'es'}"
        described = self.selection.describe()
        return f"{text} with {described}" if described else text

    def problem(self, results):
        result = results["procs"]
        return f"{self.ok(results)} (count {result.hint})"

    def verbose(self, results):
        resource = results["procs"].resource
        return [f"pid {p.pid} {p.comm} (state {p.state})" for p in resource.matched]


def user(text):
    """A user name or numeric id, as (uid, name)."""
    from immune.users import find_user

    entry = find_user(text)
    if entry is None:
        if text.isdigit():
            return int(text), text
        raise argparse.ArgumentTypeError(f"user '{text}' was not found")
    return entry.pw_uid, entry.pw_name


user.__name__ = "user name"


def options(parser):
    from immune.options import non_negative_int, regex

    parser.add_thresholds("WARNING when the process count is outside RANGE",
                          "CRITICAL when the process count is outside RANGE")
    parser.add_argument("-C", "--command", metavar="COMMAND",
                        help="only processes with exactly this command name (no path)")
    parser.add_argument("-a", "--argument-array", metavar="STRING",
                        help="only processes whose arguments contain STRING")
    parser.add_argument("--ereg-argument-array", metavar="REGEX", type=regex,
                        help="only processes whose arguments match the regular expression")
    parser.add_argument("-u", "--user", metavar="USER", type=user,
                        help="only processes of this user (name or id)")
    parser.add_argument("-s", "--state", metavar="STATUSFLAGS",
                        help="only processes in one of these states (e.g. Z, RSD)")
    parser.add_argument("-p", "--ppid", metavar="PPID", type=non_negative_int,
                        help="only children of this parent process id")
    parser.add_argument("-k", "--no-kthreads", action="store_true",
                        help="leave out kernel threads")


def build(args, deadline):
    selection = Selection(args)
    return Check(Processes(selection), ThresholdContext("procs", args.warning, args.critical),
                 ProcsSummary(selection))


PLUGIN = Plugin("PROCS", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
