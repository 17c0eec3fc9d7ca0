"""Resuming a crawl from its job directory (``govcrawl crawl --job-dir DIR``).

The job directory keeps the run id, so a resumed crawl continues the same run
(its pages, reports and WARC files stay one run). What has been done is read
from SQLite, never from Scrapy's on-disk queue: after a kill -9, Scrapy's
``requests.seen`` can hold requests that were never processed, and its queue
may be stale, so trusting them loses pages. We drop both and re-walk from the
start URLs; list pages are cheap and always re-fetched, and report pages this
run already stored are not requested again (govcrawl/crawl/revisit.py). WARC files
the killed process left open are repaired by the next writer
(govcrawl/archive/repair.py).

A job whose run finished starts a new run (a nightly crawl can reuse its DIR).
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from ..store import new_run_id

RUN_ID_FILE = "govcrawl_run_id"
_SCRAPY_STATE = ("requests.queue", "requests.seen")


def _run_status(db_path: str | None, run_id: str) -> str | None:
    if not db_path or not Path(db_path).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        try:
            row = conn.execute("select status from runs where id = ?", [run_id]).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # no runs table yet: the run never started writing
    return row[0] if row else None


def prepare_job_dir(job_dir: str, db_path: str | None = None) -> tuple[str, bool]:
    """Return (run id, resuming?) for a crawl with this job directory."""
    folder = Path(job_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RUN_ID_FILE
    run_id, resuming = None, False
    if path.exists():
        run_id = path.read_text().strip() or None
        if run_id and _run_status(db_path, run_id) == "finished":
            run_id = None
        resuming = run_id is not None
    for name in _SCRAPY_STATE:
        stale = folder / name
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    if run_id is None:
        run_id = new_run_id()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(run_id)
        tmp.replace(path)  # atomic: a kill never leaves a half-written run id
    return run_id, resuming
