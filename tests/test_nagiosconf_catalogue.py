"""The check catalogue (nagios-config/checks.toml) matches the commands it describes.

Every installed check has an entry (covering a new check is adding its
table), every entry of ours is installed, and every option the catalogue
gives a command appears in that command's own --help: the generator never
imports the scripts, so this is what keeps the data true.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from immune.nagiosconf.catalogue import load_catalogue
from immune.nagiosconf.errors import ConfigError
from runner import installed_checks

REPO = Path(__file__).resolve().parent.parent
CHECKS_TOML = REPO / "nagios-config" / "checks.toml"
CATALOGUE = load_catalogue(CHECKS_TOML)
DIRS = {"immune": Path(sys.executable).parent,
        "monitoring-plugins": Path("/usr/lib/nagios/plugins")}


def test_every_installed_check_is_in_the_catalogue():
    missing = [name for name in installed_checks() if name not in CATALOGUE.checks]
    assert missing == [], (f"add a table for {missing} to nagios-config/checks.toml "
                           "(its options, runs = nrpe|local) and use it in roles.toml")


def test_every_entry_of_ours_is_installed():
    ours = [s.name for s in CATALOGUE.checks.values() if s.source == "immune"]
    assert ours
    for name in ours:
        assert (DIRS["immune"] / name).exists(), f"{name} is in checks.toml but not installed"


@pytest.mark.parametrize("name", sorted(CATALOGUE.checks))
def test_catalogue_options_are_the_commands_own(name):
    spec = CATALOGUE.checks[name]
    done = subprocess.run([str(DIRS[spec.source] / name), "--help"], capture_output=True,
                          text=True, timeout=30)
    text = done.stdout + done.stderr
    options = [a.option for a in spec.arguments] + [w for w in spec.fixed if w.startswith("-")]
    if spec.address:
        options.append(spec.address)
    for option in options:
        assert re.search(rf"(^|[\s,\[]){re.escape(option)}([\s,=\]]|$)", text, re.M), \
            f"{name} --help does not mention {option}"


def test_bad_catalogue_entries_are_errors(tmp_path):
    cases = {
        '[check_x]\nruns = "remote"\n': "check_x]: runs:",
        '[check_x]\nsource = "elsewhere"\n': "check_x]: source:",
        '[check_x.arguments]\nwarning = { kind = "range" }\n': "warning: needs an 'option'",
        '[check_x.arguments]\nw = { option = "-w", kind = "colour" }\n': "arguments.w.kind:",
        '[check_x.arguments]\nw = { option = "-w", kind = "range", default = "5:1" }\n':
            "arguments.w.default:",
    }
    for text, message in cases.items():
        path = tmp_path / "checks.toml"
        path.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_catalogue(path)


def test_the_catalogue_is_plain_toml():
    assert set(tomllib.loads(CHECKS_TOML.read_text())) == set(CATALOGUE.checks)
