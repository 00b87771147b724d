from grammar import parse_output
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource
from immune.plugin import Plugin


class Fixed(Resource):
    def __init__(self, value):
        self.value = value

    def probe(self):
        if isinstance(self.value, BaseException):
            raise self.value
        return Metric("value", self.value, context="value")


def plugin(value):
    def options(parser):
        parser.add_thresholds("w", "c")

    def build(args, deadline):
        return Check(Fixed(value), ThresholdContext("value", args.warning, args.critical))

    return Plugin("TEST", "A test.", options, build, prog="check_test")


def test_ok_warning_critical():
    assert plugin(5).run(["-w", "10", "-c", "20"])[0] == 0
    assert plugin(15).run(["-w", "10", "-c", "20"])[0] == 1
    code, text = plugin(25).run(["-w", "10", "-c", "20"])
    assert code == 2
    out = parse_output(text)
    assert out.perfdata["value"].value == 25 and out.perfdata["value"].crit == "20"


def test_usage_error_is_one_unknown_line():
    code, text = plugin(1).run(["--bogus"])
    assert code == 3 and text == "TEST UNKNOWN - unrecognized arguments: --bogus\n"


def test_help_is_printed_and_unknown():
    code, text = plugin(1).run(["-h"])
    assert code == 3 and text.startswith("usage: check_test")


def test_exception_becomes_unknown_naming_the_stage_and_traceback_only_at_vvv():
    code, text = plugin(ZeroDivisionError("division by zero")).run([])
    assert code == 3
    assert text == "TEST UNKNOWN - division by zero (while probing)\n"
    code, text = plugin(ZeroDivisionError("division by zero")).run(["-vvv"])
    out = parse_output(text)
    assert any("Traceback" in line for line in out.long_lines)


def test_exception_without_message_names_its_type():
    code, text = plugin(KeyError()).run([])
    assert text == "TEST UNKNOWN - KeyError (while probing)\n"


def test_timeout_names_stage():
    class Slow(Resource):
        def probe(self):
            import time

            time.sleep(3)
            return []

    p = Plugin("SLOW", "d", lambda parser: None, lambda a, d: Check(Slow()), prog="x")
    code, text = p.run(["-t", "0.2"])
    assert (code, text) == (3, "SLOW UNKNOWN - timeout after 0.2s while probing\n")


def test_usage_error_found_while_building_is_the_same_one_line():
    from immune.options import UsageError

    def build(args, deadline):
        raise UsageError("-x and -y exclude each other")

    p = Plugin("TEST", "d", lambda parser: None, build, prog="check_test")
    assert p.run([]) == (3, "TEST UNKNOWN - -x and -y exclude each other\n")
