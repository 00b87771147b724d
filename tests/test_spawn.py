"""immune.spawn: a program run within the time left, its output whole, its group killed."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from immune import spawn
from runner import alive, process_stat

BIG = 300_000  # several times a pipe's buffer, on both streams at once


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def children() -> set[int]:
    """This process's children, running or not yet reaped."""
    me = str(os.getpid())
    return {int(pid) for pid in os.listdir("/proc")
            if pid.isdigit() and (process_stat(pid) or [None, None])[1] == me}


def test_stdout_and_stderr_come_back_whole_and_apart():
    script = f"head -c {BIG} /dev/zero; head -c {BIG} /dev/urandom >&2; echo end"
    done = spawn.run(["sh", "-c", script], 10)
    assert done.returncode == 0
    assert done.stdout == b"\0" * BIG + b"end\n"
    assert len(done.stderr) == BIG
    assert done.args == ["sh", "-c", script]


def test_input_is_delivered_whole_while_output_is_read():
    data = os.urandom(BIG)
    done = spawn.run(["cat"], 10, input=data)
    assert done.stdout == data and done.stderr == b""


def test_input_a_program_does_not_read_is_no_error():
    done = spawn.run(["true"], 10, input=b"x" * BIG)
    assert done.returncode == 0


def test_without_input_stdin_is_empty():
    assert spawn.run(["cat"], 10).stdout == b""


@pytest.mark.parametrize(("script", "code"), [("exit 3", 3), ("kill -TERM $$", -15)])
def test_exit_status_as_subprocess_reports_it(script, code):
    assert spawn.run(["sh", "-c", script], 10).returncode == code
    assert subprocess.run(["sh", "-c", script]).returncode == code


def test_timeout_kills_the_whole_group_and_reaps(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    before = children()
    start = time.monotonic()
    with pytest.raises(spawn.Expired):
        spawn.run(["sh", "-c", f"sleep 30 & echo $! > {pidfile}; echo started; wait"], 0.5)
    assert time.monotonic() - start < 1.5
    grandchild = int(pidfile.read_text())
    time.sleep(0.1)
    assert not alive(grandchild)
    assert children() == before


def test_a_program_that_keeps_running_after_closing_its_output_times_out():
    start = time.monotonic()
    with pytest.raises(spawn.Expired):
        spawn.run(["sh", "-c", "exec >&- 2>&-; sleep 30"], 0.5)
    assert time.monotonic() - start < 1.5


@pytest.mark.parametrize(("name", "reason"), [("nope", "No such file"),
                                              (".", "Permission denied")])
def test_a_program_that_cannot_start_raises_not_started(tmp_path, name, reason):
    with pytest.raises(spawn.NotStarted, match=reason):
        spawn.run([str(tmp_path / name)], 5)


def test_no_descriptor_is_left_open_and_no_child_is_left_behind(tmp_path):
    before, kids = open_fds(), children()
    spawn.run(["echo", "x"], 5, input=b"y")
    with pytest.raises(spawn.NotStarted):
        spawn.run([str(tmp_path / "nope")], 5)
    with pytest.raises(spawn.Expired):
        spawn.run(["sleep", "5"], 0.2)
    assert open_fds() == before
    assert children() == kids


class Alarm(Exception):
    pass


def test_the_hard_timer_striking_at_any_moment_leaves_no_program_running():
    # The check's SIGALRM may fire while the program is being started: before its pid
    # is known nothing could kill it, so the alarm is held until it is.
    def ring(signum, frame):
        raise Alarm

    before = children()
    previous = signal.signal(signal.SIGALRM, ring)
    rounds = random.Random(6)
    try:
        for _ in range(300):
            signal.setitimer(signal.ITIMER_REAL, rounds.uniform(0.0001, 0.004))
            try:
                spawn.run(["sleep", "30"], 10)
            except Alarm:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert children() == before


def standard_signal_masks(status: bytes) -> dict[str, int]:
    """Blocked and ignored signals 1-31 from /proc/PID/status (32 and 33 are the C
    library's own: posix_spawn and subprocess set those up differently)."""
    return {line.split(b":")[0].decode(): int(line.split()[1], 16) & 0x7FFFFFFF
            for line in status.splitlines() if line.startswith((b"SigBlk", b"SigIgn"))}


def test_the_program_gets_default_signals_as_with_subprocess():
    # Python ignores SIGPIPE and SIGXFSZ; a program must not inherit that.
    argv = ["cat", "/proc/self/status"]
    ours = standard_signal_masks(spawn.run(argv, 5).stdout)
    assert ours == standard_signal_masks(subprocess.run(argv, capture_output=True).stdout)
    assert ours["SigIgn"] == 0 and len(ours) == 2
    assert spawn.run(["sh", "-c", "yes | head -1"], 5).stderr == b""


def test_a_parent_ignoring_sigchld_does_not_lose_the_exit_status():
    code = ("import signal\nsignal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
            "from immune import spawn\nprint(spawn.run(['sh', '-c', 'exit 3'], 5).returncode)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout == "3\n", out.stderr


def test_the_program_runs_in_a_session_of_its_own():
    done = spawn.run(["sh", "-c", "ps -o sid= -p $$"], 5)
    assert int(done.stdout) != os.getsid(0)


def test_a_caller_with_stdin_and_stderr_closed_still_gets_everything():
    code = ("import os\nos.close(0)\nos.close(2)\nfrom immune import spawn\n"
            "done = spawn.run(['sh', '-c', 'cat; echo out; echo err >&2'], 5, input=b'in ')\n"
            "os.write(1, repr((done.stdout, done.stderr)).encode())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert out.stdout == b"(b'in out\\n', b'err\\n')", out.stderr
