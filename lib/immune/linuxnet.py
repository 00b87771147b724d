"""The running Linux network configuration, read cheaply from /proc and /sys.

Interfaces and their state from ``/sys/class/net``, byte/error/drop
counters from ``/proc/net/dev`` (one read for all interfaces), routes of
the main table from ``/proc/net/route`` and ``/proc/net/ipv6_route``, and
addresses (with prefix lengths, secondary ones included) from ``ip -j
addr``, run within the check's deadline. Everything is per network
namespace, so a check run in a namespace sees that namespace.
"""

from __future__ import annotations

import os
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from immune.deadline import Deadline

SYS_NET = "/sys/class/net"
PROC_DEV = "/proc/net/dev"
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
COUNTERS = ("rx_bytes", "rx_packets", "rx_errors", "rx_dropped",
            "tx_bytes", "tx_packets", "tx_errors", "tx_dropped")


class Counters(namedtuple("Counters", COUNTERS)):
    """One interface's traffic counters since it was created."""

    __slots__ = ()


class LiveRoute(namedtuple("LiveRoute", "interface network gateway metric")):
    """A route of the main table: ``ipaddress`` network, gateway (or ``None``), metric."""

    __slots__ = ()


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def interface_names() -> list[str]:
    """Names of every interface in this network namespace."""
    try:
        return sorted(os.listdir(SYS_NET))
    except OSError:
        return []


def flags(name: str) -> int | None:
    """The interface flags (``IFF_UP``, ``IFF_LOOPBACK``...), ``None`` when it is gone."""
    text = _read(f"{SYS_NET}/{name}/flags")
    try:
        return int(text, 16) if text else None
    except ValueError:
        return None


def is_up(name: str) -> bool:
    """True when the interface exists and is administratively up."""
    value = flags(name)
    return value is not None and bool(value & IFF_UP)


def ifindex(name: str) -> int | None:
    """The kernel's index of the interface (a re-created interface gets a new one)."""
    text = _read(f"{SYS_NET}/{name}/ifindex")
    return int(text) if text and text.isdigit() else None


def speed(name: str) -> int | None:
    """Link speed in Mbit/s, ``None`` when the driver does not know (lo, down links)."""
    text = _read(f"{SYS_NET}/{name}/speed")
    try:
        value = int(text) if text else 0
    except ValueError:
        return None
    return value if value > 0 else None


def counters() -> dict[str, Counters]:
    """Counters of every interface, from one read of ``/proc/net/dev``."""
    text = _read(PROC_DEV) or ""
    result: dict[str, Counters] = {}
    for line in text.splitlines()[2:]:
        name, _, fields = line.partition(":")
        values = fields.split()
        if len(values) < 16:
            continue
        rx = [int(v) for v in values[0:4]]
        tx = [int(v) for v in values[8:12]]
        result[name.strip()] = Counters(rx[0], rx[1], rx[2], rx[3], tx[0], tx[1], tx[2], tx[3])
    return result


def routes() -> list[LiveRoute]:
    """Routes of the main table, IPv4 and IPv6, from /proc."""
    import ipaddress

    found: list[LiveRoute] = []
    for line in ((_read("/proc/net/route") or "").splitlines()[1:]):
        fields = line.split()
        if len(fields) < 8 or not int(fields[3], 16) & 0x1:  # RTF_UP
            continue
        dest, gateway, mask = (_le_ipv4(ipaddress, f) for f in (fields[1], fields[2], fields[7]))
        network = ipaddress.ip_network(f"{dest}/{mask}", strict=False)
        via = gateway if int(fields[2], 16) else None
        found.append(LiveRoute(fields[0], network, via, int(fields[6])))
    for line in ((_read("/proc/net/ipv6_route") or "").splitlines()):
        fields = line.split()
        if len(fields) < 10 or not int(fields[8], 16) & 0x1:
            continue
        dest = ipaddress.IPv6Address(bytes.fromhex(fields[0]))
        network = ipaddress.ip_network(f"{dest}/{int(fields[1], 16)}", strict=False)
        hop = ipaddress.IPv6Address(bytes.fromhex(fields[4]))
        found.append(LiveRoute(fields[9], network, hop if int(hop) else None,
                               int(fields[5], 16)))
    return found


def _le_ipv4(ipaddress, field: str):
    return ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(field), "little"))


def addresses(deadline: Deadline) -> dict[str, list]:
    """Addresses of every interface (``ipaddress`` interface values), by interface name."""
    import ipaddress
    import json

    from immune.domain import CheckError

    try:
        done = deadline.run(["ip", "-j", "addr", "show"])
    except FileNotFoundError:
        raise CheckError("the ip command (iproute2) is not installed") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip()[:100]
        raise CheckError(f"ip -j addr show failed: {reason}")
    try:
        links = json.loads(done.stdout or b"[]")
    except ValueError:
        raise CheckError("ip -j addr show printed no JSON") from None
    result: dict[str, list] = {}
    for link in links:
        name = link.get("ifname")
        if not name:
            continue
        entries = result.setdefault(name, [])
        for info in link.get("addr_info", []):
            if info.get("family") in ("inet", "inet6") and "local" in info:
                entries.append(ipaddress.ip_interface(f"{info['local']}/{info['prefixlen']}"))
    return result
