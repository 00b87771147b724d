"""The running Linux network configuration, read cheaply from /proc and /sys.

Interfaces and their state from ``/sys/class/net``, byte/error/drop
counters from ``/proc/net/dev`` (one read for all interfaces), routes of
the main table from ``/proc/net/route`` and ``/proc/net/ipv6_route``, and
addresses (with prefix lengths, secondary ones included) asked of the
kernel over rtnetlink, within the check's deadline. Everything is per
network namespace, so a check run in a namespace sees that namespace.
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


RTM_GETADDR = 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_ADDRESS, IFA_LOCAL = 1, 2


def addresses(deadline: Deadline) -> dict[str, list]:
    """Addresses of every interface (``ipaddress`` interface values), by interface name.

    Asked of the kernel over rtnetlink (what ``ip addr`` does, without a
    child process): secondary addresses and prefix lengths included.
    """
    import ipaddress
    import socket
    import struct

    from immune.domain import CheckError

    request = struct.pack("=IHHII", 24, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) \
        + struct.pack("=BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0)
    names: dict[int, str] = {}
    result: dict[str, list] = {}
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
            sock.settimeout(deadline.remaining())
            sock.send(request)
            for family, prefix, index, attrs in _address_messages(sock, struct):
                raw = attrs.get(IFA_LOCAL, attrs.get(IFA_ADDRESS))
                if family not in (socket.AF_INET, socket.AF_INET6) or raw is None:
                    continue
                if index not in names:
                    names[index] = socket.if_indextoname(index)
                address = ipaddress.ip_address(raw)
                result.setdefault(names[index], []).append(
                    ipaddress.ip_interface(f"{address}/{prefix}"))
    except TimeoutError:
        raise deadline.expired() from None
    except OSError as err:
        raise CheckError(f"cannot read addresses from the kernel: {err.strerror or err}") \
            from None
    return result


def _address_messages(sock, struct):
    """(family, prefix length, interface index, {attribute: bytes}) per RTM_NEWADDR message."""
    while True:
        data = sock.recv(65536)
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if kind == NLMSG_DONE or length < 16:
                return
            if kind == NLMSG_ERROR:
                code = struct.unpack_from("=i", data, offset + 16)[0]
                raise OSError(-code, f"netlink error {-code}")
            family, prefix, _, _, index = struct.unpack_from("=BBBBI", data, offset + 16)
            attrs: dict[int, bytes] = {}
            at, end = offset + 24, offset + length
            while at + 4 <= end:
                size, attr = struct.unpack_from("=HH", data, at)
                if size < 4:
                    break
                attrs[attr] = data[at + 4: at + size]
                at += (size + 3) & ~3
            yield family, prefix, index, attrs
            offset += (length + 3) & ~3
