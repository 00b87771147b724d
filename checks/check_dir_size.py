#!/usr/bin/env python3
"""check_dir_size: every file in a directory under a size limit, and/or the total.

The reference site's "Apache Server Log Size Limit": a log that outgrew its
rotation fills the disk slowly, then all at once. A file above
--max-file-size or a directory total above --max-total is CRITICAL; the
optional --warn-file-size and --warn-total are the WARNING limits. With no
limit at all the check only reports (for trending). The offenders are named,
largest first (three at most, then "and N more").

The walk is bounded: at most --max-files directory entries (matching or not)
are looked at. A directory holding more is itself a problem (rotation or
clean-up not working): WARNING, "walk stopped after N entries", and the
figures are lower bounds (what was seen) - a limit already exceeded by what
was seen is still reported CRITICAL. Symbolic links are not followed.
"""

import heapq
import os

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import Metric, Resource, Summary, Warn
from immune.facts import FactContext, fact
from immune.numbers import plural
from immune.options import non_negative_int, size
from immune.plugin import Plugin
from immune.ranges import NEVER, Range
from immune.units import format_size
from immune.walk import DEFAULT_LIMIT, Walk

SHOWN = 3


class Directory(Resource):
    """Total size, largest file, file count; the largest files and counts above the file limits."""

    def __init__(self, walk, limits):
        self.walk = walk
        self.limits = [limit for limit in limits if limit is not None]
        self.largest = []   # the SHOWN largest files, largest first
        self.above = {}     # limit -> number of files above it

    def probe(self):
        total = count = 0
        largest = []
        above = dict.fromkeys(self.limits, 0)
        for info in self.walk:
            total += info.size
            count += 1
            for limit in self.limits:
                if info.size > limit:
                    above[limit] += 1
            if len(largest) < SHOWN:
                heapq.heappush(largest, (info.size, info.path))
            elif info.size > largest[0][0]:
                heapq.heapreplace(largest, (info.size, info.path))
        self.largest = sorted(largest, reverse=True)
        self.above = above
        yield Metric("total", total, "B", min=0, context="total")
        yield Metric("largest", self.largest[0][0] if self.largest else 0, "B", min=0,
                     context="largest")
        yield Metric("files", count, min=0, context="files")
        yield fact("complete", not self.walk.truncated,
                   f"walk stopped after {self.walk.examined} entries "
                   f"(--max-files {self.walk.limit})", context="complete")

    def offenders(self, limit):
        """'error.log (812 MB), access.log (60 MB) and 2 more' for files above *limit*."""
        shown = [(s, p) for s, p in self.largest if s > limit]
        names = [f"{os.path.relpath(p, self.walk.top)} ({format_size(s)})" for s, p in shown]
        more = self.above[limit] - len(shown)
        return ", ".join(names) + (f" and {more} more" if more > 0 else "")


class DirectorySummary(Summary):
    """``All files in /var/log/apache2 are of expected size (12 files, 33 MB total)``."""

    def __init__(self, top, file_limits, total_limits):
        self.top = top
        self.file_limits = file_limits      # (warn, crit) bytes or None
        self.total_limits = total_limits

    def ok(self, results):
        files = results["files"].metric.value
        total = format_size(results["total"].metric.value)
        counted = plural(files, "file")
        if any(limit is not None for limit in self.file_limits):
            return f"All files in {self.top} are of expected size ({counted}, {total} total)"
        return f"{self.top} holds {counted}, {total} total"

    def problem(self, results):
        if "largest" not in results:
            return str(results.first_significant)
        parts = []
        resource = results["largest"].resource
        if int(results["largest"].state):
            limit = _exceeded(results["largest"], self.file_limits)
            parts.append(f"{plural(resource.above[limit], 'file')} in {self.top} over "
                         f"{format_size(limit)}: {resource.offenders(limit)}")
        if int(results["total"].state):
            limit = _exceeded(results["total"], self.total_limits)
            parts.append(f"{self.top} total {format_size(results['total'].metric.value)} "
                         f"over {format_size(limit)}")
        if int(results["complete"].state):
            parts.append(str(results["complete"]))
        if not parts:
            return str(results.first_significant)
        if not int(results["total"].state) and not int(results["largest"].state):
            parts[0] = f"{self.top}: {parts[0]}"
        return "; ".join(parts)

    def verbose(self, results):
        if "largest" not in results:
            return []
        resource = results["largest"].resource
        lines = [f"{format_size(s)} {p}" for s, p in resource.largest]
        if resource.walk.unreadable:
            lines.append(f"{resource.walk.unreadable} entries could not be read")
        return lines


def _exceeded(result, limits):
    """The limit (bytes) whose range the result broke: critical if it did, else warning."""
    warn, crit = limits
    return crit if int(result.state) == 2 and crit is not None else warn


def _at_most(limit):
    return NEVER if limit is None else Range(0, limit)


def options(parser):
    parser.add_argument("-d", "--dir", required=True, metavar="PATH",
                        help="the directory to watch")
    parser.add_argument("--max-file-size", type=size, metavar="SIZE",
                        help="CRITICAL when a file is larger (e.g. 50MB; binary units)")
    parser.add_argument("--warn-file-size", type=size, metavar="SIZE",
                        help="WARNING when a file is larger")
    parser.add_argument("--max-total", type=size, metavar="SIZE",
                        help="CRITICAL when all files together are larger")
    parser.add_argument("--warn-total", type=size, metavar="SIZE",
                        help="WARNING when all files together are larger")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="include files in subdirectories")
    parser.add_argument("-g", "--glob", metavar="PATTERN",
                        help="only files whose name matches PATTERN (e.g. '*.log')")
    parser.add_argument("--max-files", type=non_negative_int, default=DEFAULT_LIMIT,
                        metavar="N",
                        help="look at no more than N directory entries; more is WARNING "
                             f"(default {DEFAULT_LIMIT})")


def build(args, deadline):
    file_limits = (args.warn_file_size, args.max_file_size)
    total_limits = (args.warn_total, args.max_total)
    walk = Walk(args.dir, args.glob, args.recursive, args.max_files)
    return Check(
        Directory(walk, file_limits),
        ThresholdContext("total", _at_most(args.warn_total), _at_most(args.max_total)),
        ThresholdContext("largest", _at_most(args.warn_file_size), _at_most(args.max_file_size)),
        ThresholdContext("files"),
        FactContext("complete", Warn),
        DirectorySummary(args.dir.rstrip("/") or "/", file_limits, total_limits),
    )


PLUGIN = Plugin("DIR_SIZE", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
