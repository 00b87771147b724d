"""immune.ifupdown: reading interfaces(5) files as ifup does."""

from __future__ import annotations

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


def test_mapping_patterns(tmp_path):
    parsed, _ = parse(tmp_path, "mapping eth* wlan0\n  script /bin/true\n")
    assert parsed.problems == () and parsed.mappings == ("eth*", "wlan0")
    assert ifupdown.is_mapped(parsed, "eth3") and ifupdown.is_mapped(parsed, "wlan0")
    assert not ifupdown.is_mapped(parsed, "wlan1")
