"""immune.ifupdown: reading interfaces(5) files and what they declare."""

from __future__ import annotations

import ipaddress
import textwrap

from immune import ifupdown


def parse(tmp_path, text, name="interfaces"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return ifupdown.parse(str(path)), str(path)


def test_stanzas_options_comments_and_continuations(tmp_path):
    parsed, path = parse(tmp_path, """\
        # comment
        auto lo eth0
        allow-hotplug eth1

        iface lo inet loopback
        iface eth0 inet static
            address 192.0.2.2
            # a comment inside a stanza
            netmask 255.255.255.0
            up ip route add 10.0.0.0/8 \\
               via 192.0.2.1
        iface eth1 inet dhcp
        """)
    assert parsed.problems == ()
    assert list(parsed.auto) == ["lo", "eth0", "eth1"]
    assert parsed.auto["eth1"] == f"{path}:3"
    lo, eth0, eth1 = parsed.stanzas
    assert (eth0.name, eth0.family, eth0.method, eth0.where) == ("eth0", "inet", "static",
                                                                 f"{path}:6")
    assert eth0.values("address") == ["192.0.2.2"]
    assert eth0.values("up") == ["ip route add 10.0.0.0/8 via 192.0.2.1"]
    assert eth1.method == "dhcp" and lo.method == "loopback"


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
    addresses, routes, problems = ifupdown.expectations(parsed)
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
    addresses, routes, problems = ifupdown.expectations(parsed)
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
    _, _, problems = ifupdown.expectations(parsed)
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
    assert ifupdown.expectations(parsed)[2] == []


def test_includes_relative_glob_directory_once_and_missing(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a").write_text("iface a inet manual\n")
    (tmp_path / "d" / "b.bak").write_text("iface skipped inet manual\n")
    (tmp_path / "g1.cfg").write_text("iface g1 inet manual\nsource interfaces\n")
    parsed, path = parse(tmp_path, """\
        source-directory d
        source g*.cfg
        source /nonexistent/file
        source-directory /nonexistent/dir
        iface main inet manual
        """)
    assert [s.name for s in parsed.stanzas] == ["a", "g1", "main"]
    assert len(parsed.files) == 3
    messages = [p.message for p in parsed.problems]
    assert messages == [
        f"{path} is included more than once",
        "cannot read /nonexistent/file: No such file or directory",
        "source-directory /nonexistent/dir: No such file or directory",
    ]


def test_a_missing_top_file_is_a_problem_not_an_exception(tmp_path):
    parsed = ifupdown.parse(str(tmp_path / "missing"))
    assert parsed.files == () and parsed.stanzas == ()
    assert "No such file" in parsed.problems[0].message


def test_cidr_address_wins_over_netmask(tmp_path):
    parsed, _ = parse(tmp_path, "iface e inet static\n address 10.1.2.3/16\n netmask 8\n")
    (address,), _, _ = ifupdown.expectations(parsed)
    assert address.address == ipaddress.ip_interface("10.1.2.3/16")
