"""State faults and hostile data, for every installed check that keeps state between runs.

The checks that offer ``--state-dir`` are found from their ``--help`` (as the
contract suite finds the network checks), and each does real runs from the
arguments in :data:`STATEFUL_RUNS`: a new stateful check without an entry
there fails here, so it is covered the day it lands. Each one meets:

- a full disk while it writes its state (a 16 KB tmpfs, filled);
- a corrupt state file (random bytes, truncated, wrong shape, huge, deep,
  a fifo, a link to /dev/zero), and wrong values planted at every place of a
  real state document;
- an unusable state (state file or lock made a directory, state dir a file,
  its file system remounted read-only);
- eight runs at once, released together from a held lock;
- ``kill -9`` at random moments of runs reading a big backlog, and exactly
  mid-write (strace stalls the state write or its rename);
- a clock that jumps back and forth between runs (libfaketime);
- hostile log lines (control characters, escapes, ``|``, ``=``, invalid
  UTF-8, NUL, a 1 MB line) and a hostile log path, at every verbosity.

What must hold: exit 0-3 and output the strict grammar accepts (bounded,
clean), never a traceback; a corrupt state is a fresh baseline (OK, "first
run"), an unusable one a one-line UNKNOWN; the run after a fault recovers;
log lines are never counted twice nor lost where the check can know; rates
are never negative, undetermined or absurd.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import fcntl
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from grammar import Output, parse_output
from immune.state import MAX_STATE_BYTES
from runner import Run, check_module, check_path, installed_checks, libfaketime, run_check, which

MATCH = "PHP Fatal error"


@dataclass(frozen=True)
class Stateful:
    """A real run of a stateful check, and what its perfdata means.

    *args*: its arguments, ``{log}`` standing for a log file in a temp dir.
    *counts*: perfdata label of the log lines counted this run (each test line matches).
    *rates*: perfdata labels of per-second rates; above *max_rate* one is absurd.
    *moved*: (regex over the ``-v`` lines giving what this run added up, perfdata
    label of the running total it was computed from): the sums must agree.
    """

    args: tuple[str, ...]
    counts: str | None = None
    rates: tuple[str, ...] = ()
    max_rate: float = 0.0
    moved: tuple[str, str] | None = None

    @property
    def reads_log(self) -> bool:
        return "{log}" in self.args


STATEFUL_RUNS: dict[str, Stateful] = {
    "check_log_matches": Stateful(("-F", "{log}", "-e", MATCH), counts="new"),
    "check_log_growth": Stateful(("-F", "{log}"), counts="lines", rates=("rate",),
                                 max_rate=1e8),
    "check_net_traffic": Stateful(("-i", "lo"), rates=("lo_rx_bps", "lo_tx_bps", "lo_errors",
                                                       "lo_drops"), max_rate=1e12,
                                  moved=(r"^lo: (\d+) bytes in", "lo_rxbytes")),
}


# Checks that only read state another program writes: their faults are tested with it.
READS_ONLY = {
    "check_restarts": "counts the restart_apache handler's records "
                      "(tests/test_restarts.py, tests/test_check_restarts.py)",
}


def _offers_state_dir(name: str) -> bool:
    return "--state-dir" in run_check(name, "--help").stdout


with ThreadPoolExecutor(4) as _pool:
    _CHECKS = installed_checks()
    _KEEPS = list(_pool.map(_offers_state_dir, _CHECKS))
STATEFUL = [name for name, keeps in zip(_CHECKS, _KEEPS, strict=True)
            if keeps and name not in READS_ONLY]


def test_every_stateful_check_has_a_real_run_in_the_table():
    missing = sorted(set(STATEFUL) - set(STATEFUL_RUNS))
    assert not missing, (f"{missing} offer --state-dir but have no entry in STATEFUL_RUNS "
                         f"({__file__}): add the arguments of a real run")
    assert sorted(STATEFUL_RUNS) == sorted(STATEFUL), "STATEFUL_RUNS names a check that " \
                                                      "is gone or keeps no state"


class Subject:
    """One stateful check in a temp dir: its log, its state dir, runs and judgements."""

    def __init__(self, name: str, spec: Stateful, work: Path, log_name: str | bytes = "app.log"):
        self.name, self.spec = name, spec
        self.state = work / "state"
        self.log = os.path.join(os.fsencode(work), os.fsencode(log_name))
        if spec.reads_log:
            open(self.log, "ab").close()

    def argv(self, *extra: str) -> list:
        args = [self.log if a == "{log}" else a for a in self.spec.args]
        return [*args, "--state-dir", str(self.state), *extra]

    def run(self, *extra: str, env: dict[str, str] | None = None) -> Output:
        out = run_check(self.name, *self.argv(*extra), env=env).output
        self.assert_sane(out)
        return out

    def popen(self, *extra: str) -> subprocess.Popen:
        return subprocess.Popen([check_path(self.name), *self.argv(*extra)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def write(self, count: int, line: bytes = b"") -> int:
        """Append *count* lines (each counted by every log check); returns *count*."""
        if count and self.spec.reads_log:
            text = b"".join(b"%d %s %s\n" % (n, MATCH.encode(), line) for n in range(count))
            with open(self.log, "ab") as handle:
                handle.write(text)
        return count if self.spec.reads_log else 0

    def counted(self, out: Output) -> int:
        """Log lines this run counted (0 when it recorded a baseline instead)."""
        if self.spec.counts is None or self.spec.counts not in out.perfdata:
            return 0
        return int(out.perfdata[self.spec.counts].value)

    def assert_sane(self, out: Output) -> None:
        for perf in out.perfdata.values():
            if perf.min == "0" and perf.value is not None:
                assert perf.value >= 0, f"negative {perf.label}: {out}"
        for label in self.spec.rates:
            if label in out.perfdata:
                value = out.perfdata[label].value
                assert value is not None and 0 <= value <= self.spec.max_rate, \
                    f"absurd rate {label}={value}: {out}"
        if self.spec.counts in out.perfdata:
            assert float(out.perfdata[self.spec.counts].value).is_integer()

    def state_file(self) -> Path:
        [path] = self.state.glob("*.json")
        return path

    def lock_file(self) -> Path:
        [path] = self.state.glob("*.lock")
        return path


@pytest.fixture(params=STATEFUL)
def subject(request, tmp_path) -> Subject:
    name = request.param
    assert name in STATEFUL_RUNS, (f"{name} offers --state-dir but has no entry in "
                                   f"STATEFUL_RUNS ({__file__}): add a real run")
    return Subject(name, STATEFUL_RUNS[name], tmp_path)


def log_subjects() -> list[str]:
    return [n for n in STATEFUL if STATEFUL_RUNS.get(n, Stateful(("{log}",))).reads_log]


# -- a full disk -----------------------------------------------------------------------

@contextlib.contextmanager
def tiny_tmpfs(path: Path, size: str = "16k") -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run([which("mount"), "-t", "tmpfs", "-o", f"size={size},mode=0700",
                              "tmpfs", str(path)], capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs (tests run as root): {mounted.stderr}"
    try:
        yield path
    finally:
        subprocess.run([which("umount"), str(path)], capture_output=True)
        assert not os.path.ismount(path)


def fill(directory: Path) -> Path:
    """Fill the file system of *directory* to the last byte; returns the filler file."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for size in (4096, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as err:
                assert err.errno == errno.ENOSPC
    return filler


def test_disk_full_while_writing_state_then_recovery(subject):
    with tiny_tmpfs(subject.state):
        assert subject.run().state == "OK"
        filler = fill(subject.state)
        lines = subject.write(5)
        full = subject.run()
        assert full.state == "UNKNOWN" and full.long_lines == [], full
        assert "state" in full.summary and "No space left on device" in full.summary
        assert not list(subject.state.glob("*.tmp")), "a failed write left its temp file"
        filler.unlink()
        again = subject.run()
        assert again.state == "OK" and "first run" not in again.summary, again
        assert subject.counted(again) == lines  # nothing lost, nothing twice
        lines = subject.write(3)
        assert subject.counted(subject.run()) == lines


# -- corrupt and unusable state ----------------------------------------------------------

CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "random bytes": lambda good: random.Random(6).randbytes(4096),
    "truncated JSON": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "NUL bytes": lambda good: b"\0" * 1000,
    "JSON list": lambda good: b"[" + good + b"]",
    "JSON null": lambda good: b"null",
    "wrong types": lambda good: json.dumps({k: "x" for k in json.loads(good)}).encode(),
    "deep nesting": lambda good: b'{"position": ' * 50_000,
    "huge": lambda good: b" " * MAX_STATE_BYTES + good,
}


def test_corrupt_state_is_a_fresh_baseline(subject):
    subject.run()
    for corruption in [*CORRUPTIONS, "fifo", "endless"]:  # one after the other, recovering
        subject.write(2)
        path = subject.state_file()
        good = path.read_bytes()
        path.unlink()
        if corruption == "fifo":
            os.mkfifo(path)
        elif corruption == "endless":
            path.symlink_to("/dev/zero")
        else:
            path.write_bytes(CORRUPTIONS[corruption](good))
        fresh = subject.run()
        assert fresh.state == "OK" and "first run" in fresh.summary, (corruption, fresh)
        lines = subject.write(4)
        after = subject.run()
        assert after.state == "OK" and "first run" not in after.summary, (corruption, after)
        assert subject.counted(after) == lines, corruption


def _state_file_is_a_directory(subject: Subject) -> Callable[[], None]:
    path = subject.state_file()
    path.unlink()
    (path / "inside").mkdir(parents=True)
    return lambda: shutil.rmtree(path)


def _lock_is_a_directory(subject: Subject) -> Callable[[], None]:
    path = subject.lock_file()
    path.unlink()
    path.mkdir()
    return path.rmdir


def _state_dir_is_a_file(subject: Subject) -> Callable[[], None]:
    shutil.rmtree(subject.state)
    subject.state.write_text("not a directory\n")
    return subject.state.unlink


@pytest.mark.parametrize("make_unusable", [_state_file_is_a_directory, _lock_is_a_directory,
                                           _state_dir_is_a_file], ids=lambda f: f.__name__[1:])
def test_unusable_state_is_one_unknown_line_then_recovery(subject, make_unusable):
    subject.run()
    undo = make_unusable(subject)
    out = subject.run("-v")
    assert out.state == "UNKNOWN" and out.long_lines == [], out
    assert re.search(r"state|lock", out.summary), out
    undo()
    assert subject.run().state == "OK"


def test_read_only_state_file_system_is_one_unknown_line_then_recovery(subject):
    with tiny_tmpfs(subject.state, "1m"):
        subject.run()
        subject.write(2)
        remount = [which("mount"), "-o", "remount,ro", str(subject.state)]
        assert subject.run().state == "OK" and not subprocess.run(remount).returncode
        lines = subject.write(3)
        out = subject.run()
        assert out.state == "UNKNOWN" and "Read-only file system" in out.summary, out
        assert not subprocess.run([*remount[:2], "remount,rw", *remount[3:]]).returncode
        assert subject.counted(subject.run()) == lines


HOSTILE_VALUES = [None, True, -1, 10**30, 1e308, float("nan"), float("-inf"), "x",
                  "\x1b[31m|=", [], {}, [[1e308, -5]]]


def _places(document: object, path: tuple = ()) -> Iterator[tuple]:
    """Every place in a JSON document (the first three items of a list)."""
    if path:
        yield path
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _places(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document[:3]):
            yield from _places(value, (*path, index))


def _planted(document: dict, path: tuple, value: object) -> dict:
    planted = copy.deepcopy(document)
    target = planted
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return planted


def test_wrong_values_anywhere_in_the_state_never_break_a_run(subject):
    # In-process runs (the installed check module's own PLUGIN): hundreds in a second.
    plugin = check_module(subject.name).PLUGIN
    argv = [os.fsdecode(a) for a in subject.argv("-vv")]
    subject.run()
    subject.write(3)
    subject.run()  # the document now holds a position, events, samples...
    path = subject.state_file()
    good = json.loads(path.read_text())
    places = list(_places(good))
    assert len(places) >= 3, good
    for place in places:
        for value in HOSTILE_VALUES:
            path.write_text(json.dumps(_planted(good, place, value)))
            subject.write(1)
            code, text = plugin.run(argv)
            out = parse_output(text)
            assert out.code == code != 3, f"{place} = {value!r}: {text}"
            subject.assert_sane(out)
            assert json.loads(path.read_text()), "the run did not save a usable state"
    lines = subject.write(2)
    assert subject.counted(subject.run()) == lines


# -- runs at once, kill -9 -------------------------------------------------------------

@contextlib.contextmanager
def held(lock: Path) -> Iterator[None]:
    """Hold a check's state lock (as a run in progress would)."""
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def loopback_traffic() -> Iterator[None]:
    """Bytes flowing over loopback all along, so every counter read differs."""
    server = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def sink() -> None:
        conn, _ = server.accept()
        with conn:
            while conn.recv(65536):
                pass

    def source() -> None:
        with socket.create_connection(server.getsockname()) as client:
            while not stopping.is_set():
                client.sendall(b"x" * 4096)
                time.sleep(0.001)

    threads = [threading.Thread(target=sink), threading.Thread(target=source)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stopping.set()
        for thread in threads:
            thread.join(5)
        server.close()


def _finish(proc: subprocess.Popen, timeout: float = 30) -> Run:
    out, err = proc.communicate(timeout=timeout)
    assert "Traceback" not in out + err, out + err
    return Run(proc.returncode, out, err, 0.0)


def test_eight_runs_at_once_count_every_line_exactly_once(subject):
    baseline = subject.run()
    lines = subject.write(400)
    with held(subject.lock_file()), loopback_traffic():
        procs = [subject.popen("-v") for _ in range(8)]
        time.sleep(1.0)  # all started and waiting for the lock: released together
    outs = []
    for proc in procs:
        run = _finish(proc)
        assert run.code in (0, 1, 2), run.stdout
        outs.append(run.output)
        subject.assert_sane(outs[-1])
    assert sum(subject.counted(out) for out in outs) == lines, [o.summary for o in outs]
    if subject.spec.moved:
        pattern, total = subject.spec.moved
        moved = sum(int(m[1]) for out in outs for line in out.long_lines
                    if (m := re.match(pattern, line)))
        last = max(out.perfdata[total].value for out in outs)
        assert moved == last - baseline.perfdata[total].value, [o.summary for o in outs]
    assert json.loads(subject.state_file().read_text())
    lines = subject.write(7)
    assert subject.counted(subject.run()) == lines


def test_kill_9_at_random_moments_then_the_next_run_recovers(subject):
    rng = random.Random(9)
    began = time.monotonic()
    subject.run()
    whole_run = time.monotonic() - began  # without a backlog: kills land before the end
    written = subject.write(300_000, b"x" * 40)  # ~20 MB: a long read for a log check
    reported, killed = 0, 0
    for _ in range(8):
        written += subject.write(50)
        proc = subject.popen()
        time.sleep(rng.uniform(0.0, 0.9 * whole_run))
        proc.kill()
        run = _finish(proc)
        if run.code == -9 and not run.stdout:
            killed += 1
            continue
        assert run.stdout.endswith("\n"), run.stdout  # all of the output or none
        out = run.output if run.code >= 0 else parse_output(run.stdout)
        assert out.state != "UNKNOWN", out
        subject.assert_sane(out)
        reported += subject.counted(out)
    assert killed >= 2, "the runs ended before the kill: nothing was tested"
    for _ in range(10):  # the backlog is read within -t, maybe over several runs
        out = subject.run()
        assert out.state == "OK", out
        reported += subject.counted(out)
        if "left to read" not in out.summary:
            break
    assert reported <= written  # a run killed after saving reports nothing: never twice
    lines = subject.write(5)
    assert subject.counted(subject.run()) == lines


# strace holds the check at its first write(2) (the state document: checks print only
# after saving) or before its rename(2): kill -9 lands exactly mid-write.
KILL_POINTS = {"while writing the state": "write",
               "between writing and renaming": "rename,renameat,renameat2"}


@pytest.mark.parametrize("syscalls", KILL_POINTS.values(), ids=KILL_POINTS.keys())
def test_kill_9_mid_write_leaves_the_old_state_and_loses_nothing(subject, syscalls):
    subject.run()
    lines = subject.write(10)
    proc = subprocess.Popen([which("strace"), "-f", "-qq", "-o", "/dev/null",
                             "-e", f"trace={syscalls}",
                             "-e", f"inject={syscalls}:delay_enter=10000000:when=1",
                             check_path(subject.name), *subject.argv()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        give_up = time.monotonic() + 10
        while not (temps := list(subject.state.glob("*.json.*.tmp"))):
            assert time.monotonic() < give_up and proc.poll() is None, "no state write seen"
            time.sleep(0.005)
        time.sleep(0.05)  # well inside the 10 s stall
        os.kill(int(temps[0].name.split(".")[-2]), signal.SIGKILL)  # NAME.json.PID.tmp
        time.sleep(0.05)
        proc.kill()  # strace itself would sit out its delay
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out == "", "the killed run printed a result"
    after = subject.run()
    assert after.state == "OK" and "first run" not in after.summary, after
    assert subject.counted(after) == lines  # the killed run saved nothing: read again
    lines = subject.write(3)
    assert subject.counted(subject.run()) == lines


# -- the clock -------------------------------------------------------------------------

def test_clock_jumping_back_and_forth_between_runs(subject):
    subject.run()
    previous = 0.0
    for offset in ("-1h", "-1h", None, "+10d", None, "-20s"):
        lines = subject.write(6)
        time.sleep(0.01)
        env = {} if offset is None else {
            "LD_PRELOAD": libfaketime(), "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        out = subject.run(env=env)
        shift = {None: 0, "-1h": -3600, "+10d": 864000, "-20s": -20}[offset]
        assert out.state == "OK", out
        if subject.spec.rates and shift < previous:
            assert "baseline" in out.summary, f"clock {offset}: {out.summary}"
            assert subject.counted(out) == 0
        else:
            assert subject.counted(out) == lines, f"clock {offset}: {out}"
        previous = shift


# -- hostile data ----------------------------------------------------------------------

HOSTILE_LINES = [
    b"controls \x01\x02\x07\x08\x0b\x0c\x0e\x1f\x7f end",
    b"ansi \x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J\x1b[H \x9b31m",
    b"pipes | perf=1;2;3 | 'q'=2 \"dq\" == ;;",
    b"invalid utf-8 \xff\xfe \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80",
    b"nul \x00\x00 inside",
    b"carriage \r return",
    "separators \u2028 \u2029 bidi \u202e \U0001f525".encode(),
    b"one megabyte " + b"y" * (1 << 20),
    *[b"\xff" * 400] * 5,  # kept as U+FFFD: 3 bytes a character
    *["\U0001f525".encode() * 400] * 5,  # 4 bytes a character
]


@pytest.mark.parametrize("log_name", ["app.log", b"we|ird \x1b[31m\xff=\"'.log"],
                         ids=["hostile lines", "hostile lines, hostile path"])
@pytest.mark.parametrize("name", log_subjects())
def test_hostile_log_data_never_breaks_the_output(name, tmp_path, log_name):
    assert name in STATEFUL_RUNS, f"{name} has no entry in STATEFUL_RUNS"
    subject = Subject(name, STATEFUL_RUNS[name], tmp_path, log_name)
    strict = {"LANG": "C.UTF-8"}  # stdout refuses what UTF-8 cannot say
    subject.run(env=strict)
    lines = sum(subject.write(1, line) for line in HOSTILE_LINES)
    counted = 0
    for verbosity in ("-v", "-vv", "-vvv"):
        out = subject.run(verbosity, env=strict)  # the strict grammar: clean, < 8 KB
        assert out.state == "OK", out
        assert all(len(line) <= 300 for line in out.long_lines)
        counted += subject.counted(out)
    assert counted == lines
