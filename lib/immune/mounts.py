"""The mount table and file-system sizes.

:func:`read_mounts` parses ``/proc/self/mountinfo`` (what ``df`` reads);
:func:`usage_of` asks one mount for its sizes. A dead NFS server or a stuck
FUSE daemon blocks ``statvfs(2)`` in the kernel: ask through
:func:`immune.parallel.answers_within`, which abandons a call that does not
answer in time.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from collections.abc import Iterable

MOUNTINFO = "/proc/self/mountinfo"

#: Kernel and virtual file systems that hold no data worth a disk check.
#: tmpfs and devtmpfs are real memory and stay (the reference site watched
#: /dev/shm and /dev).
PSEUDO_TYPES = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
    "devpts", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "pstore",
    "rpc_pipefs", "securityfs", "selinuxfs", "sysfs", "tracefs", "squashfs", "ramfs",
})

#: File systems served over the network (left out by ``-l``).
REMOTE_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smbfs", "smb3", "ncpfs", "afs", "ceph", "glusterfs",
    "9p", "davfs", "lustre", "gpfs", "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs",
    "fuse.rclone", "fuse.davfs2",
})

_ESCAPE = re.compile(r"\\([0-7]{3})")


class Mount(namedtuple("Mount", "mountpoint device fstype")):
    """One line of the mount table: where, what, which file-system type."""

    __slots__ = ()

    @property
    def pseudo(self) -> bool:
        """True for kernel/virtual file systems (proc, sysfs, cgroup, ...)."""
        return self.fstype in PSEUDO_TYPES

    @property
    def remote(self) -> bool:
        """True for network file systems (nfs, cifs, sshfs, ...)."""
        return self.fstype in REMOTE_TYPES or self.fstype.split(".")[0] in REMOTE_TYPES


class Usage(namedtuple("Usage", "used free files ffree")):
    """Sizes of one file system in bytes as ``df`` counts them.

    ``used`` excludes root-reserved blocks, ``free`` is what unprivileged
    users can still write; their sum is the usable size ``df`` divides by.
    """

    __slots__ = ()

    @classmethod
    def from_statvfs(cls, st: os.statvfs_result) -> Usage:
        return cls((st.f_blocks - st.f_bfree) * st.f_frsize, st.f_bavail * st.f_frsize,
                   st.f_files, st.f_ffree)

    @property
    def size(self) -> int:
        return self.used + self.free

    @property
    def free_percent(self) -> float:
        return 100.0 * self.free / self.size if self.size else 100.0

    @property
    def inodes_free_percent(self) -> float | None:
        """Free inodes in percent, or ``None`` when the file system has no inode count."""
        return 100.0 * self.ffree / self.files if self.files else None


def _unescape(field: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m[1], 8)), field)


def read_mounts(path: str = MOUNTINFO) -> list[Mount]:
    """Mounts in mount order; a mount point mounted over twice is listed once, last wins."""
    mounts: dict[str, Mount] = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            fields = line.split()
            try:
                sep = fields.index("-", 6)
                mount = Mount(_unescape(fields[4]), _unescape(fields[sep + 2]), fields[sep + 1])
            except (ValueError, IndexError):
                continue
            mounts.pop(mount.mountpoint, None)
            mounts[mount.mountpoint] = mount
    return list(mounts.values())


def mount_of(path: str, mounts: Iterable[Mount]) -> Mount | None:
    """The mount *path* lives on: the longest mount point that contains it."""
    real = os.path.realpath(path)
    best = None
    for mount in mounts:
        point = mount.mountpoint
        if real == point or real.startswith(point.rstrip("/") + "/"):
            if best is None or len(point) >= len(best.mountpoint):
                best = mount
    return best


def usage_of(path: str) -> Usage:
    """The :class:`Usage` of the file system *path* is on (may block on a hung mount)."""
    return Usage.from_statvfs(os.statvfs(path))

