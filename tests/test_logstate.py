import pytest
from immune.deadline import Deadline
from immune.domain import CheckError
from immune.logstate import LogSummary, log_run
from immune.state import StateStore


def lines_read(log, state, **kw):
    with log_run(str(log), "k", str(state), Deadline(5), **kw) as run:
        data = b"".join(bytes(block) for block in run.blocks())
        run.data["runs"] = run.data.get("runs", 0) + 1
    return data, run


def test_position_and_data_are_saved_after_a_successful_run(tmp_path):
    log, state = tmp_path / "a.log", tmp_path / "state"
    log.write_bytes(b"a\n")
    assert lines_read(log, state)[0] == b""
    log.write_bytes(b"a\nb\n")
    data, run = lines_read(log, state)
    assert data == b"b\n" and not run.first_run
    assert StateStore(state).load("k")["runs"] == 2


def test_a_run_that_fails_midway_saves_nothing(tmp_path):
    log, state = tmp_path / "a.log", tmp_path / "state"
    log.write_bytes(b"")
    lines_read(log, state)
    log.write_bytes(b"b\nc\n")
    before = StateStore(state).load("k")
    with pytest.raises(RuntimeError), log_run(str(log), "k", str(state), Deadline(5)) as run:
        next(iter(run.blocks()))
        raise RuntimeError("killed")
    assert StateStore(state).load("k") == before
    assert lines_read(log, state)[0] == b"b\nc\n"


def test_log_and_state_problems_are_check_errors(tmp_path):
    with pytest.raises(CheckError, match="No such file"):
        lines_read(tmp_path / "none.log", tmp_path / "state")
    (tmp_path / "f").write_text("")
    (tmp_path / "a.log").write_text("")
    with pytest.raises(CheckError, match="state dir"):
        lines_read(tmp_path / "a.log", tmp_path / "f" / "state")


class Tail:
    def __init__(self, notes=(), backlog=0):
        self.notes, self.backlog = list(notes), backlog


class Watched:
    tail = None


def test_log_summary_speaks_of_the_tail_and_nothing_before_it_read():
    resource = Watched()
    summary = LogSummary(resource)
    assert summary.backlog() == "" and summary.verbose(None) == []
    resource.tail = Tail(["log rotated"], backlog=2048)
    assert summary.backlog() == " (2 KB left to read next run)"
    assert summary.verbose(None) == ["log rotated"]
    resource.tail = Tail()
    assert summary.backlog() == ""
