import pytest
from immune.numbers import format_number, plural


@pytest.mark.parametrize("value, text", [
    (0.1 + 0.2, "0.3"), (1e20, "100000000000000000000"), (1e-9, "0"), (-0.0, "0"),
    (True, "1"), (False, "0"), (None, "U"), (float("nan"), "U"), (float("inf"), "U"),
    (42, "42"), (2.50, "2.5"), (-1.25, "-1.25"), (1 / 3, "0.333333"),
])
def test_contract_numbers(value, text):
    assert format_number(value) == text


def test_digits():
    assert format_number(5.98765, 2) == "5.99"


def test_plural():
    assert plural(1, "route") == "1 route"
    assert [plural(n, "IP") for n in (0, 2)] == ["0 IPs", "2 IPs"]
    assert plural(3, "mismatch") == "3 mismatches"
    assert plural(2, "syntax problem") == "2 syntax problems"
    assert plural(1, "busy worker") == "1 busy worker"
