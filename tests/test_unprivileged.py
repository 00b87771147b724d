"""The contract suite once more, as the unprivileged user Nagios runs checks as.

Nagios runs plugins as ``nagios``, not root: a check that only works as root
(state under /var/lib, reading root-only files, raw sockets) would fail in
production and pass every other test here. The venv, the checks and the
tests are copied to a world-readable place (the checkout may sit under a
0700 home) and ``tests/test_contract.py`` runs there as ``nagios``.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

from runner import which

REPO = Path(__file__).resolve().parent.parent
USER = "nagios"


def copy_for(user: pwd.struct_passwd, target: Path) -> Path:
    """A copy of the venv, checks/ and tests/ that *user* can read; returns its python."""
    venv = Path(sys.prefix)
    shutil.copytree(venv, target / "venv", symlinks=True)
    for part in ("checks", "tests"):
        shutil.copytree(REPO / part, target / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", target)
    python = target / "venv" / "bin" / "python"
    for script in (target / "venv" / "bin").glob("check_*"):
        lines = script.read_text().split("\n", 1)
        script.write_text(f"#!{python}\n{lines[1]}")
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    os.chown(target, user.pw_uid, user.pw_gid)
    return python


def test_contract_suite_passes_as_the_nagios_user(tmp_path_factory):
    assert os.geteuid() == 0, "CI runs as root so that it can drop to the nagios user"
    user = pwd.getpwnam(USER)
    base = Path("/tmp") / f"immune-unprivileged-{os.getpid()}"
    base.mkdir(mode=0o755)
    try:
        python = copy_for(user, base)
        as_nagios = [which("runuser"), "-u", USER, "--"]
        uid = subprocess.run([*as_nagios, "id", "-u"], capture_output=True, text=True)
        assert uid.stdout.strip() == str(user.pw_uid) != "0"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(base), "LANG": "C.UTF-8"}
        done = subprocess.run(
            [*as_nagios, str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--basetemp={base}/pytest", "tests/test_contract.py"],
            cwd=base, env=env, capture_output=True, text=True, timeout=900)
        tail = done.stdout[-3000:] + done.stderr[-2000:]
        assert done.returncode == 0, tail
        passed = re.search(r"(\d+) passed", done.stdout)
        assert passed and int(passed[1]) > 0 and "failed" not in done.stdout, tail
    finally:
        shutil.rmtree(base, ignore_errors=True)
