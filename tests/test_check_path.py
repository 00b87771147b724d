import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from runner import run_check

ROOT = os.geteuid() == 0


@pytest.fixture
def open_dir():
    """A world-searchable temp dir (pytest's own is 0700), so other users can reach files."""
    path = Path(tempfile.mkdtemp(prefix="immune-path-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def make(path, mode=0o644, owner=None, group=None, directory=False):
    path.mkdir() if directory else path.write_text("x")
    if owner is not None or group is not None:
        shutil.chown(path, owner, group)
    path.chmod(mode)
    return str(path)


def kernel_may_write(user, paths):
    """The independent truth: access(2) run as *user* with all its groups."""
    entry = pwd.getpwnam(user)
    code = ("import os, sys; "
            "print(''.join('1' if os.access(p, os.W_OK) else '0' for p in sys.argv[1:]))")
    kwargs = {}
    if entry.pw_uid != os.geteuid():
        kwargs = dict(user=entry.pw_uid, group=entry.pw_gid,
                      extra_groups=os.getgrouplist(user, entry.pw_gid))
    out = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True,
                         check=True, **kwargs)
    return [c == "1" for c in out.stdout.strip()]


def test_all_assertions_hold(open_dir):
    me = pwd.getpwuid(os.geteuid()).pw_name
    my_group = grp.getgrgid(os.getegid()).gr_name
    path = make(open_dir / "conf", 0o640)
    run = run_check("check_path", "--path", path, "--type", "file", "--owner", me,
                    "--group", my_group, "--mode", "0640", "--max-mode", "0755")
    out = run.output
    assert out.state == "OK"
    assert out.summary == (f"{path} verified: is a file, owner {me}, group {my_group}, "
                           "mode 0640, mode 0640 within 0755")
    assert out.perfdata == {}


def test_every_failing_assertion_is_reported(open_dir):
    path = make(open_dir / "d", 0o777, directory=True)
    out = run_check("check_path", "--path", path, "--type", "file", "--owner", "65534",
                    "--mode", "0755", "--max-mode", "0755", "-v").output
    assert out.state == "CRITICAL"
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert out.summary == (f"{path}: is a dir, not a file; owner {me}, not 65534; "
                           "mode 0777, not 0755; mode 0777 is more permissive than 0755")
    assert out.long_lines[0] == f"ok: {path} exists"
    assert sum(line.startswith("FAILED: ") for line in out.long_lines) == 4


def test_missing_path_fails(open_dir):
    out = run_check("check_path", "--path", str(open_dir / "gone"), "--type", "dir").output
    assert out.state == "CRITICAL" and out.summary == f"{open_dir / 'gone'} does not exist"


def test_symlink_type_and_target(open_dir):
    (open_dir / "init.d").mkdir()
    make(open_dir / "init.d" / "apache2", 0o755)
    (open_dir / "rc2.d").mkdir()
    link = open_dir / "rc2.d" / "S01apache2"
    link.symlink_to("../init.d/apache2")
    ok = run_check("check_path", "--path", str(link), "--type", "symlink",
                   "--target", "../init.d/apache2").output
    assert ok.state == "OK"
    assert ok.summary == f"{link} verified: is a symlink, symlink to ../init.d/apache2"
    # the same target written as an absolute path resolves to the same file
    assert run_check("check_path", "--path", str(link), "--target",
                     str(open_dir / "init.d" / "apache2")).code == 0
    wrong = run_check("check_path", "--path", str(link), "--target", "../init.d/nginx").output
    assert wrong.state == "CRITICAL"
    assert wrong.summary.endswith("symlink to ../init.d/apache2, not ../init.d/nginx")
    # file/dir and permissions look through the link, as test(1) does
    through = run_check("check_path", "--path", str(link), "--type", "file", "--mode", "0755")
    assert through.code == 0
    not_link = run_check("check_path", "--path", str(open_dir / "rc2.d"), "--type", "symlink",
                         "--target", "x").output
    assert not_link.summary.endswith("is a dir, not a symlink; is not a symlink")


def test_dangling_symlink(open_dir):
    link = open_dir / "dangling"
    link.symlink_to(open_dir / "nowhere")
    out = run_check("check_path", "--path", str(link), "--type", "file").output
    assert out.state == "CRITICAL"
    assert out.summary == f"{link}: dangling symlink to {open_dir / 'nowhere'}"
    assert run_check("check_path", "--path", str(link), "--type", "symlink").code == 0


OWNERSHIPS = [("root", "root"), ("nobody", "nogroup"), ("root", "nogroup"),
              ("root", "www-data"), ("www-data", "nogroup")] if ROOT else [(None, None)]
MODES = [0o600, 0o620, 0o602, 0o660, 0o606, 0o664, 0o646, 0o444, 0o777]
USERS = ["root", "nobody", "www-data"] if ROOT else [pwd.getpwuid(os.geteuid()).pw_name]


def test_writable_by_agrees_with_the_kernel(open_dir):
    paths = []
    for i, (owner, group) in enumerate(OWNERSHIPS):
        for mode in MODES:
            paths.append(make(open_dir / f"f{i}-{mode:o}", mode, owner, group))
    paths.append(make(open_dir / "dir", 0o775, OWNERSHIPS[-1][0], OWNERSHIPS[-1][1], True))
    truth = {user: kernel_may_write(user, paths) for user in USERS}
    writable_flags = [arg for user in USERS for arg in ("--writable-by", user)]
    for n, path in enumerate(paths):
        out = run_check("check_path", "--path", path, *writable_flags, "-v").output
        for user in USERS:
            expected = "ok" if truth[user][n] else "FAILED"
            said = "writable" if truth[user][n] else "not writable"
            assert f"{expected}: {said} by {user}" in out.long_lines, (path, user, out)
        assert out.code == (0 if all(truth[u][n] for u in USERS) else 2)


def test_not_writable_by(open_dir):
    path = make(open_dir / "f", 0o666)
    out = run_check("check_path", "--path", path, "--not-writable-by", USERS[-1]).output
    assert out.state == "CRITICAL" and out.summary == f"{path}: writable by {USERS[-1]}"
    os.chmod(path, 0o444)
    if not ROOT:
        assert run_check("check_path", "--path", path, "--not-writable-by", USERS[-1]).code == 0
    else:   # root writes anything: only others are judged by the bits
        assert run_check("check_path", "--path", path, "--not-writable-by", "nobody").code == 0
        assert run_check("check_path", "--path", path, "--not-writable-by", "root").code == 2


@pytest.mark.parametrize("argv,reason", [
    (["--owner", "no-such-user-xyz"], "no such user: no-such-user-xyz"),
    (["--group", "no-such-group-xyz"], "no such group: no-such-group-xyz"),
    (["--writable-by", "no-such-user-xyz"], "no such user: no-such-user-xyz"),
])
def test_unknown_user_or_group_is_unknown(open_dir, argv, reason):
    out = run_check("check_path", "--path", str(open_dir), *argv).output
    assert out.state == "UNKNOWN" and reason in out.summary


@pytest.mark.parametrize("mode", ["999", "0o755", "77777", "rwx"])
def test_bad_mode_is_one_unknown_line(open_dir, mode):
    out = run_check("check_path", "--path", str(open_dir), "--mode", mode).output
    assert out.state == "UNKNOWN" and "mode" in out.summary
