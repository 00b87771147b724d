import os
import subprocess
import time

import pytest
from components.logs import MATCH, MATCH_EVERY
from grammar import parse_output
from runner import check_module, check_path, run_check, which

T0 = 1_800_000_000  # a fixed "now" (IMMUNE_NOW) so window arithmetic is exact


def matches(log, *extra, now=None, state=None):
    env = {"IMMUNE_NOW": str(now)} if now is not None else {}
    if state is not None:
        env["IMMUNE_STATE_DIR"] = str(state)
    return run_check("check_log_matches", "-F", str(log), "-e", MATCH, *extra, env=env)


def append(log, *lines):
    with open(log, "a") as f:
        f.write("".join(line + "\n" for line in lines))


def in_process(name, *argv):
    """Run the installed check *name* in this process: output parsed."""
    plugin = check_module(name).PLUGIN

    def run():
        code, text = plugin.run(argv)
        out = parse_output(text)
        assert out.code == code, text
        return out

    return run


def test_rotation_loses_no_line_and_counts_none_twice(rotating_log, state_dir):
    """50 real logrotate runs while a writer appends; both log checks run between them.

    The sum of what the runs report must equal what exists in the log and
    its rotated files (copytruncate itself drops lines written between its
    copy and its truncate: those are in no file, so no reader can count
    them); in rename mode it must also equal what the writer wrote.
    """
    log = rotating_log
    # The installed scripts, run in this process: 200 runs in a few seconds.
    found = in_process("check_log_matches", "-F", str(log.path), "-e", MATCH)
    growth = in_process("check_log_growth", "-F", str(log.path))

    def run_both():
        found_out, growth_out = found(), growth()
        assert found_out.code == 0 and growth_out.code == 0
        lines = growth_out.perfdata.get("lines")
        return found_out.perfdata["new"].value, lines.value if lines else 0

    run_both()  # first runs: baseline on the empty log
    log.start_writer()
    counted = [0, 0]
    for _ in range(50):
        time.sleep(0.01)  # let every generation get some lines
        log.rotate()
        counted = [a + b for a, b in zip(counted, run_both(), strict=True)]
    written = log.stop_writer()
    counted = [a + b for a, b in zip(counted, run_both(), strict=True)]

    existing = log.lines()
    assert len(log.files()) == 51  # 50 rotations really happened
    numbers = [int(line[:8]) for line in existing]
    assert numbers == sorted(set(numbers))  # the ground truth itself is sane
    assert counted == [sum(MATCH in line for line in existing), len(existing)]
    if log.mode == "rename":
        assert numbers == list(range(1, written + 1))
        assert counted == [written // MATCH_EVERY, written]
    else:
        assert written - len(existing) < written / 5  # logrotate's own small loss
    assert written > 500


def test_window_sums_the_runs_of_the_last_n_seconds(tmp_path, state_dir):
    log = tmp_path / "php.log"
    append(log, f"old {MATCH}")
    first = matches(log, now=T0)
    assert first.output.perfdata["matches"].value == 0  # the past is not "now"
    assert "first run" in first.output.summary
    append(log, f"a {MATCH}", "fine", f"b {MATCH}", f"c {MATCH}", "fine")
    assert matches(log, now=T0 + 100).output.perfdata["matches"].value == 3
    append(log, f"d {MATCH}", f"e {MATCH}")
    at_1000 = matches(log, now=T0 + 1000).output
    assert (at_1000.perfdata["matches"].value, at_1000.perfdata["new"].value) == (5, 2)
    assert matches(log, now=T0 + 1899).output.perfdata["matches"].value == 5
    assert matches(log, now=T0 + 1900).output.perfdata["matches"].value == 2
    assert matches(log, now=T0 + 2799).output.perfdata["matches"].value == 2
    assert matches(log, now=T0 + 2800).output.perfdata["matches"].value == 0
    short = matches(log, "--window", "60", now=T0 + 2800).output
    assert short.summary == "0 matching lines in 60 second interval"


def test_thresholds_label_and_summary(tmp_path, state_dir):
    log = tmp_path / "php.log"
    log.touch()
    matches(log, now=T0)
    append(log, *[f"{n} {MATCH}" for n in range(3)])
    args = ["--label", "PHP Fatal errors", "-w", "0", "-c", "5"]
    warn = matches(log, *args, now=T0 + 60)
    assert warn.code == 1
    assert warn.output.summary.startswith("3 PHP Fatal errors in 1800 second interval")
    assert str(warn.stdout).split(" | ")[1].strip() == "matches=3;0;5;0 new=3;;;0"
    assert matches(log, "-c", "2", now=T0 + 61).code == 2
    ok = matches(log, *args, now=T0 + 1900)
    assert ok.code == 0
    assert ok.stdout.startswith("LOG_MATCHES OK - 0 PHP Fatal errors in 1800 second interval |")


def test_timestamps_decide_the_window_and_the_first_run_counts_only_it(tmp_path, state_dir):
    log = tmp_path / "php_errors.log"
    now = 1_800_003_600  # 2027-01-15 08:00:00 UTC

    def stamp(seconds_ago):
        import time

        return time.strftime("[%d-%b-%Y %H:%M:%S UTC]", time.gmtime(now - seconds_ago))

    append(log, f"{stamp(4000)} {MATCH}: too old", f"{stamp(1000)} {MATCH}: in",
           f"{stamp(999)} PHP Notice: not matching", f"{stamp(10)} {MATCH}: in",
           f"{MATCH} without a timestamp: counts as read now")
    args = ["--timestamp-format", "%d-%b-%Y %H:%M:%S", "--label", "PHP Fatal errors"]
    env = {"TZ": "UTC"}
    first = run_check("check_log_matches", "-F", str(log), "-e", MATCH, *args,
                      env={**env, "IMMUNE_NOW": str(now)})
    assert first.output.perfdata["matches"].value == 3
    append(log, f"{stamp(-500)} {MATCH}: written later")
    later = run_check("check_log_matches", "-F", str(log), "-e", MATCH, *args,
                      env={**env, "IMMUNE_NOW": str(now + 900)})
    # the line of 1000 s before "now" is 1900 s old: out; the rest are in
    assert later.output.perfdata["matches"].value == 3
    assert later.output.perfdata["new"].value == 1


def test_syslog_timestamps_without_a_year(tmp_path, state_dir):
    log = tmp_path / "syslog"
    now = 1_798_761_600 + 300  # 2027-01-01 00:05:00 UTC: last year's lines are in December
    append(log, f"Dec 31 23:50:00 host app: {MATCH} a", f"Dec 31 23:00:00 host app: {MATCH} b",
           f"Jan  1 00:04:00 host app: {MATCH} c")
    run = run_check("check_log_matches", "-F", str(log), "-e", MATCH, "--window", "1800",
                    "--timestamp-format", "%b %d %H:%M:%S",
                    env={"TZ": "UTC", "IMMUNE_NOW": str(now)})
    assert run.output.perfdata["matches"].value == 2


@pytest.mark.parametrize("ours, grep", [
    (["-e", "Fatal"], ["-F", "-e", "Fatal"]),
    (["-e", "fatal", "-i"], ["-F", "-i", "-e", "fatal"]),
    (["-e", "Fatal", "-e", "Warning"], ["-F", "-e", "Fatal", "-e", "Warning"]),
    (["--regex", "-e", "^[0-9]+ PHP (Fatal|Parse) error"],
     ["-E", "-e", "^[0-9]+ PHP (Fatal|Parse) error"]),
    (["--regex", "-e", "error$"], ["-E", "-e", "error$"]),
])
def test_counts_agree_with_grep(tmp_path, state_dir, ours, grep):
    log = tmp_path / "mixed.log"
    kinds = ["PHP Fatal error", "PHP Warning: x", "php fatal ERROR", "PHP Parse error",
             "Fatal and Warning", "an error", "nothing", "FATAL", ""]
    append(log, *[f"{n} {kinds[n * 7 % len(kinds)]}" for n in range(500)])
    run = run_check("check_log_matches", "-F", str(log), "--from-start", *ours)
    expected = subprocess.run([which("grep"), "-c", *grep, str(log)], capture_output=True,
                              text=True).stdout
    assert run.output.perfdata["new"].value == int(expected) > 0


def test_exclude_drops_lines(tmp_path, state_dir):
    log = tmp_path / "app.log"
    append(log, f"1 {MATCH} in a.php", f"2 {MATCH} in vendor/b.php", f"3 {MATCH} in c.php",
           f"4 {MATCH} in VENDOR/d.php")
    run = matches(log, "--from-start", "--exclude", "vendor/", "--exclude", "c.php")
    assert run.output.perfdata["new"].value == 2
    run = matches(log, "--from-start", "--exclude", "vendor/", "-i", state=tmp_path / "s2")
    assert run.output.perfdata["new"].value == 2


def test_verbose_shows_the_last_matching_lines_sanitised_and_bounded(tmp_path, state_dir):
    log = tmp_path / "app.log"
    log.touch()
    matches(log, now=T0)
    append(log, *[f"line {n} {MATCH} \x1b[31mred\x1b[0m a|b " + "x" * 1000 for n in range(20)])
    run = matches(log, "-v", "--show", "3", now=T0 + 5)
    shown = run.output.long_lines
    assert shown[0] == "last 3 matching lines in the window:"
    assert [line.split()[1] for line in shown[1:]] == ["17", "18", "19"]
    assert all("\x1b" not in line and "|" not in line and len(line) <= 300
               for line in shown)
    # still shown by a later run that found nothing new, until they leave the window
    assert len(matches(log, "-v", now=T0 + 100).output.long_lines) == 4
    assert matches(log, "-v", now=T0 + 1900).output.long_lines == []


def test_partial_last_line_is_counted_once_complete(tmp_path, state_dir):
    log = tmp_path / "app.log"
    log.touch()
    matches(log)
    with open(log, "a") as f:
        f.write(f"{MATCH} still being writ")
    assert matches(log).output.perfdata["new"].value == 0
    append(log, "ten")
    assert matches(log).output.perfdata["new"].value == 1
    assert matches(log).output.perfdata["new"].value == 0


def test_truncated_log_is_read_again_from_its_start(tmp_path, state_dir):
    log = tmp_path / "app.log"
    append(log, *[f"{n} {MATCH}" for n in range(50)])
    matches(log)
    log.write_text(f"new {MATCH}\nother\n")
    run = matches(log, "-v")
    assert run.output.perfdata["new"].value == 1
    assert any("truncated" in line for line in run.output.long_lines)


@pytest.mark.parametrize("make, reason", [
    (lambda p: None, "No such file or directory"),
    (lambda p: p.mkdir(), "is a directory"),
])
def test_unusable_log_is_one_unknown_line(tmp_path, state_dir, make, reason):
    log = tmp_path / "app.log"
    make(log)
    run = matches(log, "-v")
    assert run.code == 3 and reason in run.output.summary and run.output.long_lines == []


def test_unreadable_log_is_one_unknown_line(tmp_path, state_dir):
    log = tmp_path / "app.log"
    log.write_text("x\n")
    log.chmod(0)
    argv = [check_path("check_log_matches"), "-F", str(log), "-e", "x"]
    if os.geteuid() == 0:  # root reads anything: drop the capabilities that allow it
        argv = [which("setpriv"), "--inh-caps=-all",
                "--bounding-set=-dac_override,-dac_read_search", *argv]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stdout == f"LOG_MATCHES UNKNOWN - cannot read {log}: Permission denied\n"


def test_corrupt_state_means_a_fresh_baseline(tmp_path, state_dir):
    log = tmp_path / "app.log"
    append(log, f"1 {MATCH}")
    matches(log)
    [state_file] = state_dir.glob("*.json")
    for garbage in ("{broken", '{"position": {"dev": "x"}, "events": 7, "shown": [[1]]}'):
        state_file.write_text(garbage)
        append(log, f"2 {MATCH}")
        run = matches(log)
        assert run.code == 0 and "first run" in run.output.summary
        assert run.output.perfdata["matches"].value == 0
    append(log, f"3 {MATCH}")
    assert matches(log).output.perfdata["new"].value == 1


def test_state_dir_not_writable_is_one_unknown_line(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("x\n")
    (tmp_path / "file").write_text("")
    run = run_check("check_log_matches", "-F", str(log), "-e", "x",
                    "--state-dir", str(tmp_path / "file" / "state"))
    assert run.code == 3 and "state dir" in run.output.summary


def test_usage_errors(tmp_path, state_dir):
    assert "required" in run_check("check_log_matches", "-F", "x").output.summary
    run = run_check("check_log_matches", "-F", "x", "-e", "y", "--timestamp-regex", "(.*)")
    assert run.code == 3 and "--timestamp-format" in run.output.summary


def test_first_run_with_timestamps_reads_only_the_window_of_a_big_log(tmp_path, state_dir):
    import time as clock

    log = tmp_path / "big.log"
    now = 1_800_036_000
    start, step = now - 36000, 0.25  # ten hours of lines, four a second
    lines = []
    for n in range(int(36000 / step)):
        at = start + n * step
        stamp = clock.strftime("%Y-%m-%d %H:%M:%S", clock.gmtime(at))
        lines.append(f"{stamp} {MATCH if n % 13 == 0 else 'GET /'} request {n:07d}\n")
    log.write_text("".join(lines))
    expected = sum(1 for n, line in enumerate(lines)
                   if MATCH in line and now - (start + n * step) < 1800)
    run = run_check("check_log_matches", "-F", str(log), "-e", MATCH, "-v",
                    "--timestamp-format", "%Y-%m-%d %H:%M:%S",
                    env={"TZ": "UTC", "IMMUNE_NOW": str(now)})
    assert run.output.perfdata["matches"].value == expected > 100
    begin, size = (int(w) for w in run.output.long_lines[0].split()[-3::2])
    assert size == log.stat().st_size  # read: the window, 1 MB before it, one probe
    assert 0 < size - begin <= size * 1800 / 36000 + (1 << 20) + (64 << 10)


def test_a_huge_backlog_is_read_over_several_runs_within_the_timeout(tmp_path, state_dir):
    log = tmp_path / "big.log"
    block = "".join(f"{n:06d} {'PHP FATAL error' if n % 100 == 0 else 'fine'}\n"
                    for n in range(100000))
    log.write_text(block * 75)  # 150 MB: more than a quiet machine reads in 0.5 s
    expected = 75 * 1000
    slow = ["--regex", "-i", "-e", "fatal|segfault", "--from-start"]  # ~100 MB/s
    first = run_check("check_log_matches", "-F", str(log), *slow, "-t", "0.5")
    assert first.code == 0 and first.seconds < 1.5, first.stdout
    assert "left to read next run" in first.output.summary
    total, runs = first.output.perfdata["new"].value, 1
    while runs < 20:
        run = run_check("check_log_matches", "-F", str(log), *slow, "-t", "5")
        total, runs = total + run.output.perfdata["new"].value, runs + 1
        if "left to read" not in run.output.summary:
            break
    assert total == expected
