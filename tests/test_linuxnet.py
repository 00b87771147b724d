"""immune.linuxnet against independent views of the same kernel state."""

from __future__ import annotations

import ipaddress
import json
import subprocess

import psutil
from immune import linuxnet
from immune.deadline import Deadline


def ip_json(*args: str) -> list:
    return json.loads(subprocess.run(["ip", "-j", *args], capture_output=True, check=True,
                                     text=True).stdout)


def test_interfaces_flags_index_and_speed_match_sys():
    names = linuxnet.interface_names()
    assert names == sorted(psutil.net_if_stats())
    stats = psutil.net_if_stats()
    for name in names:
        assert bool(linuxnet.flags(name) & linuxnet.IFF_UP) == stats[name].isup
        with open(f"/sys/class/net/{name}/ifindex") as handle:
            assert linuxnet.ifindex(name) == int(handle.read())
        expected = stats[name].speed or None  # psutil: 0 when unknown
        assert linuxnet.speed(name) == expected
    assert linuxnet.flags("lo") & linuxnet.IFF_LOOPBACK
    assert linuxnet.flags("no-such-if0") is None and linuxnet.speed("no-such-if0") is None


def test_counters_match_psutil():
    ours = linuxnet.counters()
    theirs = psutil.net_io_counters(pernic=True, nowrap=False)
    assert set(ours) == set(theirs)
    for name, counters in ours.items():
        other = theirs[name]
        # Counters only grow between the two reads; allow what one test run adds.
        assert 0 <= other.bytes_recv - counters.rx_bytes < 10**6
        assert 0 <= other.bytes_sent - counters.tx_bytes < 10**6
        assert counters.rx_errors <= other.errin and counters.tx_dropped <= other.dropout


def test_routes_match_ip_route():
    ours = {(r.interface, r.network, r.gateway) for r in linuxnet.routes()}
    for family, table in (("-4", "main"), ("-6", "all")):
        for route in ip_json(family, "route", "show", "table", table):
            if route.get("type", "unicast") != "unicast" or "dev" not in route:
                continue
            dst = route["dst"]
            if dst == "default":
                dst = "0.0.0.0/0" if family == "-4" else "::/0"
            network = ipaddress.ip_network(dst, strict=False)
            gateway = ipaddress.ip_address(route["gateway"]) if "gateway" in route else None
            assert (route["dev"], network, gateway) in ours, route


def test_addresses_match_psutil():
    ours = linuxnet.addresses(Deadline(5))
    for name, entries in psutil.net_if_addrs().items():
        base = name.split(":")[0]
        for entry in entries:
            if entry.family.name not in ("AF_INET", "AF_INET6"):
                continue
            ip = ipaddress.ip_address(entry.address.split("%")[0])
            prefix = ipaddress.ip_network(f"0.0.0.0/{entry.netmask}").prefixlen \
                if ip.version == 4 else bin(int(ipaddress.ip_address(entry.netmask))).count("1")
            assert ipaddress.ip_interface(f"{ip}/{prefix}") in ours[base]
