"""A bad inventory is one clear error naming the host and the field, and nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent

GOOD_HOST = """
[[hosts]]
name = "web1"
address = "10.0.0.1"
roles = ["webserver"]
[hosts.facts]
cpus = 4
mounts = ["/"]
http_port = 80
apache_restart = "apache2ctl -k graceful"
apache_max_restarts_per_hour = 3
apache_log_dir = "/var/log/apache2"
apache_log_max_file = "1GB"
apache_max_workers = 150
"""


def generate(tmp_path: Path, inventory: str) -> tuple[subprocess.CompletedProcess, Path]:
    path = tmp_path / "inventory.toml"
    path.write_text(inventory)
    out = tmp_path / "out"
    done = subprocess.run([str(BIN / "immune-config"), "--config-dir",
                           str(REPO / "nagios-config"), "--inventory", str(path),
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    return done, out


def test_good_inventory_generates(tmp_path):
    done, out = generate(tmp_path, GOOD_HOST)
    assert done.returncode == 0, done.stderr
    assert (out / "nagios" / "objects" / "hosts" / "web1.cfg").exists()


@pytest.mark.parametrize(("inventory", "message"), [
    (GOOD_HOST.replace('"webserver"', '"webservr"'),
     "host 'web1': roles: unknown role 'webservr'"),
    (GOOD_HOST.replace('address = "10.0.0.1"\n', ""), "host 'web1': address: missing"),
    (GOOD_HOST + GOOD_HOST, "host 'web1': name: duplicate host"),
    (GOOD_HOST.replace("apache_max_restarts_per_hour = 3", "apache_max_restarts_per_hour = 'x'"),
     "host 'web1' service 'Webserver HTTP': handler_args.max_per_hour: bad value: 'x'"),
    (GOOD_HOST + '[hosts.overrides."Capacity Based LA Check"]\nwarning = "10:5"\n',
     "host 'web1' service 'Capacity Based LA Check': args.warning: bad value:"),
    (GOOD_HOST.replace("cpus = 4\n", ""),
     "host 'web1' service 'Capacity Based LA Check': args.warning: unknown fact 'cpus'"),
    (GOOD_HOST + '[hosts.overrides."No Such Service"]\nwarning = "1"\n',
     "host 'web1': overrides.No Such Service: no such service on this host"),
    (GOOD_HOST + '[hosts.overrides."Apache Restarts by Nagios"]\nwindow = "soon"\n',
     "host 'web1' service 'Apache Restarts by Nagios': args.window: bad value:"),
    (GOOD_HOST + '[hosts.overrides."Webserver HTTP"]\nmax_check_attempts = 0\n',
     "host 'web1' service 'Webserver HTTP': overrides.max_check_attempts:"),
    (GOOD_HOST.replace('name = "web1"', 'name = "web 1"'), "host 'web 1': name:"),
    (GOOD_HOST.replace('"10.0.0.1"', '"10.0.0.1; rm -rf /"'), "host 'web1': address:"),
    ("[site]\n", "inventory.toml: hosts: at least one [[hosts]] entry is needed"),
    ("[[hosts]\n", "inventory.toml: file:"),
    (GOOD_HOST + "[service_templates.urgent]\ncheck_interval = -1\n",
     "[service_templates.urgent]: check_interval:"),
    (GOOD_HOST + "[timeperiods.peak]\nmonday = 'evenings'\n", "timeperiod 'peak': monday:"),
])
def test_bad_inventory_is_one_clear_error_and_nothing_written(tmp_path, inventory, message):
    done, out = generate(tmp_path, inventory)
    assert done.returncode == 2
    assert message in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.rstrip().endswith("nothing written")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "inventory.toml"]


def test_a_bad_run_leaves_the_previous_tree_alone(tmp_path):
    done, out = generate(tmp_path, GOOD_HOST)
    assert done.returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    done, _ = generate(tmp_path, GOOD_HOST.replace('"webserver"', '"nope"'))
    assert done.returncode == 2
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_chat_role_needs_the_peak_timeperiods(tmp_path):
    inventory = '[[hosts]]\nname = "chat1"\naddress = "10.0.0.2"\nroles = ["chat"]\n' \
                'facts = { cpus = 2, mounts = [], chat_port = 5222 }\n'
    done, _ = generate(tmp_path, inventory)
    assert done.returncode == 2
    assert "host 'chat1' service 'Chat service monitor [Peak Hours]': period: unknown " \
           "timeperiod 'peak'" in done.stderr
