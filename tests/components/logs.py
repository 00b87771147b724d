"""A log being written and rotated for real: a writer process and logrotate.

``rotating_log`` gives a :class:`RotatingLog`: a private log file in a temp
dir, a writer process appending numbered lines at a steady rate (every
``MATCH_EVERY``-th one containing ``MATCH``), and :meth:`RotatingLog.rotate`,
which runs the real ``logrotate -f`` with a private state file, in rename
mode (``nocreate``: the writer creates the new file on its next line, as an
application reopening its log does) or ``copytruncate`` mode. Rotated files
are kept uncompressed so the test can count what really exists.
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from runner import which

from components.process import stop

MATCH = "PHP Fatal error"
MATCH_EVERY = 7

# Opens, appends one line, closes: every line is one O_APPEND write, and the
# first line after a rename rotation creates the new file.
WRITER = r"""
import os, signal, sys, time
path, interval, every, match = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
stopping = []
signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
n = 0
while not stopping:
    n += 1
    text = f"{n:08d} {match} in /srv/app.php" if n % every == 0 else f"{n:08d} request ok"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (text + "\n").encode())
    os.close(fd)
    time.sleep(interval)
print(n, flush=True)
"""


@dataclass
class RotatingLog:
    path: Path
    mode: str
    config: Path
    state: Path
    writer: subprocess.Popen | None = None

    def start_writer(self, interval: float = 0.0005) -> None:
        self.writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(self.path), str(interval), str(MATCH_EVERY),
             MATCH], stdout=subprocess.PIPE, text=True, start_new_session=True)

    def stop_writer(self) -> int:
        """Stop the writer; returns how many lines it wrote."""
        assert self.writer is not None
        self.writer.send_signal(signal.SIGTERM)
        out, _ = self.writer.communicate(timeout=10)
        return int(out)

    def rotate(self) -> None:
        """One forced rotation by the real logrotate."""
        proc = subprocess.run([which("logrotate"), "-f", "-s", str(self.state),
                               str(self.config)], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr

    def files(self) -> list[Path]:
        """The live log and every rotated file, oldest first."""
        rotated = sorted(self.path.parent.glob(self.path.name + ".*"),
                         key=lambda p: -int(p.suffix[1:]))
        return [*rotated, self.path] if self.path.exists() else rotated

    def lines(self) -> list[str]:
        """Every complete line that exists in the log and its rotated files."""
        found: list[str] = []
        for path in self.files():
            found += re.findall(r"[^\n]*\n", path.read_text())
        return found


@pytest.fixture(params=["rename", "copytruncate"])
def rotating_log(request, tmp_path) -> Iterator[RotatingLog]:
    """An empty log under a private logrotate config, in rename or copytruncate mode."""
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    path = folder / "app.log"
    path.touch()
    mode = request.param
    config = tmp_path / "logrotate.conf"
    config.write_text(f"{path} {{\n  rotate 1000\n  missingok\n  nocompress\n"
                      f"  {'nocreate' if mode == 'rename' else 'copytruncate'}\n}}\n")
    log = RotatingLog(path, mode, config, tmp_path / "logrotate.state")
    try:
        yield log
    finally:
        if log.writer is not None:
            with contextlib.suppress(Exception):
                stop(log.writer)
