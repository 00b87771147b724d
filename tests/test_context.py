from immune.context import ThresholdContext, value_text
from immune.domain import Metric
from immune.ranges import parse_range


def judge(value, warn="", crit="", uom=None):
    ctx = ThresholdContext("m", parse_range(warn), parse_range(crit))
    metric = Metric("m", value, uom, context="m").replace(contextobj=ctx)
    return ctx.evaluate(metric, None), ctx.performance(metric, None), ctx.describe(metric)


def test_states():
    assert int(judge(5, "10", "20")[0].state) == 0
    assert int(judge(15, "10", "20")[0].state) == 1
    assert int(judge(25, "10", "20")[0].state) == 2
    assert judge(25, "10", "20")[0].hint == "outside range 0:20"


def test_no_thresholds_never_alert_on_negative_values():
    assert int(judge(-5)[0].state) == 0


def test_undeterminable_value_is_unknown_with_U_perfdata():
    result, perf, _ = judge(None, "1", "2", "s")
    assert int(result.state) == 3
    assert str(perf) == "m=U;1;2"


def test_description_has_no_float_noise():
    assert judge(0.1 + 0.2, uom="s")[2] == "m is 0.3s"
    assert value_text(Metric("x", 1 / 3, "%")) == "0.33%"


def test_hint_hook_words_the_breach():
    class Said(ThresholdContext):
        def hint(self, limit, value):
            return f"{value} broke {limit.violation}"

    ctx = Said("m", parse_range("10"), parse_range("20"))
    assert ctx.evaluate(Metric("m", 15), None).hint == "15 broke outside range 0:10"
    assert ctx.evaluate(Metric("m", 25), None).hint == "25 broke outside range 0:20"
    assert ctx.evaluate(Metric("m", 5), None).hint is None
