"""immune-config on the example inventory: valid for Nagios 4 and Icinga 2, reproducible.

Validation is by the real programs (``nagios4 -v``, ``icinga2 daemon -C``);
a broken generated config must fail them.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from components.nagios import validate_icinga, validate_nagios, write_main_config

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "nagios-config" / "example-inventory.toml"
CATALOGUE = tomllib.loads((REPO / "nagios-config" / "checks.toml").read_text())


def generate(out: Path, inventory: Path = EXAMPLE) -> str:
    done = subprocess.run([str(BIN / "immune-config"), "--inventory", str(inventory),
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "out"
    generate(out)
    return out


def nagios_valid(base: Path, tree: Path) -> tuple[bool, str]:
    main = write_main_config(base, [tree / "nagios" / "objects"],
                             tree / "nagios" / "resource.cfg")
    return validate_nagios(main)


def test_layout(example):
    files = sorted(str(p.relative_to(example)) for p in example.rglob("*") if p.is_file())
    hosts = [h["name"] for h in tomllib.loads(EXAMPLE.read_text())["hosts"]]
    expected = {"nagios/resource.cfg", "icinga2/immune-commands.conf",
                *(f"nagios/objects/{n}.cfg" for n in
                  ("commands", "contacts", "hostgroups", "templates", "timeperiods")),
                *(f"nagios/objects/hosts/{h}.cfg" for h in hosts),
                *(f"nrpe/{h}.cfg" for h in hosts)}
    assert set(files) == expected


def test_the_installed_config_dir_is_used(example):
    # immune-config ran without --config-dir: the data files installed with the package.
    installed = Path(sys.prefix) / "share" / "immune" / "nagios-config"
    assert (installed / "checks.toml").read_bytes() == \
        (REPO / "nagios-config" / "checks.toml").read_bytes()


def test_example_passes_nagios_verification(example, tmp_path):
    ok, said = nagios_valid(tmp_path, example)
    assert ok, said
    hosts = len(tomllib.loads(EXAMPLE.read_text())["hosts"])
    assert f"Checked {hosts} hosts." in said and "Total Errors:   0" in said


def test_one_command_per_check(example):
    commands = (example / "nagios" / "objects" / "commands.cfg").read_text()
    for name in CATALOGUE:
        expected = name if name.startswith("immune_") else f"immune_{name}"
        assert commands.count(f"command_name  {expected}\n") == 1, name
    assert "$USER1$/check_load $ARG1$ -w $ARG2$ -c $ARG3$" in commands


def test_rerun_is_byte_identical(example, tmp_path):
    again = tmp_path / "again"
    generate(again)
    first = {p.relative_to(example): p.read_bytes() for p in example.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_a_broken_generated_config_is_caught(example, tmp_path):
    broken = tmp_path / "broken"
    subprocess.run(["cp", "-r", str(example), str(broken)], check=True)
    commands = broken / "nagios" / "objects" / "commands.cfg"
    text = commands.read_text()
    start = text.index("define command {\n    command_name  immune_nrpe\n")
    commands.write_text(text[:start] + text[text.index("}\n", start) + 2:])
    ok, said = nagios_valid(tmp_path / "nagios", broken)
    assert not ok and "immune_nrpe" in said


def test_nrpe_fragments_need_no_client_arguments(example):
    for fragment in (example / "nrpe").glob("*.cfg"):
        for line in fragment.read_text().splitlines():
            if not line.startswith("#"):
                assert line.startswith("command[immune_") and "$ARG" not in line, line


def icinga_services(catalogue: dict) -> str:
    """A host and one service per CheckCommand, its required variables set."""
    text = 'object Host "h" {\n  check_command = "immune-ping"\n  address = "127.0.0.1"\n' \
           '  vars.ping_warning = "100,20%"\n  vars.ping_critical = "500,60%"\n}\n'
    for name, spec in catalogue.items():
        if spec.get("kind", "check") != "check":
            continue
        short = name.removeprefix("check_")
        required = [a for a, s in spec.get("arguments", {}).items()
                    if s.get("required") and s.get("kind") != "flag"]
        variables = "".join(f'  vars.{short}_{a} = "1"\n' for a in required)
        text += (f'object Service "{name}" {{\n  host_name = "h"\n'
                 f'  check_command = "immune-{short}"\n{variables}}}\n')
    return text


def test_icinga2_accepts_every_check_command(example, tmp_path):
    conf = example / "icinga2" / "immune-commands.conf"
    ok, said = validate_icinga(tmp_path, [conf], icinga_services(CATALOGUE))
    assert ok, said[-3000:]
    checks = sum(1 for s in CATALOGUE.values() if s.get("kind", "check") == "check")
    assert f"Instantiated {checks} Services." in said


def test_icinga2_catches_a_broken_definition(example, tmp_path):
    conf = tmp_path / "broken.conf"
    conf.write_text((example / "icinga2" / "immune-commands.conf").read_text()
                    .replace('"immune-load" {', '"immune-load" {\n  no_such = [ ', 1))
    ok, _ = validate_icinga(tmp_path / "icinga", [conf])
    assert not ok
