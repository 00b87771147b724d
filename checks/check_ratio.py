#!/usr/bin/env python3
"""check_ratio: a business success rate, numerator / denominator in %, over a window.

Successful orders out of all orders in the last 15 minutes, good
registrations out of all, contact imports per mail provider. The SQL
returns one row (numerator, denominator), or with --group-by rows (group,
numerator, denominator): each group is judged, the worst wins, each is in
the perfdata. Or, instead of SQL, two app counters (immune.counters) read
from memcached: --counter NUMERATOR --counter DENOMINATOR over --window
(whole minutes); repeat --tag to judge each host group (canary vs. the
rest). Fewer than --min-volume events is said and never alerts: a quiet
hour must not page. Thresholds may follow the time of week (--schedule);
the summary names the period that applied.
"""

from immune import business, memcache, mysql, queries
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import CheckError, Metric, Ok, Resource, Result, Summary
from immune.numbers import format_number
from immune.options import non_negative_int
from immune.perfdata import unique_labels
from immune.plugin import Plugin

METRIC_KEYS = ("min-volume", "label", "group-by")


class SqlPairs:
    """The source: (group, numerator, denominator) rows of the ratio query."""

    def __init__(self, args, query, deadline, grouped):
        self.args, self.query, self.deadline, self.grouped = args, query, deadline, grouped
        self.window = query.window if query else queries.DEFAULT_WINDOW
        self.describe = "SQL"

    def __call__(self):
        rows, self.describe = business.fetch(self.args, self.query, self.deadline)
        origin = self.query.origin
        if not self.grouped:
            if len(rows) != 1 or len(rows[0]) != 2:
                raise CheckError(f"{origin}: want one row (numerator, denominator), got "
                                 f"{len(rows)} row(s); per-group rows need --group-by")
            return [(None, *(mysql.as_number(v, i + 1, origin) for i, v in enumerate(rows[0])))]
        pairs = []
        for row in rows:
            if len(row) != 3:
                raise CheckError(f"{origin}: --group-by wants rows (group, numerator, "
                                 f"denominator), got {len(row)} columns")
            group = row[0].decode(errors="replace") if isinstance(row[0], bytes) else row[0]
            pairs.append((str(group), mysql.as_number(row[1], 2, origin),
                          mysql.as_number(row[2], 3, origin)))
        return pairs


class CounterPairs:
    """The source: numerator and denominator counters the app keeps in memcached.

    One (group, numerator, denominator) per --tag (group None without tags
    or with one). A counter whose server is down makes the ratio
    undeterminable: UNKNOWN, naming the server.
    """

    def __init__(self, args, deadline):
        try:
            self.window = memcache.whole_minutes(args.window or queries.DEFAULT_WINDOW)
        except ValueError as err:
            raise CheckError(f"--window with --counter: {err}") from None
        self.args, self.deadline = args, deadline
        self.tags = args.tag or [None]
        self.series = [memcache.Series(name, tag) for tag in self.tags for name in args.counter]
        self.describe = (f"counters {args.counter[0]} / {args.counter[1]} in memcached "
                         f"{','.join(args.memcached)}")

    def __call__(self):
        window = memcache.Window.last(self.window)
        readings, _ = memcache.read(self.args.memcached, self.series, window,
                                    self.deadline, self.args.prefix)
        failed = {}
        for reading in readings:
            if reading.error:
                failed.setdefault(reading.error, []).append(reading.series.label)
        if failed:
            raise CheckError("; ".join(f"{', '.join(names)}: {error}"
                                       for error, names in failed.items()))
        totals = iter(reading.total for reading in readings)
        grouped = len(self.tags) > 1
        return [(tag if grouped else None, next(totals), next(totals)) for tag in self.tags]


class Ratios(Resource):
    """Each (group, numerator, denominator) as a percentage and a volume."""

    def __init__(self, pairs, label, min_volume):
        self.pairs, self.label, self.min_volume = pairs, label, min_volume
        self.counts = {}   # perfdata label: (group name, numerator, denominator)

    def probe(self):
        pairs = self.pairs() or [(None, 0, 0)]   # no group at all: nothing happened
        names = [(group or self.label).replace("=", "_") for group, _, _ in pairs]
        # graphing tools key on the first 19 characters of every label, the volumes' too
        labels = unique_labels([text for name in names for text in (name, f"volume {name}")])
        for (_, numerator, denominator), name, label, volume in zip(
                pairs, names, labels[::2], labels[1::2], strict=True):
            numerator, denominator = numerator or 0, denominator or 0
            if numerator < 0 or denominator < 0:
                raise CheckError("numerator and denominator must not be negative")
            self.counts[label] = (name, numerator, denominator)
            percent = round(100 * numerator / denominator, 2) if denominator else None
            context = "ratio" if denominator >= max(self.min_volume, 1) else "low volume"
            yield Metric(label, percent, "%", min=0, context=context)
            yield Metric(volume, denominator, min=0, context="volume")


class LowVolume(ThresholdContext):
    """Too few events to judge: OK, and said; the value (if any) still graphed."""

    def evaluate(self, metric, resource):
        return Result(Ok, f"below min volume {resource.min_volume}", metric)


class RatioSummary(Summary):
    """``orders 98.2% (982/1000) in 15m [peak]``; problems first; low volume said."""

    def __init__(self, pairs, period):
        self.pairs, self.period = pairs, period
        self.window = business.format_duration(pairs.window)

    @staticmethod
    def _ratios(results):
        return [r for r in results if r.metric and r.metric.context != "volume"]

    def _one(self, result, counts=False):
        metric = result.metric
        name, numerator, total = result.resource.counts[metric.name]
        if metric.context == "low volume":
            return (f"{name}: only {format_number(total)} in {self.window}, below min "
                    f"volume {result.resource.min_volume}, not judged")
        text = f"{name} {format_number(metric.value, 2)}%"
        if counts:
            text += f" ({format_number(numerator)}/{format_number(total)})"
        if result.state != Ok:
            text += f" ({result.hint})"
        return text

    def ok(self, results):
        ratios = self._ratios(results)
        if len(ratios) == 1:
            text = self._one(ratios[0], counts=True)
            if ratios[0].metric.context == "ratio":
                text += f" in {self.window}"
            return self.period.tagged(text)
        judged = [r for r in ratios if r.metric.context == "ratio"]
        quiet = len(ratios) - len(judged)
        text = ", ".join(self._one(r) for r in judged) or "no group judged"
        if quiet:
            text += f"; {quiet} below min volume"
        return self.period.tagged(f"{text} in {self.window}")

    def problem(self, results):
        ratios = self._ratios(results)
        bad = sorted((r for r in ratios if r.state != Ok), key=lambda r: -r.state.code)
        if not bad:   # the source failed: an UNKNOWN without a metric
            return str(results.first_significant)
        text = ", ".join(self._one(r, counts=len(ratios) == 1) for r in bad)
        quiet = sum(1 for r in ratios if r.metric.context == "low volume")
        judged_ok = len(ratios) - len(bad) - quiet
        if judged_ok:
            text += f"; {judged_ok} OK"
        if quiet:
            text += f"; {quiet} below min volume"
        return self.period.tagged(f"{text} in {self.window}")

    def verbose(self, results):
        lines = [f"source: {self.pairs.describe}, window {self.window}", *self.period.lines()]
        for result in self._ratios(results):
            name, numerator, total = result.resource.counts[result.metric.name]
            lines.append(f"{name}: {format_number(numerator)} of "
                         f"{format_number(total)} = {format_number(result.metric.value, 2)}%, "
                         f"{result.state}")
        return lines


def options(parser):
    business.add_business_options(
        parser, "WARNING when the ratio (%%) is outside RANGE, e.g. 97: (below 97%%)",
        "CRITICAL when the ratio (%%) is outside RANGE, e.g. 95:", default_label="ratio")
    parser.add_argument("--min-volume", type=non_negative_int, metavar="N",
                        help="below N events (denominator) say so and do not alert (default 1)")
    parser.add_argument("--group-by", action="store_const", const=True,
                        help="the query returns (group, numerator, denominator) rows: judge "
                             "each group, the worst wins")
    parser.add_argument("--counter", action="append", type=memcache.counter_name,
                        metavar="NAME", help="instead of SQL: an app counter in memcached; "
                        "give the numerator's, then the denominator's")
    parser.add_argument("--tag", action="append", type=memcache.tag_name, metavar="TAG",
                        help="with --counter: the counts of this host group; repeat to judge "
                             "each group")
    memcache.add_pool_options(parser, window_default=None)


def source(args, deadline, query):
    """Where the (group, numerator, denominator) triples come from: SQL or counters.

    A source is a callable returning a list of triples (group None when not
    grouped), with ``window`` (seconds) and ``describe`` (for -v) attributes.
    """
    if args.counter or args.tag:
        if query is not None:
            raise CheckError("give either SQL (--query, --query-file, --metric) or --counter")
        if not args.counter or len(args.counter) != 2:
            raise CheckError("--counter twice: the numerator's counter, then the "
                             "denominator's")
        if args.group_by:
            raise CheckError("with --counter the groups are the --tag values: repeat --tag")
        return CounterPairs(args, deadline)
    grouped = business.setting(args, query, "group-by", _boolean, False)
    return SqlPairs(args, query, deadline, grouped)


def _boolean(text):
    if text.strip().lower() in ("1", "yes", "true", "on"):
        return True
    if text.strip().lower() in ("0", "no", "false", "off"):
        return False
    raise ValueError(text)


def build(args, deadline):
    period = args.thresholds.select()
    query = queries.query_from_args(args, METRIC_KEYS)
    default_label = args.counter[0] if args.counter else "ratio"
    label = business.setting(args, query, "label", business.label, default_label)
    min_volume = business.setting(args, query, "min-volume", non_negative_int, 1)
    pairs = source(args, deadline, query)
    return Check(Ratios(pairs, label, min_volume),
                 business.Judge("ratio", period.warning, period.critical),
                 LowVolume("low volume", period.warning, period.critical),
                 ThresholdContext("volume"),
                 RatioSummary(pairs, period))


PLUGIN = Plugin("RATIO", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
