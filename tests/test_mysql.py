"""immune.mysql: the SQL source, its time limits and every expected failure, end to end."""

import os
import subprocess
import threading
import time

import pytest
from components.business import shop_server
from components.mariadb import ROOT_PASSWORD
from immune import mysql
from immune.domain import CheckError
from immune.mycnf import read_groups
from immune.mysql import Target, as_number, scalar, target, targets
from runner import which

SLOW = "SELECT SLEEP(5), 1"


def sleeping(shop):
    """Queries running SLEEP(5) on the server right now (not this one)."""
    return shop.sql("SELECT COUNT(*) FROM information_schema.processlist "
                    "WHERE info LIKE 'SELECT SLEEP(5)%%'")[0][0]


def test_server_down_before_the_query(shop):
    shop.mariadb.kill()
    out = shop.run("check_ratio", "--query", "SELECT 1, 1").output
    assert out.state == "UNKNOWN" and out.long_lines == []
    assert out.summary == f"cannot connect to 127.0.0.1:{shop.mariadb.port}: Connection refused"


def test_server_killed_during_the_query(shop):
    threading.Timer(0.3, shop.mariadb.kill).start()
    start = time.monotonic()
    out = shop.run("check_ratio", "--query", SLOW).output
    assert time.monotonic() - start < 3
    assert out.state == "UNKNOWN"
    assert out.summary == (f"lost connection to 127.0.0.1:{shop.mariadb.port} during the query "
                           f"(server died?)")


def test_wrong_password_never_printed(shop, tmp_path):
    cnf = shop.mariadb.option_file(tmp_path / "bad.cnf", password="Wr0ng-Passw0rd-42")
    for verbosity in ([], ["-vvv"]):
        run = shop.run("check_lag", "--defaults-file", str(cnf), "--query", "SELECT 1",
                       *verbosity)
        assert run.output.state == "UNKNOWN"
        assert run.output.summary == (f"access denied for user 'root' at 127.0.0.1:"
                                      f"{shop.mariadb.port} (wrong user or password in [client])")
        assert "Wr0ng" not in run.stdout + run.stderr
        assert ROOT_PASSWORD not in run.stdout + run.stderr


def test_missing_table_and_sql_errors(shop):
    out = shop.run("check_ratio", "--query", "SELECT COUNT(*), 1 FROM no_such_table").output
    assert out.state == "UNKNOWN"
    assert out.summary == ("database error 1146 on 127.0.0.1:"
                           f"{shop.mariadb.port}: Table 'shop.no_such_table' doesn't exist")
    syntax = shop.run("check_ratio", "--query", "SELEKT 1").output
    assert syntax.state == "UNKNOWN" and syntax.summary.startswith("SQL syntax error in --query")
    param = shop.run("check_ratio", "--query", "SELECT %(nope)s, 1").output
    assert param.state == "UNKNOWN" and "only %(window)s is known" in param.summary
    percent = shop.run("check_ratio", "--query", "SELECT '100%%' LIKE '1%%', 2").output
    assert percent.state == "OK" and percent.perfdata["ratio"].value == 50


def test_option_file_unreadable_or_open_to_others(shop, tmp_path):
    folder = tmp_path / "dir.cnf"
    folder.mkdir()
    out = shop.run("check_ratio", "--defaults-file", str(folder), "--query", "SELECT 1, 1").output
    assert out.state == "UNKNOWN" and out.summary.endswith("is not a regular file")
    missing = shop.run("check_ratio", "--defaults-file", str(tmp_path / "no.cnf"),
                       "--query", "SELECT 1, 1").output
    assert missing.state == "UNKNOWN" and "does not exist" in missing.summary
    shop.cnf.chmod(0o644)
    out = shop.run("check_ratio", "--query", "SELECT 1, 1").output
    assert out.state == "UNKNOWN" and "readable or writable by group/others (mode 0644)" \
        in out.summary and "refused" in out.summary
    if os.geteuid() != 0:   # root reads any file: the mode-000 case only fails for others
        shop.cnf.chmod(0o000)
        out = shop.run("check_ratio", "--query", "SELECT 1, 1").output
        assert out.state == "UNKNOWN" and "Permission denied" in out.summary


def test_slow_query_is_cancelled_on_the_server(shop):
    start = time.monotonic()
    out = shop.run("check_ratio", "--query", SLOW, "-t", "1").output
    elapsed = time.monotonic() - start
    assert out.state == "UNKNOWN" and elapsed < 1.5
    assert out.summary.startswith("query cancelled by the server at its time limit (-t 1s")
    assert sleeping(shop) == 0   # gone on the server, not left running


def test_statement_limit_follows_the_timeout(shop):
    out = shop.run("check_lag", "--query", "SELECT @@session.max_statement_time", "-t",
                   "10").output
    assert 8 < out.perfdata["lag"].value < 9.1   # -t 10 less a margin to report


def test_queries_run_read_only(shop):
    out = shop.run("check_violations", "--query", "INSERT INTO shard_info VALUES (9, 'x', 1)")
    assert out.output.state == "UNKNOWN" and "READ ONLY" in out.output.summary
    assert shop.sql("SELECT COUNT(*) FROM shard_info")[0][0] == 0


def test_connect_timeout_names_the_stage(shop, blackhole, tmp_path):
    cnf = tmp_path / "hole.cnf"
    cnf.write_text(f"[client]\nuser=root\nhost=127.0.0.1\nport={blackhole}\n")
    cnf.chmod(0o600)
    start = time.monotonic()
    out = shop.run("check_ratio", "--defaults-file", str(cnf), "--query", "SELECT 1, 1",
                   "-t", "0.5").output
    assert time.monotonic() - start < 1.5
    assert out.state == "UNKNOWN"
    assert out.summary == f"timeout after 0.5s while connecting to 127.0.0.1:{blackhole}"


def test_socket_from_the_option_file(shop, tmp_path):
    cnf = tmp_path / "sock.cnf"
    cnf.write_text(f"[client]\nuser=root\npassword='{ROOT_PASSWORD}'\n"
                   f"socket={shop.mariadb.socket}\ndatabase=shop\n")
    cnf.chmod(0o600)
    out = shop.run("check_violations", "--defaults-file", str(cnf), "--query",
                   "SELECT COUNT(*) FROM shard_info").output
    assert out.state == "OK" and out.summary == "violations: 0"


def test_numbers_from_the_database_never_echo_values():
    from decimal import Decimal

    assert as_number(Decimal("12"), 1, "q") == 12 and as_number(Decimal("1.5"), 1, "q") == 1.5
    assert as_number(None, 1, "q") is None and as_number(3, 1, "q") == 3
    with pytest.raises(CheckError) as err:
        as_number("jane@example.org", 2, "q")
    assert "jane" not in str(err.value) and "column 2" in str(err.value)
    assert scalar([], "q") is None and scalar([(7,)], "q") == 7
    with pytest.raises(CheckError, match="want one row"):
        scalar([(1,), (2,)], "q")


def make_ca(folder, name):
    """A CA and a server certificate for 127.0.0.1 signed by it (EC keys: fast)."""
    folder.mkdir()

    def openssl(*args):
        done = subprocess.run([which("openssl"), *args], capture_output=True, text=True,
                              cwd=folder, timeout=30)
        assert done.returncode == 0, done.stderr

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", f"/CN={name}")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return folder


@pytest.fixture
def tls_shop(shop_template, tmp_path):
    """A shop server speaking TLS, with a user 'tls' that must use it."""
    ca = make_ca(tmp_path / "ca", "immune test CA")
    extra = (f"--ssl-ca={ca}/ca.pem", f"--ssl-cert={ca}/server.pem", f"--ssl-key={ca}/server.key")
    with shop_server(shop_template, tmp_path, extra) as shop:
        shop.sql("CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY 'tls-pass' REQUIRE SSL")
        shop.sql("GRANT SELECT ON *.* TO 'tls'@'127.0.0.1'")
        yield shop, ca


def tls_run(shop, tmp_path, keys):
    cnf = tmp_path / "tls.cnf"
    cnf.write_text(f"[client]\nuser=tls\npassword=tls-pass\nhost=127.0.0.1\n"
                   f"port={shop.mariadb.port}\n{keys}")
    cnf.chmod(0o600)
    return shop.run("check_lag", "--defaults-file", str(cnf), "--query",
                    "SELECT LENGTH(VARIABLE_VALUE) > 0 FROM information_schema.SESSION_STATUS "
                    "WHERE VARIABLE_NAME = 'Ssl_cipher'").output


def test_tls_from_the_option_file(tls_shop, tmp_path):
    shop, ca = tls_shop
    verified = tls_run(shop, tmp_path, f"ssl-ca={ca}/ca.pem\nssl-verify-server-cert\n")
    assert verified.state == "OK" and verified.perfdata["lag"].value == 1   # encrypted
    assert tls_run(shop, tmp_path, "ssl\n").perfdata["lag"].value == 1
    plain = tls_run(shop, tmp_path, "")
    assert plain.state == "UNKNOWN" and plain.summary.startswith("access denied for user 'tls'")
    other = make_ca(tmp_path / "other", "another CA")
    forged = tls_run(shop, tmp_path, f"ssl-ca={other}/ca.pem\n")
    assert forged.state == "UNKNOWN" and "certificate verify failed" in forged.summary
    missing = tls_run(shop, tmp_path, f"ssl-ca={tmp_path}/none.pem\n")
    assert missing.state == "UNKNOWN"
    assert missing.summary == "cannot use the TLS files of [client]: No such file or directory"


def test_tls_for_one_shard_and_not_another(tls_shop, tmp_path):
    shop, ca = tls_shop
    cnf = tmp_path / "shards.cnf"
    cnf.write_text(shop.cnf.read_text() + f"[plain]\n[secure]\nuser=tls\npassword=tls-pass\n"
                                          f"ssl-ca={ca}/ca.pem\nssl-verify-server-cert\n")
    cnf.chmod(0o600)
    for order in ("plain,secure", "secure,plain"):
        out = shop.run("check_shard_usage", "--defaults-file", str(cnf), "--query",
                       "SELECT 1, 2", "--shards", order).output
        assert out.state == "OK" and out.perfdata["secure"].value == 50, out


def test_targets_read_the_option_file_once(tmp_path, monkeypatch):
    cnf = tmp_path / "shards.cnf"
    cnf.write_text("[client]\nuser=u\nhost=db\n[a]\nport=3307\n[b]\ndatabase=b\n")
    cnf.chmod(0o600)
    reads = []
    monkeypatch.setattr(mysql, "read_groups",
                        lambda path: reads.append(path) or read_groups(path))
    found = targets(str(cnf), ["a", "b"])
    assert reads == [str(cnf)]
    assert found == [Target("a", {"user": "u", "host": "db", "port": "3307"}),
                     Target("b", {"user": "u", "host": "db", "database": "b"})]
    assert found == [target(str(cnf), "a"), target(str(cnf), "b")]
    assert target(str(cnf)) == Target("client", {"user": "u", "host": "db"})


def test_targets_fail_with_the_messages_of_one_target(tmp_path):
    cnf = tmp_path / "shards.cnf"
    cnf.write_text("[client]\nuser=u\n[a]\nport=33o7\n")
    cnf.chmod(0o600)
    with pytest.raises(CheckError, match=r"has no \[x\] group"):
        targets(str(cnf), ["x", "a"])
    with pytest.raises(CheckError, match="port '33o7' is not a number"):
        targets(str(cnf), ["a", "x"])
    with pytest.raises(CheckError, match="does not exist"):
        targets(str(tmp_path / "none.cnf"), ["a"])


def test_connect_arguments_from_option_file_options():
    plain = mysql.connect_arguments({"user": "u", "password": "pw", "socket": "/run/m.sock",
                                     "database": "shop"})
    assert plain == {"host": "localhost", "port": 3306, "unix_socket": "/run/m.sock",
                     "user": "u", "password": "pw", "database": "shop", "charset": "utf8mb4",
                     "ssl_disabled": True}
    tls = mysql.connect_arguments({"host": "db", "port": "3307", "ssl-ca": "/ca.pem"})
    assert (tls["host"], tls["port"], tls["password"], tls["ssl_ca"]) == ("db", 3307, "", "/ca.pem")
    assert tls["ssl_verify_cert"] and "ssl_disabled" not in tls
