"""Values computed from host facts: arithmetic only, no float noise, clear errors."""

import pytest
from immune.nagiosconf.expr import ExpressionError, evaluate, render

FACTS = {"cpus": 8, "link_mbps": 1000, "name": "web1"}


@pytest.mark.parametrize(("template", "expected"), [
    ("{cpus * 2},{cpus * 1.5},{cpus}", "16,12,8"),
    ("{link_mbps * 0.7}", "700"),
    ("{cpus / 3}", "2.667"),
    ("{0.1 + 0.2}", "0.3"),
    ("{max(cpus, 12)}:{-cpus}", "12:-8"),
    ("--host {name}", "--host web1"),
    ("no braces: 10%", "no braces: 10%"),
    (5, "5"),
    (True, "true"),
])
def test_render(template, expected):
    assert render(template, FACTS) == expected


def test_evaluate_agrees_with_python_arithmetic():
    for cpus in (1, 2, 3, 7, 64):
        assert evaluate("cpus * 1.5 + 1", {"cpus": cpus}) == cpus * 1.5 + 1


@pytest.mark.parametrize(("template", "reason"), [
    ("{cpu * 2}", "unknown fact 'cpu'"),
    ("{__import__('os')}", "is not allowed"),
    ("{cpus.real}", "is not allowed"),
    ("{name * 2}", "arithmetic needs numbers"),
    ("{cpus / 0}", "division by zero"),
    ("{cpus *}", "is not an expression"),
])
def test_bad_expressions_say_why(template, reason):
    with pytest.raises(ExpressionError, match=reason.replace("(", r"\(")):
        render(template, FACTS)
