"""The process table, read straight from ``/proc`` (Linux).

Reading ``/proc/PID/stat`` and ``cmdline`` directly costs about 2.5 ms for
a hundred processes; ``psutil`` costs about 30 ms (20 ms of it importing),
most of a host check's 35 ms budget. A process that ends while the table
is read is simply left out.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable, Iterator

PROC = "/proc"
_PF_KTHREAD = 0x00200000


class Process(namedtuple("Process", "pid ppid comm state args uid kernel")):
    """One process: ids, short command name, state letter, argument line, owner.

    ``comm`` is the kernel's command name (at most 15 characters, no path);
    ``args`` the command line joined by spaces, ``[comm]`` for kernel
    threads, as ``ps -o args`` shows it; ``uid`` the effective user id, or
    ``None`` when not asked for.
    """

    __slots__ = ()


def read_process(pid: int, with_uid: bool = False, root: str = PROC,
                 wanted: Callable[[str], bool] | None = None) -> Process | None:
    """The process *pid*, or ``None`` when it is gone or unreadable.

    *wanted*, given the command name, may refuse a process before its
    command line is read (half the cost of a table scan by name).
    """
    base = f"{root}/{pid}"
    try:
        with open(f"{base}/stat", "rb") as handle:
            stat = handle.read().decode("utf-8", "replace")
        open_paren, close_paren = stat.find("("), stat.rfind(")")
        comm = stat[open_paren + 1:close_paren]
        if wanted is not None and not wanted(comm):
            return None
        with open(f"{base}/cmdline", "rb") as handle:
            cmdline = handle.read()
        uid = _effective_uid(base) if with_uid else None
    except (OSError, ValueError):
        return None
    fields = stat[close_paren + 2:].split()
    try:
        state, ppid, flags = fields[0], int(fields[1]), int(fields[6])
    except (IndexError, ValueError):
        return None
    kernel = bool(flags & _PF_KTHREAD)
    args = cmdline.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
    return Process(pid, ppid, comm, state, args or f"[{comm}]", uid, kernel)


def _effective_uid(base: str) -> int:
    with open(f"{base}/status", "rb") as handle:
        for line in handle:
            if line.startswith(b"Uid:"):
                return int(line.split()[2])
    raise ValueError("no Uid line")


def processes(with_uid: bool = False, root: str = PROC,
              wanted: Callable[[str], bool] | None = None) -> Iterator[Process]:
    """Every process now running (threads are not processes), or those *wanted* by name."""
    for name in os.listdir(root):
        if name.isdigit():
            process = read_process(int(name), with_uid, root, wanted)
            if process is not None:
                yield process


def ancestors(pid: int, root: str = PROC) -> Iterator[Process]:
    """The parent of *pid*, its parent, and so on up to (not including) PID 1."""
    seen = {pid}
    process = read_process(pid, root=root)
    while process is not None and process.ppid > 1 and process.ppid not in seen:
        seen.add(process.ppid)
        process = read_process(process.ppid, root=root)
        if process is not None:
            yield process
