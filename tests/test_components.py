"""The real components the other tests rely on start, answer and stop."""

import socket
import urllib.request

from components.process import port_open


def test_memcached_pool_answers_and_dies_on_kill(memcached_pool):
    for server in memcached_pool:
        with socket.create_connection(("127.0.0.1", server.port), 2) as sock:
            sock.sendall(b"version\r\n")
            assert sock.recv(100).startswith(b"VERSION ")
    memcached_pool[0].kill()
    assert not port_open(memcached_pool[0].port)


def test_apache_serves_pages_and_status(apache):
    apache.write("hello.txt", "hi")
    assert urllib.request.urlopen(apache.url + "/hello.txt", timeout=5).read() == b"hi"
    status = urllib.request.urlopen(apache.url + "/server-status?auto", timeout=5).read()
    assert b"BusyWorkers:" in status and b"Scoreboard:" in status


def test_mariadb_runs_sql_and_option_file_is_private(mariadb, tmp_path):
    assert mariadb.sql("SELECT 1+1").strip() == "2"
    opt = mariadb.option_file(tmp_path / "my.cnf")
    assert oct(opt.stat().st_mode & 0o777) == "0o600"
    mariadb.kill()
    assert not port_open(mariadb.port)
