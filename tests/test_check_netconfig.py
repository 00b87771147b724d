"""check_netconfig against the host's loopback and real interfaces in a private namespace."""

from __future__ import annotations

import textwrap

import psutil
from runner import run_check

NETWORK = """\
    auto lo
    iface lo inet loopback

    auto d0
    iface d0 inet static
        address 198.51.100.2
        netmask 255.255.255.0
        gateway 198.51.100.1
        up ip route add 203.0.113.0/24 via 198.51.100.1 dev d0 || true
    iface d0 inet6 static
        address 2001:db8::2/64
        gateway 2001:db8::1
    """


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_live_loopback_matches_and_a_missing_address_is_named(tmp_path):
    # The host's loopback, read independently of the check (psutil, not ip).
    assert "127.0.0.1" in [a.address for a in psutil.net_if_addrs()["lo"]]
    # eth9 is neither brought up automatically nor present: not compared, not counted.
    good = write(tmp_path / "good", "auto lo\niface lo inet loopback\n"
                                    "iface eth9 inet static\n  address 10.9.9.9/24\n")
    out = run_check("check_netconfig", "--interfaces", good).output
    assert out.state == "OK"
    assert out.summary == (f"routes, IPs & syntax of {good} match the running config "
                           "(1 interface, 1 IP, 0 routes)")
    assert out.perfdata["mismatches"].value == 0 and out.perfdata["mismatches"].crit == "0"
    bad = write(tmp_path / "bad", """\
        auto lo
        iface lo inet loopback
        iface lo:1 inet static
            address 127.77.0.1/8
        """)
    assert "127.77.0.1" not in [a.address for a in psutil.net_if_addrs()["lo"]]
    run = run_check("check_netconfig", "--interfaces", bad, "-v")
    assert run.code == 2
    assert run.output.summary == "1 mismatch: lo:1 lacks 127.77.0.1/8"
    assert run.output.long_lines == ["mismatch: lo:1 lacks 127.77.0.1/8"]


def configure(netns):
    netns.veth("d0", "d1")
    netns.ip("addr", "add", "198.51.100.2/24", "dev", "d0")
    netns.ip("-6", "addr", "add", "2001:db8::2/64", "dev", "d0", "nodad")
    netns.ip("route", "add", "default", "via", "198.51.100.1", "dev", "d0")
    netns.ip("route", "add", "203.0.113.0/24", "via", "198.51.100.1", "dev", "d0")
    netns.ip("-6", "route", "add", "default", "via", "2001:db8::1", "dev", "d0")


def test_real_interfaces_addresses_and_routes_in_a_namespace(netns, tmp_path):
    path = write(tmp_path / "interfaces", NETWORK)
    configure(netns)
    out = netns.check("check_netconfig", "--interfaces", path).output
    assert out.state == "OK", out.summary
    assert "(2 interfaces, 3 IPs, 3 routes)" in out.summary
    # Take the configuration apart piece by piece; each divergence is named.
    netns.ip("route", "del", "203.0.113.0/24")
    out = netns.check("check_netconfig", "--interfaces", path).output
    assert out.state == "CRITICAL"
    assert out.summary == "1 mismatch: no route to 203.0.113.0/24 via 198.51.100.1 dev d0"
    netns.ip("route", "del", "default")
    netns.ip("-6", "route", "del", "default")
    netns.ip("addr", "del", "198.51.100.2/24", "dev", "d0")
    netns.ip("addr", "add", "198.51.100.2/16", "dev", "d0")
    out = netns.check("check_netconfig", "--interfaces", path, "--mismatch", "warn").output
    assert out.state == "WARNING"
    assert out.perfdata["mismatches"].value == 4 and out.perfdata["mismatches"].warn == "0"
    assert "no default route via 2001:db8::1 dev d0" in out.summary
    assert "d0 has 198.51.100.2/16, declared 198.51.100.2/24" in out.summary
    assert "no default route via 198.51.100.1 dev d0" in out.summary


def test_missing_and_down_interfaces(netns, tmp_path):
    path = write(tmp_path / "interfaces", NETWORK + "auto d7\niface d7 inet manual\n")
    configure(netns)
    out = netns.check("check_netconfig", "--interfaces", path).output
    assert out.summary == "1 mismatch: d7 is missing"
    netns.ip("link", "set", "d0", "down")
    out = netns.check("check_netconfig", "--interfaces", path).output
    assert out.state == "CRITICAL" and "d0 is down" in out.summary


def test_dhcp_needs_some_address_and_strict_finds_undeclared_ones(netns, tmp_path):
    path = write(tmp_path / "interfaces", NETWORK + "auto d1\niface d1 inet dhcp\n")
    configure(netns)
    out = netns.check("check_netconfig", "--interfaces", path).output
    assert out.summary == "1 mismatch: d1 has no IPv4 address (dynamic)"
    netns.ip("addr", "add", "192.0.2.50/24", "dev", "d1")  # as a DHCP client would
    netns.ip("addr", "add", "198.51.100.9/24", "dev", "d0")  # by hand, not in the file
    assert netns.check("check_netconfig", "--interfaces", path).code == 0
    strict = netns.check("check_netconfig", "--interfaces", path, "--strict").output
    assert strict.summary == "1 mismatch: d0 has undeclared 198.51.100.9/24"


def test_syntax_problems_are_reported_with_file_and_line(tmp_path):
    path = write(tmp_path / "interfaces", """\
        address 10.0.0.1
        auto lo
        iface lo inet loopback
        ifaec eth9 inet static
        iface lo:2 inet
        iface lo:3 inet static
        iface lo:4 inet static
            address 10.0.0.300/8
        iface lo:5 inet6 bogus
        auto ghost
        """)
    run = run_check("check_netconfig", "--interfaces", path, "-v")
    assert run.code == 1, run.stdout
    assert run.output.perfdata["syntax"].value == 7
    assert run.output.summary.startswith("7 syntax problems: ")
    assert run.output.long_lines == [f"syntax: {path}:{where}" for where in (
        "1: unknown stanza or option outside a stanza: 'address'",
        "4: 'ifaec' line looks like a misspelt iface stanza",
        "5: iface line without method",
        "9: unknown method 'bogus' for inet6",
        "6: lo:3: inet static without address",
        "7: lo:4: invalid address '10.0.0.300/8'",
        "10: ghost is brought up automatically but has no iface stanza")]
    assert "interfaces:1: unknown stanza" in run.output.summary  # no directory in the summary
    assert run_check("check_netconfig", "--interfaces", path, "--syntax", "crit").code == 2
    assert run_check("check_netconfig", "--interfaces", path, "--syntax", "ok").code == 0


def test_sources_and_source_directory_are_followed(tmp_path):
    (tmp_path / "interfaces.d").mkdir()
    (tmp_path / "parts").mkdir()
    write(tmp_path / "interfaces.d" / "lo.cfg", "auto lo\niface lo inet loopback\n")
    write(tmp_path / "parts" / "extra_1", "iface lo:1 inet static\n  address 127.78.0.1/8\n")
    write(tmp_path / "parts" / "skipped.dpkg-old", "this is not ifupdown syntax\n")
    path = write(tmp_path / "interfaces", "source interfaces.d/*.cfg\nsource-directory parts\n")
    run = run_check("check_netconfig", "--interfaces", path)
    # The lo:1 address came from parts/extra_1; the dotted name was skipped (run-parts rule).
    assert run.output.summary == "1 mismatch: lo:1 lacks 127.78.0.1/8"


def test_missing_file_is_unknown(tmp_path):
    run = run_check("check_netconfig", "--interfaces", str(tmp_path / "nope"))
    assert run.code == 3
    assert "cannot read" in run.output.summary and "No such file" in run.output.summary


def test_bad_state_option_is_one_unknown_line():
    run = run_check("check_netconfig", "--mismatch", "maybe")
    assert run.code == 3 and "not one of ok, warn, crit" in run.output.summary
