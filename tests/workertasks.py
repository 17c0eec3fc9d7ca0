"""Test-only tasks for extraction workers (tests/crawl/test_workers.py): importable by the
workers' fork server, as the crawl's own task module is."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path


def echo(x):
    return x


def pid():
    return os.getpid()


def sleep(seconds: float, x):
    time.sleep(seconds)
    return x


def boom(message: str):
    raise ValueError(message)


def grab(mb: int):
    block = bytearray(mb << 20)  # touched: private pages the memory watch sees
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(5)
    return len(block)


def niceness():
    return os.nice(0)


def spin(cpu_seconds: float):
    """Busy for ``cpu_seconds`` of this process's CPU time; returns (CPU, wall) seconds taken."""
    cpu, wall = time.process_time(), time.monotonic()
    while time.process_time() - cpu < cpu_seconds:
        pass
    return time.process_time() - cpu, time.monotonic() - wall


@contextlib.contextmanager
def busy_core(busy: int = 2):
    """One of this machine's cores, with ``busy`` real processes spinning on it (as on a busy
    machine): a process pinned there too gets about 1/(busy + 1) of it."""
    core = max(os.sched_getaffinity(0))
    spin_there = f"import os\nos.sched_setaffinity(0, {{{core}}})\nwhile True: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", spin_there]) for _ in range(busy)]
    try:
        yield core
    finally:
        for h in hogs:
            h.kill()
            h.wait()


def start_tree_and_hang(pidfile: str) -> None:
    """Start a session of its own whose shell starts two sleeps (as soffice starts soffice.bin),
    write their pids (shell first) to ``pidfile``, then hang until killed."""
    script = f'sleep 300 & a=$!; sleep 300 & echo "$$ $a $!" > {pidfile}; wait'
    subprocess.Popen(["sh", "-c", script], start_new_session=True)
    time.sleep(300)


def alive(pid: int) -> bool:
    """Is process ``pid`` still running? (A zombie has ended: nothing may reap it in a container.)"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (/proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out
