"""Per-crawl state the pipelines share: the store, the WARC archive, the run and its counts."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..archive import WarcArchive
from ..extract import EXTRACTOR_VERSION
from ..store import Store, new_run_id


class CrawlRun:
    """Created once per crawler (via ``govcrawl.pipelines.run_for(crawler)``) and closed with the spider."""

    def __init__(self, db_path: str, archive_root: str, portal: str, run_id: str | None = None):
        from ..store.writelock import db_writer

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

    def close(self, outcome=None) -> None:
        """End the run with ``outcome`` (a govcrawl.crawl.runstatus.Outcome; None: finished)."""
        from .runstatus import describe

        self.archive.close()
        counts = dict(self.counts)
        counts["warc_files"] = len(self.archive.files)
        status = outcome.status if outcome is not None else "finished"
        if outcome is not None and status != "finished":
            counts["status_detail"] = describe(outcome)
            counts["failed_pages"] = dict(outcome.failures)
        try:
            self.store.finish_run(self.run_id, counts, status)
        finally:
            self.store.close()
            self._writer.__exit__(None, None, None)
