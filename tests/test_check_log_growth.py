"""check_log_growth. Its exactness across 50 real logrotate rotations (rename and
copytruncate) is asserted together with check_log_matches in
test_check_log_matches.py::test_rotation_loses_no_line_and_counts_none_twice.
"""

from runner import run_check

T0 = 1_800_000_000


def growth(log, *extra, now):
    return run_check("check_log_growth", "-F", str(log), *extra, env={"IMMUNE_NOW": str(now)})


def append(log, count):
    with open(log, "a") as f:
        f.write("".join(f"line {n}\n" for n in range(count)))


def test_first_run_records_a_baseline_then_reports_lines_per_second(tmp_path, state_dir):
    log = tmp_path / "user.log"
    append(log, 500)
    first = growth(log, now=T0)
    assert first.code == 0 and first.output.perfdata == {}
    assert first.output.summary == f"{log}: first run, baseline recorded"
    append(log, 1238)
    run = growth(log, now=T0 + 619)
    assert run.code == 0
    assert run.output.summary == (f"{log} increasing by 2 lines per second "
                                  "(1238 lines over 619 second period)")
    perf = run.output.perfdata
    assert (perf["rate"].value, perf["lines"].value, perf["period"].value) == (2, 1238, 619)
    assert perf["period"].uom == "s"


def test_a_stall_and_a_flood_both_alert(tmp_path, state_dir):
    log = tmp_path / "user.log"
    log.touch()
    growth(log, now=T0)
    stalled = growth(log, "-w", "0.1:", "-c", "0.01:", now=T0 + 600)
    assert stalled.code == 2
    assert stalled.output.summary == (f"{log} increasing by 0 lines per second "
                                      "(0 lines over 600 second period) (below 0.01)")
    assert stalled.output.perfdata["rate"].crit == "0.01:"
    append(log, 60)
    assert growth(log, "-w", "0.1:", "-c", "0.01:", now=T0 + 1200).code == 0
    append(log, 6000)
    flood = growth(log, "-w", "5", "-c", "50", now=T0 + 1260)
    assert flood.code == 2 and flood.output.perfdata["rate"].value == 100


def test_clock_going_backwards_re_baselines_without_losing_lines(tmp_path, state_dir):
    log = tmp_path / "user.log"
    log.touch()
    growth(log, now=T0)
    append(log, 10)
    back = growth(log, "-c", "0.01:", now=T0 - 3600)
    assert back.code == 0 and back.output.perfdata == {}
    assert back.output.summary == f"{log}: clock went backwards, baseline recorded"
    append(log, 30)
    run = growth(log, now=T0 - 3600 + 10)
    assert run.output.perfdata["lines"].value == 30 and run.output.perfdata["rate"].value == 3


def test_rotation_by_rename_counts_both_files(tmp_path, state_dir):
    log = tmp_path / "user.log"
    append(log, 5)
    growth(log, now=T0)
    append(log, 7)
    log.rename(tmp_path / "user.log.1")
    append(log, 3)
    run = growth(log, "-v", now=T0 + 10)
    assert run.output.perfdata["lines"].value == 10
    assert any("rotated" in line for line in run.output.long_lines)


def test_corrupt_state_is_a_fresh_baseline(tmp_path, state_dir):
    log = tmp_path / "user.log"
    log.touch()
    growth(log, now=T0)
    [state] = state_dir.glob("*.json")
    state.write_text('{"sample": {"value": "x"}, "position": []}')
    append(log, 3)
    run = growth(log, "-c", "0.01:", now=T0 + 60)
    assert run.code == 0 and "first run" in run.output.summary


def test_unusable_log_or_state_is_one_unknown_line(tmp_path, state_dir):
    missing = growth(tmp_path / "nope.log", now=T0)
    assert missing.code == 3
    assert missing.output.summary == f"cannot read {tmp_path}/nope.log: No such file or directory"
    assert growth(tmp_path, now=T0).output.summary == f"{tmp_path} is a directory"
    (tmp_path / "file").write_text("")
    log = tmp_path / "user.log"
    log.touch()
    bad_state = growth(log, "--state-dir", str(tmp_path / "file" / "s"), now=T0)
    assert bad_state.code == 3 and "state dir" in bad_state.output.summary
