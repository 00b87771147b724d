import subprocess
import sys


def test_domain_skips_nagiosplugin_runtime_and_logging():
    code = ("import sys, immune.domain, immune.check, immune.plugin, immune.context;"
            "print(sorted(m for m in ('logging','tempfile','typing','subprocess',"
            "'nagiosplugin.runtime','nagiosplugin.cookie','shutil') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_domain_exposes_nagiosplugin_classes():
    from immune import domain

    assert domain.Metric.__module__ == "nagiosplugin.metric"
    assert int(domain.Critical) == 2 and str(domain.Warn) == "warning"
