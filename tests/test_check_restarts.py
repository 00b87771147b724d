"""check_restarts counts what the event handler recorded (the reference site's
"Apache Restarts by Nagios")."""

from __future__ import annotations

from immune.restarts import RestartLog
from immune.state import StateStore
from runner import run_check


def record(state_dir, host: str, made: int, refused_after: int) -> None:
    log = RestartLog(StateStore(state_dir))
    for _ in range(made + refused_after):
        log.attempt(host, "Webserver HTTP", made, lambda: True)


def test_no_record_is_zero(tmp_path):
    run = run_check("check_restarts", "--host", "web1", "--state-dir", str(tmp_path / "s"),
                    "-w", "1", "-c", "3")
    assert run.code == 0
    assert run.stdout == "RESTARTS OK - 0 restarts of web1 by Nagios in the last 3600s" \
                         " | restarts=0;1;3;0 refused=0;;;0\n"


def test_counts_against_thresholds_with_long_output(tmp_path):
    record(tmp_path, "web1", 2, 1)
    record(tmp_path, "web2", 5, 0)
    run = run_check("check_restarts", "--host", "web1", "--state-dir", str(tmp_path),
                    "-w", "1", "-c", "3", "-v")
    assert run.code == 1
    out = run.output
    assert out.summary == "2 restarts of web1 by Nagios in the last 3600s " \
                          "(1 refused by the rate limit)"
    assert len(out.long_lines) == 3 and out.long_lines[-1].endswith("refused (rate limit)")
    run = run_check("check_restarts", "--host", "web2", "--state-dir", str(tmp_path),
                    "-w", "1", "-c", "3")
    assert run.code == 2 and "5 restarts of web2" in run.stdout


def test_window_zero_counts_nothing(tmp_path):
    record(tmp_path, "web1", 2, 0)
    run = run_check("check_restarts", "--host", "web1", "--state-dir", str(tmp_path),
                    "--window", "0", "-c", "0")
    assert run.code == 0 and "0 restarts" in run.stdout


def test_state_dir_that_is_a_file_is_unknown(tmp_path):
    bad = tmp_path / "file"
    bad.write_text("x")
    run = run_check("check_restarts", "--host", "web1", "--state-dir", str(bad))
    assert run.code == 3
    assert run.stdout == f"RESTARTS UNKNOWN - state dir {bad} is not a directory\n"
