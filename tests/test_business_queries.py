"""The shipped business queries: bounded cost (EXPLAIN) and no personal data in any output."""

import configparser
import subprocess
import sys

import pytest
from components.business import BUSINESS, METRICS, shop_server

CHECK_OF = {  # the check each shipped metric is written for
    "orders_success": "check_ratio", "registration_quality": "check_ratio",
    "contact_import": "check_ratio", "client_exception_rate": "check_ratio",
    "registration_queue_delay": "check_lag", "support_tickets_waiting": "check_lag",
    "backups_last_success": "check_lag", "shard_usage": "check_shard_usage",
    "rerated_without_refund": "check_violations", "inactive_not_erased": "check_violations",
    "disabled_without_notice": "check_violations",
}
BOUNDED_TYPES = {"range", "ref", "eq_ref", "const", "system"}


def metrics():
    ini = configparser.RawConfigParser()
    ini.read(METRICS)
    return {name: ((BUSINESS / ini[name]["query-file"]).read_text(),
                   int(ini[name].get("window", 900))) for name in ini.sections()}


@pytest.fixture(scope="module")
def busy_shop(shop_template, tmp_path_factory):
    """A healthy site with thousands of old rows in every table, and old releases.

    Shared by this module's tests, which only read it.
    """
    with shop_server(shop_template, tmp_path_factory.mktemp("busy-shop")) as shop:
        shop.seed.demo(shop.conn)
        shop.seed.history(shop.conn, 5000)
        for i in range(40):
            shop.seed.client(shop.conn, f"1.{i}.0", 0, 0, released_ago=86400 * (60 + i), seed=i)
        shop.sql("ANALYZE TABLE " + ", ".join(shop.seed.HISTORY) + ", client_releases")
        yield shop


def test_every_shipped_metric_has_its_check_and_query():
    assert set(metrics()) == set(CHECK_OF)
    shipped = {p.name for p in (BUSINESS / "queries").glob("*.sql")}
    ini = configparser.RawConfigParser()
    ini.read(METRICS)
    assert shipped == {ini[name]["query-file"].split("/")[-1] for name in ini.sections()}


def test_every_shipped_query_reads_an_index_range(busy_shop):
    scan = busy_shop.sql("EXPLAIN SELECT COUNT(*) FROM orders WHERE amount_cents > 100")
    assert scan[0][3] not in BOUNDED_TYPES   # the control: a scan is told apart
    for name, (sql, window) in metrics().items():
        with busy_shop.conn.cursor() as cur:
            cur.execute("EXPLAIN " + sql, {"window": window})
            columns = [d[0] for d in cur.description]
            plan = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        for step in plan:
            where = f"{name}: {step}"
            if step["table"] is None:   # MIN/MAX answered from the index ends
                assert "optimized away" in (step["Extra"] or ""), where
                continue
            assert step["type"] in BOUNDED_TYPES, where
            assert step["key"], where
        assert any(step["type"] in ("range", "ref") or step["table"] is None
                   for step in plan), f"{name}: {plan}"


def test_every_shipped_metric_runs_ok_on_a_healthy_site(busy_shop):
    for name, check in CHECK_OF.items():
        extra = ["--shard", "client"] if check == "check_shard_usage" else []
        out = busy_shop.run(check, "--metric", name, *extra).output
        assert out.state == "OK", (name, out)


def test_no_personal_data_in_any_output(busy_shop):
    people = busy_shop.sql("SELECT email, name FROM users WHERE email IS NOT NULL")
    secrets = {value for row in people for value in row}
    assert len(secrets) > 1000 and any("example" in s for s in secrets)
    outputs = []
    for name, check in CHECK_OF.items():
        extra = ["--shard", "client"] if check == "check_shard_usage" else []
        for thresholds in ([], ["-w", "@0:1e9", "-c", "@0:1e9"]):   # OK and CRITICAL paths
            outputs.append(busy_shop.run(check, "--metric", name, "-vvv", *extra, *thresholds))
    leaky = {
        "check_ratio": ["SELECT email, 1 FROM users WHERE email IS NOT NULL LIMIT 1",
                        "SELECT email + 0, 1 FROM users WHERE email IS NOT NULL LIMIT 1",
                        "SELECT 1, name FROM users WHERE name IS NOT NULL LIMIT 1"],
        "check_lag": ["SELECT email FROM users WHERE email IS NOT NULL LIMIT 1",
                      "SELECT email FROM users WHERE email IS NOT NULL LIMIT 2"],
        "check_violations": ["SELECT name FROM users WHERE name IS NOT NULL LIMIT 1",
                             "SELECT email, name FROM users LIMIT 3"],
        "check_shard_usage": ["SELECT email, 1 FROM users WHERE email IS NOT NULL LIMIT 1"],
    }
    for check, queries in leaky.items():
        extra = ["--shard", "client"] if check == "check_shard_usage" else []
        for sql in queries:
            outputs.append(busy_shop.run(check, "--query", sql, "-vvv", *extra))
    for run in outputs:
        text = run.stdout + run.stderr
        leaked = [s for s in secrets if s in text]
        assert not leaked, (leaked[:3], text)


def test_seed_command_line(shop):
    done = subprocess.run([sys.executable, str(BUSINESS / "seed.py"), "--defaults-file",
                           str(shop.cnf), "--database", "demo", "--schema", "--demo",
                           "--orders", "100", "--success", "0.5", "--history", "3000"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert shop.sql("SELECT COUNT(*), SUM(status = 'ok') FROM demo.orders WHERE created_at > "
                    "NOW() - INTERVAL 900 SECOND")[0] == (600, 542)   # demo 500 at 98.5% + 50
    assert shop.sql("SELECT COUNT(*) FROM demo.orders")[0][0] == 3600
    with shop.cnf.open("a") as cnf:
        cnf.write("[demo]\ndatabase=demo\n")
    out = shop.run("check_ratio", "--group", "demo", "--metric", "orders_success", "-c", "95:")
    assert out.output.state == "CRITICAL"
