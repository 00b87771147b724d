import os
import re
import subprocess
import time

import pytest
from runner import c_plugin, run_check, which

C_PLUGIN = c_plugin("check_file_age")   # the Monitoring Plugins' own, for the same verdicts
STATES = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}


def reference(*args):
    """Exit code, age and size as the Monitoring Plugins' check_file_age sees them."""
    out = subprocess.run([C_PLUGIN, *args], capture_output=True, text=True, timeout=10)
    match = re.search(r"age=(-?\d+)s;.* size=(\d+)B", out.stdout)
    return out.returncode, out.stdout, match and (int(match[1]), int(match[2]))


def aged(path, seconds, size):
    path.write_bytes(b"x" * size)
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))
    return str(path)


# Ages and sizes kept away from the thresholds: the two runs are a few ms apart.
CASES = [(10, 500), (400, 500), (900, 500), (10, 0), (10, 50), (400, 50)]
OPTIONS = [[], ["-w", "100", "-c", "1000"], ["-W", "100"], ["-W", "100", "-C", "10"],
           ["-w", "60", "-c", "120", "-W", "1", "-C", "1"], ["-c", "5000", "-w", "3000"]]


@pytest.mark.parametrize("age,size", CASES)
def test_same_verdict_as_the_monitoring_plugins_check(tmp_path, age, size):
    path = aged(tmp_path / "f", age, size)
    for options in OPTIONS:
        ours = run_check("check_file_age", "-f", path, *options)
        code, text, (ref_age, ref_size) = reference("-f", path, *options)
        out = ours.output
        assert ours.code == code, f"{options}: ours {out} / theirs {text}"
        assert abs(out.perfdata["age"].value - ref_age) <= 1
        assert out.perfdata["size"].value == ref_size
        assert out.summary.startswith(f"{path} is {int(out.perfdata['age'].value)} seconds old "
                                      f"and {ref_size} bytes")


def test_perfdata_and_summary_in_the_c_plugin_form(tmp_path):
    path = aged(tmp_path / "f", 300, 123)
    run = run_check("check_file_age", "-f", path, "-W", "1000")
    assert run.stdout.startswith(f"FILE_AGE WARNING - {path} is 30")
    assert re.search(r"\| age=30\ds;240;600 size=123B;1000:;;0$", run.stdout.splitlines()[0])
    assert "(age above 240)" in run.output.summary


def test_missing_file_critical_or_ignored_like_the_c_plugin(tmp_path):
    missing = str(tmp_path / "missing")
    assert reference("-f", missing)[0] == 2
    out = run_check("check_file_age", "-f", missing).output
    assert out.state == "CRITICAL" and out.summary == f"File not found - {missing}"
    assert reference("-f", missing, "-i")[0] == 0
    out = run_check("check_file_age", "-f", missing, "--ignore-missing").output
    assert out.state == "OK"
    assert out.summary == f"{missing} doesn't exist, but ignore-missing was set"


def test_a_directory_is_judged_too(tmp_path):
    ours = run_check("check_file_age", "-f", str(tmp_path), "-w", "3000", "-c", "6000")
    assert ours.code == reference("-f", str(tmp_path), "-w", "3000", "-c", "6000")[0] == 0


def test_range_syntax_switches_every_threshold_to_ranges(tmp_path):
    # As documented for the C plugin (which needs Monitoring::Plugin for it):
    # once one threshold is a range, -W 100 means "size within 0..100".
    path = aged(tmp_path / "f", 10, 500)
    out = run_check("check_file_age", "-f", path, "-w", "0:1000", "-c", "0:2000", "-W", "100")
    assert out.output.state == "WARNING" and "(size outside range 0:100)" in out.output.summary
    ok = run_check("check_file_age", "-f", path, "-w", "0:1000", "-c", "0:2000", "-W", "1000")
    assert ok.code == 0
    future = aged(tmp_path / "g", -500, 1)  # modified in the future: outside 0:2000
    assert run_check("check_file_age", "-f", future, "-w", "0:1000", "-c", "0:2000").code == 2
    assert run_check("check_file_age", "-f", future).code == reference("-f", future)[0] == 0


def test_newest_matching_file_is_judged(tmp_path):
    for name, age in (("db-1.sql.gz", 9000), ("db-2.sql.gz", 5000), ("db-3.sql.gz", 700),
                      ("other.txt", 1)):
        aged(tmp_path / name, age, 2048)
    (tmp_path / "db-4.sql.gz").mkdir()      # not a file: never the newest
    out = run_check("check_file_age", "--newest", str(tmp_path / "db-*.sql.gz"),
                    "-w", "3600", "-c", "86400", "-C", "1024").output
    assert out.state == "OK"
    newest = tmp_path / "db-3.sql.gz"
    assert out.summary.startswith(f"{newest} is 70")
    assert out.summary.endswith("(newest of 3 matching db-*.sql.gz)")
    assert out.perfdata["size"].value == os.stat(newest).st_size
    late = run_check("check_file_age", "-n", str(tmp_path / "db-*.sql.gz"), "-w", "600").output
    assert late.state == "CRITICAL"    # the default -c 600 applies too


def test_newest_with_nothing_matching(tmp_path):
    pattern = str(tmp_path / "*.bak")
    out = run_check("check_file_age", "--newest", pattern).output
    assert out.state == "CRITICAL" and out.summary == f"no file matches {pattern}"
    assert run_check("check_file_age", "--newest", pattern, "-i").code == 0
    gone = run_check("check_file_age", "--newest", str(tmp_path / "gone" / "*.bak")).output
    assert gone.state == "CRITICAL"


def test_newest_in_an_unreadable_directory_is_unknown_not_missing(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.bak").write_text("x")
    locked.chmod(0)
    # root reads anything: drop the capabilities that allow it
    wrapper = (which("setpriv"), "--inh-caps=-all",
               "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
    for extra in ([], ["-i"]):
        out = run_check("check_file_age", "--newest", str(locked / "*.bak"), *extra,
                        wrapper=wrapper).output
        assert out.state == "UNKNOWN" and "Permission denied" in out.summary, out


def test_newest_looks_at_a_bounded_number_of_entries(tmp_path):
    for i in range(30):
        aged(tmp_path / f"f{i}", 10, 1)
    out = run_check("check_file_age", "--newest", str(tmp_path / "f*"), "--max-files", "10")
    assert out.output.state == "UNKNOWN"
    assert out.output.summary == f"more than 10 entries in {tmp_path} (raise --max-files)"
    assert run_check("check_file_age", "--newest", str(tmp_path / "f*")).code == 0


@pytest.mark.parametrize("argv", [["-f", "x", "-n", "y*"], ["-n", "/a/*/b"],
                                  ["-W", "abc", "-f", "x"]])
def test_bad_option_combinations_are_one_unknown_line(argv):
    out = run_check("check_file_age", *argv).output
    assert out.state == "UNKNOWN" and out.long_lines == []


def test_age_is_judged_against_immune_now(tmp_path):
    path = aged(tmp_path / "f", 10, 500)
    then = int(os.stat(path).st_mtime)
    run = run_check("check_file_age", "-f", path, env={"IMMUNE_NOW": str(then + 700)})
    assert run.code == 2 and run.output.perfdata["age"].value == 700
    run = run_check("check_file_age", "-f", path, env={"IMMUNE_NOW": str(then + 300)})
    assert run.code == 1 and run.output.perfdata["age"].value == 300
