import argparse

import pytest
from immune.business import Judge, breach, format_duration, label, setting
from immune.domain import CheckError, Critical, Metric, Ok, Warn
from immune.queries import Query
from immune.ranges import parse_range


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (0.25, "0.25s"), (45, "45s"), (59.6, "60s"), (60, "1m"), (125, "2m 5s"),
    (3600, "1h"), (7260, "2h 1m"), (90000, "1d 1h"), (86400 * 3 + 59, "3d"),
    (31536000, "365d"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("spec", "value", "text"), [
    ("900", 1000, "above 900"), ("95:", 90, "below 95"), ("10:20", 5, "below 10"),
    ("@10:20", 15, "inside range 10:20"), ("~:5", 7, "above 5"),
])
def test_breach_in_plain_words(spec, value, text):
    assert breach(parse_range(spec), value) == text


def test_judge():
    judge = Judge("x", parse_range("300"), parse_range("900"))
    assert judge.evaluate(Metric("x", 10), None).state == Ok
    warn = judge.evaluate(Metric("x", 301), None)
    assert warn.state == Warn and warn.hint == "above 300"
    assert judge.evaluate(Metric("x", 901), None).state == Critical


def test_label_option_type():
    assert label("  orders   ok ") == "orders ok"
    for bad in ("", "a=b", "it's", "x" * 41, "a|b"):
        with pytest.raises(argparse.ArgumentTypeError):
            label(bad)


def test_setting_prefers_command_line_then_metric_file():
    query = Query("SELECT 1", 900, "metric m", (("min-volume", "20"), ("label", "x=y")))
    args = argparse.Namespace(min_volume=None, label=None, other=None)
    assert setting(args, query, "min-volume", int, 1) == 20
    assert setting(args, query, "other", int, 7) == 7
    assert setting(args, None, "other", int, 7) == 7
    args.min_volume = 3
    assert setting(args, query, "min-volume", int, 1) == 3
    with pytest.raises(CheckError, match="metric m: bad label"):
        setting(args, query, "label", label, "l")
