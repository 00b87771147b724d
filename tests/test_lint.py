"""The code base stays ruff clean and never hands input to a shell."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def python_sources():
    yield from (REPO / "lib").rglob("*.py")
    yield from (REPO / "checks").glob("*.py")
    yield from (REPO / "tools").iterdir()
    yield from (REPO / "bench").rglob("*.py")


def test_ruff_clean():
    targets = [str(p) for p in python_sources()
               if p.is_file() and p.read_text().startswith(("#!/usr/bin/env python3", '"""'))]
    targets += [str(REPO / "tests")]
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *targets],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_shell_invocations():
    pattern = re.compile(r"shell\s*=\s*True|os\.system\(|os\.popen\(")
    offenders = [str(p) for p in python_sources()
                 if p.is_file() and p.suffix in ("", ".py") and pattern.search(p.read_text())]
    assert offenders == []
