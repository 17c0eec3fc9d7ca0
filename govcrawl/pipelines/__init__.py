"""Scrapy item pipelines, one module per stage: dedup → extract → store
(the downloader archived the response already: govcrawl/crawl/warcrecorder.py).

They share one CrawlRun (store, WARC archive, counts) per crawler, created on
first use and closed when the spider closes.
"""
from __future__ import annotations

from scrapy import signals
from scrapy.utils.misc import load_object

from govcrawl.crawl.run import CrawlRun
from govcrawl.crawl.runstatus import assess


def run_for(crawler) -> CrawlRun:
    run = getattr(crawler, "_govcrawl_run", None)
    if run is None:
        # A distributed crawl's worker swaps in its own run (GOVCRAWL_RUN_CLASS, govcrawl/distributed).
        cls = load_object(crawler.settings.get("GOVCRAWL_RUN_CLASS") or CrawlRun)
        run = crawler._govcrawl_run = cls.from_crawler(crawler)

        def _closed(spider, reason):
            run.counts.update({f"scrapy_{k.replace('/', '_')}": v for k, v in (crawler.stats.get_stats() or {}).items()
                               if isinstance(v, int) and k.startswith(("downloader/response_status_count", "retry/count", "robotstxt/", "offsite",
                                                   "govcrawl/", "spider_exceptions", "log_count/ERROR"))})
            fallback = crawler.stats.get_value("govcrawl/nav_fallback_reason")
            if fallback:  # the nav path led nowhere and discovery took over (spiders/portal.py): said in the summary
                run.counts["nav_fallback"] = fallback
            # A distributed worker has no DB: its writer (govcrawl ingest) ends the run.
            outcome = assess(run.store.db, run.run_id, run.counts, reason) if hasattr(run.store, "db") else None
            if outcome is not None and run.counts.get("db_spool_left"):  # fetched, not yet in the DB (pipelines/store.py)
                outcome.failures["not yet stored (spooled)"] += run.counts["db_spool_left"]
                outcome.status = "partial" if outcome.status == "finished" else outcome.status
            run.close(outcome)

        crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    return run


class Stage:
    """Base for the stages: gives each the crawler's CrawlRun."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.run: CrawlRun | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        self.run = run_for(self.crawler)
