#!/usr/bin/env python3
"""check_log_matches: log lines matching a pattern in the last N seconds.

Each run reads only the lines written since the previous run (safe across
rotation by rename and copytruncate), counts those containing a pattern
(-e, repeatable; fixed strings unless --regex; -i; --exclude drops lines)
and judges how many were seen in the last --window seconds:
"0 PHP Fatal errors in 1800 second interval". Counts of earlier runs are
kept in the state directory and dated by the run that read them, or, with
--timestamp-format, by the time written on each line.

First run: starts at the end of the log (what is already there is not
"now"), unless --from-start; with --timestamp-format it finds where the
window begins (by bisection on the timestamps) and counts the lines whose
own time falls inside it.
"""

import os
from collections import deque

from immune import clock
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource
from immune.logstate import LogSummary, log_run
from immune.numbers import format_number
from immune.options import non_negative_int, positive_seconds
from immune.plugin import Plugin

SHOWN_CHARS = 300


class LogMatches(Resource):
    """Matching lines read this run, and how many fall inside the window."""

    def __init__(self, args, deadline):
        from immune.linematch import LineMatcher

        self.args = args
        self.deadline = deadline
        self.matcher = LineMatcher(args.pattern, args.regex, args.ignore_case, args.exclude)
        self.times = None
        if args.timestamp_format:
            from immune.logtime import LineTime

            self.times = LineTime(args.timestamp_format, args.timestamp_regex)
        self.tail, self.shown = None, []

    def state_key(self):
        a = self.args
        return (f"log_matches:{os.path.abspath(a.logfile)}:{a.pattern!r}:{a.regex}:{a.ignore_case}:"
                f"{a.exclude!r}:{a.timestamp_format!r}:{a.timestamp_regex!r}")

    def probe(self):
        from immune.window import EventWindow

        args, times = self.args, self.times
        start = "beginning" if args.from_start else "end"
        if times is not None and not args.from_start:
            since, now = clock.now() - args.window, clock.now()

            def start(fd, size):  # first run: from where the window begins
                return times.window_start(fd, size, since, now)
        with log_run(args.logfile, self.state_key(), args.state_dir, self.deadline,
                     start) as run:
            window = EventWindow(args.window, run.data.get("events"))
            shown = deque(_valid_shown(run.data.get("shown")), maxlen=args.show)
            new = 0
            for block in run.blocks():
                for line in self.matcher.lines(block):
                    new += 1
                    at = run.now
                    if times is not None:
                        at = min(times.of(line, run.now) or run.now, run.now)
                        window.add(at, 1)
                    shown.append([at, line[:SHOWN_CHARS]])
            if times is None:
                window.add(run.now, new)
            shown = [[at, text if isinstance(text, str) else text.decode("utf-8", "replace")]
                     for at, text in shown]
            run.data = {"events": window.to_state(run.now), "shown": shown}
        self.tail = run.tail
        self.shown = [text for at, text in shown if run.now - at < args.window]
        yield Metric("matches", window.total(run.now), min=0, context="matches")
        yield Metric("new", new, min=0, context="new")


def _valid_shown(saved):
    if not isinstance(saved, list):
        return []
    return [item for item in saved if isinstance(item, list) and len(item) == 2
            and isinstance(item[0], int | float) and isinstance(item[1], str)]


class MatchesSummary(LogSummary):
    """``3 PHP Fatal errors in 1800 second interval``."""

    def __init__(self, resource, label, window):
        super().__init__(resource)
        self.label, self.window = label, format_number(window)

    def ok(self, results):
        text = f"{results['matches'].metric.value} {self.label} in {self.window} second interval"
        tail = self.resource.tail
        if tail.first_run and tail.notes:
            text += f" ({tail.notes[0]})"
        return text + self.backlog()

    def verbose(self, results):
        lines = super().verbose(results)
        if self.resource.shown:
            lines.append(f"last {len(self.resource.shown)} matching lines in the window:")
            lines.extend(self.resource.shown)
        return lines


def options(parser):
    parser.add_argument("-F", "--logfile", required=True, metavar="PATH",
                        help="the log file to read")
    parser.add_argument("-e", "--pattern", "-q", "--query", action="append", required=True,
                        metavar="PATTERN", help="count lines containing PATTERN (repeatable)")
    parser.add_argument("--regex", action="store_true",
                        help="patterns are regular expressions (Python syntax), "
                             "not fixed strings")
    parser.add_argument("-i", "--ignore-case", action="store_true",
                        help="match regardless of (ASCII) case")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="do not count lines that also contain PATTERN (repeatable)")
    parser.add_argument("--window", type=positive_seconds, default=1800.0, metavar="SECONDS",
                        help="count the matches of the last SECONDS (default 1800)")
    parser.add_argument("--label", default="matching lines", metavar="TEXT",
                        help='what the summary calls the matches, e.g. "PHP Fatal errors"')
    parser.add_thresholds("WARNING when the count in the window is outside RANGE "
                          "(0 = any match, 10 = more than 10)",
                          "CRITICAL when the count in the window is outside RANGE")
    parser.add_argument("--timestamp-format", metavar="FMT",
                        help="date lines by their own timestamp, a strptime format such "
                             "as '%%Y-%%m-%%d %%H:%%M:%%S' (local time unless %%z)")
    parser.add_argument("--timestamp-regex", metavar="REGEX",
                        help="where the timestamp is in a line (its first group), "
                             "if the format's shape near the line start is not enough")
    parser.add_argument("--from-start", action="store_true",
                        help="first run: count the whole existing log as new")
    parser.add_argument("--show", type=non_negative_int, default=10, metavar="N",
                        help="with -v, show the last N matching lines of the window "
                             "(default 10)")
    parser.add_state_dir()


def build(args, deadline):
    if args.timestamp_regex and not args.timestamp_format:
        raise ValueError("--timestamp-regex needs --timestamp-format")
    resource = LogMatches(args, deadline)
    return Check(resource,
                 ThresholdContext("matches", args.warning, args.critical),
                 ThresholdContext("new"),
                 MatchesSummary(resource, args.label, args.window))


PLUGIN = Plugin("LOG_MATCHES", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
