"""A locked or shared database never loses work (issue 20).

* another process (here: a plain sqlite3 connection, as the sqlite3 CLI or a backup
  would) holds the write lock for longer than the busy timeout during a crawl: every
  report is still stored, the held-up items having waited in the spool;
* a second writer (crawl, reparse) on a DB a crawl is writing is refused up front with
  a message naming the running one; the first crawl loses nothing;
* a second crawl on the same --job-dir is refused;
* a run left ``running`` by a killed process is closed as ``killed`` by the next writer.

All on 127.0.0.1 with the bundled (synthetic chrome, real texts) test portal.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils

from govcrawl.extract.model import Document
from govcrawl.store import Store, StoreBusy
from govcrawl.testing.testportal import TestPortal

from conftest import PORTAL_TOML, ROOT

HOLD_SECONDS = 8.0  # longer than the busy timeout (5 s) and the crawl's write patience (2 s)


def _crawl_cmd(portal, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "govcrawl", "crawl", "testportal", "--portals", str(PORTAL_TOML),
            "--db", str(out / "govcrawl.db"), "--archive", str(out / "archive"),
            "--start-url", portal.base_url + "/index.html", "--log-level", "WARNING", *extra]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def _expected_reports(expected) -> set[str]:
    return {p["path"] for p in expected["report_pages"] if p["source"]} | {a["path"] for a in expected["attachments"]}


def _stored_reports(db_path: Path, base: str) -> set[str]:
    db = sqlite_utils.Database(db_path)
    return {r["url"][len(base):] for r in db.query("select url from reports")}


def _wait_for(cond, timeout: float = 60.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _holder(db_path: Path, after_reports: int, seconds: float) -> subprocess.Popen:
    """Another process: once `after_reports` reports are stored, BEGIN IMMEDIATE and sit on the lock."""
    code = (
        "import sqlite3, sys, time\n"
        "db, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])\n"
        "c = sqlite3.connect(db, timeout=60, isolation_level=None)\n"
        "while True:\n"
        "    try:\n"
        "        if c.execute('select count(*) from reports').fetchone()[0] >= n: break\n"
        "    except sqlite3.OperationalError: pass\n"
        "    time.sleep(0.02)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('held', time.time(), flush=True)\n"
        "time.sleep(hold)\n"
        "c.execute('COMMIT')\n"
        "print('released', time.time(), flush=True)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(db_path), str(after_reports), str(seconds)],
                            stdout=subprocess.PIPE, text=True)


def test_external_write_lock_during_crawl_loses_no_report(tmp_path, expected):
    out = tmp_path
    db_path = out / "govcrawl.db"
    Store(db_path).close()  # the tables exist before the holder polls them
    with TestPortal() as portal:
        holder = _holder(db_path, 2, HOLD_SECONDS)
        try:
            t0 = time.monotonic()
            proc = subprocess.run(_crawl_cmd(portal, out), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
            took = time.monotonic() - t0
        finally:
            held = holder.communicate(timeout=60)[0]
        assert "held" in held and "released" in held, held
        assert proc.returncode == 3, proc.stderr[-3000:]  # partial: the test portal's 404 distractors
        assert _stored_reports(db_path, portal.base_url) == _expected_reports(expected)
    db = sqlite_utils.Database(db_path)
    run = next(db.query("select status, counts from runs where kind = 'crawl'"))
    counts = json.loads(run["counts"])
    assert run["status"] == "partial"  # the test portal's 404 distractors, and nothing else:
    assert set(json.loads(run["counts"])["failed_pages"]) == {"HTTP 404"}  # no report left in the spool
    assert counts.get("db_spooled", 0) > 0, counts  # the lock was really met, and waited out in the spool
    assert counts["db_spool_written"] == counts["db_spooled"] and not counts.get("db_spool_left")
    assert not list(Path(str(db_path) + ".spool").glob("*.pickle"))
    # every fetched page has its row, once
    urls = [r["url"] for r in db.query("select url from pages where status = 200 and role in ('detail', 'attachment')")]
    assert len(urls) == len(set(urls))
    assert "Traceback" not in proc.stderr and "OperationalError" not in proc.stderr
    assert took < 120


def _start_and_wait_for_lock(cmd, db_path: Path) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = Path(str(db_path) + ".lock")

    def holds() -> bool:
        try:
            return json.loads(lock.read_text() or "{}").get("pid") == proc.pid
        except (OSError, ValueError):
            return False

    _wait_for(holds, what="the first crawl to take the writer lock")
    return proc


@pytest.mark.parametrize("second", ["crawl", "reparse"])
def test_second_writer_refused_naming_the_first(tmp_path, expected, second):
    db_path = tmp_path / "govcrawl.db"
    with TestPortal() as portal:
        first = _start_and_wait_for_lock(_crawl_cmd(portal, tmp_path), db_path)
        if second == "crawl":
            cmd = _crawl_cmd(portal, tmp_path)
        else:
            (tmp_path / "archive").mkdir(exist_ok=True)  # reparse refuses a missing archive before it asks for the DB
            cmd = [sys.executable, "-m", "govcrawl", "reparse", "--db", str(db_path), "--archive", str(tmp_path / "archive"),
                   "--no-progress"]
        other = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first crawl ended before the second writer started: test is void"
        out, err = first.communicate(timeout=300)
        assert first.returncode == 3, err[-3000:]  # partial: the test portal's 404 distractors
        assert other.returncode == 2, other.stderr
        assert "in use by another govcrawl: crawl testportal (pid %d" % first.pid in other.stderr, other.stderr
        assert _stored_reports(db_path, portal.base_url) == _expected_reports(expected)
    db = sqlite_utils.Database(db_path)
    assert [r["kind"] for r in db.query("select kind from runs")] == ["crawl"]  # the refused one wrote nothing


def test_second_crawl_on_one_job_dir_refused(tmp_path):
    job = tmp_path / "job"
    with TestPortal() as portal:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first = _start_and_wait_for_lock(_crawl_cmd(portal, tmp_path / "a", "--job-dir", str(job)), tmp_path / "a" / "govcrawl.db")
        _wait_for(lambda: (job / "govcrawl.lock").exists() and str(first.pid) in (job / "govcrawl.lock").read_text(),
                  what="the job-dir lock")
        other = subprocess.run(_crawl_cmd(portal, tmp_path / "b", "--job-dir", str(job)), cwd=ROOT, env=_env(),
                               capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first crawl ended before the second started: test is void"
        first.communicate(timeout=300)
        assert first.returncode == 3  # partial: the test portal's 404 distractors
    assert other.returncode == 2
    assert "job directory is in use by another govcrawl: crawl testportal (pid %d" % first.pid in other.stderr, other.stderr


def test_killed_run_closed_as_killed_by_next_writer(tmp_path):
    db_path = tmp_path / "govcrawl.db"
    store = Store(db_path)
    store.start_run("dead-run", "crawl", "x")  # a process killed after this: its row says running
    store.close()
    (tmp_path / "archive").mkdir()  # reparse refuses an archive path that does not exist
    proc = subprocess.run([sys.executable, "-m", "govcrawl", "reparse", "--db", str(db_path), "--archive",
                           str(tmp_path / "archive"), "--no-progress"], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    db = sqlite_utils.Database(db_path)
    row = db["runs"].get("dead-run")
    assert row["status"] == "killed" and row["ended_at"]


def _doc() -> Document:
    return Document(source="x", title="某县2023年政府信息公开工作年度报告", text="正文", is_report=True)


def test_store_waits_out_a_held_lock_and_gives_up_only_after_its_patience(tmp_path):
    db_path = tmp_path / "x.db"
    store = Store(db_path)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(1.5, lambda: other.execute("COMMIT")).start()
    store.write_patience = 0.3
    t0 = time.monotonic()
    with pytest.raises(StoreBusy):
        store.save_report(_doc(), url="http://a/1", canonical_url="http://a/1", input_sha256="1", portal=None,
                          kind="page", extractor_version="v")
    assert time.monotonic() - t0 < 1.4
    store.write_patience = 30
    rid, what = store.save_report(_doc(), url="http://a/1", canonical_url="http://a/1", input_sha256="1", portal=None,
                                  kind="page", extractor_version="v")
    assert what == "new"
    assert store.count("reports") == 1
    store.close()
    other.close()


def test_read_then_write_transaction_survives_a_concurrent_writer(tmp_path):
    # A deferred BEGIN that reads and then writes fails at once ("database is locked") when
    # another connection committed in between; BEGIN IMMEDIATE waits its turn instead.
    db_path = tmp_path / "x.db"
    a, b = Store(db_path), Store(db_path)
    done = []

    def writer(store, n):
        for i in range(n):
            store.save_report(_doc(), url=f"http://a/{id(store)}/{i}", canonical_url=f"http://a/{id(store)}/{i}",
                              input_sha256=str(i), portal=None, kind="page", extractor_version="v")
        done.append(n)

    threads = [threading.Thread(target=writer, args=(s, 60)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert done == [60, 60]
    assert a.count("reports") == 120
    a.close()
    b.close()


def test_sigkilled_crawl_closed_as_killed_by_the_next_crawl(tmp_path, expected):
    """A real crawl SIGKILLed mid-run leaves its row `running`; the next crawl's start closes it as `killed`."""
    import signal

    db_path = tmp_path / "govcrawl.db"
    with TestPortal() as portal:
        first = subprocess.Popen(_crawl_cmd(portal, tmp_path), cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)

        def some_reports() -> bool:
            try:
                return sqlite_utils.Database(db_path).execute("select count(*) from reports").fetchone()[0] >= 2
            except sqlite3.OperationalError:
                return False

        _wait_for(some_reports, what="the crawl to store reports")
        assert first.poll() is None, "the crawl ended before it was killed: test is void"
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        (killed_id, status) = sqlite_utils.Database(db_path).execute("select id, status from runs").fetchone()
        assert status == "running"  # nobody closed it: the process had no chance
        second = subprocess.run(_crawl_cmd(portal, tmp_path), cwd=ROOT, env=_env(), capture_output=True, text=True,
                                timeout=300)
        assert second.returncode == 3, second.stderr[-3000:]  # partial: the test portal's 404 distractors
        assert _stored_reports(db_path, portal.base_url) == _expected_reports(expected)
    rows = {r["id"]: r for r in sqlite_utils.Database(db_path).query("select id, status, ended_at from runs")}
    assert rows[killed_id]["status"] == "killed" and rows[killed_id]["ended_at"]
    assert sorted(r["status"] for r in rows.values()) == ["killed", "partial"]
