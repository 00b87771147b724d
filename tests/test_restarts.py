"""The restart record: rate limit per host per hour, bounded, shared through the state store."""

import time
from pathlib import Path

import pytest
from immune.restarts import RestartLog
from immune.state import StateStore


def test_rate_limit_per_host(tmp_path):
    log = RestartLog(StateStore(tmp_path))
    calls = []
    for _ in range(4):
        log.attempt("web1", "Webserver HTTP", 2, lambda: calls.append(1) or True)
    log.attempt("web2", "Webserver HTTP", 2, lambda: calls.append(2) or True)
    assert calls == [1, 1, 2]
    assert [r.refused for r in log.entries("web1")] == [False, False, True, True]
    assert [r.refused for r in log.entries("web2")] == [False]


def test_failed_restart_is_recorded_and_counts(tmp_path):
    log = RestartLog(StateStore(tmp_path))
    record = log.attempt("web1", "Webserver HTTP", 1, lambda: False)
    assert not record.ok and not record.refused
    assert log.attempt("web1", "Webserver HTTP", 1, lambda: True).refused


def test_recent_uses_the_window(tmp_path):
    store = StateStore(tmp_path)
    now = time.time()
    store.save("restarts/web1", {"entries": [
        {"at": now - 7200, "service": "s", "ok": True, "refused": False},
        {"at": now - 60, "service": "s", "ok": True, "refused": False},
        {"bad": "entry"}]})
    log = RestartLog(store)
    assert len(log.entries("web1")) == 2
    assert len(log.recent("web1", 3600)) == 1
    assert len(log.recent("web1", 86400)) == 2
    # An old restart does not count against the hourly limit.
    assert not log.attempt("web1", "s", 2, lambda: True).refused


def test_corrupt_record_reads_as_empty(tmp_path):
    store = StateStore(tmp_path)
    store.save("restarts/web1", {"entries": []})
    Path(store.path("restarts/web1")).write_text("{not json")
    assert RestartLog(store).entries("web1") == []


@pytest.mark.parametrize("document", [
    {"entries": 5}, {"entries": "abc"}, {"entries": {"at": 1}}, [1, 2], "text", 7,
    {"entries": [{"at": "inf", "service": "s", "ok": True}]},
    '{"entries": [{"at": NaN, "service": "s", "ok": true}, 3, null, "x"]}',
    '{"entries": [{"at": 1e999, "service": "s", "ok": true}]}',
])
def test_a_record_of_the_wrong_shape_reads_as_empty_and_is_replaced(tmp_path, document):
    store = StateStore(tmp_path)
    store.save("restarts/web1", {"entries": []})
    if isinstance(document, str) and document.startswith("{"):  # JSON the store would not write
        Path(store.path("restarts/web1")).write_text(document)
    else:
        store.save("restarts/web1", document)
    log = RestartLog(store)
    assert log.entries("web1") == []
    assert log.recent("web1", 3600) == []
    record = log.attempt("web1", "Webserver HTTP", 1, lambda: True)
    assert not record.refused
    assert [(r.service, r.ok) for r in log.entries("web1")] == [("Webserver HTTP", True)]


def test_immune_now_is_honoured_by_the_limit_and_the_window(tmp_path, monkeypatch):
    noon = 1764590400.0  # a fixed instant far from the real time
    monkeypatch.setenv("IMMUNE_NOW", str(noon))
    log = RestartLog(StateStore(tmp_path))
    record = log.attempt("web1", "Webserver HTTP", 1, lambda: True)
    assert record.at == noon and log.entries("web1")[0].at == noon
    assert len(log.recent("web1", 60)) == 1
    monkeypatch.setenv("IMMUNE_NOW", str(noon + 3601))  # an hour later: the limit is free again
    assert log.recent("web1", 3600) == []
    assert not log.attempt("web1", "Webserver HTTP", 1, lambda: True).refused
