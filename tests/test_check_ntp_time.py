"""check_ntp_time against private chronyd servers, some with a skewed clock (libfaketime)."""

import re
import subprocess

from components.chrony import free_udp_port
from runner import c_plugin, run_check


def reference_offset(port: int) -> float:
    """The offset the Monitoring Plugins' C check_ntp_time measures (an independent client)."""
    out = subprocess.run([c_plugin("check_ntp_time"), "-H", "127.0.0.1", "-p", str(port),
                          "-w", "1000", "-c", "2000"], capture_output=True, text=True,
                         timeout=15).stdout
    match = re.search(r"offset=(-?[0-9.]+)s", out)
    assert match, out
    return float(match[1])


def check(port, *args):
    return run_check("check_ntp_time", "-H", "127.0.0.1", "-p", str(port), *args)


def test_true_time_server_is_ok_with_default_thresholds(ntp_server):
    server = ntp_server()
    out = check(server.port).output
    assert out.state == "OK" and out.summary.startswith("Offset ")
    offset = out.perfdata["offset"]
    assert abs(offset.value) < 0.5
    assert abs(offset.value - reference_offset(server.port)) < 0.5
    assert (offset.uom, offset.warn, offset.crit) == ("s", "60", "120")


def test_clock_90s_behind_server_is_warning_by_default_and_critical_with_tight_limits(
        ntp_server):
    server = ntp_server("+90s")
    default = check(server.port).output
    assert default.state == "WARNING", default
    assert abs(default.perfdata["offset"].value - 90) < 1
    assert abs(default.perfdata["offset"].value - reference_offset(server.port)) < 0.5
    tight = check(server.port, "-w", "1", "-c", "60").output
    assert tight.state == "CRITICAL"
    assert re.fullmatch(r"Offset (89|90)(\.[0-9]+)? seconds \(more than 60 seconds off\)",
                        tight.summary), tight.summary


def test_negative_skew_is_judged_on_its_size_and_keeps_its_sign(ntp_server):
    server = ntp_server("-5s")
    out = check(server.port, "-w", "1", "-c", "60").output
    assert out.state == "WARNING"
    value = out.perfdata["offset"].value
    assert abs(value + 5) < 1
    assert "more than 1 seconds off" in out.summary
    assert check(server.port, "-w", "10", "-c", "60").output.state == "OK"


def test_expected_offset_is_subtracted(ntp_server):
    server = ntp_server("+90s")
    out = check(server.port, "-o", "90", "-w", "1", "-c", "2").output
    assert out.state == "OK" and abs(out.perfdata["offset"].value) < 1


def test_silent_server_is_unknown_within_the_timeout_or_critical_if_asked(ntp_server):
    server = ntp_server()
    port = server.port
    server.kill()
    run = check(port, "-t", "1")
    assert run.code == 3 and run.seconds < 2
    assert "timed out after 1s" in run.output.summary and str(port) in run.output.summary
    critical = check(port, "-t", "0.5", "--unreachable-critical")
    assert critical.code == 2 and critical.seconds < 1.5


def test_unsynchronised_server_is_critical_or_unknown_with_q_like_the_c_plugin(ntp_server):
    server = ntp_server(synchronised=False)
    out = check(server.port).output
    assert out.state == "CRITICAL" and out.perfdata == {}
    assert out.summary == "server 127.0.0.1 is not synchronised (leap indicator 3, stratum 0)"
    assert check(server.port, "-q").output.state == "UNKNOWN"
    reference = subprocess.run([c_plugin("check_ntp_time"), "-H", "127.0.0.1", "-p",
                                str(server.port)], capture_output=True, text=True, timeout=15)
    assert reference.returncode == 2 and "Offset unknown" in reference.stdout


def test_a_port_nothing_listens_on_is_unknown():
    run = check(free_udp_port(), "-t", "0.5")
    assert run.output.state == "UNKNOWN" and run.seconds < 1.5


def test_hostname_is_required_and_bad_names_are_unknown():
    assert run_check("check_ntp_time").output.state == "UNKNOWN"
    out = run_check("check_ntp_time", "-H", "no-such-host.invalid", "-t", "5").output
    assert out.state == "UNKNOWN" and "cannot resolve no-such-host.invalid" in out.summary
