"""One writer per database, one process per job directory.

Two govcrawl processes writing one SQLite file (two crawls, a crawl and a reparse or an
import) would fight over SQLite's write lock; with the retries in ``Store.transaction``
nothing is lost, but a reparse and a crawl interleaving their updates of the same report
rows is not a state anyone meant. So we choose refusal: each writing command (crawl,
reparse, import) takes an exclusive ``flock`` on ``<db>.lock`` beside the database and a
second one is refused up front, with a message naming the running one (kind, portal, pid,
start time, read from the lock file). Likewise ``<job-dir>/govcrawl.lock`` for a crawl's
job directory: Scrapy's on-disk queue is not made for two processes.

The kernel releases a flock when its process dies, even by ``kill -9``, so a killed
writer never leaves a stale lock; the file itself stays (it is ours, and harmless).
Other processes (sqlite3, Datasette, a backup) do not take this lock; the retries in
``Store`` and the crawl's spool (``govcrawl/crawl/spool.py``) handle them.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path


class WriterBusy(RuntimeError):
    """Another process is writing this database (or using this job directory)."""


_held: dict[str, list] = {}  # lock path -> [open file, depth]: re-entrant within one process


def _describe(info: dict) -> str:
    what = " ".join(str(x) for x in (info.get("kind"), info.get("detail")) if x) or "a govcrawl process"
    return f"{what} (pid {info.get('pid', '?')}, started {info.get('started', '?')})"


@contextmanager
def exclusive(lock_path: str | Path, kind: str, detail: str | None = None, what: str = "database"):
    """Hold an exclusive lock on ``lock_path`` for the block; raise WriterBusy if another
    process holds it. Nested uses in the same process join the outer one."""
    key = os.path.abspath(lock_path)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    Path(key).parent.mkdir(parents=True, exist_ok=True)
    f = open(key, "a+", encoding="utf-8")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        try:
            info = json.loads(f.read() or "{}")
        except ValueError:
            info = {}
        f.close()
        target = os.path.splitext(key)[0] if what == "database" else os.path.dirname(key)
        raise WriterBusy(f"{target}: this {what} is in use by another govcrawl: {_describe(info)}; "
                         f"wait for it to finish, or use another {'--db' if what == 'database' else '--job-dir'}") from None
    f.seek(0)
    f.truncate()
    f.write(json.dumps({"pid": os.getpid(), "kind": kind, "detail": detail,
                        "started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}, ensure_ascii=False))
    f.flush()
    _held[key] = [f, 1]
    try:
        yield
    finally:
        _held.pop(key, None)
        f.close()  # closing the last descriptor releases the flock


def db_lock_path(db_path: str | Path) -> str | None:
    return None if str(db_path) == ":memory:" else str(db_path) + ".lock"


@contextmanager
def db_writer(db_path: str | Path, kind: str, detail: str | None = None):
    """The one-writer lock of a database; the first holder also closes runs left ``running``
    by a killed process (no live writer can own them while we hold the lock)."""
    path = db_lock_path(db_path)
    if path is None:
        yield
        return
    first = os.path.abspath(path) not in _held
    with exclusive(path, kind, detail):
        if first and Path(db_path).exists():
            from .store import Store

            store = Store(db_path)
            try:
                store.close_killed_runs()
            finally:
                store.close()
        yield


def job_dir_lock(job_dir: str | Path, detail: str | None = None):
    return exclusive(Path(job_dir) / "govcrawl.lock", "crawl", detail, what="job directory")
