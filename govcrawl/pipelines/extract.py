"""Stage 3: run the shared extractor on report candidates (detail pages and attachments).

Extraction is CPU work; run in Scrapy's reactor thread it stalls downloading and
storing. With two or more CPUs it runs in a process pool (cpu_count() - 1 workers,
setting GOVCRAWL_EXTRACT_WORKERS overrides; 0 = in the reactor thread). The
result is the same Document either way: the extractor is a pure function of the bytes.
Workers are replaced every GOVCRAWL_EXTRACT_RECYCLE_AFTER documents each (default
govcrawl.extract.pool.WORKER_RECYCLE_AFTER), so a long crawl's memory stays flat.
"""
from __future__ import annotations

import logging
import os
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from urllib.parse import urlsplit

from govcrawl.extract import extract
from govcrawl.extract.pool import WORKER_RECYCLE_AFTER, RecyclingPool
from govcrawl.store.fingerprint import doc_fingerprint

from . import Stage

log = logging.getLogger(__name__)


def _extract(body: bytes, url: str, content_type: str | None, encoding_hint: str | None):
    """The Document and its output fingerprint (for the store's compare): both pure, so both in the worker."""
    doc = extract(body, source=url, url=url, content_type=content_type,
                  filename=urlsplit(url).path.rsplit("/", 1)[-1], encoding_hint=encoding_hint)
    return doc, doc_fingerprint(doc)


def default_workers() -> int:
    cpus = os.cpu_count() or 1
    return cpus - 1 if cpus >= 2 else 0  # one CPU: a pool only adds pickling and a second process


class ExtractPipeline(Stage):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.workers = crawler.settings.getint("GOVCRAWL_EXTRACT_WORKERS", default_workers())
        self.recycle_after = max(1, crawler.settings.getint("GOVCRAWL_EXTRACT_RECYCLE_AFTER", WORKER_RECYCLE_AFTER))
        self.pool: RecyclingPool | None = None

    def open_spider(self, spider=None):
        super().open_spider(spider)
        if self.workers > 0:
            self.pool = RecyclingPool(self.workers, self.recycle_after)

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def process_item(self, item, spider=None):
        if item.role not in ("detail", "attachment") or item.status is None or not 200 <= item.status < 300:
            return item
        args = (item.body, item.url, item.content_type, item.encoding_hint)
        if self.pool is None:
            item.doc, item.fingerprint = _extract(*args)
            return item
        if self.pool.due:
            self.pool.recycle(wait=False)  # the old workers finish the documents they hold, then exit
            self.crawler.stats.inc_value("govcrawl/extract_pool_replaced")
        executor = self.pool.executor
        try:
            item.doc, item.fingerprint = await self._in_pool(args)
        except BrokenProcessPool as exc:  # a worker died (out of memory, a C library crash)
            log.warning("extract worker failed on %s (%s); extracting in the crawl process", item.url, exc)
            if self.pool.executor is executor:  # not replaced yet (by another item of the same pool, or recycled)
                executor.shutdown(wait=False, cancel_futures=True)
                self.pool.recycle(wait=False)
            item.doc, item.fingerprint = _extract(*args)
        return item

    async def _in_pool(self, args):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import defer, reactor

        d = defer.Deferred()

        def done(fut: Future) -> None:  # runs in the pool's manager thread: hand over to the reactor
            exc = CancelledError() if fut.cancelled() else fut.exception()
            reactor.callFromThread(d.errback if exc else d.callback, exc or fut.result())

        self.pool.submit(_extract, *args).add_done_callback(done)
        return await maybe_deferred_to_future(d)
