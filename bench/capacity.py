#!/usr/bin/env python3
"""Capacity: how many checks a minute real Nagios 4 sustains with this suite, next to C.

Starts its own private servers (``immune.devservers``: temp dir, 127.0.0.1,
free ports, stopped by PID): an Apache for the HTTP and TCP checks, a MariaDB
seeded with the reference schema (``examples/business/seed.py``) for the SQL
checks, then, one after the other, two private Nagios 4 daemons running the
same service mix on one host:

=======  ===============================  ===========================================
kind     ours                             Monitoring Plugins (C)
=======  ===============================  ===========================================
host     check_load, check_disk,          check_load, check_disk, check_procs
         check_procs
network  check_http, check_tcp (Apache)   check_http, check_tcp
sql      check_ratio, check_lag           check_mysql_query (twice, the same two
         (``--defaults-file``)            queries, ``-f`` option file)
=======  ===============================  ===========================================

Saturation: every service has ``check_interval 0.1`` with
``interval_length=1``; Nagios 4 keeps its schedule in whole seconds, so
each service is run again as soon as its last result is in. The
``--services`` services are then a closed loop of that many checks in flight
(28 by default: 4 per check, several per core, enough to keep 2 cores busy
while some checks wait on the network), and the figure is what Nagios, the
workers and the checks sustain, not what a schedule asks for. (The other
way, more services due every second than the machine can run, needs
hundreds of checks in flight with Nagios' default ``max_concurrent_checks=0``,
a load average in the hundreds on a shared machine, and with a limit Nagios
postpones every check it cannot start by 5-15 s: tried, 140 services at 1 s
with a limit of 16 gave the C plugins a quarter of the closed loop's
figure. ``--interval 1 --services 400`` still runs it that way.)
In a closed loop a quicker check runs more often: the per-check table shows
the mix each suite really ran.
Each run warms up, then for ``--duration`` seconds counts the check results
Nagios processed: Nagios writes one line per processed result to a
``service_perfdata_file`` (time, service, state, latency, execution time);
``nagios4stats`` (Nagios' own counter of active checks in the last minute)
is printed next to it as a cross-check. CPU: the seconds used by the Nagios
process tree (daemon, workers and every check they ran) and by the Apache
and MariaDB servers during the window, per check, and what that projects to
on 2 cores doing nothing else (the machine may be shared: its load average
and busy share are printed too).

    python3 bench/capacity.py [--services 28] [--interval 0.1] [--duration 60]
                              [--warmup 15] [--workers 4] [--suites ours,c] [--keep]

Run it from the virtualenv the checks are installed in (``.venv/bin/python``):
our checks are that interpreter's neighbours.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from immune.devservers.apache import apache_server
from immune.devservers.mariadb import install_template, mariadb_server
from immune.devservers.nagios import nagios_server
from immune.devservers.process import which
from immune.output import STATE_NAMES

REPO = Path(__file__).resolve().parent.parent
BUSINESS = REPO / "examples" / "business"
OURS = Path(sys.executable).parent
C_PLUGINS = Path("/usr/lib/nagios/plugins")
DATABASE = "shop"
KIND_OF = {"load": "host", "disk": "host", "procs": "host", "http": "network",
           "tcp": "network", "ratio": "sql", "lag": "sql"}
RATIO_SQL = ("SELECT COALESCE(SUM(status = 'ok'), 0), COUNT(*) FROM orders "
             "WHERE created_at >= NOW() - INTERVAL 900 SECOND")
LAG_SQL = ("SELECT COALESCE(TIMESTAMPDIFF(SECOND, MIN(queued_at), NOW()), 0) "
           "FROM registration_queue WHERE state = 'pending' "
           "AND queued_at >= NOW() - INTERVAL 604800 SECOND")
PERFDATA_TEMPLATE = (r"$TIMET$\t$SERVICEDESC$\t$SERVICESTATEID$\t$SERVICELATENCY$"
                     r"\t$SERVICEEXECUTIONTIME$\t$SERVICEOUTPUT$")


def command_lines(suite: str, http_port: int, sql_port: int, cnf: Path) -> dict[str, str]:
    """The Nagios command line of each check name, for *suite* ``ours`` or ``c``."""
    host = "-w 100,90,80 -c 200,150,100"
    common = {
        "load": f"check_load {host}",
        "disk": "check_disk -w 10% -c 5% -p /",
        "procs": "check_procs -C nagios4 -c 1:",
        "http": f"check_http -H 127.0.0.1 -p {http_port} -u /",
        "tcp": f"check_tcp -H 127.0.0.1 -p {http_port}",
    }
    if suite == "ours":
        metrics = f"--defaults-file {cnf} --metrics-file {BUSINESS / 'metrics.ini'}"
        lines = {**common, "ratio": f"check_ratio {metrics} --metric orders_success",
                 "lag": f"check_lag {metrics} --metric registration_queue_delay"}
        return {name: f"{OURS}/{line}" for name, line in lines.items()}
    # check_mysql_query reads the same 0600 option file (-f): no password on its
    # command line either (but it connects to 3306 unless -P says otherwise). It judges
    # the first column only (successful orders).
    sql = f"-f {cnf} -g client -H 127.0.0.1 -P {sql_port} -d {DATABASE}"
    lines = {**common, "ratio": f'check_mysql_query {sql} -q "{RATIO_SQL}" -c 0:',
             "lag": f'check_mysql_query {sql} -q "{LAG_SQL}" -w 300 -c 900'}
    return {name: f"{C_PLUGINS}/{line}" for name, line in lines.items()}


def object_config(commands: dict[str, str], services: int, interval: float = 1) -> str:
    """One host, *services* services cycling through the check kinds, all due every second."""
    from immune.nagiosconf.objects import define

    names = list(commands)
    days = "monday tuesday wednesday thursday friday saturday sunday".split()
    blocks = [define("timeperiod", [("timeperiod_name", "24x7"), ("alias", "always"),
                                    *((day, "00:00-24:00") for day in days)]),
              define("contact", [
                  ("contact_name", "nobody"), ("host_notifications_enabled", 0),
                  ("service_notifications_enabled", 0), ("host_notification_period", "24x7"),
                  ("service_notification_period", "24x7"), ("host_notification_options", "n"),
                  ("service_notification_options", "n"),
                  ("host_notification_commands", "bench_true"),
                  ("service_notification_commands", "bench_true")]),
              define("command", [("command_name", "bench_true"), ("command_line", "/bin/true")]),
              define("host", [
                  ("host_name", "bench"), ("address", "127.0.0.1"), ("max_check_attempts", 1),
                  ("check_period", "24x7"), ("active_checks_enabled", 0), ("contacts", "nobody"),
                  ("notification_period", "24x7"), ("notifications_enabled", 0)])]
    blocks += [define("command", [("command_name", f"bench_{name}"), ("command_line", line)])
               for name, line in commands.items()]
    for i in range(services):
        name = names[i % len(names)]
        blocks.append(define("service", [
            ("host_name", "bench"), ("service_description", f"{name}-{i:04d}"),
            ("check_command", f"bench_{name}"), ("max_check_attempts", 1),
            ("check_interval", interval), ("retry_interval", interval),
            ("check_period", "24x7"), ("notification_period", "24x7"), ("contacts", "nobody"),
            ("notifications_enabled", 0), ("process_perf_data", 1), ("check_freshness", 0),
            ("flap_detection_enabled", 0)]))
    return "\n".join(blocks)


def main_extra(base: Path, workers: int, max_concurrent: int) -> str:
    return (f"\n# bench/capacity.py\ncheck_workers={workers}\n"
            f"max_concurrent_checks={max_concurrent}\n"
            "process_performance_data=1\n"
            f"service_perfdata_file={base}/perfdata.tsv\n"
            f"service_perfdata_file_template={PERFDATA_TEMPLATE}\n"
            "service_perfdata_file_mode=a\n"
            "service_perfdata_file_processing_interval=1\n"
            "service_perfdata_file_processing_command=bench_true\n"
            "log_initial_states=0\n")


# --- CPU accounting -------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def session_cpu(sessions: set[int]) -> dict[int, float]:
    """CPU seconds of every process in these sessions, including reaped children."""
    used: dict[int, float] = defaultdict(float)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        sid = int(fields[3])
        if sid in sessions:
            used[sid] += sum(int(f) for f in fields[11:15]) / TICK
    return used


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- one run --------------------------------------------------------------------

@dataclass
class Result:
    suite: str
    checks: int
    per_check: dict[str, list[tuple[int, float, float]]]   # name -> (state, latency, exec)
    sample: dict[str, str]                                  # name -> one status line
    seconds: int
    cpu_nagios: float
    cpu_servers: float
    machine_busy: float
    load: tuple[float, float, float]
    nagiostats: str
    services: int

    @property
    def per_minute(self) -> float:
        return self.checks * 60 / self.seconds

    def latencies(self) -> list[float]:
        return [lat for rows in self.per_check.values() for _, lat, _ in rows]


def sleep_until(when: float) -> None:
    while (left := when - time.time()) > 0:
        time.sleep(min(left, 0.5))


def nagiostats(main_cfg: Path) -> str:
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        done = subprocess.run([which("nagios4stats"), "-c", str(main_cfg), "-m", "-d",
                               "NUMACTSVCCHECKS1M,AVGACTSVCLAT,AVGACTSVCEXT"],
                              capture_output=True, text=True, timeout=20)
        if done.returncode == 0:
            last_min, lat, ext = done.stdout.split()
            return (f"nagios4stats: {int(last_min):,} active service checks in the last "
                    f"minute, mean latency {int(lat) / 1000:.2f} s, mean execution "
                    f"{int(ext) / 1000:.3f} s")
    return "nagios4stats: no answer"


def run_suite(suite: str, tmp: Path, commands: dict[str, str], args, server_sessions: set[int]
              ) -> Result:
    base = tmp / f"nagios-{suite}"
    objects = base / "objects"
    objects.mkdir(parents=True)
    (objects / "bench.cfg").write_text(object_config(commands, args.services, args.interval))
    resource = base / "resource.cfg"
    resource.write_text(f"$USER1$={C_PLUGINS}\n")
    extra = main_extra(base, args.workers, args.max_concurrent)
    print(f"\n[{suite}] {args.services} services, check_interval {args.interval} s; "
          f"warm-up {args.warmup} s, then {args.duration} s counted", flush=True)
    with nagios_server(base, [objects], resource, extra=extra) as nagios:
        sid = os.getsid(nagios.proc.pid)  # type: ignore[attr-defined]
        start = math.ceil(time.time() + args.warmup)
        end = start + args.duration
        sleep_until(start)
        cpu0, servers0, machine0 = session_cpu({sid}), session_cpu(server_sessions), \
            machine_cpu()
        sleep_until(end)
        cpu1, servers1, machine1 = session_cpu({sid}), session_cpu(server_sessions), \
            machine_cpu()
        load = os.getloadavg()
        stats = nagiostats(nagios.main_config)
        time.sleep(2.5)   # the perfdata file is flushed every second
        per_check: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        sample: dict[str, str] = {}
        for line in (base / "perfdata.tsv").read_text(errors="replace").splitlines():
            parts = line.split("\t", 5)
            if len(parts) == 6 and start <= int(parts[0]) < end:
                name = parts[1].split("-")[0]
                per_check[name].append((int(parts[2]), float(parts[3]), float(parts[4])))
                sample.setdefault(name, parts[5])
    busy = (machine1[0] - machine0[0]) / max(1, machine1[1] - machine0[1])
    return Result(suite, sum(len(v) for v in per_check.values()), per_check, sample,
                  args.duration,
                  cpu1[sid] - cpu0[sid],
                  sum(servers1.values()) - sum(servers0.values()), busy, load, stats,
                  args.services)


# --- report ---------------------------------------------------------------------

def report(results: list[Result], interval: float, cores: int = 2) -> None:
    print(f"\n=== checks per minute, Nagios 4 saturated ({results[0].services} services, "
          f"check_interval {interval} s) ===")
    print(f"{'suite':<5} {'checks/min':>10} {'exec med':>9} {'latency med/mean':>17}"
          f" {'CPU/check':>10} {'+servers':>9} {'suite used':>11} {'2 idle cores':>14}"
          f" {'machine busy':>13}  load avg (end)")
    for r in results:
        if not r.checks:
            print(f"{r.suite:<5} no check result counted")
            continue
        lat = r.latencies()
        exe = [e for rows in r.per_check.values() for _, _, e in rows]
        per = r.cpu_nagios / r.checks
        servers = r.cpu_servers / r.checks
        print(f"{r.suite:<5} {r.per_minute:>10,.0f} {statistics.median(exe):>7.3f} s"
              f" {statistics.median(lat):>8.3f}/{statistics.fmean(lat):.3f} s"
              f" {per * 1000:>7.1f} ms {servers * 1000:>6.1f} ms"
              f" {(r.cpu_nagios + r.cpu_servers) / r.seconds:>6.2f} cores"
              f" {cores * 60 / (per + servers):>9,.0f}/min {r.machine_busy:>12.0%}  "
              + " ".join(f"{x:.2f}" for x in r.load))
    if len(results) == 2 and all(r.checks for r in results):
        ours, c = results
        print(f"ratio C / ours: {c.per_minute / ours.per_minute:.1f}x checks per minute "
              f"measured, {ours.cpu_nagios / ours.checks / (c.cpu_nagios / c.checks):.1f}x "
              "CPU per check")
    for r in results:
        print(f"{r.suite}: {r.nagiostats}")
        if r.machine_busy < 0.9:
            print(f"{r.suite}: NOT saturated (machine {r.machine_busy:.0%} busy): the figure "
                  "is a lower bound, raise --services")
        if interval >= 1 and r.per_minute >= 0.9 * r.services * 60 / interval:
            print(f"{r.suite}: NOT saturated (90% of the schedule ran or more): the figure "
                  "is a lower bound, raise --services")
    print("\nper check (checks/min, median execution time, states seen):")
    names = list(KIND_OF)
    header = "".join(f" {r.suite + ' /min':>10} {'exec':>8}" for r in results)
    print(f"{'check':<7} {'kind':<8}{header}  states")
    for name in names:
        row = f"{name:<7} {KIND_OF[name]:<8}"
        states = []
        for r in results:
            rows = r.per_check.get(name, [])
            exe = statistics.median(e for _, _, e in rows) if rows else 0
            row += f" {len(rows) * 60 / r.seconds:>10,.0f} {exe:>6.3f} s"
            seen = Counter(STATE_NAMES[s] if 0 <= s < 4 else str(s) for s, _, _ in rows)
            states.append(f"{r.suite}: " + ",".join(f"{k} {v}" for k, v in seen.items()))
        print(row + "  " + "; ".join(states))
    print("\none status line of each:")
    for r in results:
        for name in names:
            print(f"  {r.suite:<5} {name:<6} {r.sample.get(name, '-')[:90]}")
    print("""
exec: wall time of one check under this load (Nagios' execution time); latency:
how late Nagios started it. CPU/check: the Nagios process tree (daemon, workers,
checks) per check; +servers: Apache and MariaDB per check; suite used: CPU the
suite and servers used, in cores; 2 idle cores: what that CPU cost projects to
on 2 cores doing nothing else. The C SQL checks are check_mysql_query with the
same queries and option file (-f; it connects to 3306 unless -P says otherwise);
it judges one number (successful orders, the oldest pending age), ours judge a
ratio with its volume, and a lag, over their window.""")


# --- main --------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=28,
                        help="services on the host, cycling through the 7 checks")
    parser.add_argument("--duration", type=int, default=60, help="seconds counted per suite")
    parser.add_argument("--warmup", type=int, default=15, help="seconds before counting")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="check_interval in seconds (below 1: back to back)")
    parser.add_argument("--workers", type=int, default=4, help="Nagios check_workers")
    parser.add_argument("--max-concurrent", type=int, default=0,
                        help="Nagios max_concurrent_checks (0: no limit)")
    parser.add_argument("--suites", default="ours,c", help="ours, c or both, in this order")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (Nagios logs, perfdata)")
    args = parser.parse_args()
    for name in ("check_load", "check_ratio"):
        if not (OURS / name).exists():
            sys.exit(f"{OURS / name} missing: run this with the virtualenv's python")
    print(f"machine: {os.cpu_count()} CPUs, load average at start "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    sys.path.insert(0, str(BUSINESS))
    import seed  # examples/business/seed.py

    tmp = Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    try:
        template = install_template(tmp / "template")
        with apache_server(tmp) as apache, mariadb_server(template, tmp) as db:
            root_cnf = db.option_file(tmp / "root.cnf")
            conn = seed.connect(str(root_cnf), "client", "")
            seed.create_schema(conn, DATABASE)
            seed.orders(conn, 1000, success=0.98, ago=(1, 600), seed=1)
            seed.queue(conn, pending_ages=(40, 90), done=500, seed=2)
            conn.close()
            cnf = db.option_file(tmp / "shop.cnf", database=DATABASE)
            servers = {os.getsid(apache.proc.pid), os.getsid(db.proc.pid)}  # type: ignore
            results = []
            for suite in args.suites.split(","):
                commands = command_lines(suite.strip(), apache.port, db.port, cnf)
                results.append(run_suite(suite.strip(), tmp, commands, args, servers))
        report(results, args.interval)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
