import subprocess
import time

import pytest
from runner import alive, run_check, which

PHP = which("php")


def php_modules():
    """The independent truth: the sections of `php -m` (PHP and Zend modules)."""
    out = subprocess.run([PHP, "-m"], capture_output=True, text=True, check=True).stdout
    return {line.strip() for line in out.splitlines() if line.strip() and not line.startswith("[")}


def php_version(name):
    out = subprocess.run([PHP, "--ri", name], capture_output=True, text=True)
    return out.stdout


MODULES = php_modules()


def test_php_lists_modules():
    assert "Core" in MODULES and "standard" in MODULES


@pytest.mark.parametrize("name", ["Core", "date", "standard"])
def test_loaded_extension_is_ok_with_its_version(name):
    out = run_check("check_php_extension", "-e", name).output
    assert out.state == "OK"
    version = out.summary.removeprefix(f"{name} ").removesuffix(" is loaded")
    assert version and version[0].isdigit()
    php = subprocess.run([PHP, "--version"], capture_output=True, text=True).stdout
    assert php.startswith(f"PHP {version}")     # core extensions carry PHP's version
    assert out.perfdata == {}


def test_name_is_matched_without_case():
    assert run_check("check_php_extension", "-e", "CORE").output.summary.startswith("Core ")


def test_opcache_state_follows_php_m():
    out = run_check("check_php_extension", "-e", "opcache").output
    if "Zend OPcache" in MODULES:
        assert out.state == "OK" and out.summary.startswith("Zend OPcache ")
    else:
        assert out.state == "CRITICAL" and out.summary == "opcache is not loaded"


def test_extension_not_in_php_m_is_critical():
    name = "eaccelerator"
    assert name not in {m.lower() for m in MODULES}
    out = run_check("check_php_extension", "-e", name).output
    assert out.state == "CRITICAL" and out.summary == "eaccelerator is not loaded"


def test_min_version_uses_php_version_compare():
    loaded = run_check("check_php_extension", "-e", "date").output.summary.split()[1]
    major = int(loaded.split(".")[0])
    assert run_check("check_php_extension", "-e", "date", "--min-version", "5.0").code == 0
    assert run_check("check_php_extension", "-e", "date", "--min-version", loaded).code == 0
    old = run_check("check_php_extension", "-e", "date", "--min-version", f"{major + 1}.0").output
    assert old.state == "WARNING"
    assert old.summary == f"date {loaded} is older than {major + 1}.0"


def test_missing_or_broken_php_is_unknown(tmp_path):
    out = run_check("check_php_extension", "-e", "date", "--php", str(tmp_path / "php")).output
    missing = f"cannot run {tmp_path / 'php'}: No such file or directory"
    assert out.state == "UNKNOWN" and out.summary == missing
    out = run_check("check_php_extension", "-e", "date", "--php", which("false")).output
    assert out.state == "UNKNOWN" and "failed: exit status 1" in out.summary
    out = run_check("check_php_extension", "-e", "date", env={"PATH": str(tmp_path)}).output
    assert out.state == "UNKNOWN" and out.summary == "cannot run php: No such file or directory"


def test_hung_php_is_killed_at_the_timeout(tmp_path):
    pidfile = tmp_path / "pid"
    fake = tmp_path / "php"
    fake.write_text(f"#!/bin/sh\nsleep 30 &\necho $! > {pidfile}\nwait\n")
    fake.chmod(0o755)
    run = run_check("check_php_extension", "-e", "date", "--php", str(fake), "-t", "0.5")
    assert run.output.state == "UNKNOWN"
    assert run.output.summary == f"timeout after 0.5s while running {fake}"
    assert run.seconds < 3
    child = int(pidfile.read_text())
    time.sleep(0.1)
    assert not alive(child)
