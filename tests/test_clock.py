import time

import pytest
from immune import clock


def test_now_is_the_system_time_by_default(monkeypatch):
    monkeypatch.delenv("IMMUNE_NOW", raising=False)
    before = time.time()
    assert before <= clock.now() <= time.time()


def test_immune_now_fixes_the_instant(monkeypatch):
    monkeypatch.setenv("IMMUNE_NOW", "1764504000.5")
    assert clock.now() == 1764504000.5


@pytest.mark.parametrize("bad", ["soon", "nan", "inf"])
def test_bad_immune_now_is_a_clear_error(monkeypatch, bad):
    monkeypatch.setenv("IMMUNE_NOW", bad)
    with pytest.raises(ValueError, match="IMMUNE_NOW"):
        clock.now()
