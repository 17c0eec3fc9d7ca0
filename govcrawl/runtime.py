"""Per-crawl state the pipelines share: the store, the WARC archive, the run and its counts."""
from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from .archive import WarcArchive
from .extract import EXTRACTOR_VERSION
from .store import Store


# Extraction workers (crawl and reparse) are replaced after this many documents each. A
# worker's RSS creeps up with the documents it has seen (allocator fragmentation, worst after
# pages whose flattened tables have thousands of readings): ~100 -> ~145 MB over its first
# 1,000-2,000 reports, then occasional new highs. Fresh workers, forked in a few ms, keep a run
# over a million records at the footprint of one over a thousand. Measured on reparse: ~2.5%
# of its time at 200; largest process 117 -> 124 MB for 1k -> 20k records (bench/run.py).
WORKER_RECYCLE_AFTER = 200


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the crawl or reparse stops gracefully and still
    # needs its workers for the documents in flight, so they ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        # Die with the parent: a SIGKILLed crawl or reparse would otherwise leave workers holding its pipes.
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def extraction_pool(workers: int) -> ProcessPoolExecutor:
    """The process pool the crawl and reparse extract in (callers replace it every
    ``WORKER_RECYCLE_AFTER`` documents per worker)."""
    # fork: workers start fast and share the extractor's already-imported modules.
    ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


class CrawlRun:
    """Created once per crawler (via ``pipelines.run_for(crawler)``) and closed with the spider."""

    def __init__(self, db_path: str, archive_root: str, portal: str, run_id: str | None = None):
        from .writelock import db_writer

        # `govcrawl crawl` holds it already (re-entrant); `scrapy crawl portal` takes it here.
        self._writer = db_writer(db_path, "crawl", portal)
        self._writer.__enter__()
        self.store = Store(db_path)
        self.archive_root = str(Path(archive_root))
        self.run_id = run_id or new_run_id()
        self.portal = portal
        self.archive = WarcArchive(self.archive_root, portal, self.run_id)
        self.counts: Counter = Counter()
        self.skipped: list[tuple[str, str]] = []  # (url, reason) of pages not taken as reports
        self.store.start_run(self.run_id, "crawl", portal, {"db": db_path, "archive": archive_root}, EXTRACTOR_VERSION)

    @classmethod
    def from_crawler(cls, crawler) -> "CrawlRun":
        """A run for this crawler's settings and portal (pipelines.run_for keeps one per crawler)."""
        s, spider = crawler.settings, crawler.spider
        return cls(s.get("GOVCRAWL_DB"), s.get("GOVCRAWL_ARCHIVE"), spider.portal.name,
                   s.get("GOVCRAWL_RUN_ID") or getattr(spider, "run_id", None))

    def close(self, status: str = "finished") -> None:
        self.archive.close()
        counts = dict(self.counts)
        counts["warc_files"] = len(self.archive.files)
        try:
            self.store.finish_run(self.run_id, counts, status)
        finally:
            self.store.close()
            self._writer.__exit__(None, None, None)
