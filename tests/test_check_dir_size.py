import os
import subprocess

from runner import run_check, which

KB = 1024
MB = 1024 * KB


def make_files(root, sizes):
    """Files of the given sizes (sparse: instant at any size)."""
    for name, size in sizes.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            out.truncate(size)


def find_sizes(root, recursive=True, name="*"):
    """The independent truth: find(1) lists regular files and their sizes."""
    depth = [] if recursive else ["-maxdepth", "1"]
    out = subprocess.run([which("find"), str(root), *depth, "-type", "f", "-name", name,
                          "-printf", "%s\n"], capture_output=True, text=True, check=True)
    return [int(line) for line in out.stdout.split()]


LOGS = {"access.log": 3 * MB, "error.log": 120 * KB, "other_vhosts_access.log": 0,
        "access.log.1": 9 * MB, "old/access.log.2": 20 * MB}


def test_ok_names_the_directory_and_matches_find(tmp_path):
    make_files(tmp_path, LOGS)
    out = run_check("check_dir_size", "--dir", str(tmp_path), "--max-file-size", "50MB").output
    truth = find_sizes(tmp_path, recursive=False)
    assert out.state == "OK"
    assert out.summary.startswith(f"All files in {tmp_path} are of expected size (4 files, ")
    assert out.perfdata["total"].value == sum(truth)
    assert out.perfdata["largest"].value == max(truth) == 9 * MB
    assert out.perfdata["files"].value == len(truth) == 4
    assert out.perfdata["largest"].crit == str(50 * MB) and out.perfdata["total"].uom == "B"


def test_recursive_and_glob_follow_find(tmp_path):
    make_files(tmp_path, LOGS)
    out = run_check("check_dir_size", "--dir", str(tmp_path), "-r", "--glob", "access.log*").output
    truth = find_sizes(tmp_path, name="access.log*")
    assert out.perfdata["total"].value == sum(truth) == 32 * MB
    assert out.perfdata["files"].value == 3
    assert out.summary == f"{tmp_path} holds 3 files, 32 MB total"


def test_offenders_are_named_largest_first_and_bounded(tmp_path):
    make_files(tmp_path, {f"big{i}.log": (60 + i) * MB for i in range(5)} | {"small.log": 1})
    out = run_check("check_dir_size", "--dir", str(tmp_path), "--max-file-size", "50MB").output
    assert out.state == "CRITICAL"
    assert out.summary == (f"5 files in {tmp_path} over 50 MB: big4.log (64 MB), "
                           "big3.log (63 MB), big2.log (62 MB) and 2 more")


def test_warning_file_size_and_critical_total(tmp_path):
    make_files(tmp_path, LOGS)
    warn = run_check("check_dir_size", "--dir", str(tmp_path), "--warn-file-size", "5MB",
                     "--max-file-size", "50MB").output
    assert warn.state == "WARNING"
    assert warn.summary == f"1 file in {tmp_path} over 5 MB: access.log.1 (9 MB)"
    total = run_check("check_dir_size", "--dir", str(tmp_path), "-r", "--max-total", "30MB",
                      "--warn-total", "10MB").output
    assert total.state == "CRITICAL"
    assert total.summary == f"{tmp_path} total 32.1 MB over 30 MB"
    assert total.perfdata["total"].warn == str(10 * MB)


def test_walk_is_bounded_and_says_so(tmp_path):
    make_files(tmp_path, {f"f{i:03}.log": 10 for i in range(60)})
    run = run_check("check_dir_size", "--dir", str(tmp_path), "--max-file-size", "1KB",
                    "--max-files", "25")
    out = run.output
    assert out.state == "WARNING"
    assert "walk stopped after 25 entries (--max-files 25)" in out.summary
    assert out.perfdata["files"].value == 25   # a lower bound: what was seen
    # what was seen is enough to know a limit is broken: CRITICAL stays CRITICAL
    crit = run_check("check_dir_size", "--dir", str(tmp_path), "--max-file-size", "5",
                     "--max-files", "25").output
    assert crit.state == "CRITICAL"
    assert "25 files" in crit.summary and "walk stopped" in crit.summary


def test_symlinks_are_not_followed(tmp_path):
    make_files(tmp_path, {"real/huge.log": 100 * MB, "logs/small.log": 10})
    (tmp_path / "logs" / "huge.log").symlink_to(tmp_path / "real" / "huge.log")
    out = run_check("check_dir_size", "--dir", str(tmp_path / "logs"), "--max-file-size", "1MB")
    assert out.code == 0 and out.output.perfdata["total"].value == 10


def test_missing_directory_is_unknown(tmp_path):
    out = run_check("check_dir_size", "--dir", str(tmp_path / "nope"), "--max-total", "1").output
    assert out.state == "UNKNOWN"
    assert out.summary == f"cannot read directory {tmp_path / 'nope'}: No such file or directory"


def test_bad_size_is_one_unknown_line(tmp_path):
    out = run_check("check_dir_size", "--dir", str(tmp_path), "--max-total", "50 parsecs").output
    assert out.state == "UNKNOWN" and "is not a size" in out.summary


def test_verbose_lists_the_largest_files(tmp_path):
    make_files(tmp_path, LOGS)
    out = run_check("check_dir_size", "--dir", str(tmp_path), "-r", "-v").output
    assert out.long_lines == [f"20 MB {tmp_path}/old/access.log.2",
                              f"9 MB {tmp_path}/access.log.1", f"3 MB {tmp_path}/access.log"]
    assert os.path.exists(out.long_lines[0].split(" ", 2)[2])
