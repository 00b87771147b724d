"""immune.ifexpect: what an interfaces(5) file expects of the running system."""

from __future__ import annotations

import ipaddress

from immune import ifexpect, ifupdown
from test_ifupdown import parse


def test_expectations_of_static_loopback_dhcp_and_gateways(tmp_path):
    parsed, _ = parse(tmp_path, """\
        iface lo inet loopback
        iface eth0 inet static
            address 192.0.2.2
            netmask 24
            gateway 192.0.2.1
        iface eth0 inet6 static
            address 2001:db8::2
            netmask 64
            gateway 2001:db8::1
        iface eth1 inet dhcp
        iface eth1 inet6 auto
        iface eth2 inet manual
        """)
    addresses, routes, problems = ifexpect.expectations(parsed)
    assert problems == []
    assert [(a.interface, str(a.address), a.family) for a in addresses] == [
        ("lo", "127.0.0.1/8", 4), ("eth0", "192.0.2.2/24", 4), ("eth0", "2001:db8::2/64", 6),
        ("eth1", "None", 4)]
    assert [(r.interface, str(r.network), str(r.gateway)) for r in routes] == [
        ("eth0", "0.0.0.0/0", "192.0.2.1"), ("eth0", "::/0", "2001:db8::1")]


def test_simple_up_commands_are_understood_and_others_ignored(tmp_path):
    parsed, _ = parse(tmp_path, """\
        iface eth0 inet static
            address 192.0.2.2/24
            up ip route add 10.0.0.0/8 via 192.0.2.1
            post-up /sbin/ip -6 route replace 2001:db8:1::/48 via 2001:db8::1 dev eth0 || true
            up route add -net 172.16.0.0 netmask 255.240.0.0 gw 192.0.2.254
            up route add -host 198.51.100.7 dev eth0
            up ip addr add 192.0.2.99/24 dev eth0
            up ip route add 10.9.0.0/16 via 192.0.2.1 table 7
            up ip route add $NET via 192.0.2.1
            up echo hello; ip route add 10.8.0.0/16 via 192.0.2.1
            down ip route del 10.0.0.0/8
        """)
    addresses, routes, problems = ifexpect.expectations(parsed)
    assert problems == []
    assert [str(a.address) for a in addresses] == ["192.0.2.2/24", "192.0.2.99/24"]
    assert [(r.interface, str(r.network), str(r.gateway)) for r in routes] == [
        ("eth0", "10.0.0.0/8", "192.0.2.1"),
        ("eth0", "2001:db8:1::/48", "2001:db8::1"),
        ("eth0", "172.16.0.0/12", "192.0.2.254"),
        ("eth0", "198.51.100.7/32", "None"),
    ]


def test_value_problems(tmp_path):
    parsed, path = parse(tmp_path, """\
        iface eth0 inet static
            address 192.0.2.2/24
            gateway not-an-ip
        iface eth1 inet static
            address 2001:db8::5/64
        iface eth2 inet static
            netmask 255.255.255.0
            netmask 24
            address 192.0.2.3
        auto eth9
        iface eth3 inet6 static
            address 2001:db8::3/64
            gateway 192.0.2.1
        """)
    _, _, problems = ifexpect.expectations(parsed)
    assert [str(p) for p in problems] == [
        f"{path}:1: eth0: invalid gateway 'not-an-ip'",
        f"{path}:4: eth1: address 2001:db8::5/64 is not an inet address",
        f"{path}:6: eth2: more than one netmask",
        f"{path}:11: eth3: gateway 192.0.2.1 is not an inet6 address",
        f"{path}:10: eth9 is brought up automatically but has no iface stanza",
    ]


def test_mapping_covers_logical_names(tmp_path):
    parsed, _ = parse(tmp_path, """\
        auto eth0
        mapping eth*
            script /usr/local/sbin/map-scheme
            map HOME eth0-home
        iface eth0-home inet dhcp
        """)
    assert parsed.problems == ()
    assert ifupdown.is_mapped(parsed, "eth0")
    assert ifexpect.expectations(parsed)[2] == []


def test_cidr_address_wins_over_netmask(tmp_path):
    parsed, _ = parse(tmp_path, "iface e inet static\n address 10.1.2.3/16\n netmask 8\n")
    (address,), _, _ = ifexpect.expectations(parsed)
    assert address.address == ipaddress.ip_interface("10.1.2.3/16")
