"""check_violations end to end: the three business invariants, counted never listed."""


def count(shop, sql):
    return shop.sql(sql)[0][0]


def test_inactive_users_not_erased(shop):
    shop.seed.users(shop.conn, active=20, inactive_unerased=3, inactive_erased=4)
    out = shop.run("check_violations", "--metric", "inactive_not_erased").output
    truth = count(shop, "SELECT COUNT(*) FROM users WHERE erased_at IS NULL AND "
                        "last_active_at < NOW() - INTERVAL 19 MONTH")
    assert truth == 3
    assert out.state == "WARNING"   # default -w 0: any violation
    assert out.summary == "inactive users not erased: 3 (above 0)"
    assert out.perfdata["inactive users not erased"].value == 3
    critical = shop.run("check_violations", "--metric", "inactive_not_erased", "-c", "2").output
    assert critical.state == "CRITICAL"
    tolerant = shop.run("check_violations", "--metric", "inactive_not_erased", "-w", "5").output
    assert tolerant.state == "OK" and tolerant.summary == "inactive users not erased: 3"


def test_rerated_purchases_without_refund(shop):
    shop.seed.rerated(shop.conn, refunded=4, unrefunded=0)
    assert shop.run("check_violations", "--metric", "rerated_without_refund").output.state == "OK"
    shop.seed.rerated(shop.conn, refunded=1, unrefunded=2, seed=12)
    shop.seed.rerated(shop.conn, unrefunded=5, rerated_ago=3600, seed=13)   # within grace
    out = shop.run("check_violations", "--metric", "rerated_without_refund").output
    assert out.state == "WARNING" and out.summary == "re-rated purchases not refunded: 2 (above 0)"


def test_accounts_disabled_without_notice(shop):
    shop.seed.users(shop.conn, active=5, disabled_notified=3, disabled_unnotified=1)
    out = shop.run("check_violations", "--metric", "disabled_without_notice", "-c", "0").output
    assert out.state == "CRITICAL"
    assert out.summary == "accounts disabled without notice: 1 (above 0)"


def test_nothing_wrong_is_ok_and_counts_must_be_counts(shop):
    out = shop.run("check_violations", "--metric", "inactive_not_erased").output
    assert out.state == "OK" and out.perfdata["inactive users not erased"].value == 0
    for sql in ("SELECT 1.5", "SELECT -1", "SELECT 1, 2"):
        bad = shop.run("check_violations", "--query", sql).output
        assert bad.state == "UNKNOWN"
