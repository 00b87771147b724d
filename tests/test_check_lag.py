"""check_lag end to end: queue delay, tickets waiting, backups by last success."""

import re

import pytest


def server_age(shop, sql):
    return shop.sql(sql)[0][0]


@pytest.mark.parametrize(("ages", "state"), [((30, 120), "OK"), ((30, 400), "WARNING"),
                                               ((30, 1200), "CRITICAL")])
def test_registration_queue_delay(shop, ages, state):
    shop.seed.queue(shop.conn, pending_ages=ages, done=50)
    shop.seed.history(shop.conn, 3000, tables=("registration_queue",))
    out = shop.run("check_lag", "--metric", "registration_queue_delay", "-w", "300",
                   "-c", "900").output
    truth = server_age(shop, "SELECT TIMESTAMPDIFF(SECOND, MIN(queued_at), NOW()) FROM "
                             "registration_queue WHERE state = 'pending'")
    assert out.state == state
    perf = out.perfdata["oldest pending registration"]
    assert abs(perf.value - truth) <= 2 and perf.uom == "s"
    assert (perf.warn, perf.crit, perf.min) == ("300", "900", "0")
    assert out.summary.startswith("oldest pending registration ")
    if state == "WARNING":
        assert out.summary.endswith(f"({perf.value:g}s, above 300)")
    if state == "OK":
        assert re.fullmatch(r"oldest pending registration 2m( [0-9]s)?", out.summary)


def test_nothing_pending_is_ok_unless_told_otherwise(shop):
    shop.seed.queue(shop.conn, done=20)
    out = shop.run("check_lag", "--metric", "registration_queue_delay", "-c", "900").output
    assert out.state == "OK"
    assert out.summary == "oldest pending registration: none found in the last 7d"
    assert out.perfdata["oldest pending registration"].value is None
    strict = shop.run("check_lag", "--metric", "registration_queue_delay",
                      "--if-none", "warning").output
    assert strict.state == "WARNING"


def test_backups_by_last_success(shop):
    none = shop.run("check_lag", "--metric", "backups_last_success", "-w", "93600",
                    "-c", "180000").output
    assert none.state == "CRITICAL"   # if-none = critical in the metrics file
    assert "none found in the last 3d" in none.summary
    shop.seed.backups(shop.conn, ok_ages=(200000,), failed_ages=(3600,))
    stale = shop.run("check_lag", "--metric", "backups_last_success", "-w", "93600",
                     "-c", "180000").output
    assert stale.state == "CRITICAL" and "2d 7h" in stale.summary
    shop.seed.backups(shop.conn, ok_ages=(7200,))
    fresh = shop.run("check_lag", "--metric", "backups_last_success", "-w", "93600",
                     "-c", "180000").output
    assert fresh.state == "OK" and fresh.summary == "last good backup 2h"


def test_support_tickets_waiting_with_schedule(shop):
    shop.seed.tickets(shop.conn, waiting_ages=(5 * 3600, 600), answered=10)
    args = ["--metric", "support_tickets_waiting", "--timezone", "UTC",
            "--schedule", "office=Mon-Fri 09:00-18:00", "-w", "3600", "-c", "14400",
            "--otherwise", "-w", "43200"]
    office = shop.run("check_lag", *args, env={"IMMUNE_NOW": "1764590400"}).output  # Mon 12:00
    assert office.state == "CRITICAL"
    assert re.fullmatch(r"longest waiting ticket 5h \(1800[0-2]s, above 14400\) \[office\]",
                        office.summary), office.summary
    night = shop.run("check_lag", *args, env={"IMMUNE_NOW": "1764633600"}).output   # Tue 00:00
    assert night.state == "OK" and night.summary.endswith("[off-schedule]")


def test_result_must_be_one_number(shop):
    for sql in ("SELECT 1, 2", "SELECT 1 UNION SELECT 2", "SELECT 'soon'"):
        out = shop.run("check_lag", "--query", sql).output
        assert out.state == "UNKNOWN" and out.summary.startswith("--query: ")
    future = shop.run("check_lag", "--query", "SELECT -30", "-c", "10").output
    assert future.state == "OK" and future.perfdata["lag"].value == 0
