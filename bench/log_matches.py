#!/usr/bin/env python3
"""Benchmark of check_log_matches against grep, in the same run (run by hand).

1. First-run full scan (--from-start) of a 1 GB log, in MB/s, next to
   ``grep -c PATTERN`` on the same file (target: at least 0.5x grep).
2. A run after 1 MB of new lines was appended, to the 1 GB log and to a
   10 MB log (target: independent of the file size, under 50 ms).

The logs live in a temporary directory that is deleted afterwards. Files
are read once before timing, so both tools read from the page cache.

    python bench/log_matches.py [--size-mb 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATTERN = "PHP Fatal error"
MB = 1 << 20


def check_command() -> str:
    found = shutil.which("check_log_matches") or str(Path(sys.executable).parent
                                                      / "check_log_matches")
    assert os.path.exists(found), "check_log_matches is not installed"
    return found


def lines_block(size: int, start: int) -> bytes:
    """About *size* bytes of PHP-log-like lines, one in 1000 a fatal error."""
    out, n, total = [], start, 0
    while total < size:
        n += 1
        if n % 1000 == 0:
            line = (f"[02-Dec-2026 14:{n % 60:02d}:{n * 7 % 60:02d} UTC] PHP Fatal error:  "
                    f"Uncaught Exception: item {n} not found in /srv/www/shop/item.php:{n % 977}\n")
        else:
            line = (f"[02-Dec-2026 14:{n % 60:02d}:{n * 7 % 60:02d} UTC] PHP Notice:  "
                    f"Undefined index: avatar_{n % 5003} in /srv/www/chat/room.php on line "
                    f"{n % 1499}\n")
        out.append(line)
        total += len(line)
    return "".join(out).encode()


def write_log(path: Path, size: int) -> None:
    block = lines_block(4 * MB, 0)
    with open(path, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        f.write(block[: block.rfind(b"\n", 0, size % len(block)) + 1])


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    return time.perf_counter() - start, proc.stdout


def perf_value(output: str, label: str) -> int:
    perf = output.split(" | ", 1)[1].split("\n", 1)[0]
    item = next(p for p in perf.split() if p.startswith(label + "="))
    return int(item.split("=", 1)[1].split(";", 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    check, grep = check_command(), shutil.which("grep")
    assert grep, "grep is not installed"
    with tempfile.TemporaryDirectory(prefix="bench-log-") as tmp:
        folder = Path(tmp)
        big, small = folder / "big.log", folder / "small.log"
        write_log(big, args.size_mb * MB)
        write_log(small, 10 * MB)
        size_mb = big.stat().st_size / MB
        subprocess.run([grep, "-c", PATTERN, str(big)], capture_output=True)  # page cache

        grep_times, check_times = [], []
        for run in range(args.repeat):
            seconds, out = timed([grep, "-c", PATTERN, str(big)])
            grep_times.append(seconds)
            expected = int(out)
            seconds, out = timed([check, "-F", str(big), "-e", PATTERN, "--from-start",
                                  "-t", "60", "--state-dir", str(folder / f"first{run}")])
            check_times.append(seconds)
            assert perf_value(out, "new") == expected, (out, expected)
        grep_rate = size_mb / min(grep_times)
        check_rate = size_mb / min(check_times)

        increments = {}
        append = lines_block(MB, 10**9)
        for name, path in (("1 GB log", big), ("10 MB log", small)):
            state = ["--state-dir", str(folder / f"inc-{path.stem}")]
            timed([check, "-F", str(path), "-e", PATTERN, *state])  # baseline at the end
            costs = []
            for _ in range(max(args.repeat, 5)):
                with open(path, "ab") as f:
                    f.write(append)
                seconds, out = timed([check, "-F", str(path), "-e", PATTERN, *state])
                assert perf_value(out, "new") == append.count(PATTERN.encode()), out
                costs.append(seconds)
            increments[name] = statistics.median(costs)
        startup = min(timed([check, "--version"])[0] for _ in range(5))
        in_process = {name: read_appended(path, append)
                      for name, path in (("1 GB log", big), ("10 MB log", small))}

    print(f"check_log_matches benchmark: {size_mb:.0f} MB log, pattern '{PATTERN}', "
          f"best of {args.repeat}")
    print(f"{'measure':44} {'value':>12} {'ratio':>8}")
    print(f"{'grep -c, full scan':44} {grep_rate:>8.0f} MB/s {'1.00':>8}")
    print(f"{'check_log_matches --from-start, full scan':44} {check_rate:>8.0f} MB/s "
          f"{check_rate / grep_rate:>8.2f}  (target >= 0.5)")
    base = increments["10 MB log"]
    for name, cost in increments.items():
        print(f"{'run after 1 MB appended to the ' + name:44} {cost * 1000:>9.1f} ms "
              f"{cost / base:>8.2f}  (target < 50 ms)")
    print(f"{'  of which: interpreter start + imports':44} {startup * 1000:>9.1f} ms")
    for name, cost in in_process.items():
        print(f"{'  reading + matching 1 MB appended, ' + name:44} {cost * 1000:>9.1f} ms "
              f"{cost / in_process['10 MB log']:>8.2f}  (in process)")


def read_appended(path: Path, append: bytes) -> float:
    """Seconds to read and match 1 MB appended to *path*, in this process (best of 5)."""
    from immune.linematch import LineMatcher
    from immune.logtail import LogTail

    matcher, best = LineMatcher([PATTERN]), 1e9
    for _ in range(5):
        tail = LogTail(str(path), None, "end")
        for _block in tail.blocks():
            pass
        with open(path, "ab") as f:
            f.write(append)
        start = time.perf_counter()
        tail = LogTail(str(path), tail.position)
        found = sum(matcher.count(block) for block in tail.blocks())
        best = min(best, time.perf_counter() - start)
        assert found == append.count(PATTERN.encode())
    return best


if __name__ == "__main__":
    main()
