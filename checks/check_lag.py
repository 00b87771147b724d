#!/usr/bin/env python3
"""check_lag: how long something has waited, in seconds, from one SQL query.

The age of the oldest pending item (registrations in a processing queue,
support tickets waiting for an answer) or of the last success (database
backups by their last good run). The query returns one number: seconds
(e.g. TIMESTAMPDIFF(SECOND, MIN(queued_at), NOW())), or NULL when nothing
was found in the window: then --if-none decides (default OK: nothing
pending). Thresholds in seconds, alerting above (-w 300 -c 900), may
follow the time of week (--schedule).
"""

from immune import business, mysql, queries
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Critical, Metric, Ok, Resource, Result, Summary, Unknown, Warn
from immune.numbers import format_number
from immune.plugin import Plugin

STATES = {"ok": Ok, "warning": Warn, "critical": Critical, "unknown": Unknown}
METRIC_KEYS = ("label", "if-none")


class Lag(Resource):
    """The seconds the query returns (negative, i.e. future-dated, counts as 0)."""

    def __init__(self, args, query, deadline, label):
        self.args, self.query, self.deadline, self.label = args, query, deadline, label
        self.describe = "SQL"

    def probe(self):
        rows, self.describe = business.fetch(self.args, self.query, self.deadline)
        seconds = mysql.scalar(rows, self.query.origin)
        if seconds is None:
            return Metric(self.label, None, "s", min=0, context="none")
        return Metric(self.label, max(seconds, 0), "s", min=0, context="lag")


class NoneFound(ThresholdContext):
    """Nothing in the window: the state --if-none names; perfdata U."""

    def __init__(self, name, state, window, warning, critical):
        super().__init__(name, warning, critical)
        self.state, self.window = state, window

    def evaluate(self, metric, resource):
        return Result(self.state, f"none found in the last {self.window}", metric)


class LagSummary(Summary):
    """``oldest pending registration 1m 37s [peak]``, or why it alerts."""

    def __init__(self, period, window, resource):
        self.period, self.window, self.resource = period, window, resource

    def _text(self, result):
        metric = result.metric
        if metric.value is None:
            return f"{metric.name}: {result.hint}"
        text = f"{metric.name} {business.format_duration(metric.value)}"
        if result.state != Ok:
            text += f" ({format_number(metric.value)}s, {result.hint})"
        return text

    def ok(self, results):
        return self.period.tagged(self._text(results[0]))

    def problem(self, results):
        worst = results.first_significant
        if worst.metric is None:
            return str(worst)
        return self.period.tagged(self._text(worst))

    def verbose(self, results):
        return [f"source: {self.resource.describe}, window {self.window}", *self.period.lines()]


def options(parser):
    business.add_business_options(
        parser, "WARNING when the lag in seconds is outside RANGE, e.g. 300 (above 5 min)",
        "CRITICAL when the lag in seconds is outside RANGE, e.g. 900", default_label="lag")
    parser.add_argument("--if-none", choices=sorted(STATES), metavar="STATE",
                        help="state when the query finds nothing (NULL): ok (nothing pending, "
                             "the default), warning, critical (no backup in the window), "
                             "unknown")


def build(args, deadline):
    period = args.thresholds.select()
    query = queries.query_from_args(args, METRIC_KEYS)
    label = business.setting(args, query, "label", business.label, "lag")
    if_none = business.setting(args, query, "if-none", _state, "ok")
    window = business.format_duration(query.window if query else queries.DEFAULT_WINDOW)
    lag = Lag(args, query, deadline, label)
    return Check(lag, business.Judge("lag", period.warning, period.critical),
                 NoneFound("none", STATES[if_none], window, period.warning, period.critical),
                 LagSummary(period, window, lag))


def _state(text):
    if text.strip().lower() not in STATES:
        raise ValueError(text)
    return text.strip().lower()


PLUGIN = Plugin("LAG", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
