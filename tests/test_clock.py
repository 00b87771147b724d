import time

from immune import clock


def test_now_is_the_wall_clock_unless_injected(monkeypatch):
    monkeypatch.delenv(clock.ENV_VAR, raising=False)
    assert abs(clock.now() - time.time()) < 1
    monkeypatch.setenv(clock.ENV_VAR, "1800000000.5")
    assert clock.now() == 1800000000.5
    monkeypatch.setenv(clock.ENV_VAR, "garbage")
    assert abs(clock.now() - time.time()) < 1
