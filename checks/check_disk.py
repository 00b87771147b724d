#!/usr/bin/env python3
"""check_disk: free space (and inodes) on each mounted file system.

Drop-in for the Monitoring Plugins check_disk: -w/-c as free percent
(20%) or free units (500 = 500 MB; -u sets the unit, or write 2GB);
-W/-K free inode percent; -p paths (repeatable) take the thresholds
given before them, -C starts a new group; -x/-X/-N/-l choose mounts.
Pseudo file systems (proc, sysfs, cgroup, devpts, ...) are left out;
tmpfs is reported. A mount that does not answer (dead NFS server,
stuck FUSE daemon) is CRITICAL, named, and does not hang the check.
Percentages are df's: free / (used + free), root-reserved blocks left out.
Perfdata per mount: used MB, with the used levels where -w/-c trigger,
min 0, max the usable size.
"""

import errno
import os
from collections import namedtuple

from immune.check import Check
from immune.domain import CheckError, Context, Critical, Metric, Ok, Resource, Result, Summary
from immune.freespace import MB, UNIT_NAMES, add_options, plan_thresholds, units
from immune.mounts import Mount, mount_of, read_mounts, usage_of
from immune.numbers import format_number
from immune.parallel import HUNG, answers_within
from immune.perfdata import Perfdata, unique_labels
from immune.plugin import Plugin


class Answer(namedtuple("Answer", "name label usage thresholds")):
    """What one mount said (Usage, OSError or HUNG), its shown name, label, thresholds."""


class Mounts(Resource):
    """The chosen mounts, each asked for its sizes in a thread of its own.

    A -p path that is not itself a mount point is resolved in that thread
    too: it may lie on a hung mount.
    """

    def __init__(self, args, deadline):
        self.args = args
        self.deadline = deadline
        self.mounts, self.chosen, self.waited = [], {}, 0

    def choose(self):
        """(mount, thresholds) to check; -p paths that need resolving stay strings."""
        args = self.args
        others, paths = plan_thresholds(args.plan, args.units)
        chosen = [(self._known(path), thresholds) for path, thresholds in paths]
        if others is None:
            return chosen
        for mount in self.mounts:
            if args.include_type:
                if mount.fstype not in args.include_type:
                    continue
            elif mount.pseudo:
                continue
            if mount.fstype in args.exclude_type or (args.local and mount.remote):
                continue
            if mount.mountpoint in args.exclude_device or mount.device in args.exclude_device:
                continue
            chosen.append((mount, others))
        if not chosen:
            raise CheckError("no file systems were found for the given options")
        return chosen

    def _known(self, path):
        """The mount with this mount point, else the first one of this device, else *path*."""
        by_point = [m for m in self.mounts if m.mountpoint == path]
        by_device = [m for m in self.mounts if m.device == path]
        return (by_point or by_device or [path])[0]

    def _measure(self, target):
        """(mount, usage) of a Mount or a path; runs in a thread that may never return."""
        mount = target
        if isinstance(target, str):
            if self.args.exact_match:
                raise OSError(errno.ENOENT, "not a mount point")
            try:
                os.stat(target)
            except FileNotFoundError:
                raise OSError(errno.ENOENT, "no such file or directory") from None
            mount = mount_of(target, self.mounts)
            if mount is None:
                raise OSError(errno.ENOENT, "on no mounted file system")
        return mount, usage_of(mount.mountpoint)

    def probe(self):
        with self.deadline.stage("reading the mount table"):
            self.mounts = read_mounts()
            targets = self.choose()
        with self.deadline.stage("asking each mount for its size"):
            self.waited = self.deadline.usable(0.05, share=0.1)
            answers = answers_within(self._measure, [t for t, _ in targets], self.waited)
        for target, thresholds in targets:  # -p paths first: their thresholds win
            answer = answers[target]
            if isinstance(answer, tuple):
                mount, usage = answer
            else:
                mount = target if isinstance(target, Mount) else Mount(target, None, None)
                usage = answer
            self.chosen.setdefault(mount.mountpoint, (mount, usage, thresholds))
        mounts = [mount for mount, _, _ in self.chosen.values()]
        names = [(m.device or m.mountpoint) if self.args.mountpoint else m.mountpoint
                 for m in mounts]
        for mount, name, label in zip(mounts, names, unique_labels(names), strict=True):
            _, usage, thresholds = self.chosen[mount.mountpoint]
            yield Metric(mount.mountpoint, Answer(name, label, usage, thresholds),
                         context="disk")


class FreeSpace(Context):
    """CRITICAL/WARNING when free space or free inodes fall below a mount's floors."""

    def __init__(self, multiple):
        super().__init__("disk")
        self.multiple = multiple

    def evaluate(self, metric, resource):
        usage = metric.value.usage
        if usage is HUNG:
            return Result(Critical, f"no answer in {format_number(resource.waited, 1)}s,"
                          " hung mount", metric)
        if isinstance(usage, OSError):
            return Result(Critical, f"not accessible: {usage.strerror}", metric)
        verdict = metric.value.thresholds.judge(usage)
        return Result(*verdict, metric) if verdict else Result(Ok, None, metric)

    def describe(self, metric):
        name, _, usage, thresholds = metric.value
        if usage is HUNG or isinstance(usage, OSError):
            return name
        free = format_number(usage.free / self.multiple, 0 if self.multiple <= MB else 1)
        percent = f"{int(usage.free_percent)}%"
        if thresholds.inodes and usage.inodes_free_percent is not None:
            percent += f" inode={int(usage.inodes_free_percent)}%"
        return f"{name} {free} {UNIT_NAMES[self.multiple]} ({percent})"

    def performance(self, metric, resource):
        _, label, usage, thresholds = metric.value
        if usage is HUNG or isinstance(usage, OSError):
            return Perfdata(label, None, "MB")
        return Perfdata(label, _mb(usage.used), "MB", *thresholds.used_levels(usage),
                        0, _mb(usage.size))


def _mb(size):
    return round(max(size, 0) / MB, 3)


class DiskSummary(Summary):
    """``free space: / 32959 MB (52%); /tmp 254 MB (99%);``, problems first."""

    def __init__(self, errors_only):
        self.errors_only = errors_only

    def verbose(self, results):
        """One line per mount: type, device, used, free and size, inodes."""
        lines = []
        for result in results:
            if result.metric is None:
                continue
            mount, usage, _ = result.resource.chosen[result.metric.name]
            where = f"{mount.mountpoint} ({mount.fstype or '?'} on {mount.device or '?'})"
            if usage is HUNG or isinstance(usage, OSError):
                lines.append(f"{where}: {result.hint}")
                continue
            inodes = usage.inodes_free_percent
            lines.append(f"{where}: used {format_number(_mb(usage.used), 1)} MB, free "
                         f"{format_number(_mb(usage.free), 1)} MB of "
                         f"{format_number(_mb(usage.size), 1)} MB, free inodes "
                         f"{'n/a' if inodes is None else format_number(inodes, 1) + '%'}")
        return lines

    def ok(self, results):
        if self.errors_only:
            return f"free space: all {len(results)} file systems OK"
        return "free space: " + " ".join(f"{r.metric.description};" for r in results)

    def problem(self, results):
        if any(r.metric is None for r in results):
            return "; ".join(str(r) for r in results if r.metric is None)
        shown = [r for r in results if r.state != Ok or not self.errors_only]
        return "free space: " + " ".join(
            f"{r.metric.description}" + (f" {r.hint};" if r.hint else ";") for r in shown)


def options(parser):
    add_options(parser)
    parser.add_argument("-E", "--exact-match", action="store_true",
                        help="-p paths must be mount points or devices")
    parser.add_argument("-x", "--exclude-device", "--exclude_device", action="append",
                        default=[], metavar="PATH", help="leave out this mount point or device")
    parser.add_argument("-X", "--exclude-type", action="append", default=[], metavar="TYPE",
                        help="leave out file systems of this type (repeatable)")
    parser.add_argument("-N", "--include-type", action="append", default=[], metavar="TYPE",
                        help="check only file systems of this type (repeatable)")
    parser.add_argument("-l", "--local", action="store_true",
                        help="leave out network file systems (nfs, cifs, sshfs, ...)")
    parser.add_argument("-e", "--errors-only", action="store_true",
                        help="name only the file systems with problems")
    parser.add_argument("-M", "--mountpoint", action="store_true",
                        help="show the device instead of the mount point")
    parser.add_argument("-u", "--units", type=units, default=MB, metavar="UNIT",
                        help="unit of bare -w/-c numbers and of the output: "
                        "B, kB, MB, GB, TB (default MB)")
    parser.add_argument("-k", "--kilobytes", dest="units", action="store_const", const=1024,
                        help="same as --units kB")
    parser.add_argument("-m", "--megabytes", dest="units", action="store_const", const=MB,
                        help="same as --units MB")
    parser.add_argument("-A", "--all", action="store_true",
                        help="all file systems (the default without -p)")


def build(args, deadline):
    return Check(Mounts(args, deadline), FreeSpace(args.units), DiskSummary(args.errors_only))


PLUGIN = Plugin("DISK", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
