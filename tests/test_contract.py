"""The plugin contract, for every installed check (a new check is covered the day it lands).

Help, version, bad options, bad thresholds, timeout against a black hole,
and the output grammar of every line a check prints.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from runner import check_module, check_path, installed_checks, run_check

CHECKS = installed_checks()
REPO = Path(__file__).resolve().parent.parent

# Arguments a network check needs besides -H/-p to reach its server: only
# where it has other required options. Every check offering -H must manage
# with -H 127.0.0.1 -p PORT plus these.
NETWORK_EXTRA: dict[str, list[str]] = {
    # A black hole accepts connections: a bare connect is rightly OK. Expecting a
    # banner makes check_tcp wait for the answer that never comes.
    "check_tcp": ["-e", "220"],
}


def help_text(name: str) -> str:
    return run_check(name, "--help").stdout


def test_every_check_in_the_source_tree_is_installed():
    in_tree = sorted(p.stem for p in (REPO / "checks").glob("check_*.py"))
    assert in_tree == CHECKS


@pytest.mark.parametrize("name", CHECKS)
def test_script_is_executable_with_plain_python_shebang(name):
    script = REPO / "checks" / f"{name}.py"
    assert os.access(script, os.X_OK)
    assert script.read_text().splitlines()[0] == "#!/usr/bin/env python3"


@pytest.mark.parametrize("name", CHECKS)
def test_command_runs_its_byte_compiled_module_on_a_real_interpreter(name):
    # Start-up cost: no pyenv shim or env lookup in the way, no compile per run.
    command = Path(check_path(name))
    first, *body = command.read_text().splitlines()
    interpreter = Path(first.removeprefix("#!"))
    assert first.startswith("#!/") and " " not in first, first
    assert "/shims/" not in str(interpreter.resolve())
    assert interpreter.resolve().read_bytes()[:4] == b"\x7fELF"
    assert f"from immune.checks.{name} import PLUGIN" in body
    module = check_module(name)
    header = Path(importlib.util.cache_from_source(module.__file__)).read_bytes()[:16]
    source = Path(module.__file__).stat()
    assert header[:4] == importlib.util.MAGIC_NUMBER  # what the import system checks:
    assert header[4:8] == bytes(4)  # timestamp-based (a checked hash re-reads the source)
    assert int.from_bytes(header[8:12], "little") == int(source.st_mtime) & 0xFFFFFFFF
    assert int.from_bytes(header[12:16], "little") == source.st_size & 0xFFFFFFFF


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_exits_unknown_with_text_on_stdout(name, flag):
    run = run_check(name, flag)
    assert run.code == 3
    assert "usage:" in run.stdout and "--timeout" in run.stdout
    assert run.stderr == ""


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_exits_unknown(name, flag):
    run = run_check(name, flag)
    assert run.code == 3
    assert run.stdout.startswith(f"{name} (immune) ")


BAD_ARGUMENTS = [
    ["--no-such-option"],
    ["-t"],
    ["-t", "abc"],
    ["-t", "0"],
    ["-t", "-1"],
    ["-t", "nan"],
    ["positional-argument"],
]


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=" ".join)
def test_bad_arguments_give_one_unknown_line(name, argv):
    run = run_check(name, *argv)
    assert run.code == 3
    out = run.output
    assert out.state == "UNKNOWN" and out.long_lines == []
    assert out.summary


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("threshold", ["foo", "10:5", "@", "1:2:3", "nan", "~:x"])
@pytest.mark.parametrize("flag", ["-w", "-c"])
def test_bad_thresholds_give_one_unknown_line(name, flag, threshold):
    run = run_check(name, flag, threshold)
    assert run.code == 3
    assert run.output.state == "UNKNOWN" and run.output.long_lines == []
    if f"{flag} RANGE" in help_text(name):
        assert "range" in run.output.summary


@pytest.mark.parametrize("name", CHECKS)
def test_missing_threshold_value(name):
    run = run_check(name, "-w")
    assert run.code == 3 and run.output.state == "UNKNOWN"


@pytest.mark.parametrize("name", CHECKS)
def test_default_run_follows_the_grammar(name):
    run = run_check(name, "-t", "5")
    assert run.output.summary  # parses strictly; exit code matches the state word


@pytest.mark.parametrize("name", CHECKS)
def test_verbose_run_follows_the_grammar(name):
    run = run_check(name, "-vvv", "-t", "5")
    assert run.output.summary


NETWORK_CHECKS = [n for n in CHECKS if "-H HOST" in help_text(n) or "--hostname" in help_text(n)]


@pytest.mark.parametrize("name", NETWORK_CHECKS or ["(none yet)"])
def test_timeout_against_a_black_hole(name, blackhole):
    if name == "(none yet)":
        assert not NETWORK_CHECKS
        return
    run = run_check(name, "-H", "127.0.0.1", "-p", str(blackhole), "-t", "0.5",
                    *NETWORK_EXTRA.get(name, []))
    assert run.seconds < 1.5
    out = run.output
    assert out.state == "UNKNOWN", run.stdout
    assert "timeout" in out.summary.lower() or "timed out" in out.summary.lower()
