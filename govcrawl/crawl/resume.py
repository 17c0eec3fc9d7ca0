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

A job whose run ended (finished, partial or failed) starts a new run (a nightly crawl can reuse its DIR).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .runstatus import FINAL
from ..store import new_run_id
from ..store.queries import run_status

RUN_ID_FILE = "govcrawl_run_id"
_SCRAPY_STATE = ("requests.queue", "requests.seen")


def prepare_job_dir(job_dir: str, db_path: str | None = None) -> tuple[str, bool]:
    """Return (run id, resuming?) for a crawl with this job directory."""
    folder = Path(job_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RUN_ID_FILE
    run_id, resuming = None, False
    if path.exists():
        run_id = path.read_text().strip() or None
        if run_id and run_status(db_path, run_id) in FINAL:
            run_id = None
        resuming = run_id is not None
    # Scrapy's state files are removed only from a job folder govcrawl set up (it holds our
    # run-id file): a folder of the user's that happens to hold such names is left alone.
    for name in _SCRAPY_STATE if path.exists() else ():
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
