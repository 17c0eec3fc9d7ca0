"""How extraction workers start and run (govcrawl.extract.pool): what the parent loads for them
before forking, and that a worker frees its cyclic garbage after each task."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path

from govcrawl.extract.limits import Sandbox

from conftest import FIXTURES, ROOT
from workertasks import alive, start_tree_and_hang

PORTAL = ROOT / "govcrawl" / "testing" / "portal"

# A fresh interpreter, as a parent before its first fork: preload, then extract real report pages
# (the 2 real HTML pages, one found by the text blocks, one by trafilatura, and the test
# portal's report pages); prints the modules the extraction still imported.
_AFTER_PRELOAD = """
import json, sys
from govcrawl.extract import extract
from govcrawl.extract.pool import share_with_workers
share_with_workers()
import trafilatura.external
stoplists = trafilatura.external.JT_STOPLIST is not None
before = set(sys.modules)
for path in sys.argv[1:]:
    extract(open(path, "rb").read(), source=path, filename=path.rsplit("/", 1)[-1])
print(json.dumps({"new": sorted(set(sys.modules) - before), "stoplists_after_preload": stoplists}))
"""


def _report_pages() -> list[str]:
    expected = json.loads((PORTAL / "expected.json").read_text(encoding="utf-8"))
    real = [FIXTURES / "corpus/real/pingtan/2025-report.html", FIXTURES / "corpus/real/shanghai-szfbgt/2019-report.html"]
    return [str(p) for p in real] + [str(PORTAL / page["path"].lstrip("/")) for page in expected["report_pages"]]


def test_parent_loads_what_extracting_report_pages_loads():
    out = subprocess.run([sys.executable, "-c", _AFTER_PRELOAD, *_report_pages()], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # Codecs are looked up by name as pages declare them: small, and not worth a list.
    assert [m for m in got["new"] if not m.startswith(("encodings.", "_codecs_", "_multibytecodec"))] == []
    # justext's stoplists (+17 MB) are only for the pages trafilatura rescues with justext.
    assert got["stoplists_after_preload"] is False


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


_LEFT: weakref.ref | None = None


def _leave_old_cyclic_garbage() -> int:
    """In the worker: a cycle that has survived into the oldest generation, then dropped (as a
    document's objects that live through its whole extraction)."""
    global _LEFT
    node = _Node()
    _LEFT = weakref.ref(node)
    gc.collect(1)  # survivors of a generation-1 collection move to the oldest generation
    del node
    return gc.get_freeze_count()


def _left_alive() -> bool:
    return _LEFT is not None and _LEFT() is not None


def test_worker_freezes_inherited_heap_and_collects_after_each_task():
    sb = Sandbox(seconds=60, recycle_after=10)
    try:
        frozen = sb.run(_leave_old_cyclic_garbage)
        assert frozen > 1000  # the parent's objects, left out of the worker's collections
        assert sb.run(_left_alive) is False
    finally:
        sb.close()


def _import_held_module() -> int:
    import _held_import

    return _held_import.VALUE


def test_worker_starts_clean_while_another_thread_holds_a_lock():
    """A worker is not a fork of the process that uses it, which runs other threads (the crawl:
    Scrapy's reactor, the pool's threads): a lock one of them held at that instant would stay held
    in the worker forever. Here a thread is inside an import (holding that module's lock) when
    the worker starts; the worker imports the same module. A forked worker hung there."""
    import builtins
    import threading

    gate = threading.Event()
    builtins._govcrawl_test_hold_import = gate
    holder = threading.Thread(target=__import__, args=("_held_import",), daemon=True)
    holder.start()
    sb = Sandbox(seconds=20, recycle_after=10)
    try:
        time.sleep(0.2)  # the holder is inside the import
        assert sys.modules.get("_held_import") is not None and holder.is_alive()
        assert sb.run(_import_held_module) == 42
        assert sb.run(os.getppid) != os.getpid()  # started by the fork server, not forked from here
    finally:
        gate.set()
        holder.join(10)
        del builtins._govcrawl_test_hold_import
        sys.modules.pop("_held_import", None)
        sb.close()


def test_memory_watch_counts_private_memory_reading_smaps_only_over_the_rss():
    from govcrawl.extract.limits import _over, _private_bytes, _resident_bytes

    sb = Sandbox(seconds=60, recycle_after=10)
    try:
        pid = sb.run(os.getpid)
        rss, private = _resident_bytes(pid), _private_bytes(pid)
        assert 0 < private < rss  # a forked worker shares most of its pages with the parent
        assert _over(pid, rss + 1) == 0  # the RSS alone shows it is under
        assert _over(pid, (private + rss) // 2) == 0  # over in RSS, not in private memory
        assert _over(pid, private // 2) >= private // 2  # over: its private memory, as the watch reports it
    finally:
        sb.close()


# A process that extracts in a Sandbox, then is SIGKILLed while its worker and fork server run.
_KILLED_USER = """
import os, sys
from govcrawl.extract.limits import Sandbox
sb = Sandbox(seconds=60, recycle_after=10)
worker = sb.run(os.getpid)
print(worker, sb.run(os.getppid), flush=True)
os.kill(os.getpid(), 9)
"""


def test_workers_and_fork_server_end_with_a_killed_run(tmp_path):
    """SIGKILL the process using a Sandbox: its worker and the fork server end too, and with them
    the last holders of its stdout (the caller reading it, as a test runner does, is not held up)."""
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _KILLED_USER], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path)))  # its run folder stays
    assert out.returncode == -9, out.stderr[-2000:]
    worker, server = map(int, out.stdout.split())
    deadline = time.monotonic() + 10
    while (alive(worker) or alive(server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker) and not alive(server)
    assert time.monotonic() - t0 < 30


_HOLDS_A_RUN_FOLDER = """
import os, sys, time
from govcrawl.extract.limits import _run_tmp
print(_run_tmp(), flush=True)
os.utime(os.path.join(_run_tmp(), "lock"), (0, 0))  # old: only its lock keeps it
time.sleep(60)
"""

_SWEEPS = """
from govcrawl.extract.limits import Sandbox
sb = Sandbox(seconds=60)
sb.run(len, "")
sb.close()
"""


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run(tmp_path):
    """A process killed outright leaves its run folder (its workers' temporary files); the next
    process to start a worker removes it, and never the folder of a run still alive."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    killed = subprocess.run([sys.executable, "-c", _KILLED_USER], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert killed.returncode == -9, killed.stderr[-2000:]
    [dead] = tmp_path.glob("govcrawl-run-*")
    assert (dead / "lock").exists()
    os.utime(dead / "lock", (0, 0))  # older than STALE_AFTER (a folder just made may not hold its lock yet)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDS_A_RUN_FOLDER], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env=env)
    try:
        live = Path(holder.stdout.readline().strip())
        assert live.is_dir() and live != dead
        subprocess.run([sys.executable, "-c", _SWEEPS], cwd=ROOT, check=True, timeout=60, env=env)
        assert not dead.exists() and live.is_dir()
        assert len(list(tmp_path.glob("govcrawl-run-*"))) == 1  # the sweeping run removed its own on exit
    finally:
        holder.kill()
        holder.wait()


def test_a_worker_killed_while_idle_is_replaced_without_failing_the_next_task():
    """A worker that died between two tasks (the OOM killer, a stray kill) costs the next task
    nothing: it goes to a new worker. One that dies during a task is that task's recorded failure."""
    import signal

    from govcrawl.extract.limits import LimitExceeded

    sb = Sandbox(seconds=60, recycle_after=10)
    try:
        first = sb.run(os.getpid)
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        second = sb.run(os.getpid)
        assert second != first
        try:
            sb.run(os.kill, second, signal.SIGKILL)  # dies mid-task
        except LimitExceeded as exc:
            assert "the worker died" in str(exc)
        else:
            raise AssertionError("a worker that died mid-task must be reported")
        assert sb.run(os.getpid) not in (first, second)
    finally:
        sb.close()


def test_a_worker_stopped_at_its_limit_takes_all_it_started_with_it(tmp_path):
    """A tool in a session of its own and its children (as soffice and soffice.bin) end with the
    worker that started them, when the worker is stopped at its limit; and the worker's own
    temporary folder goes. (The same with a real LibreOffice: test_office.py.)"""
    from govcrawl.extract.limits import LimitExceeded

    pidfile = tmp_path / "pids"
    sb = Sandbox(seconds=2)
    sb.run(os.getpid)
    worker_tmp = Path(sb.proc.govcrawl_tmp)
    assert worker_tmp.is_dir() and sb.run(tempfile.gettempdir) == str(worker_tmp)
    try:
        sb.run(start_tree_and_hang, str(pidfile))
    except LimitExceeded as exc:
        assert "took longer than 2 s" in str(exc)
    else:
        raise AssertionError("the hanging task must be stopped")
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 3
    deadline = time.monotonic() + 5
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, pids)), [p for p in pids if alive(p)]
    assert not worker_tmp.exists()


def test_an_error_in_the_worker_comes_back_as_itself_with_the_worker_traceback():
    """A bug in the extractor surfaces with its own type (callers judge it) and, as its cause, where in the worker it happened."""
    sb = Sandbox(seconds=60, recycle_after=10)
    try:
        try:
            sb.run(int, "not a number")
        except ValueError as exc:
            assert "invalid literal" in str(exc)
            assert "Traceback" in str(exc.__cause__) and "ValueError" in str(exc.__cause__)
        else:
            raise AssertionError("the worker's error must reach the caller")
        assert sb.run(int, "7") == 7  # the worker goes on
    finally:
        sb.close()


def test_a_task_waiting_for_a_core_keeps_its_time_limit():
    """The time limit stops a runaway document, not one that waits its turn on a busy machine: a
    worker pinned to one core beside two busy processes gets ~1/3 of it, so 1 s of CPU takes ~3 s,
    over its 1.5 s limit, and still comes back. A task that is blocked (not waiting for a core) is stopped."""
    import workertasks as T

    from govcrawl.extract.limits import LimitExceeded

    sb = Sandbox(seconds=1.5, recycle_after=10)
    try:
        with T.busy_core() as core:
            os.sched_setaffinity(sb.run(T.pid), {core})
            cpu, wall = sb.run(T.spin, 1.0)
        assert cpu >= 1.0 and wall > 1.5
        try:
            sb.run(T.sleep, 60, "late")
        except LimitExceeded as exc:
            assert "took longer than 1.5 s" in str(exc)
        else:
            raise AssertionError("a task blocked past its limit must be stopped")
    finally:
        sb.close()
