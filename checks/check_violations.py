#!/usr/bin/env python3
"""check_violations: how many rows break a business invariant (normally 0).

Purchases of re-rated products with no refund, personal data of users
inactive for 18 months not yet erased, accounts disabled without a
notification. The query returns one count; the output says how many,
never which: no row, user or value is ever printed. By default any
violation is a WARNING (-w 0); thresholds may follow the time of week.
"""

from immune import business, mysql, queries
from immune.check import Check
from immune.domain import CheckError, Metric, Ok, Resource, Summary
from immune.plugin import Plugin

METRIC_KEYS = ("label",)


class Violations(Resource):
    """The count of rows that break the invariant (NULL counts as 0)."""

    def __init__(self, args, query, deadline, label):
        self.args, self.query, self.deadline, self.label = args, query, deadline, label
        self.describe = "SQL"

    def probe(self):
        rows, self.describe = business.fetch(self.args, self.query, self.deadline)
        count = mysql.scalar(rows, self.query.origin)
        if count is not None and (count < 0 or count != int(count)):
            raise CheckError(f"{self.query.origin}: a count must be a whole number from 0")
        return Metric(self.label, int(count or 0), min=0, context="violations")


class ViolationSummary(Summary):
    """``inactive users not erased: 0``, or with the threshold it breaks."""

    def __init__(self, period, resource):
        self.period, self.resource = period, resource

    def ok(self, results):
        metric = results[0].metric
        return self.period.tagged(f"{metric.name}: {metric.value}")

    def problem(self, results):
        worst = results.first_significant
        if worst.metric is None:
            return str(worst)
        text = f"{worst.metric.name}: {worst.metric.value}"
        if worst.state != Ok:
            text += f" ({worst.hint})"
        return self.period.tagged(text)

    def verbose(self, results):
        return [f"source: {self.resource.describe}", *self.period.lines()]


def options(parser):
    business.add_business_options(
        parser, "WARNING when the count is outside RANGE (default 0: any violation)",
        "CRITICAL when the count is outside RANGE, e.g. 10", default_label="violations",
        default_warning="0")


def build(args, deadline):
    period = args.thresholds.select()
    query = queries.query_from_args(args, METRIC_KEYS)
    label = business.setting(args, query, "label", business.label, "violations")
    violations = Violations(args, query, deadline, label)
    return Check(violations, business.Judge("violations", period.warning, period.critical),
                 ViolationSummary(period, violations))


PLUGIN = Plugin("VIOLATIONS", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
