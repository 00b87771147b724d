"""The mount table and file-system sizes, against findmnt and df."""

import subprocess

from immune.mounts import Usage, mount_of, read_mounts, usage_of
from immune.parallel import answers_within
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
    [answer] = answers_within(usage_of, ["/"], 5).values()
    out = subprocess.run([which("df"), "-P", "-B1", "/"], capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1].split()
    used, avail = int(out[2]), int(out[3])
    assert isinstance(answer, Usage)
    assert abs(answer.used - used) < 256 * 2**20 and abs(answer.free - avail) < 256 * 2**20
    assert 0 <= answer.free_percent <= 100
    assert isinstance(answers_within(usage_of, ["/no/such/dir"], 5)["/no/such/dir"],
                      FileNotFoundError)
