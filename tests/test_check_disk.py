"""check_disk against real mounts: this machine's, and tmpfs/FUSE mounts in a private namespace.

Truth comes from df and os.statvfs (and findmnt for the mount list), never from
the check's own code.
"""

import re
import subprocess

import pytest
from components.mountns import private_mounts
from immune.perfdata import unique_labels
from runner import check_path, run_check, which

MB = 1024 * 1024
PSEUDO = {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs",
          "securityfs", "pstore", "bpf", "configfs", "fusectl", "hugetlbfs", "binfmt_misc",
          "autofs", "nsfs", "rpc_pipefs", "selinuxfs", "efivarfs", "squashfs", "ramfs"}


def df(path):
    """(used, available) bytes of the file system of *path*, from df."""
    out = subprocess.run([which("df"), "-P", "-B1", path], capture_output=True, text=True,
                         check=True).stdout
    fields = out.splitlines()[-1].split()
    return int(fields[2]), int(fields[3])


def test_root_file_system_agrees_with_df():
    out = run_check("check_disk", "-w", "1%", "-c", "0.5%", "-p", "/").output
    used, avail = df("/")
    perf = out.perfdata["/"]
    assert perf.uom == "MB" and perf.min == "0"
    # others write to this disk while we look: agree within 256 MB
    assert abs(perf.value - used / MB) < 256
    assert abs(float(perf.max) - (used + avail) / MB) < 1
    match = re.fullmatch(r"free space: / ([0-9]+) MB \(([0-9]+)%\);", out.summary)
    assert match, out.summary
    assert abs(int(match[1]) - avail / MB) < 256
    assert abs(int(match[2]) - 100 * avail / (used + avail)) <= 1
    # the used levels where -w 1% / -c 0.5% free trigger
    assert abs(float(perf.warn) - 0.99 * (used + avail) / MB) < 1
    assert abs(float(perf.crit) - 0.995 * (used + avail) / MB) < 1


def test_default_run_lists_real_file_systems_and_skips_pseudo_ones():
    out = run_check("check_disk").output
    table = subprocess.run([which("findmnt"), "-rn", "-o", "TARGET,FSTYPE"], capture_output=True,
                           text=True, check=True).stdout
    types = {}
    for line in table.splitlines():
        target, fstype = line.rsplit(" ", 1)
        types[target.replace("\\x20", " ")] = fstype
    shown = re.findall(r"(\S+) [0-9]+ MB \([0-9]+%\);", out.summary)
    assert "/" in shown and "/dev/shm" in types and "/dev/shm" in shown
    for target in shown:
        assert types.get(target) not in PSEUDO  # (a mount may come and go meanwhile)
    assert "/proc" not in shown and "/sys" not in shown
    assert any(t == "proc" for t in types.values())


def test_full_and_empty_tmpfs_thresholds_units_and_inodes(mount_base):
    full, empty, few = str(mount_base / "full"), str(mount_base / "empty"), str(mount_base / "few")
    disk = check_path("check_disk")
    report = private_mounts(
        [("tmpfs", full, "size=1m", "space"), ("tmpfs", empty, "size=4m", None),
         ("tmpfs", few, "size=1m,nr_inodes=16", "inodes")],
        [disk, "-w", "20%", "-c", "10%", "-p", full, "-p", empty],
        [disk, "-w", "5", "-c", "1", "-p", empty],
        [disk, "-c", "5MB", "-p", empty],
        [disk, "-w", "5000", "-c", "10", "-u", "kB", "-p", empty],
        [disk, "-e", "-w", "20%", "-c", "10%", "-N", "tmpfs"],
        [disk, "-X", "tmpfs", "-X", "devtmpfs"],
        [disk, "-W", "50%", "-K", "5", "-p", few, "-p", empty],
        [disk, "-c", "5", "-p", empty, "-C", "-p", full],
    )
    runs = report["runs"]
    for run in runs:
        assert run["code"] in (0, 1, 2, 3) and "Traceback" not in run["stderr"], run

    def output(index):
        from grammar import parse_output

        out = parse_output(runs[index]["stdout"])
        assert out.code == runs[index]["code"]
        return out

    both = output(0)
    assert both.state == "CRITICAL"
    assert both.summary == (f"free space: {full} 0 MB (0%) free below 10%; "
                            f"{empty} 4 MB (100%);")
    for path in (full, empty):
        blocks, bfree, bavail, frsize, _, _ = report["statvfs"][path]
        used, avail = int(report["df"][path][2]), int(report["df"][path][3])
        assert used == (blocks - bfree) * frsize and avail == bavail * frsize
        perf = both.perfdata[path]
        assert perf.value == round(used / MB, 3)
        assert float(perf.max) == round((used + avail) / MB, 3)
    assert int(report["df"][full][3]) == 0

    assert output(1).state == "WARNING" and "free below 5 MB" in output(1).summary
    assert output(2).state == "CRITICAL" and "free below 5 MB" in output(2).summary
    kb = output(3)
    assert kb.state == "WARNING" and kb.summary == f"free space: {empty} 4096 kB (100%) " \
        "free below 5000 kB;"
    errors_only = output(4)
    assert errors_only.state == "CRITICAL"
    assert errors_only.summary.startswith(f"free space: {full} 0 MB (0%) free below 10%;")
    assert empty not in errors_only.summary and few not in errors_only.summary
    assert full not in runs[5]["stdout"] and "/dev/shm" not in runs[5]["stdout"]
    inodes = output(6)
    assert inodes.state == "CRITICAL"
    assert re.search(rf"{few} [0-9]+ MB \([0-9]+% inode=0%\) free inodes below 5%;",
                     inodes.summary), inodes.summary
    assert f"{empty} 4 MB (100% inode=" in inodes.summary
    groups = output(7)  # -C: the full disk after it has no thresholds, so it is OK
    assert groups.state == "CRITICAL"
    assert groups.summary == f"free space: {empty} 4 MB (100%) free below 5 MB; {full} 0 MB (0%);"
    assert groups.perfdata[full].crit == "" and groups.perfdata[empty].crit == "0"


def test_a_hung_mount_is_critical_named_and_does_not_hang_the_check(mount_base):
    hung, fine = str(mount_base / "hung"), str(mount_base / "ok")
    disk = check_path("check_disk")
    report = private_mounts(
        [("tmpfs", fine, "size=2m", None), ("hung", hung)],
        [disk, "-t", "1", "-p", fine, "-p", hung],
        [disk, "-t", "1"],
        [which("timeout"), "1", which("stat"), "-f", hung],
        [disk, "-t", "1", "-p", hung + "/some/dir", "-p", fine],
    )
    named, everything, stat, inside = report["runs"]
    # the mount truly hangs: stat -f is still blocked when timeout(1) kills it
    assert stat["code"] == 124, stat
    from grammar import parse_output

    for run, path in ((named, hung), (everything, hung), (inside, hung + "/some/dir")):
        assert run["seconds"] < 1.5, run
        out = parse_output(run["stdout"])
        assert out.state == "CRITICAL" and run["code"] == 2
        assert re.search(rf"{path} no answer in 0\.[0-9]s, hung mount;", out.summary)
        assert [p.value for label, p in out.perfdata.items() if label.endswith(path[-9:])] \
            == [None]
    assert f"{fine} 2 MB (100%);" in parse_output(inside["stdout"]).summary
    assert parse_output(named["stdout"]).summary.startswith(f"free space: {hung} no answer")
    assert f"{fine} 2 MB (100%);" in parse_output(named["stdout"]).summary


def test_paths_inside_a_mount_missing_paths_and_exact_match(tmp_path):
    target = subprocess.run([which("findmnt"), "-n", "-o", "TARGET", "-T", str(tmp_path)],
                            capture_output=True, text=True, check=True).stdout.strip()
    inside = run_check("check_disk", "-p", str(tmp_path)).output
    assert inside.state == "OK" and list(inside.perfdata) == [target]
    missing = run_check("check_disk", "-p", str(tmp_path / "nope")).output
    assert missing.state == "CRITICAL"
    assert missing.summary == (f"free space: {tmp_path / 'nope'} not accessible: "
                               "no such file or directory;")
    exact = run_check("check_disk", "-E", "-p", str(tmp_path)).output
    assert exact.state == "CRITICAL" and "not a mount point" in exact.summary


@pytest.mark.parametrize("argv", [["-w", "10:5"], ["-c", "101%"], ["-w", "-3"],
                                  ["-u", "XB"], ["-K", "abc"], ["-w", "5PB%"]], ids=" ".join)
def test_bad_limits_are_one_unknown_line(argv):
    run = run_check("check_disk", *argv)
    assert run.code == 3 and run.output.long_lines == []


def test_long_mount_points_get_distinct_labels(mount_base):
    names = [str(mount_base / f"a-rather-long-mount-point-{n}") for n in range(3)]
    disk = check_path("check_disk")
    report = private_mounts([("tmpfs", n, "size=1m", None) for n in names], [disk, *(
        arg for n in names for arg in ("-p", n))])
    from grammar import parse_output

    out = parse_output(report["runs"][0]["stdout"])  # asserts labels unique in 19 characters
    assert len(out.perfdata) == 3 and list(out.perfdata)[0] == names[0]
    assert list(out.perfdata) == unique_labels(names)
    assert all(f"{n} 1 MB (100%);" in out.summary for n in names)
