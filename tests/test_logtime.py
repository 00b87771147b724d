import calendar

import pytest
from immune.logtime import LineTime, format_regex

NOW = calendar.timegm((2027, 1, 15, 8, 0, 0))


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("fmt, line, expected", [
    ("%Y-%m-%d %H:%M:%S", b"2027-01-15 07:59:00 error", NOW - 60),
    ("%d-%b-%Y %H:%M:%S", b"[15-Jan-2027 07:30:00 UTC] PHP Fatal error", NOW - 1800),
    ("%a %b %d %H:%M:%S.%f %Y", b"[Fri Jan 15 07:00:00.123456 2027] [php:error]",
     NOW - 3600 + 0.123456),
    ("%Y-%m-%dT%H:%M:%S%z", b"2027-01-15T09:00:00+0100 x", NOW),
    ("%b %d %H:%M:%S", b"Jan 15 07:00:00 host x", NOW - 3600),
    ("%b %d %H:%M:%S", b"Dec 31 23:00:00 host x", calendar.timegm((2026, 12, 31, 23, 0, 0))),
])
def test_timestamps_of_common_log_formats(fmt, line, expected):
    assert LineTime(fmt).of(line, NOW) == pytest.approx(expected)


def test_lines_without_a_timestamp_have_none():
    times = LineTime("%Y-%m-%d %H:%M:%S")
    assert times.of(b"  at Foo.php:12", NOW) is None
    assert times.of(b"2027-13-45 99:99:99 nonsense", NOW) is None


def test_explicit_regex_group():
    times = LineTime("%Y%m%d%H%M%S", r"ts=(\d{14})")
    assert times.of(b"level=error ts=20270115075900 msg=x", NOW) == NOW - 60


def test_format_regex_escapes_literals():
    assert format_regex("[%Y]") == r"\[\d{4}\]"


def test_window_start_bisects_to_shortly_before_the_window(tmp_path):
    import os
    import time

    from immune.logtime import BACK_OFF, PROBE_BYTES

    path = tmp_path / "big.log"
    first = NOW - 200000  # one line a second up to NOW
    lines = [time.strftime("%Y-%m-%d %H:%M:%S x\n", time.gmtime(first + n))
             for n in range(200000)]
    path.write_text("".join(lines))
    fd = os.open(path, os.O_RDONLY)
    try:
        size = path.stat().st_size
        start = LineTime("%Y-%m-%d %H:%M:%S").window_start(fd, size, NOW - 1800, NOW)
        first_in_window = (200000 - 1800) * len(lines[0])
        assert start % len(lines[0]) == 0  # a line start
        assert first_in_window - BACK_OFF - PROBE_BYTES <= start <= first_in_window
        nothing = LineTime("%d/%b/%Y")  # no line has such a timestamp: read it all
        assert nothing.window_start(fd, size, NOW - 1800, NOW) == 0
    finally:
        os.close(fd)
