import pytest
from immune.mycnf import OptionFileError, client_options, read_client_options, read_groups


def write(path, text, mode=0o600):
    path.write_text(text)
    path.chmod(mode)
    return path


def test_client_then_named_group_with_quirks(tmp_path):
    cnf = write(tmp_path / "my.cnf", """
# a comment
; another
[client]
user = nagios
password = "s3cret # not a comment"
host=db.example
skip-ssl
default_character_set = utf8mb4

[shard_a]
  host = 10.0.0.7     # trailing comment
port=3307
socket='/run/my sql.sock'
password='it\\'s\\ttab'
""")
    assert read_client_options(str(cnf)) == {"user": "nagios", "host": "db.example",
                                             "password": "s3cret # not a comment"}
    shard = read_client_options(str(cnf), "shard_a")
    assert shard == {"user": "nagios", "host": "10.0.0.7", "port": "3307",
                     "socket": "/run/my sql.sock", "password": "it's\ttab"}
    groups = read_groups(str(cnf))
    assert groups["client"]["skip-ssl"] is None
    assert groups["client"]["default-character-set"] == "utf8mb4"


def test_include_and_includedir(tmp_path):
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    write(conf_d / "10-creds.cnf", "[client]\nuser=u\npassword=p\n")
    write(conf_d / "20-ignored.txt", "[client]\nuser=wrong\n")
    write(tmp_path / "extra.cnf", "[client]\nport = 3310\n")
    cnf = write(tmp_path / "my.cnf", f"[client]\nhost=h\n!include {tmp_path}/extra.cnf\n"
                                     f"!includedir {conf_d}\n[client]\ndatabase=shop\n")
    assert read_client_options(str(cnf)) == {"host": "h", "port": "3310", "user": "u",
                                             "password": "p", "database": "shop"}


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o620, 0o666])
def test_group_or_world_access_is_refused(tmp_path, mode):
    cnf = write(tmp_path / "my.cnf", "[client]\npassword=p\n", mode)
    with pytest.raises(OptionFileError, match="group/others .* chmod 600"):
        read_client_options(str(cnf))


def test_an_open_included_file_is_refused_too(tmp_path):
    write(tmp_path / "open.cnf", "[client]\npassword=p\n", 0o644)
    cnf = write(tmp_path / "my.cnf", f"[client]\n!include {tmp_path}/open.cnf\n")
    with pytest.raises(OptionFileError, match="open.cnf"):
        read_client_options(str(cnf))


def test_missing_file_group_and_garbage(tmp_path):
    with pytest.raises(OptionFileError, match="no defaults file"):
        read_client_options(str(tmp_path / "nope.cnf"))
    cnf = write(tmp_path / "my.cnf", "[client]\nuser=u\n")
    with pytest.raises(OptionFileError, match=r"no \[shard_x\] group"):
        read_client_options(str(cnf), "shard_x")
    garbage = write(tmp_path / "g.cnf", "user=u\n")
    with pytest.raises(OptionFileError, match="not an option file"):
        read_client_options(str(garbage))
    write(tmp_path / "loop.cnf", f"[client]\n!include {tmp_path}/loop.cnf\n")
    with pytest.raises(OptionFileError, match="nested"):
        read_client_options(str(tmp_path / "loop.cnf"))


def test_errors_never_hold_the_password(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\npassword=hunter2-secret\n", 0o644)
    with pytest.raises(OptionFileError) as err:
        read_client_options(str(cnf))
    assert "hunter2" not in str(err.value)


def test_default_path_is_home_my_cnf(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / ".my.cnf", "[client]\nuser=me\n")
    assert read_client_options() == {"user": "me"}


def test_tls_keys_and_flags(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nssl\nssl_ca=/etc/ca.pem\n"
                                     "[strict]\nssl-verify-server-cert\nssl = 0\n")
    assert read_client_options(str(cnf)) == {"ssl": "1", "ssl-ca": "/etc/ca.pem"}
    assert read_client_options(str(cnf), "strict") == {"ssl": "0", "ssl-ca": "/etc/ca.pem",
                                                       "ssl-verify-server-cert": "1"}


def test_several_groups_picked_from_one_read(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nuser=u\nport=3306\n[a]\nport=3307\n"
                                     "[b]\ndatabase=b\nssl\n")
    groups = read_groups(str(cnf))
    for group in (None, "a", "b"):
        assert client_options(groups, group, str(cnf)) == read_client_options(str(cnf), group)
    assert client_options(groups, "a", str(cnf)) == {"user": "u", "port": "3307"}
    with pytest.raises(OptionFileError, match=r"defaults file .*my.cnf has no \[c\] group"):
        client_options(groups, "c", str(cnf))
    with pytest.raises(OptionFileError, match=r"has no \[client\] group"):
        client_options({"a": {}}, None, str(cnf))
