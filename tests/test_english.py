"""immune.english: argparse in English without gettext, and nothing lost for other users."""

import subprocess
import sys

import pytest
from runner import installed_checks


def fresh(code: str) -> str:
    """Run *code* in a fresh interpreter (no gettext loaded yet); its stdout."""
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


PARSE_ERRORS = (
    "import argparse, sys\n"
    "sys.stderr = sys.stdout\n"
    "p = argparse.ArgumentParser(prog='x', exit_on_error=False)\n"
    "p.add_argument('--pair', nargs=2)\n"
    "p.add_argument('--one', nargs=1)\n"
    "p.add_argument('--count', type=int)\n"
    "p.add_argument('--colour')\n"
    "for argv in (['--pair', 'a'], ['--one'], ['--count', 'x'],\n"
    "             ['--co', '1', '--bogus'], ['--c', '1']):\n"
    "    try:\n"
    "        print(p.parse_args(argv))\n"
    "    except (argparse.ArgumentError, SystemExit) as err:\n"
    "        print(err)\n"
    "print(p.format_help())\n"
    "print(type(sys.modules['gettext']).__name__, 'locale' in sys.modules)\n")


def test_argparse_says_what_it_says_with_gettext_without_loading_gettext_or_locale():
    real = fresh(PARSE_ERRORS).splitlines()
    english = fresh("from immune import english\nenglish.install()\n" + PARSE_ERRORS).splitlines()
    assert real[-1] == "module True"
    assert english[-1] == "_EnglishGettext False"
    assert english[:-1] == real[:-1]
    assert "argument --pair: expected 2 arguments" in english


def test_anything_else_asked_of_gettext_gets_the_real_module():
    out = fresh(
        "import sys\n"
        "from immune import english\n"
        "english.install()\n"
        "import gettext\n"
        "print(gettext.NullTranslations().gettext('hello'))\n"
        "import gettext as again\n"
        "print(type(again).__name__, hasattr(again, 'translation'), "
        "sys.modules['gettext'] is again)\n"
        "print(again.dngettext('messages', 'file', 'files', 2))\n")
    assert out.splitlines() == ["hello", "module True True", "files"]


def test_a_loaded_gettext_is_left_alone():
    out = fresh(
        "import gettext, sys\n"
        "from immune import english\n"
        "english.install()\n"
        "print(sys.modules['gettext'] is gettext)\n")
    assert out.strip() == "True"


@pytest.mark.parametrize("name", installed_checks())
def test_no_check_module_loads_the_real_gettext(name):
    # The checks package installs the stand-in first; a check module (or a lib module
    # it imports) that loaded gettext before it would cost every run 3 ms again.
    out = fresh(f"import sys\nimport immune.checks.{name}\n"
                "print(type(sys.modules['gettext']).__name__)\n")
    assert out.strip() == "_EnglishGettext"
