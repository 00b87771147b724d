#!/usr/bin/env python3
"""check_restarts: how often Nagios' event handler had to restart a service on a host.

The reference site's "Apache Restarts by Nagios": the restart_apache event
handler records every restart it makes (and every one its rate limit
refused) in the state store; this check counts those of the last --window
seconds for --host. An occasional restart is the handler doing its job;
frequent ones mean something keeps killing Apache. With -v the restarts are
listed (time, service, outcome).
"""

import time

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import CheckError, Metric, Resource, Summary
from immune.numbers import plural
from immune.options import non_negative_int
from immune.plugin import Plugin


class Restarts(Resource):
    """Restarts of --host recorded by the event handler in the last --window seconds."""

    def __init__(self, host, window, state_dir):
        self.host = host
        self.window = window
        self.state_dir = state_dir
        self.recent = []

    def probe(self):
        from immune.restarts import RestartLog
        from immune.state import StateError, StateStore

        store = StateStore(self.state_dir)
        try:
            store.check_directory()
        except StateError as err:
            raise CheckError(str(err)) from None
        self.recent = RestartLog(store).recent(self.host, self.window)
        made = [r for r in self.recent if not r.refused]
        yield Metric("restarts", len(made), min=0, context="restarts")
        yield Metric("refused", len(self.recent) - len(made), min=0, context="refused")


class RestartsSummary(Summary):
    """``2 restarts of web1 by Nagios in the last 3600s (1 refused by the rate limit)``."""

    def __init__(self, restarts):
        self.restarts = restarts
        self.host = restarts.host
        self.window = restarts.window

    def ok(self, results):
        made = results["restarts"].metric.value
        refused = results["refused"].metric.value
        text = f"{plural(made, 'restart')} of {self.host} by Nagios " \
               f"in the last {self.window}s"
        return text + (f" ({refused} refused by the rate limit)" if refused else "")

    def problem(self, results):
        try:
            return self.ok(results)
        except KeyError:  # the probe failed: say why
            return results.first_significant.hint

    def verbose(self, results):
        lines = []
        for restart in self.restarts.recent:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(restart.at))
            outcome = "refused (rate limit)" if restart.refused else (
                "restarted" if restart.ok else "restart command failed")
            lines.append(f"{when} {restart.service}: {outcome}")
        return lines


def options(parser):
    parser.add_argument("--host", required=True, metavar="HOST",
                        help="host whose restarts to count (the handler's $HOSTNAME$)")
    parser.add_argument("--window", type=non_negative_int, default=3600, metavar="SECONDS",
                        help="count restarts of the last SECONDS (default 3600)")
    parser.add_thresholds("WARNING when the restarts in the window are outside RANGE",
                          "CRITICAL when the restarts in the window are outside RANGE")
    parser.add_state_dir()


def build(args, deadline):
    restarts = Restarts(args.host, args.window, args.state_dir)
    return Check(restarts,
                 ThresholdContext("restarts", args.warning, args.critical),
                 ThresholdContext("refused"),
                 RestartsSummary(restarts))


PLUGIN = Plugin("RESTARTS", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
