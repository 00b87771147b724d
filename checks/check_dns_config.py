#!/usr/bin/env python3
"""check_dns_config: BIND's configuration (and with -z its zones) loads without error.

The reference site's "DNS server configuration test": named-checkconf reads
the configuration as named would; whatever it rejects (a syntax error, a
missing include or configuration file, with -z a zone that does not load) is
CRITICAL, with named-checkconf's first error line. Catches a bad edit before
the next reload of named turns it into an outage. named-checkconf missing is
UNKNOWN (Debian package bind9-utils).
"""

import re

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource, Summary
from immune.facts import FactContext, fact
from immune.numbers import plural
from immune.output import sanitize
from immune.plugin import Plugin

LOADED = re.compile(r"^zone \S+: loaded serial \d+")


class BindConfig(Resource):
    """named-checkconf's verdict; with -z the number of zones it loaded."""

    def __init__(self, checkconf, config, zones, deadline):
        self.checkconf = checkconf
        self.config = config
        self.zones = zones
        self.deadline = deadline

    def probe(self):
        argv = [self.checkconf, *(["-z"] if self.zones else []), self.config]
        with self.deadline.stage(f"running {self.checkconf}"):
            done = self.deadline.run(argv)
        lines = (done.stdout + done.stderr).decode(errors="replace").splitlines()
        if done.returncode != 0:
            errors = [line for line in lines if line.strip() and not LOADED.match(line)]
            first = errors[0] if errors else f"exit status {done.returncode}"
            yield fact("valid", False, sanitize(first, 150))
            return
        yield fact("valid", True, f"DNS configuration {self.config} verified")
        if self.zones:
            yield Metric("zones", sum(1 for line in lines if LOADED.match(line)), min=0,
                         context="zones")


class BindSummary(Summary):
    """``DNS configuration /etc/bind/named.conf verified (12 zones loaded)``."""

    def ok(self, results):
        text = str(results["valid"])
        if "zones" in results:
            count = results["zones"].metric.value
            text += f" ({plural(count, 'zone')} loaded)"
        return text

    def problem(self, results):
        return str(results.first_significant)


def options(parser):
    parser.add_argument("--config", default="/etc/bind/named.conf", metavar="FILE",
                        help="the configuration to check (default /etc/bind/named.conf)")
    parser.add_argument("-z", "--zones", action="store_true",
                        help="also load every master zone it names (slower)")
    parser.add_argument("--checkconf", default="named-checkconf", metavar="PATH",
                        help="the named-checkconf binary (default: found in PATH)")


def build(args, deadline):
    return Check(
        BindConfig(args.checkconf, args.config, args.zones, deadline),
        FactContext(),
        ThresholdContext("zones"),
        BindSummary(),
    )


PLUGIN = Plugin("DNS_CONFIG", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
