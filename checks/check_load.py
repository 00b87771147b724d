#!/usr/bin/env python3
"""check_load: 1, 5 and 15 minute load averages, optionally per CPU.

Drop-in for the Monitoring Plugins check_load (-w/-c as one value or a
triplet, -r/--percpu). With -r the load is divided by the number of CPUs,
so one threshold fits every host: the reference site's capacity-based LA
check.
"""

import os

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource, Summary
from immune.plugin import Plugin

PERIODS = ("load1", "load5", "load15")


class Load(Resource):
    """The kernel's load averages, divided by the CPU count with --percpu."""

    def __init__(self, percpu: bool) -> None:
        self.percpu = percpu

    def probe(self):
        averages = os.getloadavg()
        divisor = (os.cpu_count() or 1) if self.percpu else 1
        for period, value in zip(PERIODS, averages, strict=True):
            yield Metric(period, round(value / divisor, 3), min=0, context=period)


class LoadSummary(Summary):
    """``load average: 6.22, 6.13, 5.83`` (per CPU with -r)."""

    def __init__(self, percpu: bool) -> None:
        self.label = "load average per CPU" if percpu else "load average"

    def ok(self, results):
        values = ", ".join(f"{results[p].metric.value:.2f}" for p in PERIODS)
        return f"{self.label}: {values}"

    def problem(self, results):
        worst = results.first_significant
        return f"{self.ok(results)} ({worst.metric.name} {worst.hint})"


def options(parser):
    parser.add_thresholds(
        "WARNING when load is outside RANGE: one range or load1,load5,load15",
        "CRITICAL when load is outside RANGE: one range or load1,load5,load15",
        count=3)
    parser.add_argument("-r", "--percpu", action="store_true",
                        help="divide the load averages by the number of CPUs")


def build(args, deadline):
    contexts = [ThresholdContext(period, warn, crit)
                for period, warn, crit in zip(PERIODS, args.warning, args.critical, strict=True)]
    return Check(Load(args.percpu), *contexts, LoadSummary(args.percpu))


PLUGIN = Plugin("LOAD", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
