import math

import pytest
from immune.ranges import NEVER, RangeError, parse_range, parse_range_list


@pytest.mark.parametrize("spec, inside, outside", [
    ("10", [0, 5, 10], [-0.1, 10.01]),
    ("10:", [10, 1e9], [9.99, -5]),
    ("~:10", [-1e9, 10], [10.5]),
    ("10:20", [10, 15, 20], [9, 21]),
    ("@10:20", [9, 21], [10, 15, 20]),
    ("1e3", [999, 1000], [1001]),
    ("-5:-1", [-5, -1], [0, -6]),
    ("0.5:2.5", [0.5, 2.5], [0.4, 2.6]),
])
def test_standard_range_semantics(spec, inside, outside):
    rng = parse_range(spec)
    assert all(rng.match(v) for v in inside)
    assert not any(rng.match(v) for v in outside)


@pytest.mark.parametrize("spec", [None, "", "  "])
def test_no_threshold_never_alerts_even_on_negatives(spec):
    rng = parse_range(spec)
    assert rng is NEVER or rng == NEVER
    assert rng.match(-1e12) and rng.match(1e12) and rng.match(0)
    assert str(rng) == ""


@pytest.mark.parametrize("spec", ["foo", "10:5", "@", ":", "1:2:3", "nan", "~:x", "@~", "1,2"])
def test_bad_ranges_are_refused_with_a_reason(spec):
    with pytest.raises(RangeError) as err:
        parse_range(spec)
    assert spec.strip() in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("spec, text", [
    ("10", "10"), ("10:", "10:"), ("~:10", "~:10"), ("@10:20", "@10:20"),
    ("1e3", "1000"), ("0:5", "5"), ("0.1", "0.1"), ("-3:", "-3:"), ("0:", "0:"), ("@0:", "@0:"),
    ("@0:5", "@5"), ("@~:", "@~:"),
])
def test_canonical_text(spec, text):
    assert str(parse_range(spec)) == text


def test_violation_texts():
    assert parse_range("10").violation == "outside range 0:10"
    assert parse_range("5:").violation == "below 5"
    assert parse_range("~:5").violation == "above 5"
    assert parse_range("@1:2").violation == "inside range 1:2"


def test_range_lists():
    assert parse_range_list("5,4,3", 3) == tuple(parse_range(x) for x in "543")
    assert parse_range_list("5", 3) == (parse_range("5"),) * 3
    assert parse_range_list(None, 2) == (NEVER, NEVER)
    assert parse_range_list("5,,3", 3)[1] == NEVER
    with pytest.raises(RangeError):
        parse_range_list("5,4", 3)


def test_infinity_bounds_are_numbers_not_text():
    assert parse_range("inf").end == math.inf
    assert parse_range("~:").match(-1)
