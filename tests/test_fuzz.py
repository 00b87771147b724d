"""Fuzzing every installed check with random and adversarial command lines.

Each check is run with option vectors built from its own options (read from
``--help``), unknown options, missing values, huge numbers, NaN/inf, unicode,
empty strings, repeats, inverted ranges and paths that do not exist or are
directories or fifos. Whatever the input, a run exits 0-3, prints a first
line that follows the status grammar, never a traceback, and ends within
``-t`` + 0.5 s.

The normal suite runs a small deterministic sample per check. The dedicated
run (10,000+ invocations) is::

    IMMUNE_FUZZ_EXAMPLES=460 python -m pytest tests/test_fuzz.py

Runs happen in a private network namespace (``unshare --net``): a random
host name is never looked up and no packet leaves the machine.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runner import installed_checks, run_check, which

CHECKS = installed_checks()
EXAMPLES = int(os.environ.get("IMMUNE_FUZZ_EXAMPLES", "6"))
TIMEOUT = 1.0
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def options_of(name: str) -> list[str]:
    """Every option string a check's ``--help`` names (-h and -V left out)."""
    found = _OPTION.findall(run_check(name, "--help").stdout.split("options:", 1)[-1])
    return sorted(set(found) - {"-h", "--help", "-V", "--version"})


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """Paths of every awkward kind, inside a private directory."""
    base = tmp_path_factory.mktemp("fuzz")
    (base / "adir").mkdir()
    (base / "afile").write_text("line one\nPHP Fatal error: x\n\x1b[31m|evil|\n")
    os.mkfifo(base / "afifo")
    (base / "unreadable").write_text("secret\n")
    (base / "unreadable").chmod(0)
    return base


def values(base) -> st.SearchStrategy[str]:
    awkward = [
        "", " ", "0", "-1", "1e308", "-1e308", "1e-320", "nan", "NaN", "inf", "-inf",
        "99999999999999999999999999", "10:5", "@", "~:", ":", "@~:~", "5,4", "1,2,3,4",
        "0:0", "-0", "0x10", "١٢", "ünïcödé☃", "a|b", "'quoted'", "%s%n%(window)s",
        "$(id)", "`id`", ";ls", "\t", "\n", "\x1b[2J", "-", "--", "127.0.0.1", "::1",
        "127.0.0.1:1", "localhost", "50MB", "-5GB", "Mon-Fri 08:00-22:00", "Foo 25:99",
        "/", "/dev/null", "/proc/self/status", str(base / "adir"), str(base / "afile"),
        str(base / "afifo"), str(base / "unreadable"), str(base / "missing" / "x"),
        "x" * 5000,
    ]
    text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=12)
    return st.sampled_from(awkward) | text


def vectors(name: str, base) -> st.SearchStrategy[list[str]]:
    own = st.sampled_from(options_of(name))
    unknown = st.sampled_from(["--no-such-option", "-Z", "---", "-", "--=x", "positional"])
    value = values(base)
    token = st.one_of(
        own.map(lambda o: [o]),
        st.tuples(own, value).map(list),
        st.tuples(own, value).map(lambda p: [f"{p[0]}={p[1]}"] if p[0].startswith("--")
                                  else [p[0] + p[1]]),
        unknown.map(lambda o: [o]),
        value.map(lambda v: [v]),
    )
    return st.lists(token, max_size=6).map(lambda parts: [a for p in parts for a in p])


def network_sandbox() -> tuple[str, ...]:
    unshare = which("unshare")
    return (unshare, "--net") if os.geteuid() == 0 else (unshare, "--net", "--map-root-user")


@pytest.mark.parametrize("name", CHECKS)
def test_random_command_lines_keep_the_contract(name, sandbox):
    wrapper = network_sandbox()
    env = {"IMMUNE_STATE_DIR": str(sandbox / "state")}

    @settings(max_examples=EXAMPLES, derandomize="IMMUNE_FUZZ_EXAMPLES" not in os.environ,
              deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(argv=vectors(name, sandbox))
    def fuzz(argv):
        run = run_check(name, *argv, "-t", str(TIMEOUT), env=env, cwd=str(sandbox),
                        wrapper=wrapper)
        if run.code == 3 and run.stdout.startswith(("usage:", f"{name} (immune) ")):
            return  # an abbreviation of --help or --version, answered as the contract says
        out = run.output  # strict grammar; exit code matches the state word
        assert out.summary, run.stdout
        assert run.seconds < TIMEOUT + 0.5, f"{argv!r} took {run.seconds:.2f}s"

    fuzz()
