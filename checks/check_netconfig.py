#!/usr/bin/env python3
"""check_netconfig: /etc/network/interfaces agrees with the running network configuration.

Parses the ifupdown file (following source and source-directory) and checks
that every interface brought up automatically (auto, allow-*) exists and is
up, that declared addresses are configured with their prefix length, that
gateways give a default route on their interface, and that simple `up ip
route add` / `up route add` / `up ip addr add` lines took effect. Other
stanzas are checked when their interface is up. Syntax problems in the file
are reported too: the reference site's "Networking configuration" check.
"""

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import CheckError, Metric, Resource, Summary
from immune.numbers import plural
from immune.plugin import Plugin

STATE_RANGES = {"ok": ("", ""), "warn": ("0", ""), "crit": ("", "0")}


class NetworkConfig(Resource):
    """Declared (the interfaces file) against live (/sys, /proc, rtnetlink) configuration."""

    def __init__(self, path, strict, deadline):
        self.path = path
        self.strict = strict
        self.deadline = deadline
        self.mismatches = []
        self.syntax = []
        self.counts = (0, 0, 0)

    def probe(self):
        from immune import ifexpect, ifupdown, linuxnet

        with self.deadline.stage(f"reading {self.path}"):
            declared = ifupdown.parse(self.path)
            if not declared.files:
                raise CheckError(str(declared.problems[0]))
            addresses, routes, value_problems = ifexpect.expectations(declared)
            self.syntax = [str(p) for p in (*declared.problems, *value_problems)]
        with self.deadline.stage("reading the running configuration"):
            live_addresses = linuxnet.addresses(self.deadline)
            live_routes = linuxnet.routes()
        checked = self._checked_interfaces(declared, linuxnet)
        addresses = [a for a in addresses if base(a.interface) in checked]
        routes = [r for r in routes if r.interface is None or base(r.interface) in checked]
        for address in addresses:
            self._compare_address(address, live_addresses.get(base(address.interface), []))
        for route in routes:
            self._compare_route(route, live_routes)
        if self.strict:
            self._undeclared(addresses, declared, live_addresses, checked)
        self.counts = (len(checked), len(addresses), len(routes))
        yield Metric("mismatches", len(self.mismatches), min=0, context="mismatches")
        yield Metric("syntax", len(self.syntax), min=0, context="syntax")

    def _checked_interfaces(self, declared, linuxnet):
        """Interfaces to compare: brought up automatically, or declared and up now."""
        from immune.ifupdown import is_mapped

        # each interface's flags read once: None when it is missing
        flags = {name: linuxnet.flags(name) for name in {base(s.name) for s in declared.stanzas}}
        up = {name for name, value in flags.items() if value and value & linuxnet.IFF_UP}
        checked = set()
        declared_names = {stanza.name for stanza in declared.stanzas}
        for name in declared.auto:
            if is_mapped(declared, name) or name not in declared_names:
                continue  # no stanza: a syntax problem, reported as such
            checked.add(base(name))
            if flags[base(name)] is None:
                self.mismatches.append(f"{name} is missing")
            elif base(name) not in up:
                self.mismatches.append(f"{name} is down")
        checked |= up
        return {name for name in checked if flags[name] is not None}

    def _compare_address(self, address, live):
        if address.address is None:
            if not any(a.version == address.family and not a.is_link_local for a in live):
                self.mismatches.append(f"{address.interface} has no IPv{address.family} "
                                       "address (dynamic)")
            return
        if address.address in live:
            return
        same_ip = [a for a in live if a.ip == address.address.ip]
        if same_ip:
            self.mismatches.append(f"{address.interface} has {same_ip[0]}, declared "
                                   f"{address.address}")
        else:
            self.mismatches.append(f"{address.interface} lacks {address.address}")

    def _compare_route(self, route, live_routes):
        for live in live_routes:
            if live.network == route.network \
                    and (route.gateway is None or live.gateway == route.gateway) \
                    and (route.interface is None or live.interface == base(route.interface)):
                return
        target = "default route" if route.network.prefixlen == 0 \
            else f"route to {route.network}"
        via = f" via {route.gateway}" if route.gateway else ""
        dev = f" dev {route.interface}" if route.interface else ""
        self.mismatches.append(f"no {target}{via}{dev}")

    def _undeclared(self, addresses, declared, live_addresses, checked):
        """Live addresses of a statically configured family that the file does not name."""
        static = {(base(s.name), s.family) for s in declared.stanzas if s.method == "static"}
        dynamic = {(base(s.name), s.family) for s in declared.stanzas
                   if s.method not in ("static", "loopback")}
        wanted = {(base(a.interface), a.address) for a in addresses if a.address}
        for name in sorted(checked):
            for live in live_addresses.get(name, []):
                family = "inet" if live.version == 4 else "inet6"
                if (name, family) not in static or (name, family) in dynamic \
                        or live.is_link_local or (name, live) in wanted:
                    continue
                self.mismatches.append(f"{name} has undeclared {live}")


def base(name):
    """The kernel interface of an ifupdown name (``eth0:1`` is an alias on ``eth0``)."""
    return name.split(":", 1)[0]


class NetconfigSummary(Summary):
    """All agree, or how many mismatches and syntax problems, the first ones named."""

    def __init__(self, path):
        self.path = path

    def ok(self, results):
        resource = results["mismatches"].resource
        interfaces, addresses, routes = resource.counts
        text = (f"routes, IPs & syntax of {self.path} match the running config "
                f"({plural(interfaces, 'interface')}, {plural(addresses, 'IP')}, "
                f"{plural(routes, 'route')})")
        if resource.syntax:  # syntax problems judged OK by --syntax ok
            text += f"; {plural(len(resource.syntax), 'syntax problem')}: {resource.syntax[0]}"
        return text

    def problem(self, results):
        if "mismatches" not in results:  # the file could not be read at all
            return results.first_significant.hint
        resource = results["mismatches"].resource
        counts = []
        if resource.mismatches:
            counts.append(plural(len(resource.mismatches), "mismatch"))
        if resource.syntax:
            counts.append(plural(len(resource.syntax), "syntax problem"))
        short = [text.rsplit("/", 1)[-1] for text in resource.syntax]  # file:line, no dir
        return f"{', '.join(counts)}: {'; '.join(resource.mismatches + short)}"

    def verbose(self, results):
        if "mismatches" not in results:
            return []
        resource = results["mismatches"].resource
        return [*(f"mismatch: {m}" for m in resource.mismatches),
                *(f"syntax: {s}" for s in resource.syntax)]


def options(parser):
    from immune.options import state_name

    state_ranges = state_name(**STATE_RANGES)
    parser.add_argument("--interfaces", metavar="FILE", default="/etc/network/interfaces",
                        help="the ifupdown file (default /etc/network/interfaces)")
    parser.add_argument("--mismatch", type=state_ranges, default=STATE_RANGES["crit"],
                        metavar="ok|warn|crit",
                        help="state when the running configuration differs (default crit)")
    parser.add_argument("--syntax", type=state_ranges, default=STATE_RANGES["warn"],
                        metavar="ok|warn|crit",
                        help="state for syntax problems in the file (default warn)")
    parser.add_argument("--strict", action="store_true",
                        help="also report addresses on checked interfaces that the file does "
                             "not declare (static families; link-local ignored)")


def build(args, deadline):
    from immune.ranges import parse_range

    def context(name, ranges):
        return ThresholdContext(name, parse_range(ranges[0]), parse_range(ranges[1]),
                                fmt_metric=None)

    return Check(NetworkConfig(args.interfaces, args.strict, deadline),
                 context("mismatches", args.mismatch), context("syntax", args.syntax),
                 NetconfigSummary(args.interfaces))


PLUGIN = Plugin("NETCONFIG", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
