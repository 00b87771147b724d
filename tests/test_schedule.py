import calendar
import time

import pytest
from immune.options import CheckParser, UsageError
from immune.ranges import NEVER, parse_range
from immune.schedule import (
    ALL_DAYS,
    Clause,
    ScheduleError,
    add_scheduled_thresholds,
    parse_period,
    parse_when,
    week_position,
)


def utc(text):
    """Epoch seconds of 'YYYY-MM-DD HH:MM' in UTC (2026-11-30 is a Monday)."""
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M"))


def parse(*argv, **kwargs):
    parser = CheckParser("check_x", "d")
    add_scheduled_thresholds(parser, "warn", "crit", **kwargs)
    return parser.parse_args(list(argv))


PEAK = ["--timezone", "UTC", "--schedule", "peak=Mon-Fri 08:00-22:00", "-w", "97:", "-c", "95:",
        "--otherwise", "off-peak", "-w", "93:", "-c", "90:"]


def test_no_schedule_is_plain_thresholds_without_a_tag():
    args = parse("-w", "10", "-c", "20")
    period = args.thresholds.select(utc("2026-11-30 12:00"))
    assert (period.warning, period.critical) == (parse_range("10"), parse_range("20"))
    assert period.tag == "" and not hasattr(args, "warning")
    assert parse().thresholds.select().warning == NEVER


def test_tagged_and_lines_only_with_a_schedule():
    plain = parse("-w", "10").thresholds.select()
    assert plain.tagged("x: 1") == "x: 1" and plain.lines() == []
    peak = parse(*PEAK).thresholds.select(utc("2026-11-30 12:00"))
    assert peak.tagged("x: 1") == "x: 1 [peak]"
    assert peak.lines() == [peak.describe()]


def test_defaults_fill_every_block():
    args = parse("--schedule", "Sat", "-w", "5", default_critical="0")
    assert args.thresholds.periods[0].critical == parse_range("0")
    assert args.thresholds.otherwise.critical == parse_range("0")


@pytest.mark.parametrize(("when", "name", "warn"), [
    ("2026-11-30 12:00", "peak", "97:"),       # Monday noon
    ("2026-11-30 07:59", "off-peak", "93:"),
    ("2026-11-30 08:00", "peak", "97:"),       # start inclusive
    ("2026-12-04 21:59", "peak", "97:"),       # Friday
    ("2026-12-04 22:00", "off-peak", "93:"),   # end exclusive
    ("2026-12-05 12:00", "off-peak", "93:"),   # Saturday
])
def test_peak_and_off_peak(when, name, warn):
    period = parse(*PEAK).thresholds.select(utc(when))
    assert period.name == name and period.tag == f"[{name}]"
    assert period.warning == parse_range(warn)


def test_thresholds_before_first_schedule_are_the_otherwise_block():
    args = parse("--timezone", "UTC", "-w", "1", "--schedule", "Sun", "-w", "2")
    assert args.thresholds.select(utc("2026-12-06 03:00")).warning == parse_range("2")
    other = args.thresholds.select(utc("2026-12-07 03:00"))
    assert other.warning == parse_range("1") and other.name == "off-schedule"
    assert args.thresholds.periods[0].tag == "[Sun]"


def test_first_matching_schedule_wins():
    args = parse("--timezone", "UTC", "--schedule", "Mon 10:00-11:00", "-c", "1",
                 "--schedule", "Mon", "-c", "2")
    assert args.thresholds.select(utc("2026-11-30 10:30")).critical == parse_range("1")
    assert args.thresholds.select(utc("2026-11-30 11:30")).critical == parse_range("2")


def test_crossing_midnight_belongs_to_the_start_day():
    clauses = parse_when("Fri-Sat 22:00-02:00")
    inside = [(4, 22 * 60), (5, 60), (5, 23 * 60), (6, 60 + 59)]
    outside = [(4, 60), (3, 23 * 60), (6, 2 * 60), (5, 12 * 60), (0, 60)]
    assert all(any(c.contains(*p) for c in clauses) for p in inside)
    assert not any(any(c.contains(*p) for c in clauses) for p in outside)


def test_day_ranges_wrap_and_words():
    assert parse_when("Fri-Mon") == (Clause(frozenset({4, 5, 6, 0}), 0, 1440),)
    assert parse_when("saturday,SUN 10:00-20:00") == (Clause(frozenset({5, 6}), 600, 1200),)
    assert parse_when("22:00-06:00") == (Clause(ALL_DAYS, 1320, 360),)
    assert parse_when("00:00-24:00")[0].contains(3, 1439)
    many = parse_when("Mon-Fri 08:00-12:00 14:00-18:00 Sat 10:00-14:00, Sun")
    assert [sorted(c.days) for c in many] == [[0, 1, 2, 3, 4]] * 2 + [[5], [6]]


@pytest.mark.parametrize("text", ["", "Mon-Fry 08:00-10:00", "25:00-26:00", "08:60-09:00",
                                  "10:00-10:00", "24:00-02:00", "8-22", "Mon 08:00"])
def test_bad_schedules_are_refused(text):
    with pytest.raises(ScheduleError):
        parse_when(text)


def test_period_names():
    assert parse_period("peak = Mon-Fri  08:00-22:00")[:2] == ("peak", "Mon-Fri 08:00-22:00")
    assert parse_period("Sat")[:2] == ("Sat", "Sat")
    with pytest.raises(ScheduleError):
        parse_period("bad|name=Sat")


@pytest.mark.parametrize("argv", [
    ["--schedule", "Sun"],                                    # no thresholds after it
    ["-w", "1", "--schedule", "Sun"],                         # the ordering mistake
    ["--schedule", "Sun", "-w", "1", "-w", "2"],             # forgot --otherwise
    ["--otherwise", "-w", "1"],                               # otherwise without schedule
    ["--schedule", "Mon-Xyz", "-w", "1"],
    ["--schedule", "a=Sun", "-w", "1", "--schedule", "a=Sat", "-w", "1"],
    ["--timezone", "Mars/Olympus", "--schedule", "Sun", "-w", "1"],
    ["--timezone", "../../etc/passwd"],
    ["--schedule", "Sun", "-w", "10:5"],
])
def test_bad_schedule_options_are_one_usage_error(argv):
    with pytest.raises(UsageError) as err:
        parse(*argv)
    assert "\n" not in str(err.value)


def test_silent_window_and_repeated_w_without_schedule():
    args = parse("--schedule", "Sun 02:00-04:00", "-w", "", "-c", "", "--otherwise", "-c", "5")
    assert args.thresholds.periods[0].critical == NEVER
    assert parse("-w", "1", "-w", "2").thresholds.otherwise.warning == parse_range("2")


def test_timezone_and_local_time(monkeypatch):
    moment = utc("2026-11-30 23:30")   # Monday 23:30 UTC = Tuesday 00:30 in Berlin
    assert week_position(moment, "UTC") == (0, 23 * 60 + 30)
    assert week_position(moment, "Europe/Berlin") == (1, 30)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert week_position(moment) == (1, 30)
        args = parse("--schedule", "Tue 00:00-01:00", "-c", "1")
        assert args.thresholds.select(moment).critical == parse_range("1")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_select_reads_immune_now(monkeypatch):
    monkeypatch.setenv("IMMUNE_NOW", str(utc("2026-12-05 12:00")))
    assert parse(*PEAK).thresholds.select().name == "off-peak"
    monkeypatch.setenv("IMMUNE_NOW", str(utc("2026-12-04 12:00")))
    assert parse(*PEAK).thresholds.select().name == "peak"


def test_count_and_describe():
    args = parse("--schedule", "p=Sun", "-w", "1,2,3", count=3)
    period = args.thresholds.periods[0]
    assert period.warning == tuple(parse_range(x) for x in "123")
    assert period.describe() == "period p (Sun): warning 1,2,3, critical none"
    single = parse("--schedule", "Sun", "-w", "1:", "-c", "@5:6").thresholds.periods[0]
    assert single.describe() == "period Sun: warning 1:, critical @5:6"


def test_help_lists_the_options():
    parser = CheckParser("check_x", "d")
    add_scheduled_thresholds(parser, "warn", "crit")
    text = parser.format_help()
    for word in ("-w RANGE", "-c RANGE", "--schedule [NAME=]WHEN", "--otherwise [NAME]",
                 "--timezone ZONE"):
        assert word in text
