import os
import shutil
import subprocess
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from immune.logtail import CHUNK, LogError, LogTail, Position


def read(path, position, start="beginning", chunk=CHUNK, stop_at=None):
    """One run: the bytes read and the tail (position, notes)."""
    tail = LogTail(str(path), position, start, chunk)
    data = b"".join(bytes(block) for block in tail.blocks(stop_at))  # blocks reuse a buffer
    return data, tail


def test_reads_only_new_complete_lines(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"one\ntwo\n")
    data, tail = read(log, None)
    assert data == b"one\ntwo\n" and tail.first_run
    with open(log, "ab") as f:
        f.write(b"three\nfour")
    data, tail = read(log, tail.position)
    assert data == b"three\n" and not tail.first_run
    assert tail.position.offset == len(b"one\ntwo\nthree\n")
    with open(log, "ab") as f:
        f.write(b" and more\n")
    data, tail = read(log, tail.position)
    assert data == b"four and more\n"


def test_first_run_from_the_end_skips_existing_lines_and_keeps_a_partial_one(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"old\nold\npart")
    data, tail = read(log, None, start="end")
    assert data == b"" and "end of the log" in tail.notes[0]
    with open(log, "ab") as f:
        f.write(b"ial\nnew\n")
    assert read(log, tail.position)[0] == b"partial\nnew\n"


def rotate_rename(log, keep=5):
    for n in range(keep, 0, -1):
        older = log.with_name(f"{log.name}.{n}")
        if older.exists():
            older.rename(log.with_name(f"{log.name}.{n + 1}"))
    log.rename(log.with_name(log.name + ".1"))


def test_rename_rotation_finishes_the_old_file_then_reads_the_new(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    _, tail = read(log, None)
    with open(log, "ab") as f:
        f.write(b"b\nlast-without-newline")
    rotate_rename(log)
    log.write_bytes(b"c\n")
    data, tail = read(log, tail.position)
    assert data == b"b\nlast-without-newline\nc\n"
    assert any("rotated" in note and "app.log.1" in note for note in tail.notes)


def test_several_rotations_between_runs_read_the_files_in_between(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"gen1 a\n")
    _, tail = read(log, None)
    with open(log, "ab") as f:
        f.write(b"gen1 b\n")
    for gen in (2, 3, 4):
        rotate_rename(log)
        log.write_bytes(f"gen{gen}\n".encode())
    assert read(log, tail.position)[0] == b"gen1 b\ngen2\ngen3\ngen4\n"


def test_missing_log_after_rename_reads_the_old_file_until_the_new_one_appears(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    _, tail = read(log, None)
    with open(log, "ab") as f:
        f.write(b"b\npart")
    rotate_rename(log)
    data, tail = read(log, tail.position)
    assert data == b"b\n" and "missing" in tail.notes[0]
    with open(log.with_name("app.log.1"), "ab") as f:
        f.write(b"ial\n")
    log.write_bytes(b"c\n")
    assert read(log, tail.position)[0] == b"partial\nc\n"


def test_copytruncate_reads_the_rest_of_the_copy_then_the_new_start(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"first line\n")
    _, tail = read(log, None)
    with open(log, "ab") as f:
        f.write(b"second\nthird\n")
    shutil.copyfile(log, log.with_name("app.log.1"))
    with open(log, "r+b") as f:
        f.truncate(0)
    with open(log, "ab") as f:
        f.write(b"after truncation, longer than before it was\n")
    data, tail = read(log, tail.position)
    assert data == b"second\nthird\nafter truncation, longer than before it was\n"
    assert any("truncated" in note for note in tail.notes)


def test_copytruncate_of_a_log_that_was_empty_at_the_last_run(tmp_path):
    log = tmp_path / "app.log"
    log.with_name("app.log.2").write_bytes(b"older generation\n")
    time.sleep(0.01)
    log.touch()
    _, tail = read(log, None)
    time.sleep(0.01)
    log.write_bytes(b"x\ny\n")
    shutil.copyfile(log, log.with_name("app.log.1"))
    with open(log, "r+b") as f:
        f.truncate(0)
    with open(log, "ab") as f:
        f.write(b"z\n")
    assert read(log, tail.position)[0] == b"x\ny\nz\n"


def test_truncation_without_a_copy_reads_from_the_start_and_says_so(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"many lines\n" * 10)
    _, tail = read(log, None)
    log.write_bytes(b"new\n")
    data, tail = read(log, tail.position)
    assert data == b"new\n" and "not found" in tail.notes[0]


def test_replaced_file_with_reused_inode_is_seen_by_its_fingerprint(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"2026-01-01 start\nline\n")
    _, tail = read(log, None)
    with open(log, "r+b") as f:  # same inode, same size or larger, other content
        f.write(b"2026-01-02 other\nline\nmore\n")
    assert read(log, tail.position)[0] == b"2026-01-02 other\nline\nmore\n"


def test_compressed_rotations_are_never_read(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    _, tail = read(log, None)
    log.rename(log.with_name("app.log.1.gz"))
    log.write_bytes(b"b\n")
    data, tail = read(log, tail.position)
    assert data == b"b\n" and "lost" in tail.notes[0]


def test_stopping_early_leaves_a_backlog_that_the_next_runs_finish(tmp_path):
    log = tmp_path / "app.log"
    lines = [f"{n:06d}\n".encode() for n in range(3000)]
    log.write_bytes(b"".join(lines[:1000]))
    _, tail = read(log, None)
    with open(log, "ab") as f:
        f.write(b"".join(lines[1000:2000]))
    rotate_rename(log)
    log.write_bytes(b"".join(lines[2000:]))
    seen, position, runs, backlogs = b"", tail.position, 0, []
    while runs < 100:
        tail = LogTail(str(log), position, "beginning", 1024)
        for block in tail.blocks(time.monotonic() + 0.03):
            seen += block
            time.sleep(0.01)  # a slow consumer: time runs out after a few blocks
        position, runs = tail.position, runs + 1
        backlogs.append(tail.backlog)
        if not tail.backlog:
            break
    assert seen == b"".join(lines[1000:])
    assert runs > 2 and backlogs[0] > 0 and backlogs[-1] == 0


def test_deadline_passed_reports_the_backlog(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"x\n" * 5000)
    tail = LogTail(str(log), None, "beginning", 1024)
    assert b"".join(tail.blocks(time.monotonic() - 1)) == b""
    assert tail.backlog == 10000 and tail.position.offset == 0


def test_a_line_longer_than_a_chunk_stays_whole(tmp_path):
    log = tmp_path / "app.log"
    long = b"x" * 5000 + b"\n"
    log.write_bytes(b"a\n" + long + b"b\n")
    assert read(log, None, chunk=1024)[0] == b"a\n" + long + b"b\n"


@pytest.mark.parametrize("make, reason", [
    (lambda p: None, "No such file"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: os.mkfifo(p), "not a regular file"),
])
def test_unusable_logs_are_one_line_errors(tmp_path, make, reason):
    log = tmp_path / "app.log"
    make(log)
    with pytest.raises(LogError) as err:
        read(log, None)
    assert reason in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("data", [None, [], {}, {"dev": 1}, {
    "dev": 1, "inode": 2, "offset": -1, "fp_len": 0, "fp": ""}, {
    "dev": 1, "inode": 2, "offset": True, "fp_len": 0, "fp": ""}, {
    "dev": 1, "inode": 2, "offset": 3, "fp_len": 0, "fp": 7}, {
    "dev": 1, "inode": 2, "offset": 3, "fp_len": 0, "fp": "", "mtime": "x"}, {
    # Absurd sizes would fail every run (pread of 10**30 bytes): no position instead.
    "dev": 1, "inode": 2, "offset": 3, "fp_len": 10**30, "fp": ""}, {
    "dev": 1, "inode": 2, "offset": 3, "fp_len": 1025, "fp": ""}, {
    "dev": 1, "inode": 2, "offset": 1 << 63, "fp_len": 0, "fp": ""}])
def test_malformed_positions_read_as_none(data):
    assert Position.from_state(data) is None


def test_position_round_trip():
    pos = Position(1, 2, 3, 3, "abc", 99, 5)
    assert Position.from_state(pos.to_state()) == pos
    old = {"dev": 1, "inode": 2, "offset": 3, "fp_len": 3, "fp": "abc"}
    assert Position.from_state(old) == Position(1, 2, 3, 3, "abc", 0, 0)


# A model of a log's life: appends (lines, sometimes unfinished), rotations
# (by rename or by copytruncate: one log, one mode, as in logrotate's config)
# and runs of the reader in between. Whatever the order, the runs together
# must yield every line exactly once.
def ops(rotation):
    return st.lists(st.one_of(
        st.tuples(st.just("append"), st.lists(st.sampled_from(
            [b"l", b"line two", b"x" * 40, b""]), min_size=1, max_size=4), st.booleans()),
        st.tuples(st.just(rotation), st.none(), st.none()),
        st.tuples(st.just("read"), st.none(), st.none()),
    ), max_size=25)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.one_of(ops("rename"), ops("copytruncate")))
def test_any_sequence_of_writes_rotations_and_runs_loses_and_repeats_nothing(tmp_path, ops):
    folder = tmp_path / f"m{time.monotonic_ns()}"
    folder.mkdir()
    log = folder / "app.log"
    log.touch()
    counter = iter(range(10**6))
    generations: list[bytes] = []  # content of each finished (rotated) file
    _, tail = read(log, None)
    time.sleep(0.005)
    got = b""
    for op, lines, finished in ops:
        if op == "append":
            # every line unique, so a repeat or a loss cannot hide
            text = b"\n".join(b"%d %s" % (next(counter), line) for line in lines)
            with open(log, "ab") as f:
                f.write(text + (b"\n" if finished else b""))
        elif op == "rename" and log.exists():
            generations.append(log.read_bytes())
            rotate_rename(log, keep=50)
        elif op == "copytruncate" and log.exists():
            generations.append(log.read_bytes())
            for n in range(50, 0, -1):
                older = log.with_name(f"app.log.{n}")
                if older.exists():
                    older.rename(log.with_name(f"app.log.{n + 1}"))
            subprocess.run(["cp", "-p", str(log), str(log.with_name("app.log.1"))], check=True)
            with open(log, "r+b") as f:
                f.truncate(0)
        elif op == "read":
            if not log.exists() and not generations:
                continue
            data, tail = read(log, tail.position)
            got += data
            if tail.position.fp_len == 0:
                time.sleep(0.005)  # file times tick coarsely: see Position.mtime
    if not log.exists():
        log.touch()
    data, tail = read(log, tail.position)
    got += data
    live = log.read_bytes()
    expected = b"".join(g if g.endswith(b"\n") or not g else g + b"\n" for g in generations)
    expected += live[:live.rfind(b"\n") + 1]
    assert got == expected


def test_blocks_reuse_one_buffer_so_keeping_one_needs_a_copy(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n" * 3000)
    kept = [(block, bytes(block)) for block in LogTail(str(log), None, "beginning",
                                                       1024).blocks()]
    assert len(kept) > 2 and len({id(block) for block, _ in kept}) == 1
    assert b"".join(copy for _, copy in kept) == b"a\n" * 3000
