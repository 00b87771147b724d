#!/usr/bin/env python3
"""check_file_age: a file is recent enough and big enough.

Drop-in for the Monitoring Plugins check_file_age: -f FILE, -w/-c maximum
age in seconds (default 240/600), -W/-C minimum size in bytes, -i to accept
a missing file. As there, if all four are bare whole numbers a file is
CRITICAL when older than -c seconds or smaller than -C bytes (WARNING:
-w/-W); if any of them is in range syntax all four are ranges of acceptable
values (-W/-C default 0:), so "-W 100" then means "at most 100 bytes".

--newest GLOB judges the newest file matching GLOB instead (wildcards in the
file name only: /backups/db-*.sql.gz): backups that must keep coming,
trending data that must keep updating. Nothing matching counts as missing.
Looking for it is bounded: at most --max-files directory entries.
"""

import os
import re
from argparse import ArgumentTypeError

from immune import clock
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import CheckError, Metric, Resource, Summary
from immune.facts import FactContext, fact
from immune.options import non_negative_int, threshold
from immune.plugin import Plugin
from immune.ranges import INF, NEVER, Range, parse_range
from immune.walk import DEFAULT_LIMIT, Walk, split_glob

BARE = re.compile(r"[0-9]+")


class FileAge(Resource):
    """Age (whole seconds since the last change) and size of a file, or of the newest match."""

    def __init__(self, path=None, newest=None, ignore_missing=False, limit=DEFAULT_LIMIT):
        self.path = path
        self.newest = newest
        self.ignore_missing = ignore_missing
        self.limit = limit
        self.matches = 0

    def probe(self):
        found = self._newest() if self.newest else self._stat(self.path)
        if found is None:
            what = f"no file matches {self.newest}" if self.newest else self.path
            if self.ignore_missing:
                return fact("exists", True, f"{what} doesn't exist, but ignore-missing was set",
                            context="exists")
            return fact("exists", False, what if self.newest else f"File not found - {what}",
                        context="exists")
        self.path, size, mtime = found
        age = int(clock.now()) - int(mtime)
        return [Metric("age", age, "s", context="age"),
                Metric("size", size, "B", min=0, context="size")]

    @staticmethod
    def _stat(path):
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return None
        except OSError as err:
            raise CheckError(f"cannot stat {path}: {err.strerror}") from None
        return path, info.st_size, info.st_mtime

    def _newest(self):
        directory, pattern = split_glob(self.newest)
        walk = Walk(directory, pattern, limit=self.limit)
        best = None
        try:
            for info in walk:
                self.matches += 1
                if best is None or info.mtime > best.mtime:
                    best = info
        except CheckError:
            if os.path.lexists(directory):
                raise     # there but unreadable: UNKNOWN, with the walk's reason
            return None   # the directory itself is missing: nothing matches
        if walk.truncated:
            raise CheckError(f"more than {self.limit} entries in {directory} "
                             "(raise --max-files)")
        return best


class FileAgeSummary(Summary):
    """``/path is 12 seconds old and 123 bytes``, as the C plugin says it."""

    def ok(self, results):
        if "exists" in results:
            return str(results["exists"])
        resource = results["age"].resource
        text = (f"{resource.path} is {results['age'].metric.value} seconds old "
                f"and {results['size'].metric.value} bytes")
        if resource.newest:
            pattern = os.path.basename(resource.newest)
            text += f" (newest of {resource.matches} matching {pattern})"
        return text

    def problem(self, results):
        if "age" not in results:
            return str(results.first_significant)
        worst = results.first_significant
        return f"{self.ok(results)} ({worst.metric.name} {worst.hint})"


class AgeContext(ThresholdContext):
    """Judges like ThresholdContext; "above N" (``~:N``) shows as ``N`` in perfdata, as in C."""

    def performance(self, metric, resource):
        def shown(r):
            return Range(0, r.end) if r.start == -INF and not r.invert else r

        perf = super().performance(metric, resource)
        return perf._replace(warn=shown(perf.warn), crit=shown(perf.crit))


def thresholds(warning, critical, warning_size, critical_size):
    """(age warn, age crit, size warn, size crit) Ranges, with the C plugin's two modes."""
    given = (warning, critical, warning_size or "0", critical_size or "0")
    if all(BARE.fullmatch(v) for v in given):
        def at_least(v):
            return NEVER if not v or int(v) == 0 else Range(int(v), INF)

        return (Range(-INF, int(warning)), Range(-INF, int(critical)),
                at_least(warning_size), at_least(critical_size))

    def size_range(v):
        return parse_range("0:" if v in (None, "", "0") else v)

    return (parse_range(warning), parse_range(critical),
            size_range(warning_size), size_range(critical_size))


def _glob(text):
    try:
        split_glob(text)
    except ValueError as err:
        raise ArgumentTypeError(str(err)) from None
    return text


def _range_text(text):
    threshold(text)       # validate now: a bad range is one UNKNOWN line
    return text


def options(parser):
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("-f", "--file", metavar="FILE", help="the file to judge")
    target.add_argument("-n", "--newest", type=_glob, metavar="GLOB",
                        help="judge the newest file matching GLOB (e.g. '/backups/db-*.gz')")
    parser.add_argument("-w", "--warning-age", "--warning", dest="warning", type=_range_text,
                        default="240", metavar="SECONDS",
                        help="WARNING when older than SECONDS, or outside a range (default 240)")
    parser.add_argument("-c", "--critical-age", "--critical", dest="critical", type=_range_text,
                        default="600", metavar="SECONDS",
                        help="CRITICAL when older than SECONDS, or outside a range (default 600)")
    parser.add_argument("-W", "--warning-size", type=_range_text, metavar="BYTES",
                        help="WARNING when smaller than BYTES, or outside a range")
    parser.add_argument("-C", "--critical-size", type=_range_text, metavar="BYTES",
                        help="CRITICAL when smaller than BYTES, or outside a range")
    parser.add_argument("-i", "--ignore-missing", action="store_true",
                        help="OK when the file does not exist (or nothing matches)")
    parser.add_argument("--max-files", type=non_negative_int, default=DEFAULT_LIMIT, metavar="N",
                        help=f"with --newest, look at no more than N entries (default "
                             f"{DEFAULT_LIMIT}; more is UNKNOWN)")


def build(args, deadline):
    age_w, age_c, size_w, size_c = thresholds(args.warning, args.critical,
                                              args.warning_size, args.critical_size)
    return Check(
        FileAge(args.file, args.newest, args.ignore_missing, args.max_files),
        AgeContext("age", age_w, age_c),
        ThresholdContext("size", size_w, size_c),
        FactContext("exists"),
        FileAgeSummary(),
    )


PLUGIN = Plugin("FILE_AGE", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
