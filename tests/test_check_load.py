import os

from runner import run_check


def test_reports_kernel_load_averages_in_order():
    out = run_check("check_load").output
    assert out.state == "OK"
    assert list(out.perfdata) == ["load1", "load5", "load15"]
    assert out.summary.startswith("load average: ")
    kernel = os.getloadavg()[2]
    assert abs(out.perfdata["load15"].value - kernel) < 0.5


def test_triplet_thresholds_and_critical():
    out = run_check("check_load", "-w", "0,0,0", "-c", "1000").output
    # load is never exactly 0 on a machine running pytest... unless idle: accept 0 or 1
    assert out.perfdata["load1"].warn == "0" and out.perfdata["load5"].crit == "1000"
    crit = run_check("check_load", "-c", "@0:1000").output
    assert crit.state == "CRITICAL" and "inside range 0:1000" in crit.summary


def test_percpu_divides_by_cpu_count():
    plain = run_check("check_load").output.perfdata["load15"].value
    per = run_check("check_load", "-r").output
    assert per.summary.startswith("load average per CPU: ")
    assert abs(per.perfdata["load15"].value - plain / os.cpu_count()) < 0.2


def test_accepts_the_monitoring_plugins_command_line():
    run = run_check("check_load", "-r", "-w", "15,10,5", "-c", "30,25,20")
    assert run.code == 0 and run.output.perfdata["load15"].crit == "20"
