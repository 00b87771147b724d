"""The restart_apache event handler: when it restarts, the rate limit, no shell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from immune.restarts import RestartLog
from immune.state import StateStore

BIN = Path(sys.executable).parent


def handler(tmp_path: Path, state: str, state_type: str, attempt: int, max_attempts: int = 3,
            *extra: str) -> subprocess.CompletedProcess:
    marker = tmp_path / "restarted"
    argv = [str(BIN / "restart_apache"), "--host", "web1", "--service", "Webserver HTTP",
            "--state", state, "--state-type", state_type, "--attempt", str(attempt),
            "--max-attempts", str(max_attempts), "--state-dir", str(tmp_path / "state"),
            "--restart-command", f"touch {marker}", *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=tmp_path)


@pytest.mark.parametrize(("state", "state_type", "attempt", "max_attempts", "restarts"), [
    ("CRITICAL", "HARD", 3, 3, True),
    ("CRITICAL", "HARD", 2, 2, True),
    ("CRITICAL", "SOFT", 3, 5, True),   # the 3rd SOFT attempt
    ("CRITICAL", "HARD", 5, 5, False),  # already restarted at SOFT 3
    ("CRITICAL", "SOFT", 1, 3, False),
    ("WARNING", "HARD", 3, 3, False),
    ("OK", "HARD", 1, 3, False),
])
def test_when_it_restarts(tmp_path, state, state_type, attempt, max_attempts, restarts):
    done = handler(tmp_path, state, state_type, attempt, max_attempts)
    assert done.returncode == 0
    assert (tmp_path / "restarted").exists() == restarts
    assert len(RestartLog(StateStore(tmp_path / "state")).entries("web1")) == int(restarts)
    assert done.stdout.count("\n") == 1
    assert ("restarted (ok)" in done.stdout) == restarts


def test_rate_limit_and_failed_command(tmp_path):
    assert "restarted (ok)" in handler(tmp_path, "CRITICAL", "HARD", 3, 3,
                                       "--max-per-hour", "2").stdout
    failed = handler(tmp_path, "CRITICAL", "HARD", 3, 3, "--max-per-hour", "2",
                     "--restart-command", "/nonexistent/apache2ctl -k restart")
    assert "command failed" in failed.stdout
    refused = handler(tmp_path, "CRITICAL", "HARD", 3, 3, "--max-per-hour", "2")
    assert "NOT restarted" in refused.stdout
    entries = RestartLog(StateStore(tmp_path / "state")).entries("web1")
    assert [(r.ok, r.refused) for r in entries] == [(True, False), (False, False), (False, True)]


def test_restart_command_is_not_run_by_a_shell(tmp_path):
    done = handler(tmp_path, "CRITICAL", "HARD", 3, 3, "--restart-command",
                   f"touch {tmp_path}/a; touch {tmp_path}/b")
    assert done.returncode == 0
    # No shell: ';' is an argument, so touch made "a;", "touch" (in its cwd) and "b".
    assert (tmp_path / "a;").exists() and not (tmp_path / "a").exists()
    assert (tmp_path / "touch").exists()


def test_bad_options_exit_3(tmp_path):
    done = subprocess.run([str(BIN / "restart_apache"), "--state", "CRITICAL"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 3


def test_handler_is_ruff_clean():
    # tests/test_lint.py covers checks/ and lib/; the handlers live in nagios-config/.
    script = Path(__file__).resolve().parent.parent / "nagios-config" / "handlers"
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(script)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
