"""Real Nagios 4 end to end: config generated from a test inventory, run, judged from status.dat.

One private site for the module (Apache, NRPE, Nagios with one-second
scheduling) shared by the assertions; the event-handler tests run last, in
file order, because they stop Apache.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from components.apache import Apache, apache_server
from components.nagios import Nagios, nagios_server
from components.nrpe import NRPE, nrpe_server
from components.process import free_port, port_open, stop
from immune.restarts import RestartLog
from immune.state import StateStore

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CPUS = os.cpu_count() or 1

# A role of the test only (appended to the real roles.toml): states we force.
LAB_ROLE = """
[roles.lab]
description = "Test services with known outcomes"

[[roles.lab.services]]
name = "Restarts seeded"
check = "check_restarts"
args = { host = "seeded-host", warning = "5", critical = "10" }

[[roles.lab.services]]
name = "Restarts record unreadable"
check = "check_restarts"
args = { state_dir = "{broken_state_dir}" }

[[roles.lab.services]]
name = "Load forced CRITICAL"
check = "check_load"
args = { warning = "@0:1000", critical = "@0:1000" }
"""

INVENTORY = """
[site]
plugin_dir = "{bin}"
monitoring_plugins = "/usr/lib/nagios/plugins"
state_dir = "{state}"

[service_templates.urgent]
check_interval = 2
retry_interval = 1
[service_templates.standard]
check_interval = 3
[service_templates.patient]
check_interval = 3
[service_templates.business]
check_interval = 3

[[hosts]]
name = "web"
address = "127.0.0.1"
roles = ["webserver"]
nrpe_port = {nrpe_port}
[hosts.facts]
cpus = {cpus}
mounts = ["/"]
http_port = {http_port}
apache_restart = {restart}
apache_max_restarts_per_hour = 1
apache_log_dir = "/var/log"
apache_log_max_file = "1GB"
apache_max_workers = 50
[hosts.overrides."Capacity Based LA Check"]
warning = "{{cpus * 50}}"
critical = "{{cpus * 100}}"
[hosts.overrides."cron running"]
command = "nrpe"

[[hosts]]
name = "lab"
address = "127.0.0.1"
roles = ["db-shard", "lab"]
nrpe_port = {lab_nrpe_port}
[hosts.facts]
cpus = {cpus}
mounts = []
mysql_port = {closed_port}
broken_state_dir = "{broken}"
[hosts.overrides."cron running"]
command = "nrpe"
"""


@dataclass
class Site:
    base: Path
    out: Path
    apache: Apache
    nrpe: NRPE
    lab_nrpe: NRPE
    nagios: Nagios
    state: Path

    def service(self, host: str, name: str):
        found = self.nagios.service(host, name)
        assert found is not None, f"{host}/{name} not in status.dat"
        return found


def generate(config_dir: Path, inventory: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "immune-config"), "--config-dir", str(config_dir),
                           "--inventory", str(inventory), "--out", str(out)],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    config = base / "config"
    config.mkdir()
    shutil.copy(REPO / "nagios-config" / "checks.toml", config)
    (config / "roles.toml").write_text(
        (REPO / "nagios-config" / "roles.toml").read_text() + LAB_ROLE)
    state = base / "state"
    broken = base / "not-a-directory"
    broken.write_text("x")
    RestartLog(StateStore(state)).attempt("seeded-host", "Webserver HTTP", 5, lambda: True)
    RestartLog(StateStore(state)).attempt("seeded-host", "Webserver HTTP", 5, lambda: True)
    nrpe_port, lab_nrpe_port = free_port(), free_port()
    with apache_server(base) as apache:
        inventory = base / "inventory.toml"
        inventory.write_text(INVENTORY.format(
            bin=BIN, state=state, nrpe_port=nrpe_port, lab_nrpe_port=lab_nrpe_port, cpus=CPUS,
            http_port=apache.port,
            restart=f'"{shlex.join(apache.restart_argv())}"', closed_port=free_port(),
            broken=broken))
        out = base / "generated"
        done = generate(config, inventory, out)
        assert done.returncode == 0, done.stderr
        # Each host has its own NRPE daemon, as on a real site.
        with nrpe_server(base / "nrpe-web", [out / "nrpe" / "web.cfg"], port=nrpe_port) as nrpe, \
                nrpe_server(base / "nrpe-lab", [out / "nrpe" / "lab.cfg"], port=lab_nrpe_port) \
                as lab_nrpe, \
                nagios_server(base / "nagios", [out / "nagios" / "objects"],
                              out / "nagios" / "resource.cfg") as nagios:
            nagios.wait_all_checked(timeout=40)
            yield Site(base, out, apache, nrpe, lab_nrpe, nagios, state)


def test_every_generated_service_ran(site):
    services = site.nagios.services()
    names = {(s.host, s.service) for s in services}
    assert ("web", "Capacity Based LA Check") in names
    assert ("web", "Webserver HTTP") in names and ("lab", "MySQL port") in names
    for service in services:
        assert service.last_check > 0 and service.output, service


def test_thresholds_from_facts_reach_the_check_through_nrpe(site):
    load = site.service("web", "Capacity Based LA Check")
    assert load.state_name == "OK" and load.output.startswith("LOAD OK - load average: ")
    # check_load got -w cpus*50 -c cpus*100, computed by the generator from the facts.
    assert load.perfdata.startswith("load1=")
    assert f";{CPUS * 50};{CPUS * 100};0" in load.perfdata.split()[0]
    assert load.max_attempts == 5  # the "patient" template


def test_nrpe_runs_the_fragment_commands(site):
    code, output = site.nrpe.run("immune_capacity_based_la_check")
    assert code == 0 and output.startswith("LOAD OK - ")
    code, output = site.lab_nrpe.run("immune_load_forced_critical")
    assert code == 2 and output.startswith("LOAD CRITICAL - ")
    code, output = site.nrpe.run("immune_no_such_command")
    assert code == 3


def test_web_services_are_ok(site):
    http = site.service("web", "Webserver HTTP")
    assert http.state_name == "OK" and http.output.startswith("HTTP OK")
    assert "time=" in http.perfdata
    assert http.max_attempts == 2  # the "urgent" template
    restarts = site.service("web", "Apache Restarts by Nagios")
    assert restarts.state_name == "OK"
    assert restarts.output == "RESTARTS OK - 0 restarts of web by Nagios in the last 3600s"
    assert restarts.perfdata == "restarts=0;1;1;0 refused=0;;;0"
    assert restarts.max_attempts == 8  # the "business" template


def test_forced_critical_and_unknown(site):
    port = site.service("lab", "MySQL port")
    assert port.state_name == "CRITICAL" and "Connection refused" in port.output
    load = site.service("lab", "Load forced CRITICAL")
    assert load.state_name == "CRITICAL" and load.output.startswith("LOAD CRITICAL - ")
    assert load.perfdata.startswith("load1=") and ";@1000;@1000;0" in load.perfdata
    unreadable = site.service("lab", "Restarts record unreadable")
    assert unreadable.state_name == "UNKNOWN"
    assert unreadable.output.startswith("RESTARTS UNKNOWN - state dir ")
    assert unreadable.output.endswith("is not a directory")


def test_long_output_reaches_status_dat(site):
    seeded = site.service("lab", "Restarts seeded")
    assert seeded.state_name == "OK"
    assert seeded.output.startswith("RESTARTS OK - 2 restarts of seeded-host ")
    lines = seeded.long_output.splitlines()
    assert len(lines) == 2 and all(line.endswith(" Webserver HTTP: restarted") for line in lines)


def _wait(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"not reached in {timeout}s: {what}")


def test_event_handler_restarts_apache_and_records_it(site):
    log = RestartLog(StateStore(site.state))
    stop(site.apache.proc, signal.SIGTERM)  # Apache dies
    assert not port_open(site.apache.port)
    # Nagios: SOFT CRITICAL, then HARD CRITICAL (2 attempts) -> handler -> restart.
    _wait(lambda: log.entries("web"), 30, "a restart recorded")
    [restart] = log.entries("web")
    assert restart.ok and not restart.refused and restart.service == "Webserver HTTP"
    _wait(lambda: port_open(site.apache.port), 10, "apache back")
    assert site.apache.main_pid() is not None
    site.nagios.wait_for(lambda _: site.service("web", "Webserver HTTP").state_name == "OK",
                         30, "Webserver HTTP OK again")
    site.nagios.force_check("web", "Apache Restarts by Nagios")
    site.nagios.wait_for(lambda _: site.service("web", "Apache Restarts by Nagios").output
                         .startswith("RESTARTS OK - 1 restart of web "), 20, "restart counted")
    log_text = site.nagios.log_file.read_text()
    assert "SERVICE EVENT HANDLER: web;Webserver HTTP;CRITICAL;HARD;2;immune_restart_apache" \
        in log_text


def test_rate_limit_holds(site):
    log = RestartLog(StateStore(site.state))
    pid = site.apache.main_pid()
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)  # dies again within the hour: limit is 1 per hour
    _wait(lambda: any(r.refused for r in log.entries("web")), 30, "a refused restart")
    time.sleep(1)
    assert not port_open(site.apache.port)
    assert [r.refused for r in log.entries("web")] == [False, True]
    http = site.service("web", "Webserver HTTP")
    assert http.state_name == "CRITICAL" and http.hard
    site.nagios.force_check("web", "Apache Restarts by Nagios")
    site.nagios.wait_for(lambda _: "(1 refused by the rate limit)" in
                         site.service("web", "Apache Restarts by Nagios").output, 20,
                         "refusal counted")
    assert site.service("web", "Apache Restarts by Nagios").perfdata == \
        "restarts=1;1;1;0 refused=1;;;0"
