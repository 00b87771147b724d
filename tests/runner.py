"""Running installed checks the way Nagios does: argv in, exit code and stdout out."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType

from grammar import Output, parse_output
from immune.devservers.process import which  # noqa: F401 - re-exported for the tests

BIN = Path(sys.executable).parent


def timed(call: Callable[[], object], times: int) -> list[float]:
    """Seconds each of *times* calls of *call* took (perf_counter)."""
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        spent.append(time.perf_counter() - start)
    return spent


def installed_checks() -> list[str]:
    """Names of the check commands the installed immune package provides."""
    files = metadata.distribution("immune").files or []
    names = sorted({Path(f).name for f in files if Path(f).name.startswith("check_")
                    and Path(f).parent.name == "bin"})
    assert names, "no installed checks found: is immune installed in this venv?"
    return names


def check_module(name: str) -> ModuleType:
    """The installed module of check *name*, for running its ``PLUGIN`` in this process."""
    return importlib.import_module(f"immune.checks.{name}")


def check_path(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed in {BIN}"
    return str(path)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> Output:
        out = parse_output(self.stdout)
        assert out.code == self.code, f"exit {self.code} but status says {out.state}"
        return out


def run_check(name: str, *args: str, env: dict[str, str] | None = None,
              timeout: float = 30, input: str | None = None, cwd: str | None = None,
              wrapper: tuple[str, ...] = ()) -> Run:
    """Run an installed check; assert the contract's exit code range.

    *wrapper* is prepended to the command line (e.g. ``unshare --net``).
    """
    import time

    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    start = time.monotonic()
    proc = subprocess.run([*wrapper, check_path(name), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, input=input, cwd=cwd)
    run = Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
    assert run.code in (0, 1, 2, 3), f"{name} exited {run.code}: {run.stdout}{run.stderr}"
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    return run


MONITORING_PLUGINS = Path("/usr/lib/nagios/plugins")


def c_plugin(name: str) -> str:
    """The Monitoring Plugins' own plugin *name*: never ours, which PATH may find first."""
    path = MONITORING_PLUGINS / name
    assert path.exists(), f"{path} is not installed: tools/setup must install it"
    return str(path)


def libfaketime() -> str:
    """The libfaketime preload library (LD_PRELOAD) of this machine's architecture."""
    import glob

    found = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    assert found, "libfaketime is not installed: tools/setup must install faketime"
    return found[0]


def process_stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state, ppid...),
    or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that does not reap it."""
    fields = process_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")
