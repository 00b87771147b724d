import pytest
from immune.options import CheckParser, ShowText, UsageError
from immune.ranges import NEVER, parse_range


def parser(**kwargs):
    p = CheckParser("check_x", "A test check.")
    p.add_thresholds("warn", "crit", **kwargs)
    return p


def test_standard_options_and_defaults():
    args = parser().parse_args([])
    assert args.timeout == 10 and args.verbose == 0
    assert args.warning == NEVER and args.critical == NEVER
    args = parser().parse_args(["-vvv", "-t", "0.5", "-w", "1e1", "-c", "20:"])
    assert (args.verbose, args.timeout) == (3, 0.5)
    assert args.warning == parse_range("10") and args.critical == parse_range("20:")


def test_help_and_version_raise_text_instead_of_exiting():
    with pytest.raises(ShowText) as shown:
        parser().parse_args(["-h"])
    assert "usage: check_x" in str(shown.value) and "A test check." in str(shown.value)
    with pytest.raises(ShowText) as shown:
        parser().parse_args(["--version"])
    assert str(shown.value).startswith("check_x (immune) ")


@pytest.mark.parametrize("argv", [["-x"], ["-w"], ["-w", "5:1"], ["-t", "inf"], ["-t", "0"],
                                  ["extra"], ["-c", "abc"]])
def test_bad_options_raise_usage_error(argv):
    with pytest.raises(UsageError) as err:
        parser().parse_args(argv)
    assert "\n" not in str(err.value).strip()


def test_threshold_lists_and_defaults():
    p = parser(count=3, default_warning="5,4,3")
    assert p.parse_args([]).warning == tuple(parse_range(x) for x in "543")
    assert p.parse_args(["-w", "7"]).warning == (parse_range("7"),) * 3
    with pytest.raises(UsageError):
        p.parse_args(["-w", "1,2"])


def test_state_dir_option():
    p = CheckParser("check_x", "d")
    p.add_state_dir()
    assert p.parse_args(["--state-dir", "/tmp/s"]).state_dir == "/tmp/s"
    assert p.parse_args([]).state_dir is None


def test_host_and_port_options():
    p = CheckParser("check_x", "d")
    p.add_host(default_port=80)
    args = p.parse_args(["-H", "127.0.0.1"])
    assert (args.hostname, args.port) == ("127.0.0.1", 80)
    with pytest.raises(UsageError, match="hostname"):
        p.parse_args([])
    with pytest.raises(UsageError, match="not in 1-65535"):
        p.parse_args(["-H", "x", "-p", "70000"])


def test_size_option_type_takes_units():
    from immune.options import size

    p = CheckParser("check_x", "d")
    p.add_argument("--max", type=size)
    assert p.parse_args(["--max", "50MB"]).max == 50 * 1024**2
    with pytest.raises(UsageError, match="not a size"):
        p.parse_args(["--max", "fifty"])


def test_state_name_option_type_gives_the_value_for_the_name():
    from immune.options import state_name

    p = CheckParser("check_x", "d")
    p.add_argument("--refuse", type=state_name(0, 1, 2), default=2)
    assert [p.parse_args(["--refuse", name]).refuse for name in ("ok", "warn", "crit")] \
        == [0, 1, 2]
    assert p.parse_args([]).refuse == 2
    with pytest.raises(UsageError, match="'critical' is not one of ok, warn, crit"):
        p.parse_args(["--refuse", "critical"])


def test_regex_option_type_validates_and_keeps_the_text():
    from immune.options import regex

    p = CheckParser("check_x", "d")
    p.add_argument("--regex", type=regex)
    assert p.parse_args(["--regex", "^a+b$"]).regex == "^a+b$"
    with pytest.raises(UsageError, match=r"bad regular expression '\(': "):
        p.parse_args(["--regex", "("])


def test_family_options_are_socket_address_families():
    import socket

    p = CheckParser("check_x", "d")
    p.add_family()
    assert p.parse_args([]).family == socket.AF_UNSPEC
    assert p.parse_args(["-4"]).family == socket.AF_INET
    assert p.parse_args(["--use-ipv6"]).family == socket.AF_INET6
    with pytest.raises(UsageError, match="not allowed with"):
        p.parse_args(["-4", "-6"])


def test_checks_added_run_on_the_parsed_options_in_order():
    p = CheckParser("check_x", "d")
    p.add_argument("--low", type=int, default=0)
    p.add_argument("--high", type=int, default=10)
    seen = []

    def ordered(args):
        seen.append("ordered")
        if args.low > args.high:
            raise UsageError("--low above --high")

    def span(args):
        seen.append("span")
        args.span = args.high - args.low

    p.add_check(ordered)
    p.add_check(span)
    assert p.parse_args(["--low", "3"]).span == 7 and seen == ["ordered", "span"]
    with pytest.raises(UsageError, match="--low above --high"):
        p.parse_args(["--low", "30"])
