"""The crawl's extraction workers driven by the reactor (govcrawl/crawl/workers.py): results in
the order sent, each task under its time and memory limits, tasks sent ahead to a worker that is
killed go to its replacement, a worker killed while idle is replaced without failing the next
task; the workers run at the pool's lower priority, and a task's clock does not run while its
worker waits for a core. Scrapy's reactor runs once per process, so the scenarios run in a fresh one."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT

# Each scenario runs in a fresh process: Scrapy's reactor, `main` run in it, `out` printed as JSON.
_HEAD = r"""
import json, os, signal, sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import defer, reactor
from govcrawl.crawl.workers import WorkerPool
import workertasks as T

out = {}

def outcome(d):
    box = {}
    d.addCallbacks(lambda r: box.update(ok=r), lambda f: box.update(
        error=type(f.value).__name__, message=str(f.value),
        cause=str(f.value.__cause__) if f.value.__cause__ else None))
    return box
"""
_TAIL = r"""
reactor.callWhenRunning(main)
reactor.run()
print(json.dumps(out))
"""


def _run(scenario: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    proc = subprocess.run([sys.executable, "-c", _HEAD + scenario + _TAIL], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


_SCENARIO = r"""

@defer.inlineCallbacks
def main():
    try:
        pool = WorkerPool(1, seconds=3, memory_mb=200, recycle_after=4)
        # a runaway task among small ones sent at once: those sent ahead of it go to its replacement
        boxes = [outcome(pool.submit(T.echo, i)) for i in range(3)]
        boxes.append(outcome(pool.submit(T.sleep, 60, "late")))
        boxes += [outcome(pool.submit(T.echo, i)) for i in range(3, 12)]
        boxes.append(outcome(pool.submit(T.boom, "bad table")))
        boxes.append(outcome(pool.submit(T.echo, "after")))
        last = pool.submit(T.echo, "end")
        boxes.append(outcome(last))
        yield _settle(last)
        out["first"] = boxes
        out["replaced"] = pool.replaced
        # an idle worker killed from outside: the next task is not failed for it
        worker_pid = yield pool.submit(T.pid)
        os.kill(worker_pid, signal.SIGKILL)
        yield _pause(0.5)
        out["after_kill"] = outcome(pool.submit(T.echo, "fine"))
        yield _pause(0.5)
        out["memory"] = outcome(pool.submit(T.grab, 400))
        out["after_memory"] = outcome(pool.submit(T.echo, "still fine"))
        yield _settle(pool.submit(T.echo, "x"))
        pool.shutdown()
    finally:
        reactor.stop()

def _settle(d):
    done = defer.Deferred()
    d.addBoth(lambda r: reactor.callLater(0, done.callback, None))
    return done

def _pause(s):
    d = defer.Deferred()
    reactor.callLater(s, d.callback, None)
    return d
"""


def test_limits_order_and_replacement_of_reactor_driven_workers():
    out = _run(_SCENARIO)
    first = out["first"]
    # every task but the two bad ones came back, each its own result
    assert [b.get("ok") for b in first[:3]] == [0, 1, 2]
    assert first[3] == {"error": "LimitExceeded", "message": "extraction stopped: took longer than 3 s", "cause": None}
    assert [b.get("ok") for b in first[4:13]] == list(range(3, 12))
    assert first[13]["error"] == "ValueError" and first[13]["message"] == "bad table"
    assert "boom" in first[13]["cause"]  # the worker's traceback, as the cause
    assert [b.get("ok") for b in first[14:]] == ["after", "end"]
    assert out["replaced"] >= 2  # recycled after every 4 tasks (the killed worker is not counted)
    assert out["after_kill"] == {"ok": "fine"}
    assert out["memory"]["error"] == "LimitExceeded" and "needed more than 200 MB" in out["memory"]["message"]
    assert out["after_memory"] == {"ok": "still fine"}


_EARLY = r"""
import json, sys
from multiprocessing import forkserver
from govcrawl.crawl.runner import crawl_settings
from govcrawl.pipelines.extract import start_workers_early
overrides = {} if sys.argv[1] == "on" else {"ITEM_PIPELINES": {}}
started = start_workers_early(crawl_settings("g.db", "a", overrides=overrides))
print(json.dumps({"started": started, "server": forkserver._forkserver._forkserver_pid is not None}))
"""


def test_fork_server_starts_before_scrapy_only_when_the_extract_stage_is_on(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    got = {}
    for mode in ("on", "off"):
        proc = subprocess.run([sys.executable, "-c", _EARLY, mode], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        got[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {"on": {"started": True, "server": True}, "off": {"started": False, "server": False}}


# A worker pinned to one core with two busy processes (real ones, as on a busy machine): it gets
# about a third of that core, so a task of 1 s of CPU takes ~3 s, over its 1.5 s limit, and must
# still come back (the limit stops runaway documents, not documents that wait their turn).
_CONTENDED = r"""
@defer.inlineCallbacks
def main():
    try:
        niced = WorkerPool(1, seconds=30, nice=7)
        out["nice"] = [os.nice(0), (yield niced.submit(T.niceness))]
        niced.shutdown()
        pool = WorkerPool(1, seconds=1.5, memory_mb=200)
        worker = yield pool.submit(T.pid)
        with T.busy_core() as core:
            os.sched_setaffinity(worker, {core})
            last = pool.submit(T.spin, 1.0)
            out["contended"] = outcome(last)
            yield last
        out["runaway"] = outcome(pool.submit(T.sleep, 60, "late"))  # blocked, not waiting for a core: stopped
        yield pool.submit(T.echo, "x").addErrback(lambda f: None)
        pool.shutdown()
    finally:
        reactor.stop()
"""


def test_workers_run_lower_and_a_task_waiting_for_a_core_keeps_its_time():
    out = _run(_CONTENDED)
    parent, worker = out["nice"]
    assert worker == min(19, parent + 7)
    assert "ok" in out["contended"], out["contended"]  # came back, although ...
    cpu, wall = out["contended"]["ok"]
    assert cpu >= 1.0 and wall > 1.5  # ... it took longer than its limit on the clock on the wall
    assert out["runaway"] == {"error": "LimitExceeded", "message": "extraction stopped: took longer than 1.5 s", "cause": None}
