#!/usr/bin/env python3
"""check_ntp_time: this host's clock offset against an NTP server.

Drop-in for the Monitoring Plugins check_ntp_time: -H server, -p port
(123), -w/-c seconds (default 60 and 120) judged on the absolute offset,
-o expected offset. A server that does not answer within -t is UNKNOWN
(--unreachable-critical: CRITICAL, as the C plugin does); a server that
answers but says it is not synchronised is CRITICAL (-q: UNKNOWN).
A lost packet is asked again while time is left.
"""

import socket

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import (
    CheckError,
    Context,
    Critical,
    Metric,
    Resource,
    Result,
    Summary,
    Unknown,
)
from immune.numbers import format_number
from immune.plugin import Plugin
from immune.tcp import resolve

ATTEMPT = 2.0  # seconds to wait for one reply before asking again
MARGIN = 0.05  # seconds kept to print the result before the deadline


class Offset(Resource):
    """The offset of the server's clock from ours, in seconds (positive: ours is behind)."""

    def __init__(self, host, port, family, expected, deadline):
        self.host, self.port, self.family = host, port, family
        self.where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.expected = expected
        self.deadline = deadline

    def probe(self):
        with self.deadline.stage(f"resolving {self.host}"):
            try:  # abandoned at -t: the C resolver cannot be interrupted
                info = resolve(self.host, self.port, self.family, self.deadline)
            except (socket.gaierror, UnicodeError) as err:
                reason = getattr(err, "strerror", None) or str(err)
                raise CheckError(f"cannot resolve {self.host}: {reason}") from None
        address = info[0][4][0].encode()
        with self.deadline.stage(f"waiting for an NTP reply from {self.where}"):
            stats = self._ask(address)
        if stats is None:
            reason = (f"timed out after {format_number(self.deadline.seconds, 2)}s "
                      f"waiting for an NTP reply from {self.where}")
            return Metric("server", ("unreachable", reason), context="server")
        if stats.leap == 3 or not 0 < stats.stratum < 16:
            reason = (f"server {self.host} is not synchronised "
                      f"(leap indicator {stats.leap}, stratum {stats.stratum})")
            return Metric("server", ("unsynchronised", reason), context="server")
        return Metric("offset", round(stats.offset - self.expected, 6), "s", context="offset")

    def _ask(self, address):
        """The server's reply, asking again after a lost packet; None when time ran out."""
        import ntplib

        client = ntplib.NTPClient()
        while True:
            wait = min(self.deadline.usable(MARGIN), ATTEMPT)
            if wait <= 0:
                return None
            try:
                return client.request(address, version=3, port=self.port, timeout=wait)
            except ntplib.NTPException as err:
                if "No response" not in str(err):
                    raise CheckError(f"bad reply from {self.where}: {err}") from None
            except OSError as err:
                raise CheckError(f"cannot ask {self.where}: "
                                 f"{err.strerror or err}") from None


class AbsoluteOffset(ThresholdContext):
    """Thresholds on the size of the offset; perfdata keeps its sign."""

    def evaluate(self, metric, resource):
        result = super().evaluate(metric.replace(value=abs(metric.value)), resource)
        hint = result.hint
        if hint:
            limit = self.critical if result.state == Critical else self.warning
            plain = limit.start == 0 and not limit.invert
            hint = (f"more than {format_number(limit.end)} seconds off" if plain
                    else f"absolute offset {hint}")
        return Result(result.state, hint, metric)


class ServerTrouble(Context):
    """Judge a server that did not answer or is not synchronised."""

    def __init__(self, unreachable, unsynchronised):
        super().__init__("server")
        self.states = {"unreachable": unreachable, "unsynchronised": unsynchronised}

    def evaluate(self, metric, resource):
        kind, reason = metric.value
        return Result(self.states[kind], reason, metric)


class OffsetSummary(Summary):
    """``Offset -1.235 seconds`` (``(above 60)`` on alerts)."""

    def ok(self, results):
        return f"Offset {format_number(results['offset'].metric.value, 3)} seconds"

    def problem(self, results):
        result = results.first_significant
        if result.metric is None or result.metric.name == "server":
            return result.hint
        return f"{self.ok(results)} ({result.hint})"


def options(parser):
    parser.add_host(default_port=123)
    parser.add_thresholds("WARNING when the absolute offset is outside RANGE seconds "
                          "(default 60)",
                          "CRITICAL when the absolute offset is outside RANGE seconds "
                          "(default 120)", default_warning="60", default_critical="120")
    parser.add_argument("-o", "--time-offset", "--time_offset", type=float, default=0.0,
                        metavar="SECONDS", help="expected offset of the server from this "
                        "host in seconds (a negative one as -o=-5)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="UNKNOWN instead of CRITICAL when the server is not synchronised")
    parser.add_argument("--unreachable-critical", action="store_true",
                        help="CRITICAL instead of UNKNOWN when the server does not answer")
    parser.add_family()


def build(args, deadline):
    return Check(
        Offset(args.hostname, args.port, args.family, args.time_offset, deadline),
        AbsoluteOffset("offset", args.warning, args.critical),
        ServerTrouble(unreachable=Critical if args.unreachable_critical else Unknown,
                      unsynchronised=Unknown if args.quiet else Critical),
        OffsetSummary())


PLUGIN = Plugin("NTP", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
