from immune.domain import Metric, Ok
from immune.rates import BaselineContext, Rate, Sample, no_rate_reason, rate


def test_rate_between_samples():
    r = rate(Sample(100, 1000.0), Sample(160, 1030.0))
    assert r == Rate(60, 30.0) and r.per_second == 2


def test_no_rate_without_baseline_clock_jump_or_reset():
    assert rate(None, Sample(5, 10.0)) is None
    assert rate(Sample(5, 100.0), Sample(9, 90.0)) is None  # clock went backwards
    assert rate(Sample(5, 100.0), Sample(9, 100.0)) is None  # clock stood still
    assert rate(Sample(50, 100.0), Sample(9, 160.0)) is None  # counter reset


def test_no_rate_reason_names_each_case_in_the_callers_words():
    now = Sample(9, 100.0)
    assert no_rate_reason(None, now) == "first run"
    assert no_rate_reason(Sample(5, 100.0), now) == "clock went backwards"
    assert no_rate_reason(Sample(50, 40.0), now) == "counters reset"
    assert no_rate_reason(Sample(5, 160.0), now, clock_back="clock went back") \
        == "clock went back"
    assert no_rate_reason(None, now, first_run="new") == "new"


def test_baseline_context_is_ok_says_why_and_has_no_perfdata():
    context = BaselineContext("baseline")
    metric = Metric("baseline", "first run, baseline recorded", context="baseline")
    result = context.evaluate(metric, None)
    assert result.state == Ok and result.hint == "first run, baseline recorded"
    assert context.performance(metric, None) is None


def test_sample_now_reads_the_check_clock(monkeypatch):
    monkeypatch.setenv("IMMUNE_NOW", "1234.5")
    assert Sample.now(42) == Sample(42, 1234.5)


def test_state_round_trip_and_corrupt_state():
    s = Sample.now(42)
    assert Sample.from_state(s.to_state()) == s
    for bad in (None, {}, {"value": "x", "at": 1}, {"value": True, "at": 1}, [1, 2]):
        assert Sample.from_state(bad) is None


def test_non_finite_or_overflowing_state_is_no_sample():
    # A NaN stored as the baseline could never be saved again (JSON without NaN): stuck.
    nan, inf = float("nan"), float("inf")
    for bad in ({"value": nan, "at": 1}, {"value": 1, "at": nan}, {"value": inf, "at": 1},
                {"value": 10**400, "at": 1}, {"value": 1, "at": True}):
        assert Sample.from_state(bad) is None
    assert rate(Sample(1, nan), Sample(2, 10.0)) is None
    assert rate(Sample(nan, 1.0), Sample(2, 10.0)) is None
