import json
import os
import stat
import threading
from pathlib import Path

import pytest
from immune.state import ENV_VAR, MAX_STATE_BYTES, StateError, StateStore, default_state_dir


def test_round_trip_atomic_and_private(tmp_path):
    store = StateStore(tmp_path / "s")
    assert store.load("k") is None
    store.save("k", {"offset": 5})
    assert store.load("k") == {"offset": 5}
    mode = stat.S_IMODE(os.stat(store.path("k")).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "s").st_mode) == 0o700
    assert [p.name for p in (tmp_path / "s").iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("content", ["{broken", "[1,2]", "", "\x00\x01", "null"])
def test_corrupt_state_reads_as_fresh_start(tmp_path, content):
    store = StateStore(tmp_path)
    Path(store.path("k")).write_text(content)
    assert store.load("k") is None
    store.save("k", {"a": 1})
    assert store.load("k") == {"a": 1}


def test_state_path_that_is_a_directory_reads_none_and_write_says_why(tmp_path):
    store = StateStore(tmp_path)
    Path(store.path("k")).mkdir()
    assert store.load("k") is None
    with pytest.raises(StateError) as err:
        store.save("k", {"a": 1})
    assert "cannot write state" in str(err.value)


def test_unwritable_directory_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    store = StateStore(tmp_path / "file" / "sub")
    with pytest.raises(StateError) as err:
        store.save("k", {})
    assert "state dir" in str(err.value)


def test_keys_map_to_distinct_safe_files(tmp_path):
    store = StateStore(tmp_path)
    a, b = Path(store.path("log:/var/log/a b")), Path(store.path("log:/var/log/a_b"))
    assert a != b and a.parent == tmp_path and "/" not in a.name


def test_lock_times_out_while_another_holder_keeps_it(tmp_path):
    store = StateStore(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def holder():
        other = StateStore(tmp_path)
        with other.locked("k", 1):
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait(5)
    try:
        with pytest.raises(StateError) as err, store.locked("k", 0.2):
            pass
        assert "locked" in str(err.value)
    finally:
        release.set()
        thread.join()
    with store.locked("k", 0.2):
        store.save("k", {"ok": True})
    assert json.loads(Path(store.path("k")).read_text()) == {"ok": True}


def test_default_directory_order(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert default_state_dir() == str(tmp_path / "env")
    monkeypatch.delenv(ENV_VAR)
    assert str(default_state_dir()) in ("/var/lib/immune",
                                        os.path.expanduser("~/.local/state/immune"))
    assert StateStore().directory == default_state_dir()


@pytest.mark.parametrize("content", ["[" * 100_000, '{"a": ' * 100_000])
def test_deeply_nested_json_reads_as_fresh_start(tmp_path, content):
    store = StateStore(tmp_path)
    Path(store.path("k")).write_text(content)  # json raises RecursionError, not ValueError
    assert store.load("k") is None


def test_oversized_state_file_reads_as_fresh_start(tmp_path):
    store = StateStore(tmp_path)
    with open(store.path("k"), "w") as handle:  # valid JSON, a dict, but not ours
        handle.write('{"junk": "' + "x" * MAX_STATE_BYTES + '"}')
    assert store.load("k") is None
    Path(store.path("k")).write_text('{"small": "' + "x" * 1000 + '"}')
    assert store.load("k") == {"small": "x" * 1000}


def test_fifo_in_place_of_the_state_file_does_not_hang(tmp_path):
    store = StateStore(tmp_path)
    os.mkfifo(store.path("k"))
    assert store.load("k") is None
    store.save("k", {"a": 1})
    assert store.load("k") == {"a": 1}


def test_key_with_undecodable_bytes_has_a_file(tmp_path):
    store = StateStore(tmp_path)
    key = os.fsdecode(b"log:/var/log/\xff\xfe.log")  # a non-UTF-8 path from argv
    store.save(key, {"a": 1})
    assert store.load(key) == {"a": 1}
    assert store.path(key) != store.path(os.fsdecode(b"log:/var/log/\xfe\xff.log"))


def test_updating_loads_hands_over_and_saves_what_the_block_left(tmp_path):
    store = StateStore(tmp_path / "s")
    with store.updating("k", 1) as draft:
        assert draft.data == {}  # nothing stored yet: a fresh baseline
        draft.data["runs"] = 1
    with store.updating("k", 1) as draft:
        assert draft.data == {"runs": 1}
        draft.data = {"replaced": True}  # a new document replaces the old one whole
    assert store.load("k") == {"replaced": True}
    assert stat.S_IMODE(os.stat(store.path("k")).st_mode) == 0o600
    assert [p.name for p in (tmp_path / "s").iterdir() if p.name.endswith(".tmp")] == []


def test_updating_saves_nothing_when_the_block_fails(tmp_path):
    store = StateStore(tmp_path)
    store.save("k", {"runs": 1})
    with pytest.raises(RuntimeError), store.updating("k", 1) as draft:
        draft.data["runs"] = 2
        raise RuntimeError("killed")
    assert store.load("k") == {"runs": 1}


@pytest.mark.parametrize("content", ["{broken", "[1,2]", ""])
def test_updating_a_corrupt_document_starts_fresh(tmp_path, content):
    store = StateStore(tmp_path)
    Path(store.path("k")).write_text(content)
    with store.updating("k", 1) as draft:
        assert draft.data == {}
        draft.data["a"] = 1
    assert store.load("k") == {"a": 1}


def test_updating_holds_the_lock_for_the_whole_block(tmp_path):
    store = StateStore(tmp_path)
    with store.updating("k", 1):
        with pytest.raises(StateError, match="locked"), StateStore(tmp_path).locked("k", 0.1):
            pass
    with store.locked("k", 0.1):
        pass


def test_check_directory_says_when_the_path_is_not_a_directory(tmp_path):
    StateStore(tmp_path / "missing").check_directory()  # created on the first save: fine
    StateStore(tmp_path).check_directory()
    (tmp_path / "file").write_text("x")
    with pytest.raises(StateError, match=r"^state dir .*/file is not a directory$"):
        StateStore(tmp_path / "file").check_directory()
