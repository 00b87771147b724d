from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import CheckError, Metric, Resource, Summary
from immune.ranges import parse_range


class Values(Resource):
    def __init__(self, **values):
        self.values = values

    def probe(self):
        for name, value in self.values.items():
            yield Metric(name, value, context="v")


def test_perfdata_keeps_probe_order_not_alphabetical():
    check = Check(Values(load1=1, load15=2, load5=3), ThresholdContext("v"))
    check()
    assert [p.label for p in check.perfdata] == ["load1", "load15", "load5"]
    order = Check(Values(z=1, a=2), ThresholdContext("v"))
    order()
    assert [p.label for p in order.perfdata] == ["z", "a"]


def test_worst_state_wins():
    check = Check(Values(a=1, b=50, c=500), ThresholdContext("v", parse_range("10"),
                                                             parse_range("100")))
    check()
    assert check.exitcode == 2
    assert "c is 500" in check.summary_str


def test_check_error_becomes_unknown_result():
    class Broken(Resource):
        def probe(self):
            raise CheckError("cannot read /proc/loadavg")

    check = Check(Broken(), ThresholdContext("v"))
    check()
    assert check.exitcode == 3 and check.summary_str == "cannot read /proc/loadavg"


def test_no_results_is_unknown():
    check = Check(Values(), Summary())
    check()
    assert check.exitcode == 3 and check.summary_str == "no check results"


def test_metric_without_context_is_unknown():
    check = Check(Values(a=1))
    check()
    assert check.exitcode == 3 and "no context named 'v'" in check.summary_str
