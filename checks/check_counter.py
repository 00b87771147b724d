#!/usr/bin/env python3
"""check_counter: an app counter's sum or rate over a time window, from memcached.

Reads what a web app counts with immune.counters (incr/set): the sum of
--counter over the last --window seconds (whole minutes), or its rate with
--per, or a gauge's latest value with --gauge, and judges it with -w/-c.
Logins per minute not below X: --window 900 --per minute -c 50:. Apache
restarts by Nagios at most 3 a day: --window 86400 -c 3. --memcached must
name the same pool as the app (same host:port spelling): placement depends
on it. A counter whose server is down is UNKNOWN, naming the server; the
others are still judged.
"""

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource, Result, Summary, Unknown
from immune.memcache import (
    COUNTER,
    GAUGE,
    Series,
    Window,
    add_pool_options,
    counter_name,
    read,
    tag_name,
)
from immune.numbers import format_number
from immune.plugin import Plugin
from immune.schedule import add_scheduled_thresholds

PER = {"second": 1, "minute": 60, "hour": 3600}
UNIT = {1: "/s", 60: "/min", 3600: "/h"}


class Counters(Resource):
    """The counters' buckets in the window, read from their servers."""

    def __init__(self, servers, series, window, per, deadline, prefix):
        self.servers, self.series, self.window = servers, series, window
        self.per, self.deadline, self.prefix = per, deadline, prefix
        self.readings = {}

    def probe(self):
        readings, _dead = read(self.servers, self.series, self.window, self.deadline,
                               self.prefix)
        for reading in readings:
            self.readings[reading.series.label] = reading
            yield Metric(reading.series.label, self.value(reading), context="counter",
                         min=0 if reading.series.kind == COUNTER else None)

    def value(self, reading):
        if reading.series.kind == GAUGE:
            latest = reading.latest
            return None if latest is None else latest[1]
        return reading.total if self.per is None else reading.per(self.per, self.window)


class CounterContext(ThresholdContext):
    """Thresholds on each counter; UNKNOWN with the reason when one cannot be read."""

    def evaluate(self, metric, resource):
        reading = resource.readings[metric.name]
        if reading.error:
            return Result(Unknown, reading.error, metric)
        if metric.value is None:
            return Result(Unknown, f"no value set in the last {resource.window.seconds} s",
                          metric)
        return super().evaluate(metric, resource)


class CounterSummary(Summary):
    """``orders.success: 1234 in 900 s (82.3/min)``, problems first, then ``[peak]``."""

    def __init__(self, period):
        self.period = period

    def describe(self, result):
        resource, name = result.resource, result.metric.name
        reading, window = resource.readings[name], resource.window
        if reading.error or result.metric.value is None:
            return f"{name}: {result.hint}"
        if reading.series.kind == GAUGE:
            minute, value = reading.latest
            ago = window.end // 60 - minute
            return f"{name}: {format_number(value, 2)} (set {ago} min ago)"
        unit = resource.per or (60 if window.seconds <= 3600 else 3600)
        rate = format_number(reading.per(unit, window), 1)
        text = f"{name}: {format_number(reading.total, 2)} in {window.seconds} s " \
               f"({rate}{UNIT[unit]})"
        return text if result.state == 0 or not result.hint else f"{text}, {result.hint}"

    def ok(self, results):
        return self.period.tagged("; ".join(self.describe(r) for r in results))

    def problem(self, results):
        """Judged problems first, then the unreadable counters grouped by cause, then OK."""
        judged = [r for r in results if r.state.code in (1, 2)]
        judged.sort(key=lambda r: -r.state.code)
        causes = {}
        for result in results:
            if result.metric is None:  # the whole check failed (pool mismatch)
                return self.period.tagged(result.hint)
            if result.state.code == 3:
                causes.setdefault(result.hint, []).append(result.metric.name)
        parts = [self.describe(r) for r in judged]
        parts += [f"{', '.join(names)}: {cause}" for cause, names in causes.items()]
        parts += [self.describe(r) for r in results if r.state.code == 0]
        return self.period.tagged("; ".join(parts))

    def verbose(self, results):
        results = [r for r in results if r.metric is not None]
        lines = self.period.lines()
        for result in results:
            reading = result.resource.readings[result.metric.name]
            status = reading.error or (f"{len(reading.buckets)} of "
                                       f"{result.resource.window.seconds // 60} "
                                       "minute buckets present")
            lines.append(f"{reading.series.label} on {reading.server}: {status}")
        return lines


def options(parser):
    add_pool_options(parser)
    parser.add_argument("--tag", type=tag_name, metavar="TAG",
                        help="read the counts of this host group (incr(..., tag=TAG))")
    parser.add_argument("-C", "--counter", type=counter_name, action="append", required=True,
                        metavar="NAME", help="counter to judge (repeat for several)")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--per", choices=sorted(PER, key=PER.get),
                      help="judge the rate per second|minute|hour instead of the sum")
    kind.add_argument("--gauge", action="store_true",
                      help="the counter is a gauge (set()): judge its latest value")
    add_scheduled_thresholds(parser, "WARNING when the sum (rate with --per) is outside RANGE",
                             "CRITICAL when the sum (rate with --per) is outside RANGE")


def build(args, deadline):
    kind = GAUGE if args.gauge else COUNTER
    series = [Series(name, args.tag, kind) for name in dict.fromkeys(args.counter)]
    window = Window.last(args.window)
    per = PER[args.per] if args.per else None
    period = args.thresholds.select()
    return Check(Counters(args.memcached, series, window, per, deadline, args.prefix),
                 CounterContext("counter", period.warning, period.critical),
                 CounterSummary(period))


PLUGIN = Plugin("COUNTER", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
