#!/usr/bin/env python3
"""check_log_growth: how fast a log grows, in lines per second since the last run.

Counts the lines written since the previous run (safe across rotation by
rename and copytruncate) and divides by the time between the runs:
"/var/log/user.log increasing by 0 lines per second (0 lines over 619
second period)". Thresholds are ranges, so both a flood (-c 500) and a
stall (-c 0.01: "the log stopped being written") alert. The first run, or
a clock that went backwards, records a baseline and says so (OK).
"""

import os

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource
from immune.logstate import LogSummary, log_run
from immune.numbers import format_number
from immune.plugin import Plugin
from immune.rates import BaselineContext, Sample, no_rate_reason, rate


class LogGrowth(Resource):
    """Lines added to the log since the last run, and over how many seconds."""

    def __init__(self, path, state_dir, deadline):
        self.path = os.path.abspath(path)
        self.state_dir = state_dir
        self.deadline = deadline
        self.tail = None

    def probe(self):
        with log_run(self.path, f"log_growth:{self.path}", self.state_dir,
                     self.deadline) as run:
            lines = sum(block.count(b"\n") for block in run.blocks())
            previous = None if run.first_run else Sample.from_state(run.data.get("sample"))
            current = Sample((previous.value if previous else 0) + lines, run.now)
            run.data = {"sample": current.to_state()}
        self.tail = run.tail
        growth = rate(previous, current)
        if growth is None:
            why = no_rate_reason(previous, current)
            yield Metric("baseline", f"{why}, baseline recorded", context="baseline")
            return
        yield Metric("rate", round(growth.per_second, 6), min=0, context="rate")
        yield Metric("lines", growth.delta, min=0, context="lines")
        yield Metric("period", round(growth.seconds, 3), uom="s", min=0, context="period")


class GrowthSummary(LogSummary):
    """``/var/log/user.log increasing by 0 lines per second (0 lines over 619 second period)``."""

    def ok(self, results):
        if "baseline" in results:
            return f"{self.resource.path}: {results['baseline'].hint}"
        text = (f"{self.resource.path} increasing by "
                f"{format_number(results['rate'].metric.value, 3)} lines per second "
                f"({results['lines'].metric.value} lines over "
                f"{format_number(results['period'].metric.value, 0)} second period)")
        return text + self.backlog()


def options(parser):
    parser.add_argument("-F", "--logfile", required=True, metavar="PATH",
                        help="the log file to watch")
    parser.add_thresholds("WARNING when lines per second are outside RANGE "
                          "(0.01: = stalled, 500 = flood)",
                          "CRITICAL when lines per second are outside RANGE")
    parser.add_state_dir()


def build(args, deadline):
    resource = LogGrowth(args.logfile, args.state_dir, deadline)
    return Check(resource,
                 ThresholdContext("rate", args.warning, args.critical),
                 ThresholdContext("lines"), ThresholdContext("period"),
                 BaselineContext("baseline"), GrowthSummary(resource))


PLUGIN = Plugin("LOG_GROWTH", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
