"""A strict parser of plugin output, used by every test that reads a check."""

from __future__ import annotations

import re
from dataclasses import dataclass

STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
_LINE = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*) (?P<state>OK|WARNING|CRITICAL|UNKNOWN) - "
                   r"(?P<summary>[^|\n]*?)(?: \| (?P<perf>[^|\n]+))?$")
_NUM = r"-?[0-9]+(?:\.[0-9]+)?"
_RANGE = rf"@?(?:(?:{_NUM}|~):)?(?:{_NUM})?"
_LABEL = r"(?:'(?:[^'=]|'')+'|[^'=\s]+)"
_ITEM = re.compile(rf"^(?P<label>{_LABEL})=(?P<value>{_NUM}|U)(?P<uom>s|ms|us|%|B|KB|MB|TB|c)?"
                   rf"(?:;(?P<warn>{_RANGE})(?:;(?P<crit>{_RANGE})(?:;(?P<min>{_NUM})?"
                   rf"(?:;(?P<max>{_NUM})?)?)?)?)?$")
_SPLIT = re.compile(rf"{_LABEL}=\S*")


@dataclass(frozen=True)
class Perf:
    label: str
    value: float | None
    uom: str
    warn: str
    crit: str
    min: str
    max: str


@dataclass(frozen=True)
class Output:
    name: str
    state: str
    code: int
    summary: str
    perfdata: dict[str, Perf]
    long_lines: list[str]


def parse_output(text: str) -> Output:
    """Parse a check's stdout; raise AssertionError on any contract violation."""
    assert text.endswith("\n"), f"output must end with a newline: {text!r}"
    assert len(text.encode()) < 8192, "output larger than Nagios keeps"
    lines = text[:-1].split("\n")
    first = lines[0]
    assert len(first) < 4096, "status line too long"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text), f"control characters: {text!r}"
    match = _LINE.match(first)
    assert match, f"status line breaks the grammar: {first!r}"
    assert len(match["summary"]) <= 200, f"summary too long: {first!r}"
    perfdata: dict[str, Perf] = {}
    perf = match["perf"] or ""
    items = _SPLIT.findall(perf)
    assert " ".join(items) == perf.strip(), f"perfdata does not split cleanly: {perf!r}"
    for item in items:
        m = _ITEM.match(item)
        assert m, f"perfdata item breaks the grammar: {item!r}"
        label = m["label"]
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        assert label[:19] not in {k[:19] for k in perfdata}, f"label not unique: {label!r}"
        value = None if m["value"] == "U" else float(m["value"])
        perfdata[label] = Perf(label, value, m["uom"] or "", m["warn"] or "", m["crit"] or "",
                               m["min"] or "", m["max"] or "")
    return Output(match["name"], match["state"], STATES[match["state"]], match["summary"],
                  perfdata, lines[1:])
