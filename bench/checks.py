#!/usr/bin/env python3
"""What one run of each check costs, next to its references measured in the same run.

For every installed check: median wall time, median CPU time (user + system)
and peak RSS over N runs, next to the Monitoring Plugins C plugin doing the
same job (where one exists) and next to a bare interpreter
(``python3 -I -S -c pass``), as ratios. Then the import-time breakdown of
the base layer, top costs first. Network and business checks run against
private servers started here (the test suite's components) on 127.0.0.1.

    python bench/checks.py [--runs 21] [--only check_load,check_disk] [--instructions]

Budgets (issue #6): host checks <= 35 ms and <= 20 MB peak RSS, network
(and business) checks <= 70 ms. A check whose job is to run another program
(check_php_extension runs php, check_dns_config named-checkconf) is judged
on its own part: its wall time minus that program's, measured alone with the
same arguments in the same run. Wall figures depend on the machine and its
load: read the ratios. ``--instructions`` adds the instructions one run
executes (valgrind's callgrind, every process of the run counted: a check
that starts named-checkconf or php pays for it), in millions: repeatable
on a loaded machine, where wall times are not. valgrind makes that slow
(about 1 s per run).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from immune.checks import check_php_extension

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
BIN = Path(sys.executable).parent
PLUGINS = Path("/usr/lib/nagios/plugins")
TIME = "/usr/bin/time"
BUDGET_MS = {"host": 35, "network": 70, "business": 70}
BUDGET_RSS_MB = 20


@dataclass(frozen=True)
class Case:
    """One check command line, its kind, the C plugin command doing the same job and
    the program the check itself runs (*child*: its cost is the job's, not the
    suite's, so the budget is applied to the check's wall time minus the child's)."""

    check: str
    kind: str
    args: tuple[str, ...]
    reference: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    child: tuple[str, ...] = ()


CASES = [
    Case("check_load", "host", ("-r", "-w", "15,10,5", "-c", "30,25,20"),
         ("check_load", "-r", "-w", "15,10,5", "-c", "30,25,20")),
    Case("check_disk", "host", ("-w", "10%", "-c", "5%", "-p", "/"),
         ("check_disk", "-w", "10%", "-c", "5%", "-p", "/")),
    Case("check_procs", "host", ("-C", "python3", "-w", "1:"),
         ("check_procs", "-C", "python3", "-w", "1:")),
    Case("check_file_age", "host", ("-f", "{tmp}/afile", "-w", "60", "-c", "120"),
         ("check_file_age", "-f", "{tmp}/afile", "-w", "60", "-c", "120")),
    Case("check_dir_size", "host", ("--dir", "{tmp}", "--max-file-size", "1MB")),
    Case("check_path", "host", ("--path", "{tmp}", "--type", "dir")),
    Case("check_log_matches", "host",
         ("--logfile", "{tmp}/log", "-e", "Fatal", "--window", "1800",
          "--state-dir", "{tmp}/state")),
    Case("check_log_growth", "host", ("--logfile", "{tmp}/log", "--state-dir", "{tmp}/state")),
    Case("check_net_traffic", "host", ("--state-dir", "{tmp}/state",)),
    Case("check_netconfig", "host", ("--interfaces", "{tmp}/interfaces",)),
    Case("check_restarts", "host",
         ("--host", "web1", "-w", "1", "-c", "3", "--state-dir", "{tmp}/state")),
    Case("check_php_extension", "host", ("-e", "json"),
         child=("php", "-r", "{php_code}", "--", "json", "")),
    Case("check_dns_config", "host", ("--config", "{tmp}/named.conf"),
         child=("named-checkconf", "{tmp}/named.conf")),
    Case("check_ntp_time", "network", ("-H", "127.0.0.1", "-p", "{ntp}"),
         ("check_ntp_time", "-H", "127.0.0.1", "-p", "{ntp}"), ("ntp",)),
    Case("check_http", "network", ("-H", "127.0.0.1", "-p", "{apache}", "-u", "/"),
         ("check_http", "-H", "127.0.0.1", "-p", "{apache}", "-u", "/"), ("apache",)),
    Case("check_apache", "network", ("-H", "127.0.0.1", "-p", "{apache}"), (), ("apache",)),
    Case("check_tcp", "network", ("-H", "127.0.0.1", "-p", "{apache}"),
         ("check_tcp", "-H", "127.0.0.1", "-p", "{apache}"), ("apache",)),
    # business checks: the shipped metrics against the reference schema; the C
    # reference runs one query from the same option file
    Case("check_ratio", "business",
         ("--defaults-file", "{shop_cnf}", "--metrics-file", "{metrics}",
          "--metric", "orders_success", "-w", "97:", "-c", "95:"),
         ("check_mysql_query", "-f", "{shop_cnf}", "-q", "SELECT COUNT(*) FROM orders",
          "-w", "100000"), ("shop",)),
    Case("check_lag", "business",
         ("--defaults-file", "{shop_cnf}", "--metrics-file", "{metrics}",
          "--metric", "registration_queue_delay", "-w", "300", "-c", "900"), (), ("shop",)),
    Case("check_violations", "business",
         ("--defaults-file", "{shop_cnf}", "--metrics-file", "{metrics}",
          "--metric", "rerated_without_refund"), (), ("shop",)),
    Case("check_counter", "business",
         ("--memcached", "127.0.0.1:{memcached}", "-C", "logins", "--per", "minute",
          "-c", "0:"), (), ("memcached",)),
    Case("check_shard_usage", "business",
         ("--defaults-file", "{shop_cnf}", "--metrics-file", "{metrics}",
          "--metric", "shard_usage", "--shards", "shard1", "-w", "80", "-c", "90"),
         (), ("shop",)),
]


@dataclass(frozen=True)
class Cost:
    """Medians of wall and CPU milliseconds and the median peak RSS in MB."""

    wall_ms: float
    cpu_ms: float
    rss_mb: float
    codes: frozenset[int]


RSS_RUNS = 5
DEVNULL_OUT = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]


def measure(commands: list[tuple[str, ...]], runs: int, scratch: Path) -> dict:
    """Run every command *runs* times (output discarded); each one's median costs.

    The commands take turns, one run each per round, so a burst of load
    from elsewhere falls on every command a little, not on one command's
    whole series. Wall and CPU time come from runs spawned directly from
    here, as Nagios does. Peak RSS comes from a few more runs under GNU
    time, which forks the command from its own small process: a child
    spawned from this Python process would inherit this process's
    high-water mark (Linux keeps it across exec), and GNU time's own fork
    and exec would add a millisecond to the wall time.
    """
    walls: dict[tuple[str, ...], list[float]] = {c: [] for c in commands}
    cpus: dict[tuple[str, ...], list[float]] = {c: [] for c in commands}
    codes: dict[tuple[str, ...], set[int]] = {c: set() for c in commands}
    for _ in range(runs):
        for command in commands:
            start = time.perf_counter()
            pid = os.posix_spawn(command[0], command, os.environ, file_actions=DEVNULL_OUT)
            _, status, usage = os.wait4(pid, 0)
            walls[command].append((time.perf_counter() - start) * 1000)
            cpus[command].append((usage.ru_utime + usage.ru_stime) * 1000)
            codes[command].add(os.waitstatus_to_exitcode(status))
    return {c: Cost(statistics.median(walls[c]), statistics.median(cpus[c]),
                    peak_rss_mb(list(c), scratch), frozenset(codes[c])) for c in commands}


def peak_rss_mb(argv: list[str], scratch: Path) -> float:
    """The median peak RSS of *argv* over a few runs under GNU time, in MB."""
    report = scratch / "time.out"
    wrapped = [TIME, "-f", "%M", "-o", str(report), *argv]
    peaks = []
    for _ in range(RSS_RUNS):
        pid = os.posix_spawn(TIME, wrapped, os.environ, file_actions=DEVNULL_OUT)
        os.waitpid(pid, 0)
        peaks.append(int(report.read_text().split()[-1]) / 1024)
    return statistics.median(peaks)


@contextlib.contextmanager
def servers(needed: set[str], tmp: Path):
    """Private servers the selected cases need, as format fields (ports, files)."""
    with contextlib.ExitStack() as stack:
        fields: dict[str, object] = {"tmp": tmp, "metrics": REPO / "examples/business/metrics.ini",
                                     "php_code": check_php_extension.PHP_CODE}
        if "apache" in needed:
            from immune.devservers.apache import apache_server

            fields["apache"] = stack.enter_context(apache_server(tmp)).port
        if "ntp" in needed:
            from components.chrony import chronyd

            fields["ntp"] = stack.enter_context(chronyd(tmp / "chrony")).port
        if "memcached" in needed:
            from immune.devservers.memcached import memcached

            fields["memcached"] = stack.enter_context(memcached(tmp)).port
        if "shop" in needed:
            fields["shop_cnf"] = stack.enter_context(shop(tmp))
        yield fields


@contextlib.contextmanager
def shop(tmp: Path):
    """A private MariaDB with the reference schema (database shop, also shard1)."""
    from components.business import load_seed
    from immune.devservers.mariadb import install_template, mariadb_server

    template = install_template(tmp / "mariadb-template")
    with mariadb_server(template, tmp) as server:
        cnf = server.option_file(tmp / "shop.cnf", database="shop")
        seed = load_seed()
        conn = seed.connect(str(cnf), database="")
        try:
            seed.create_schema(conn, "shop")
            seed.shard(conn, 300, 1000)
        finally:
            conn.close()
        cnf.write_text(cnf.read_text() + "[shard1]\ndatabase=shop\n")
        yield cnf


def prepare(tmp: Path) -> None:
    """Files the host cases look at."""
    (tmp / "afile").write_text("x\n")
    (tmp / "log").write_text("".join(f"line {i} PHP Fatal error\n" for i in range(1000)))
    (tmp / "interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp / "named.conf").write_text('options { directory "/tmp"; };\n')


def import_breakdown(top: int = 10) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, module) of the base layer's imports, costliest first,
    imported the way a check command imports it (the checks package first)."""
    done = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", "-c",
         "import immune.checks, immune.plugin, immune.check, immune.context"],
        capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top]


def instructions(argv: list[str]) -> tuple[float, int]:
    """Millions of instructions one run of *argv* executes (all its processes), and
    the number of processes; valgrind's callgrind counts them.

    One log file per process: a child's stderr is often captured by the check.
    """
    with tempfile.TemporaryDirectory(prefix="immune-callgrind-") as logs:
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--trace-children=yes",
             "--callgrind-out-file=/dev/null", f"--log-file={logs}/%p.log", *argv],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        counts = [int(line.rsplit(":", 1)[1].replace(",", ""))
                  for log in Path(logs).iterdir()
                  for line in log.read_text(errors="replace").splitlines()
                  if "Collected :" in line]
    if not counts:
        raise RuntimeError(f"valgrind counted nothing for {argv[0]}")
    return sum(counts) / 1e6, len(counts)


def installed_checks() -> list[str]:
    """The check commands installed next to this interpreter."""
    from runner import installed_checks as names

    return names()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


@dataclass(frozen=True)
class Commands:
    """The command lines one case measures: the check, its C reference, its child."""

    check: tuple[str, ...]
    reference: tuple[str, ...] | None
    child: tuple[str, ...] | None

    @classmethod
    def of(cls, case: Case, fields: dict) -> Commands:
        def fill(args: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(a.format(**fields) for a in args)

        return cls((str(BIN / case.check), *fill(case.args)),
                   (str(PLUGINS / case.reference[0]), *fill(case.reference[1:]))
                   if case.reference else None,
                   (shutil.which(case.child[0]), *fill(case.child[1:])) if case.child else None)

    def all(self) -> list[tuple[str, ...]]:
        return [c for c in (self.check, self.reference, self.child) if c]


def report_line(case: Case, commands: Commands, costs: dict, bare: Cost, bare_instr: float,
                count_instructions: bool) -> str:
    """One row of the table: the check's costs, its references', the budget verdict."""
    cost = costs[commands.check]
    ref = costs[commands.reference] if commands.reference else None
    child = costs[commands.child] if commands.child else None
    own_ms = cost.wall_ms - (child.wall_ms if child else 0)
    own_cpu = cost.cpu_ms - (child.cpu_ms if child else 0)
    # GNU time reports the peak of the whole tree: near the child's own peak, it is the
    # child's (the run-to-run spread of a peak is a few hundred kB)
    childs_peak = child is not None and cost.rss_mb <= child.rss_mb + 0.5
    within = (own_ms <= BUDGET_MS[case.kind]
              and (case.kind != "host" or childs_peak or cost.rss_mb <= BUDGET_RSS_MB))
    line = (f"{case.check:20} {case.kind:8} {cost.wall_ms:8.1f} "
            f"{(f'{child.wall_ms:.1f}' if child else '-'):>6} {own_ms:6.1f} "
            f"{own_cpu:7.1f} {cost.rss_mb:6.1f}{'c' if childs_peak else ' '} "
            f"{(f'{ref.wall_ms:.1f}' if ref else '-'):>7} "
            f"{(f'{ref.rss_mb:.1f}' if ref else '-'):>6} "
            f"{(ratio(cost.wall_ms, ref.wall_ms) if ref else '-'):>6} "
            f"{ratio(cost.wall_ms, bare.wall_ms):>6}")
    if count_instructions:
        count, processes = instructions(list(commands.check))
        ref_count = f"{instructions(list(commands.reference))[0]:.1f}" \
            if commands.reference else "-"
        if commands.child:
            count -= instructions(list(commands.child))[0]
        mark = "*" if processes > 1 else " "
        line += f" {count:7.1f}{mark} {ref_count:>8} {ratio(count, bare_instr):>6}"
    return line + f"  {'ok' if within else 'OVER'} (exit {sorted(cost.codes)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--only", default="", help="comma list of checks")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per run (valgrind; slow)")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    installed = installed_checks()
    runnable = [c for c in CASES if not c.child or shutil.which(c.child[0])]
    cases = [c for c in runnable if c.check in installed and (not only or c.check in only)]
    missing = [c.check for c in CASES if c.check not in installed]
    missing += [f"{c.check} ({c.child[0]} is missing)" for c in CASES if c not in runnable]
    uncovered = sorted(set(installed) - {c.check for c in CASES})
    print(f"# {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {args.runs} runs each")
    header = (f"{'check':20} {'kind':8} {'wall ms':>8} {'child':>6} {'own':>6} "
              f"{'cpu ms':>7} {'RSS MB':>7} "
              f"{'C wall':>7} {'C RSS':>6} {'vs C':>6} {'vs py':>6}")
    if args.instructions:
        header += f" {'Minstr':>8} {'C Minstr':>8} {'vs py':>6}"
    header += "  budget"
    with tempfile.TemporaryDirectory(prefix="immune-bench-") as name:
        tmp = scratch = Path(name)
        bare_argv = (sys.executable, "-I", "-S", "-c", "pass")
        prepare(tmp)
        with servers({n for c in cases for n in c.needs}, tmp) as fields:
            lines = [Commands.of(case, fields) for case in cases]
            print(f"# measuring {len(lines)} checks, their references and a bare interpreter "
                  f"in turns, {args.runs} rounds", flush=True)
            costs = measure([bare_argv, *(c for line in lines for c in line.all())],
                            args.runs, scratch)
            bare = costs[bare_argv]
            summary = (f"# bare interpreter (python3 -I -S -c pass): {bare.wall_ms:.1f} ms wall, "
                       f"{bare.cpu_ms:.1f} ms CPU, {bare.rss_mb:.1f} MB")
            bare_instr = 0.0
            if args.instructions:
                bare_instr = instructions(list(bare_argv))[0]
                summary += f", {bare_instr:.1f} M instructions"
            print(summary)
            print(header)
            for case, commands in zip(cases, lines, strict=True):
                print(report_line(case, commands, costs, bare, bare_instr, args.instructions),
                      flush=True)
    if args.instructions:
        print("# * the check started other programs: the instructions of the one in its")
        print("#   case's child (measured alone) are taken off, any others are counted")
    print("# child: wall ms of the program the check runs, alone; own = wall - child, "
          "judged against the budget;")
    print("# cpu ms is the check's own too; RSS marked c is the child's peak (the tree's)")
    if missing:
        print(f"# not measured: {', '.join(missing)}")
    if uncovered:
        print(f"# installed but no bench case (add one): {', '.join(uncovered)}")
    print("\n# import time of the base layer (python -X importtime), costliest first")
    print(f"{'self us':>8} {'cumul us':>9}  module")
    for own, cumulative, module in import_breakdown():
        print(f"{own:8} {cumulative:9}  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
