"""The mount table and statvfs with a time limit, against findmnt, df and a real hung mount."""

import json
import os
import subprocess
import sys

from components.mountns import private_mounts
from immune.mounts import HUNG, Usage, mount_of, read_mounts, statvfs_within
from runner import which


def findmnt(*args):
    out = subprocess.run([which("findmnt"), "-rn", *args], capture_output=True, text=True,
                         check=True).stdout
    return [line.split(" ") for line in out.splitlines()]


def test_mount_table_agrees_with_findmnt():
    ours = {m.mountpoint: m for m in read_mounts()}
    theirs = {t.replace("\\x20", " "): (fstype, source)
              for t, fstype, source in findmnt("-o", "TARGET,FSTYPE,SOURCE")}
    assert set(ours) == set(theirs)
    for point, mount in ours.items():
        assert mount.fstype == theirs[point][0]
    assert ours["/proc"].pseudo and not ours["/"].pseudo and not ours["/dev/shm"].pseudo
    assert not ours["/"].remote


def test_mount_of_a_path_is_the_longest_containing_mount_point(tmp_path):
    [[target]] = findmnt("-o", "TARGET", "-T", str(tmp_path))
    assert mount_of(str(tmp_path), read_mounts()).mountpoint == target
    assert mount_of("/dev/shm/x", read_mounts()).mountpoint == "/dev/shm"


def test_usage_is_what_df_counts():
    [answer] = statvfs_within(["/"], 5).values()
    out = subprocess.run([which("df"), "-P", "-B1", "/"], capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1].split()
    used, avail = int(out[2]), int(out[3])
    assert isinstance(answer, Usage)
    assert abs(answer.used - used) < 256 * 2**20 and abs(answer.free - avail) < 256 * 2**20
    assert 0 <= answer.free_percent <= 100
    assert isinstance(statvfs_within(["/no/such/dir"], 5)["/no/such/dir"], FileNotFoundError)


def test_hung_mount_is_abandoned_and_escaped_names_are_read(mount_base):
    hung, spaced = str(mount_base / "hung"), str(mount_base / "with space")
    code = (
        "import json, sys, time\n"
        "from immune.mounts import read_mounts, statvfs_within\n"
        "start = time.monotonic()\n"
        f"answers = statvfs_within([{hung!r}, {spaced!r}], 0.3)\n"
        "print(json.dumps({'seconds': time.monotonic() - start,\n"
        "  'answers': {k: type(v).__name__ for k, v in answers.items()},\n"
        "  'points': [m.mountpoint for m in read_mounts()]}))\n"
    )
    report = private_mounts([("hung", hung), ("tmpfs", spaced, "size=1m", None)],
                            [sys.executable, "-c", code])
    [run] = report["runs"]
    assert run["code"] == 0, run
    seen = json.loads(run["stdout"])
    assert 0.3 <= seen["seconds"] < 0.6
    assert seen["answers"] == {hung: type(HUNG).__name__, spaced: "Usage"}
    assert spaced in seen["points"] and hung in seen["points"]
    assert not os.path.ismount(spaced)  # it never existed outside the namespace
