"""Real mounts in a private mount namespace: small tmpfs disks and a hung FUSE mount.

``private_mounts(specs, *commands)`` runs a helper under ``unshare --mount
--propagation private``: it mounts each spec (``("tmpfs", DIR, "size=1m",
FILL)`` with FILL ``None``, ``"space"`` or ``"inodes"``, or ``("hung",
DIR)``), records ``df`` and ``os.statvfs`` for the
tmpfs ones, runs each command there, and reports everything as JSON. The
mounts exist only inside that namespace (other processes on the machine
never see them, so a hung mount cannot stall anyone else's ``df``) and
vanish with it.

The hung mount is a real FUSE mount whose daemon never answers: the
helper opens ``/dev/fuse``, mounts it and never reads the device, so every
``statfs`` on it blocks in the kernel exactly as on a dead NFS server,
until the device is closed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner import which

HELPER = r"""
import ctypes, json, os, subprocess, sys, time
specs, commands = json.loads(sys.argv[1]), json.loads(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)

def mount(source, target, fstype, options):
    if libc.mount(source.encode(), target.encode(), fstype.encode(), 0, options.encode()):
        raise OSError(ctypes.get_errno(), f"mount {fstype} on {target}")

held, report = [], {"df": {}, "statvfs": {}, "runs": []}
try:
    for kind, target, *rest in specs:
        os.makedirs(target, exist_ok=True)
        if kind == "tmpfs":
            options, fill = rest
            mount("tmpfs", target, "tmpfs", f"{options},mode=0755")
            try:
                if fill == "space":
                    with open(os.path.join(target, "fill"), "wb") as handle:
                        while True:
                            handle.write(b"\0" * 65536)
                            handle.flush()
                elif fill == "inodes":
                    for number in range(1000000):
                        open(os.path.join(target, str(number)), "wb").close()
            except OSError:
                pass
            df = subprocess.run(["df", "-P", "-B1", target], capture_output=True, text=True)
            report["df"][target] = df.stdout.splitlines()[-1].split()
            st = os.statvfs(target)
            report["statvfs"][target] = [st.f_blocks, st.f_bfree, st.f_bavail, st.f_frsize,
                                         st.f_files, st.f_ffree]
        elif kind == "hung":
            fd = os.open("/dev/fuse", os.O_RDWR)
            held.append(fd)
            mount("immune-hung", target, "fuse.immunehung",
                  f"fd={fd},rootmode=40000,user_id=0,group_id=0")
    for argv in commands:
        start = time.monotonic()
        run = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        report["runs"].append({"code": run.returncode, "stdout": run.stdout,
                               "stderr": run.stderr, "seconds": time.monotonic() - start})
finally:
    for fd in held:
        os.close(fd)
    for kind, target, *rest in reversed(specs):
        libc.umount2(target.encode(), 2)
print(json.dumps(report))
"""


def private_mounts(specs: list[tuple], *commands: list[str]) -> dict:
    """Mount *specs* in a private namespace, run *commands* there, return the report."""
    assert os.geteuid() == 0, "mount tests need root (the CI machine runs them as root)"
    assert Path("/dev/fuse").exists(), "/dev/fuse is missing: the kernel needs FUSE"
    argv = [which("unshare"), "--mount", "--propagation", "private", sys.executable, "-c",
            HELPER, json.dumps([list(s) for s in specs]), json.dumps([list(c) for c in commands])]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def mount_base() -> Iterator[Path]:
    """A short directory for mount points, so their perfdata labels differ in 19 characters."""
    path = Path(tempfile.mkdtemp(prefix="imd", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
