#!/usr/bin/env python3
"""check_net_traffic: receive/transmit bits per second per interface since the last run.

Counters come from /proc/net/dev (one read), the link capacity from --speed
or /sys/class/net/IF/speed. -w/-c judge the busier direction in percent of
capacity: the reference site's links were saturated by a DDoS. Interfaces
whose speed the kernel does not know (lo, veth, tun...) get no percentage
unless --speed is given; named with -i and judged with -w/-c they are
UNKNOWN instead. --mbit-warning/--mbit-critical judge absolute Mbit/s and
need no capacity. The first run, a re-created interface (counters reset) or
a clock that went back records a fresh baseline and says so (OK).
"""

import time

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import (
    CheckError,
    Critical,
    Metric,
    Resource,
    Result,
    Summary,
    Unknown,
    Warn,
)
from immune.numbers import format_number
from immune.plugin import Plugin

STATE_KEY = "check_net_traffic"
TOTALS = ("rx_bytes", "tx_bytes", "errors", "drops")


class Traffic(Resource):
    """Counters of the chosen interfaces, turned into rates against the stored baseline."""

    def __init__(self, args, deadline):
        self.args = args
        self.deadline = deadline
        self.report = {}  # interface -> what the summary says about it

    def probe(self):
        from immune import linuxnet
        from immune.state import StateStore

        store = StateStore(self.args.state_dir)
        metrics = []
        with self.deadline.stage("updating the traffic baseline"), \
                store.updating(STATE_KEY, self.deadline.remaining() / 2) as draft:
            # Read under the lock: a concurrent run never saves older counters after ours.
            counters = linuxnet.counters()
            names = self.select(linuxnet, counters)
            known = draft.data.get("interfaces")
            known = known if isinstance(known, dict) else {}
            now = time.time()
            for name in names:
                c = counters[name]
                current = {"ifindex": linuxnet.ifindex(name), "at": now,
                           "rx_bytes": c.rx_bytes, "tx_bytes": c.tx_bytes,
                           "errors": c.rx_errors + c.tx_errors,
                           "drops": c.rx_dropped + c.tx_dropped}
                shown = name.replace("=", "_")  # a perfdata label cannot hold "="
                metrics += self.judge(shown, known.get(name), current, linuxnet.speed(name))
                metrics += [Metric(f"{shown}_rxbytes", c.rx_bytes, "c", min=0, context="counter"),
                            Metric(f"{shown}_txbytes", c.tx_bytes, "c", min=0, context="counter")]
                known[name] = current
            # Forget interfaces that are gone (containers come and go): the state stays small.
            known = {name: entry for name, entry in known.items() if name in counters}
            draft.data = {"interfaces": known}
        return metrics

    def select(self, linuxnet, counters):
        if self.args.interface:
            missing = [name for name in self.args.interface if name not in counters]
            if missing:
                raise CheckError(f"no interface {', '.join(missing)}")
            return list(dict.fromkeys(self.args.interface))
        flags = {name: linuxnet.flags(name) or 0 for name in counters}
        names = [name for name in sorted(counters)
                 if flags[name] & linuxnet.IFF_UP and not flags[name] & linuxnet.IFF_LOOPBACK]
        if not names:
            raise CheckError("no interface is up besides loopback (name one with -i)")
        return names

    def judge(self, name, previous, current, kernel_speed):
        """Rate metrics since *previous*, or a baseline metric saying why there are none."""
        rates, reason = rates_since(previous, current)
        if reason is not None:
            self.report[name] = {"baseline": reason}
            return [Metric(f"{name}_baseline", reason, context="baseline")]
        mbits = self.args.speed or kernel_speed
        capacity = mbits * 1e6 if mbits else None
        bps = {"rx": rates["rx_bytes"].per_second * 8, "tx": rates["tx_bytes"].per_second * 8}
        pct = {d: (bps[d] / capacity * 100 if capacity else None) for d in bps}
        errors, drops = rates["errors"].per_second, rates["drops"].per_second
        self.report[name] = {"bps": bps, "pct": pct, "errors": errors, "drops": drops,
                             "seconds": rates["rx_bytes"].seconds,
                             "bytes": (rates["rx_bytes"].delta, rates["tx_bytes"].delta)}
        metrics = [Metric(f"{name}_{d}_bps", round(bps[d]), min=0,
                          max=round(capacity) if capacity else None, context="bps")
                   for d in ("rx", "tx")]
        if capacity or (self.args.interface and self.args.percent_thresholds):
            metrics += [Metric(f"{name}_{d}pct", None if pct[d] is None else round(pct[d], 2),
                               "%", min=0, max=100, context="pct") for d in ("rx", "tx")]
        return [*metrics,
                Metric(f"{name}_errors", round(errors, 3), min=0, context="errors"),
                Metric(f"{name}_drops", round(drops, 3), min=0, context="drops")]


def rates_since(previous, current):
    """``({counter: Rate}, None)``, or ``({}, why no rate can be computed)``."""
    from immune.rates import Sample, no_rate_reason, rate

    if not isinstance(previous, dict) or not isinstance(previous.get("at"), (int, float)):
        return {}, "first run, baseline recorded"
    if previous.get("ifindex") != current["ifindex"]:
        return {}, "interface re-created, new baseline"
    rates = {}
    for key in TOTALS:
        before = Sample(previous.get(key), previous["at"])  # the count may be malformed
        after = Sample(current[key], current["at"])
        rates[key] = rate(Sample.from_state(before.to_state()), after)
        if rates[key] is None:
            return {}, no_rate_reason(before, after, clock_back="clock went back") \
                + ", new baseline"
    return rates, None


class PercentContext(ThresholdContext):
    """Utilisation in percent; undeterminable when the link speed is unknown."""

    def evaluate(self, metric, resource):
        if metric.value is None:
            return Result(Unknown, "link speed unknown: give --speed", metric)
        return super().evaluate(metric, resource)


class BitsContext(ThresholdContext):
    """Bits per second judged against ranges given in Mbit/s (perfdata stays in bit/s)."""

    def __init__(self, name, warning, critical):
        super().__init__(name, scaled(warning, 1e6), scaled(critical, 1e6), fmt_metric=None)
        self.mbit = {Warn: warning, Critical: critical}

    def evaluate(self, metric, resource):
        result = super().evaluate(metric, resource)
        if result.state in self.mbit:
            return Result(result.state, self.mbit[result.state].violation, metric)
        return result


def scaled(limits, factor):
    from immune.ranges import Range

    return limits if limits.is_never else Range(limits.start * factor, limits.end * factor,
                                                 limits.invert)


class TrafficSummary(Summary):
    """``eth0 in 812 Mbit/s (81%) out 12 Mbit/s (1%)``, problems first."""

    def ok(self, results):
        report = self.report(results)
        return "; ".join(describe(name, facts) for name, facts in report.items())

    def problem(self, results):
        report = self.report(results)
        if not report:
            return results.first_significant.hint
        bad = {}
        for result in results.most_significant:
            if result.metric is not None:
                interface = interface_of(result.metric.name, report)
                bad.setdefault(interface, []).append(short_hint(result, interface))
        parts = [f"{describe(name, report[name])}: {', '.join(dict.fromkeys(hints))}"
                 for name, hints in bad.items() if name in report]
        parts += [describe(name, facts) for name, facts in report.items() if name not in bad]
        return "; ".join(parts)

    def verbose(self, results):
        lines = []
        for name, facts in self.report(results).items():
            if "baseline" in facts:
                lines.append(f"{name}: {facts['baseline']}")
            else:
                rx, tx = facts["bytes"]
                lines.append(f"{name}: {rx} bytes in, {tx} bytes out over "
                             f"{facts['seconds']:.3f} s; {facts['errors']:.3f} errors/s, "
                             f"{facts['drops']:.3f} drops/s")
        return lines

    @staticmethod
    def report(results):
        for result in results:
            if result.metric is not None and result.resource is not None:
                return result.resource.report
        return {}


def interface_of(metric_name, report):
    for name in report:
        if metric_name.startswith(name + "_"):
            return name
    return metric_name


WORDS = {"rx_bps": "in Mbit/s", "tx_bps": "out Mbit/s", "rxpct": "in%", "txpct": "out%",
         "errors": "errors/s", "drops": "drops/s"}


def short_hint(result, interface):
    """``in% outside range 0:90`` for the metric *interface*_rxpct."""
    suffix = result.metric.name[len(interface) + 1:]
    hint = result.hint or ""
    if hint.startswith("link speed") or suffix not in WORDS:
        return hint
    return f"{WORDS[suffix]} {hint}".strip()


def describe(name, facts):
    if "baseline" in facts:
        return f"{name} {facts['baseline']}"
    text = name
    for direction, word in (("rx", "in"), ("tx", "out")):
        text += f" {word} {bitrate(facts['bps'][direction])}"
        pct = facts["pct"][direction]
        if pct is not None:
            text += f" ({pct:.0f}%)" if pct >= 1 else f" ({format_number(pct, 1)}%)"
    for key in ("errors", "drops"):
        if facts[key]:
            text += f", {facts[key]:.2g} {key}/s"
    return text


def bitrate(bps):
    """``812 Mbit/s``, ``3.2 kbit/s``: decimal prefixes, as link speeds are given."""
    for unit, size in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if bps >= size:
            value = bps / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{bps:.0f} bit/s"


def options(parser):
    from argparse import ArgumentTypeError

    from immune.options import non_negative_int, threshold

    def mbits(text):
        value = non_negative_int(text)
        if value == 0:
            raise ArgumentTypeError("--speed must be above 0 Mbit/s")
        return value

    parser.add_thresholds("WARNING when in or out traffic, in percent of link capacity, "
                          "is outside RANGE",
                          "CRITICAL when in or out traffic, in percent of link capacity, "
                          "is outside RANGE")
    parser.add_argument("-i", "--interface", action="append", default=[], metavar="NAME",
                        help="interface to watch (repeatable; default: every interface "
                             "that is up, except loopback)")
    parser.add_argument("--speed", type=mbits, default=None, metavar="MBITS",
                        help="link capacity in Mbit/s (default: the kernel's link speed)")
    for name, what in (("mbit", "in or out traffic in Mbit/s"),
                       ("errors", "errors per second (in + out)"),
                       ("drops", "dropped packets per second (in + out)")):
        for level in ("warning", "critical"):
            parser.add_argument(f"--{name}-{level}", type=threshold, default=threshold(""),
                                metavar="RANGE", help=f"{level.upper()} when {what} is "
                                                      "outside RANGE")
    parser.add_state_dir()


def build(args, deadline):
    from immune.rates import BaselineContext

    args.percent_thresholds = not (args.warning.is_never and args.critical.is_never)
    return Check(Traffic(args, deadline),
                 PercentContext("pct", args.warning, args.critical, fmt_metric=None),
                 BitsContext("bps", args.mbit_warning, args.mbit_critical),
                 ThresholdContext("errors", args.errors_warning, args.errors_critical,
                                  fmt_metric=None),
                 ThresholdContext("drops", args.drops_warning, args.drops_critical,
                                  fmt_metric=None),
                 ThresholdContext("counter", fmt_metric=None),
                 BaselineContext("baseline"), TrafficSummary())


PLUGIN = Plugin("NET_TRAFFIC", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
