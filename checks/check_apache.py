#!/usr/bin/env python3
"""check_apache: Apache workers and connections from mod_status (/server-status?auto).

Busy and idle workers, current connections (ConnsTotal, event MPM), total
accesses and traffic when ExtendedStatus is on, and the scoreboard counted
by state. -w/-c judge busy workers by default; --metric picks connections or
the percentage of idle workers instead (use a low-end range for that one,
e.g. -w 20: -c 10:). The reference site's "Apache Connections Monitor".
A page that is not mod_status output, or a failed request, is UNKNOWN.
"""

from immune.check import Check
from immune.context import ThresholdContext, value_text
from immune.domain import CheckError, Metric, Resource, Summary
from immune.http import fetch, target_for
from immune.numbers import plural
from immune.plugin import Plugin

# Scoreboard characters of mod_status, in its own order, and our perfdata labels.
SCOREBOARD = {"_": "waiting", "S": "starting", "R": "reading", "W": "sending",
              "K": "keepalive", "D": "dns", "C": "closing", "L": "logging",
              "G": "graceful", "I": "idle_cleanup", ".": "open"}
METRICS = {"busy": "busy", "connections": "connections", "idle-percent": "idle_percent"}
MAX_STATUS = 256 * 1024


class ApacheStatus(Resource):
    """One read of mod_status' machine-readable page."""

    def __init__(self, target, deadline, judged):
        self.target = target
        self.deadline = deadline
        self.judged = judged

    def probe(self):
        response = fetch(self.target, self.deadline, max_body=MAX_STATUS)
        if response.status != 200:
            raise CheckError(f"{response.target.url} answered '{response.status_line}'")
        fields = parse_status(response.text)
        if "BusyWorkers" not in fields or "IdleWorkers" not in fields:
            raise CheckError(f"{response.target.url} is not mod_status output "
                             "(no BusyWorkers/IdleWorkers; use ?auto)")
        if self.judged == "connections" and "ConnsTotal" not in fields:
            raise CheckError(f"{response.target.url} reports no ConnsTotal (the event MPM "
                             "does): judge busy workers instead")
        busy, idle = number(fields, "BusyWorkers"), number(fields, "IdleWorkers")
        workers = busy + idle
        yield Metric("busy", busy, min=0, max=workers, context="busy")
        yield Metric("idle", idle, min=0, max=workers, context="idle")
        percent = round(100 * idle / workers, 1) if workers else None
        yield Metric("idle_percent", percent, "%", min=0, max=100, context="idle_percent")
        if "ConnsTotal" in fields:
            yield Metric("connections", number(fields, "ConnsTotal"), min=0,
                         context="connections")
        if "Total Accesses" in fields:
            yield Metric("accesses", number(fields, "Total Accesses"), "c", min=0,
                         context="accesses")
        if "Total kBytes" in fields:
            yield Metric("kbytes", number(fields, "Total kBytes"), "c", min=0,
                         context="kbytes")
        board = fields.get("Scoreboard", "")
        for char, label in SCOREBOARD.items():
            yield Metric(label, board.count(char), min=0, max=len(board), context=label)


def parse_status(text):
    """``Key: value`` lines of the ?auto page as a dict."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def number(fields, key):
    try:
        return int(float(fields[key]))
    except ValueError:
        raise CheckError(f"mod_status field {key} is not a number: "
                         f"'{fields[key][:40]}'") from None


class ApacheSummary(Summary):
    """``19 busy workers, 31 idle (19 connections)``, then the threshold broken."""

    def ok(self, results):
        busy = results["busy"].metric.value
        text = f"{plural(busy, 'busy worker')}, {results['idle'].metric.value} idle"
        if "connections" in results:
            text += f" ({results['connections'].metric.value} connections)"
        return text

    def problem(self, results):
        worst = results.first_significant
        if worst.metric is None or worst.metric.name not in results:
            return str(worst)
        what = {"busy": "busy workers", "idle_percent": "idle workers"}.get(
            worst.metric.name, worst.metric.name)
        return f"{self.ok(results)}: {what} {value_text(worst.metric)} {worst.hint}"


def options(parser):
    parser.add_host(required=True)
    parser.add_argument("-u", "--url", default="/server-status?auto", metavar="PATH",
                        help="mod_status path (default /server-status?auto)")
    parser.add_argument("-S", "--ssl", action="store_true",
                        help="use https (port 443 by default; certificate not verified)")
    parser.add_argument("--metric", choices=tuple(METRICS), default="busy",
                        help="what -w/-c judge: busy workers (default), connections "
                             "(ConnsTotal) or idle-percent")
    parser.add_thresholds("WARNING when the --metric value is outside RANGE",
                          "CRITICAL when the --metric value is outside RANGE")


def build(args, deadline):
    target = target_for(args.hostname, args.port, args.url, args.ssl)
    judged = METRICS[args.metric]
    names = ["busy", "idle", "idle_percent", "connections", "accesses", "kbytes",
             *SCOREBOARD.values()]
    contexts = [ThresholdContext(name, args.warning, args.critical) if name == judged
                else ThresholdContext(name) for name in names]
    return Check(ApacheStatus(target, deadline, judged), *contexts, ApacheSummary())


PLUGIN = Plugin("APACHE", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
