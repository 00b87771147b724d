"""check_procs against real processes this test starts, counted independently with ps."""

import os
import re
import signal
import subprocess
import uuid

import pytest
from runner import check_path, run_check, which


def ps_table():
    """Every process as ps sees it: (pid, ppid, user, stat, comm, args)."""
    out = subprocess.run([which("ps"), "-ww", "-eo", "pid=,ppid=,user:32=,stat=,comm=,args="],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        pid, ppid, user, stat, comm, *args = line.split(None, 5)
        rows.append((int(pid), int(ppid), user, stat, comm, args[0] if args else ""))
    return rows


@pytest.fixture
def sleepers(tmp_path):
    """Three `sleep` processes under a distinctive command name, with distinctive args."""
    tag = uuid.uuid4().hex[:6]
    name = f"imsl{tag}"  # comm is the name of the file executed: short enough to stay whole
    link = tmp_path / name
    link.symlink_to(which("sleep"))
    arg = f"300.{int(tag, 16)}"
    procs = [subprocess.Popen([str(link), arg]) for _ in range(3)]
    try:
        yield name, arg, procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def test_counts_by_command_name_as_ps_does(sleepers):
    name, arg, procs = sleepers
    expected = [row for row in ps_table() if row[4] == name]
    assert len(expected) == 3
    out = run_check("check_procs", "-C", name, "-c", "3:3").output
    assert out.state == "OK"
    assert out.summary == f"3 processes with command name '{name}'"
    assert out.perfdata["procs"].value == 3 and out.perfdata["procs"].crit == "3:3"
    assert out.perfdata["procs"].min == "0"


def test_drop_in_thresholds(sleepers):
    name, _, procs = sleepers
    crit = run_check("check_procs", "-C", name, "-c", "1:1").output
    assert crit.state == "CRITICAL"
    assert crit.summary == f"3 processes with command name '{name}' (count outside range 1:1)"
    assert run_check("check_procs", "-C", name, "-w", "2", "-c", "5").output.state == "WARNING"
    procs[0].kill()
    procs[0].wait()
    one = run_check("check_procs", "-C", name, "-c", "3:").output
    assert one.state == "CRITICAL" and one.summary.startswith("2 processes")
    assert run_check("check_procs", "-C", "no-such-name-x", "-c", "1:").output.summary == \
        "0 processes with command name 'no-such-name-x' (count below 1)"


def test_args_substring_never_counts_the_check_or_the_shells_that_run_it(sleepers):
    name, arg, _ = sleepers
    assert [row[0] for row in ps_table() if arg in row[5]] != []
    direct = run_check("check_procs", "-a", arg).output
    assert direct.perfdata["procs"].value == 3
    assert direct.summary == f"3 processes with args '{arg}'"
    # Nagios runs commands through /bin/sh -c; "; true" keeps the shell alive as our parent.
    # Two levels of shells, and a sibling process that also carries the string but is no
    # ancestor of the check (it must be counted).
    inner = f"{check_path('check_procs')} -a {arg} -w 4:4; true"
    sibling = subprocess.Popen([which("sleep"), "300", arg])
    try:
        shell = subprocess.run(["/bin/sh", "-c", f"/bin/sh -c '{inner}'; true"],
                               capture_output=True, text=True, timeout=30)
    finally:
        sibling.kill()
        sibling.wait()
    assert shell.stdout.startswith(f"PROCS OK - 4 processes with args '{arg}'"), shell.stdout


def test_other_runs_of_the_check_are_not_counted(sleepers, tmp_path):
    name, arg, _ = sleepers
    other = tmp_path / "check_procs"  # another run, as ps shows it: argv[0] is check_procs
    other.symlink_to(which("sleep"))
    running = subprocess.Popen([str(other), "300", arg])
    try:
        assert sum(1 for row in ps_table() if arg in row[5]) == 4
        assert run_check("check_procs", "-a", arg).output.perfdata["procs"].value == 3
    finally:
        running.kill()
        running.wait()


def test_regex_args_and_one_line_error_for_a_bad_regex(sleepers):
    name, arg, _ = sleepers
    pattern = arg.replace(".", r"\.") + "$"
    out = run_check("check_procs", "--ereg-argument-array", pattern, "-C", name).output
    assert out.perfdata["procs"].value == 3
    assert out.summary == f"3 processes with command name '{name}', regex args '{pattern}'"
    bad = run_check("check_procs", "--ereg-argument-array", "(")
    assert bad.code == 3 and "bad regular expression" in bad.output.summary


def test_user_filter_by_name_and_id(tmp_path):
    tag = uuid.uuid4().hex[:8]
    arg = f"300.{int(tag, 16)}"
    as_nobody = subprocess.Popen([which("sleep"), arg], user="nobody")
    as_root = subprocess.Popen([which("sleep"), arg])
    try:
        owners = sorted(row[2] for row in ps_table() if row[5].endswith(arg))
        assert owners == ["nobody", "root"]
        by_name = run_check("check_procs", "-a", arg, "-u", "nobody").output
        assert by_name.perfdata["procs"].value == 1
        uid = subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True).stdout
        by_id = run_check("check_procs", "-a", arg, "-u", uid.strip()).output
        assert by_id.perfdata["procs"].value == 1
        assert f"UID = {uid.strip()} (nobody)" in by_id.summary
        assert run_check("check_procs", "-a", arg).output.perfdata["procs"].value == 2
        unknown = run_check("check_procs", "-u", "no-such-user-x")
        assert unknown.code == 3 and "no-such-user-x" in unknown.output.summary
    finally:
        for proc in (as_nobody, as_root):
            proc.kill()
            proc.wait()


def test_state_and_parent_filters(sleepers):
    name, arg, procs = sleepers
    os.kill(procs[0].pid, signal.SIGSTOP)
    procs[1].kill()  # not reaped yet: a zombie, as ps shows it
    try:
        stats = {row[0]: row[3][0] for row in ps_table() if row[1] == os.getpid()}
        assert stats[procs[0].pid] == "T" and stats[procs[1].pid] == "Z"
        stopped = run_check("check_procs", "-C", name, "-s", "T").output
        assert stopped.perfdata["procs"].value == 1
        assert stopped.summary.endswith("state 'T'")
        zombies = run_check("check_procs", "-C", name, "-s", "ZT").output
        assert zombies.perfdata["procs"].value == 2
        children = run_check("check_procs", "-C", name, "-p", str(os.getpid())).output
        assert children.perfdata["procs"].value == 3
        assert run_check("check_procs", "-C", name, "-p", "1").output.perfdata[
            "procs"].value == 0
    finally:
        os.kill(procs[0].pid, signal.SIGCONT)


def test_kernel_threads_are_left_out_with_k():
    total = run_check("check_procs").output
    assert re.fullmatch(r"[0-9]+ processes", total.summary)
    assert run_check("check_procs", "-C", "kthreadd").output.perfdata["procs"].value == 1
    assert run_check("check_procs", "-k", "-C", "kthreadd").output.perfdata["procs"].value == 0
    workers = run_check("check_procs", "-p", "2").output.perfdata["procs"].value
    # kernel workers come and go slowly: agree with ps within a few
    assert abs(workers - sum(1 for row in ps_table() if row[1] == 2)) <= 3
    assert run_check("check_procs", "-k", "-p", "2").output.perfdata["procs"].value == 0


def test_verbose_lists_pids_not_arguments(sleepers):
    name, arg, procs = sleepers
    run = run_check("check_procs", "-C", name, "-v")
    pids = sorted(int(line.split()[1]) for line in run.output.long_lines)
    assert pids == sorted(p.pid for p in procs)
    assert arg not in "\n".join(run.output.long_lines)


def test_command_names_longer_than_the_kernel_keeps(tmp_path):
    name = "immune-long-daemon-name"  # 23 characters; the kernel keeps 15
    link = tmp_path / name
    link.symlink_to(which("sleep"))
    proc = subprocess.Popen([str(link), "300"])
    try:
        assert [row[4] for row in ps_table() if row[0] == proc.pid] == [name[:15]]
        assert run_check("check_procs", "-C", name).output.perfdata["procs"].value == 1
        assert run_check("check_procs", "-C", name[:15]).output.perfdata["procs"].value == 1
        assert run_check("check_procs", "-C", name + "x").output.perfdata["procs"].value == 0
    finally:
        proc.kill()
        proc.wait()

