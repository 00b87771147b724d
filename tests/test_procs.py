"""The /proc process table against ps and the processes this test starts."""

import os
import subprocess
import time

from immune.procs import ancestors, processes, read_process
from runner import which


def ps(*pids):
    out = subprocess.run([which("ps"), "-ww", "-o", "pid=,ppid=,stat=,comm=,args=", "-p",
                          ",".join(map(str, pids))], capture_output=True, text=True).stdout
    return {int(line.split(None, 4)[0]): line.split(None, 4) for line in out.splitlines()}


def test_a_child_reads_as_ps_shows_it():
    sleep = which("sleep")
    child = subprocess.Popen([sleep, "300", "7s"], user="nobody")
    try:
        for _ in range(200):  # a child just started may still be running: wait for its sleep
            [row] = ps(child.pid).values()
            if row[2][0] == "S":
                break
            time.sleep(0.01)
        proc = read_process(child.pid, with_uid=True)
        assert (proc.pid, proc.ppid, proc.comm, proc.state) == \
            (child.pid, os.getpid(), row[3], row[2][0])
        assert proc.args == row[4] == f"{sleep} 300 7s"
        assert proc.uid == int(subprocess.run(["id", "-u", "nobody"], capture_output=True,
                                              text=True).stdout) and not proc.kernel
    finally:
        child.kill()
        child.wait()
    assert read_process(child.pid) is None


def test_kernel_threads_and_the_whole_table():
    kthreadd = read_process(2)
    assert kthreadd.kernel and kthreadd.args == "[kthreadd]"
    pids = {p.pid for p in processes()}
    assert os.getpid() in pids and 1 in pids
    everyone = subprocess.run([which("ps"), "-e", "-o", "pid="], capture_output=True,
                              text=True).stdout.split()
    assert len(set(map(int, everyone)) ^ pids) < 10  # the table moves while we read it


def test_ancestors_follow_the_parent_chain():
    chain = [p.pid for p in ancestors(os.getpid())]
    expected, pid = [], os.getppid()
    while pid > 1:
        expected.append(pid)
        pid = int(ps(pid)[pid][1])
    assert chain == expected
