"""check_ratio end to end on the reference schema (private MariaDB, shipped queries)."""

import calendar
import time

import pytest

MONDAY_NOON = calendar.timegm((2026, 11, 30, 12, 0, 0))
SATURDAY_NOON = calendar.timegm((2026, 12, 5, 12, 0, 0))
PEAK = ["--timezone", "UTC", "--schedule", "peak=Mon-Fri 08:00-22:00", "-w", "97:", "-c", "95:",
        "--otherwise", "off-peak", "-w", "93:", "-c", "90:"]


def truth(shop):
    """Successful and all orders in the last 15 minutes, asked independently."""
    ok, total = shop.sql("SELECT (SELECT COUNT(*) FROM orders WHERE status = 'ok' AND "
                         "created_at > NOW() - INTERVAL 900 SECOND), (SELECT COUNT(*) FROM "
                         "orders WHERE created_at > NOW() - INTERVAL 900 SECOND)")[0]
    return ok, total


@pytest.mark.parametrize(("success", "state"), [(0.99, "OK"), (0.96, "WARNING"),
                                                  (0.90, "CRITICAL")])
def test_orders_success_rate_states(shop, success, state):
    shop.seed.orders(shop.conn, 200, success=success)
    shop.seed.orders(shop.conn, 300, success=0.0, ago=(2 * 86400, 3 * 86400))  # old failures
    out = shop.run("check_ratio", "--metric", "orders_success", "-w", "97:", "-c", "95:").output
    ok, total = truth(shop)
    assert total == 200 and ok == round(200 * success)
    assert out.state == state
    perf = out.perfdata["order success"]
    assert perf.value == pytest.approx(100 * ok / total) and perf.uom == "%"
    assert (perf.warn, perf.crit, perf.min) == ("97:", "95:", "0")
    assert out.perfdata["volume order success"].value == total
    assert out.summary.startswith(f"order success {100 * ok / total:g}% ({ok}/{total})")
    if state != "OK":
        assert f"below {97 if state == 'WARNING' else 95}" in out.summary


def test_low_volume_is_said_and_never_alerts(shop):
    shop.seed.orders(shop.conn, 5, success=0.2)
    out = shop.run("check_ratio", "--metric", "orders_success", "-w", "97:", "-c", "95:").output
    assert out.state == "OK"
    assert "only 5 in 15m, below min volume 20, not judged" in out.summary
    assert out.perfdata["order success"].value == 20
    quiet = shop.run("check_ratio", "--metric", "orders_success", "--min-volume", "0",
                     "-c", "95:").output
    assert quiet.state == "CRITICAL"   # the command line wins over the metrics file


def test_no_orders_at_all_is_ok_with_undetermined_ratio(shop):
    out = shop.run("check_ratio", "--query-file",
                   str(shop.seed.HERE / "queries" / "orders_success.sql"), "-c", "95:").output
    assert out.state == "OK" and "only 0 in 15m" in out.summary
    assert out.perfdata["ratio"].value is None and out.perfdata["volume ratio"].value == 0


def test_schedule_picks_peak_or_off_peak(shop):
    shop.seed.orders(shop.conn, 100, success=0.94)
    peak = shop.run("check_ratio", "--metric", "orders_success", *PEAK,
                    env={"IMMUNE_NOW": str(MONDAY_NOON)}).output
    assert peak.state == "CRITICAL" and peak.summary.endswith("[peak]")
    assert peak.perfdata["order success"].crit == "95:"
    off = shop.run("check_ratio", "--metric", "orders_success", *PEAK,
                   env={"IMMUNE_NOW": str(SATURDAY_NOON)}).output
    assert off.state == "OK" and off.summary.endswith("[off-peak]")
    assert off.perfdata["order success"].warn == "93:"
    verbose = shop.run("check_ratio", "--metric", "orders_success", *PEAK, "-v",
                       env={"IMMUNE_NOW": str(SATURDAY_NOON)}).output
    assert "period off-peak: warning 93:, critical 90:" in verbose.long_lines


def test_contact_imports_per_provider_worst_wins(shop):
    shop.seed.contact_imports(shop.conn, {"aol": (40, 1.0), "gmail": (50, 0.9),
                                          "hotmail": (30, 0.96), "yahoo": (4, 0.0)})
    out = shop.run("check_ratio", "--metric", "contact_import", "-w", "97:", "-c", "95:").output
    assert out.state == "CRITICAL"
    assert out.summary.startswith("gmail 90% (below 95), hotmail 96.67% (below 97); 1 OK; "
                                  "1 below min volume")
    assert [k for k in out.perfdata if not k.startswith("volume")] == ["aol", "gmail",
                                                                       "hotmail", "yahoo"]
    assert out.perfdata["yahoo"].value == 0 and out.perfdata["volume yahoo"].value == 4
    healthy = shop.run("check_ratio", "--metric", "contact_import", "-c", "80:").output
    assert healthy.state == "OK"
    assert healthy.summary.startswith("aol 100%, gmail 90%, hotmail 96.67%; 1 below min")


def test_no_group_at_all_is_a_quiet_hour(shop):
    out = shop.run("check_ratio", "--metric", "contact_import", "-c", "80:").output
    assert out.state == "OK"
    assert out.summary == "contact imports: only 0 in 1h, below min volume 10, not judged"
    assert out.perfdata["contact imports"].value is None


def test_client_exception_rate_alerts_above(shop):
    shop.seed.client(shop.conn, "2.3.0", sessions=500, exceptions=2, released_ago=9 * 86400)
    shop.seed.client(shop.conn, "2.4.0", sessions=400, exceptions=16, seed=11)
    out = shop.run("check_ratio", "--metric", "client_exception_rate", "-w", "2",
                   "-c", "5").output
    assert out.state == "WARNING" and "exception rate 4% (16/400) (above 2)" in out.summary


def test_query_option_and_result_shape_errors(shop):
    run = shop.run("check_ratio", "--query", "SELECT 3, 4", "--label", "custom")
    assert run.output.perfdata["custom"].value == 75
    for sql, words in [("SELECT 1, 2, 3", "want one row"),
                       ("SELECT 'a', 1, 2 UNION SELECT 'b', 1, 2", "want one row"),
                       ("SELECT -1, 2", "must not be negative")]:
        out = shop.run("check_ratio", "--query", sql).output
        assert out.state == "UNKNOWN" and words in out.summary and not out.long_lines
    grouped = shop.run("check_ratio", "--query", "SELECT 1, 2", "--group-by").output
    assert grouped.state == "UNKNOWN" and "3 columns" not in grouped.summary


def test_metrics_file_errors_are_one_unknown_line(shop, tmp_path):
    bad = tmp_path / "m.ini"
    bad.write_text("[x]\nquery = SELECT 1, 1\nmin-volume = many\n[y]\nquery = SELECT 1, 1\n"
                   "if-none = ok\n")
    for metric, words in [("x", "bad min-volume"), ("y", "unknown key 'if-none'"),
                          ("z", "has no [z]")]:
        out = shop.run("check_ratio", "--metrics-file", str(bad), "--metric", metric).output
        assert out.state == "UNKNOWN" and words in out.summary


def test_window_is_bound_and_respected(shop):
    shop.seed.orders(shop.conn, 10, success=1.0, ago=(1, 60))
    shop.seed.orders(shop.conn, 10, success=0.0, ago=(400, 800))
    short = shop.run("check_ratio", "--metric", "orders_success", "--window", "300",
                     "--min-volume", "1").output
    assert short.perfdata["volume order success"].value == 10
    assert short.perfdata["order success"].value == 100 and "in 5m" in short.summary
    start = time.monotonic()
    wide = shop.run("check_ratio", "--metric", "orders_success", "--min-volume", "1").output
    assert wide.perfdata["order success"].value == 50
    assert time.monotonic() - start < 5


def test_long_group_names_get_labels_unique_in_19_characters(shop):
    sql = ("SELECT 'checkout-europe-west-1', 99, 100 UNION ALL "
           "SELECT 'checkout-europe-west-2', 90, 100")
    out = shop.run("check_ratio", "--query", sql, "--group-by", "-c", "95:").output
    assert out.state == "CRITICAL"
    labels = list(out.perfdata)
    assert len(labels) == 4 and len({label[:19] for label in labels}) == 4
    assert labels[0] == "checkout-europe-west-1"
    assert out.perfdata[labels[2]].value == 90 and out.perfdata[labels[3]].value == 100
    assert out.summary.startswith("checkout-europe-west-2 90% (below 95); 1 OK")
