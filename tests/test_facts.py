from immune.check import Check
from immune.domain import Resource, Warn
from immune.facts import FactContext, Finding, fact, failed


class Facts(Resource):
    def __init__(self, *facts):
        self.facts = facts

    def probe(self):
        return [fact(name, holds, text) for name, holds, text in self.facts]


def run(*facts, state=None):
    check = Check(Facts(*facts), FactContext() if state is None else FactContext("fact", state))
    check()
    return check


def test_holding_findings_are_ok_and_say_what_was_found():
    check = run(("owner", True, "owner root"), ("mode", True, "mode 0755"))
    assert check.exitcode == 0
    assert [str(r) for r in check.results.results] == ["owner root", "mode 0755"]
    assert check.perfdata == []


def test_every_failed_finding_is_listed_in_order():
    check = run(("owner", False, "owner bob, not root"), ("mode", True, "mode 0755"),
                ("group", False, "group staff, not root"))
    assert check.exitcode == 2
    assert failed(check.results) == ["owner bob, not root", "group staff, not root"]


def test_failure_state_is_configurable():
    assert run(("version", False, "too old"), state=Warn).exitcode == 1


def test_finding_is_truthy_only_when_it_holds():
    assert Finding(True, "x") and not Finding(False, "x")
    assert Finding(1, "x").holds == 1
