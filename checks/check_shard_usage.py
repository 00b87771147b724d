#!/usr/bin/env python3
"""check_shard_usage: how full each customer database shard is, in % of capacity.

One query runs on every shard, in parallel, within -t. Each shard is a
group of the one option file (--shard NAME repeatable, or --shards a,b,c;
[client] holds what they share). The query returns one row (used,
capacity). Each shard is judged (-w 80 -c 90: alert above), the worst
wins, every shard is in the perfdata; a shard that cannot be read is
named in the output and makes the check UNKNOWN.
"""

from immune import business, mysql, queries
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import CheckError, Metric, Ok, Resource, Result, Summary, Unknown
from immune.numbers import format_number
from immune.parallel import HUNG, answers_within
from immune.plugin import Plugin

METRIC_KEYS = ("label",)


class ShardUsage(Resource):
    """(used, capacity) of every shard, read in parallel threads."""

    def __init__(self, args, query, deadline, shards):
        self.args, self.query, self.deadline, self.shards = args, query, deadline, shards
        self.errors = {}

    def _read(self, target):
        """The usage of one shard in %; runs in a thread of its own."""
        rows = mysql.fetch(target, self.query, self.deadline, stages=False)
        if len(rows) != 1 or len(rows[0]) != 2:
            raise CheckError("want one row (used, capacity)")
        used, capacity = (mysql.as_number(v, i + 1, self.query.origin)
                          for i, v in enumerate(rows[0]))
        if not capacity or capacity <= 0 or used is None or used < 0:
            raise CheckError("used must be 0 or more and capacity above 0")
        return 100 * used / capacity

    def probe(self):
        if self.query is None:
            raise CheckError("no query: give --query, --query-file or --metric")
        if not self.shards:
            raise CheckError("no shards: give --shard NAME (repeatable) or --shards a,b,c")
        targets = dict(zip(self.shards, mysql.targets(self.args.defaults_file, self.shards),
                           strict=True))
        mysql.driver(any(mysql.wants_tls(t.options) for t in targets.values()))  # before threads
        with self.deadline.stage(f"querying {len(targets)} shards"):
            # keep some time to report the shards that answered; any exception is an
            # answer: one shard's bug must not hide the others
            answers = answers_within(lambda name: self._read(targets[name]), targets,
                                     self.deadline.usable(share=0.1, most=0.5),
                                     errors=(Exception,))
        for name in self.shards:
            answer = answers[name]
            if answer is HUNG or isinstance(answer, Exception):
                self.errors[name] = _reason(answer)
                yield Metric(name, None, "%", min=0, context="dead")
            else:
                yield Metric(name, round(answer, 2), "%", min=0, max=100, context="usage")


def _reason(answer):
    """Why a shard has no usage: no answer in time, the CheckError's words, or a bug's type."""
    if answer is HUNG:
        return "no answer within -t"
    return str(answer) if isinstance(answer, CheckError) else type(answer).__name__


class DeadShard(ThresholdContext):
    """A shard that could not be read: UNKNOWN, named, perfdata U."""

    def evaluate(self, metric, resource):
        return Result(Unknown, resource.errors[metric.name], metric)


class ShardSummary(Summary):
    """``4 shards, fullest b 72%`` or the shards in trouble, worst first."""

    def __init__(self, period, label):
        self.period, self.label = period, label

    def _one(self, result):
        if result.metric.context == "dead":
            return f"shard {result.metric.name}: {result.hint}"
        text = f"shard {result.metric.name} {format_number(result.metric.value, 1)}%"
        return text + (f" ({result.hint})" if result.state != Ok else "")

    def ok(self, results):
        fullest = max(results, key=lambda r: r.metric.value)
        text = (f"{self.label}: {len(results)} shard(s), fullest {fullest.metric.name} at "
                f"{format_number(fullest.metric.value, 1)}% of capacity")
        return self.period.tagged(text)

    def problem(self, results):
        bad = sorted((r for r in results if r.state != Ok and r.metric),
                     key=lambda r: -r.state.code)
        if not bad:
            return str(results.first_significant)
        text = ", ".join(self._one(r) for r in bad)
        if len(results) > len(bad):
            text += f"; {len(results) - len(bad)} OK"
        return self.period.tagged(text)

    def verbose(self, results):
        return self.period.lines() + [f"{self._one(r)}: {r.state}" for r in results if r.metric]


def shard_list(text):
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError("empty shard list")
    return names


def options(parser):
    business.add_business_options(
        parser, "WARNING when a shard's usage (%%) is outside RANGE, e.g. 80",
        "CRITICAL when a shard's usage (%%) is outside RANGE, e.g. 90",
        default_label="shard usage", group=False)
    parser.add_argument("--shard", action="append", default=[], metavar="NAME",
                        help="a shard: an option-file group (repeatable)")
    parser.add_argument("--shards", type=shard_list, dest="shard", action="extend",
                        metavar="A,B,C",
                        help="shards as a comma-separated list of option-file groups")


def build(args, deadline):
    period = args.thresholds.select()
    query = queries.query_from_args(args, METRIC_KEYS)
    label = business.setting(args, query, "label", business.label, "shard usage")
    shards = list(dict.fromkeys(args.shard))   # command-line order, once each
    return Check(ShardUsage(args, query, deadline, shards),
                 business.Judge("usage", period.warning, period.critical),
                 DeadShard("dead", period.warning, period.critical),
                 ShardSummary(period, label))


PLUGIN = Plugin("SHARD_USAGE", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
