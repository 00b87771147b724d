import subprocess

import pytest
from runner import run_check, which

CHECKCONF = which("named-checkconf")

ZONE = """$TTL 300
@   IN SOA ns1.{name}. hostmaster.{name}. ( 1 3600 600 86400 300 )
@   IN NS  ns1.{name}.
ns1 IN A   192.0.2.1
"""


def write_config(root, zones, extra=""):
    """named.conf with master zones {name: zone text} in *root*."""
    lines = [f'options {{ directory "{root}"; }};', extra]
    for name, text in zones.items():
        (root / f"{name}.zone").write_text(text)
        lines.append(f'zone "{name}" {{ type master; file "{root}/{name}.zone"; }};')
    conf = root / "named.conf"
    conf.write_text("\n".join(lines) + "\n")
    return str(conf)


def checkconf(*args):
    """The independent truth: named-checkconf's own exit status."""
    return subprocess.run([CHECKCONF, *args], capture_output=True, timeout=30).returncode


def test_good_configuration_is_verified(tmp_path):
    conf = write_config(tmp_path, {"example.com": ZONE.format(name="example.com")})
    assert checkconf(conf) == 0
    out = run_check("check_dns_config", "--config", conf).output
    assert out.state == "OK" and out.summary == f"DNS configuration {conf} verified"


def test_zones_are_loaded_and_counted_with_z(tmp_path):
    names = ["example.com", "example.net", "example.org"]
    conf = write_config(tmp_path, {n: ZONE.format(name=n) for n in names})
    assert checkconf("-z", conf) == 0
    out = run_check("check_dns_config", "--config", conf, "-z").output
    assert out.state == "OK"
    assert out.summary == f"DNS configuration {conf} verified (3 zones loaded)"
    assert out.perfdata["zones"].value == 3


def test_syntax_error_is_critical_with_the_first_error_line(tmp_path):
    conf = write_config(tmp_path, {}, extra="logging { no-such-option yes; };")
    assert checkconf(conf) == 1
    out = run_check("check_dns_config", "--config", conf).output
    assert out.state == "CRITICAL"
    assert out.summary == f"{conf}:2: unknown option 'no-such-option'"


def test_broken_zone_is_found_only_with_z(tmp_path):
    broken = ZONE.format(name="b.example") + "this is garbage\n"
    conf = write_config(tmp_path, {"a.example": ZONE.format(name="a.example"),
                                   "b.example": broken})
    assert checkconf(conf) == 0 and checkconf("-z", conf) == 1
    assert run_check("check_dns_config", "--config", conf).code == 0
    out = run_check("check_dns_config", "--config", conf, "-z").output
    assert out.state == "CRITICAL"
    assert out.summary == f"{tmp_path}/b.example.zone:5: unknown RR type 'is'"


def test_missing_configuration_is_critical(tmp_path):
    out = run_check("check_dns_config", "--config", str(tmp_path / "named.conf")).output
    assert out.state == "CRITICAL" and "file not found" in out.summary


def test_error_text_from_the_config_is_sanitised(tmp_path):
    conf = tmp_path / "named.conf"
    conf.write_text("logging { a|b\x1b[31mred yes; };\n")
    out = run_check("check_dns_config", "--config", str(conf)).output
    assert out.state == "CRITICAL"
    assert out.summary == f"{conf}:1: unknown option 'a/b [31mred'"


@pytest.mark.parametrize("path", ["/nonexistent/named-checkconf", "/etc/hostname"])
def test_missing_named_checkconf_is_unknown(tmp_path, path):
    out = run_check("check_dns_config", "--config", str(tmp_path), "--checkconf", path).output
    assert out.state == "UNKNOWN" and path in out.summary
