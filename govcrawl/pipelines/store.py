"""Stage 4: write the page, and the report with its stats and checks, to SQLite.

Each item is one transaction. When another process holds the DB's write lock longer
than GOVCRAWL_DB_CRAWL_PATIENCE seconds (default 2), the item is spooled to disk
(govcrawl/crawl/spool.py) and written once the DB takes writes again: never dropped, and
Scrapy's reactor is not held up for long.
"""
from __future__ import annotations

import logging
import time
from collections import Counter

from govcrawl.extract import EXTRACTOR_VERSION
from govcrawl.crawl.spool import Spool
from govcrawl.store import StoreBusy

from . import Stage

log = logging.getLogger(__name__)

RETRY_SPOOL_EVERY = 5.0  # seconds between attempts to write the spool back while the DB is busy


class StorePipeline(Stage):
    def open_spider(self, spider=None):
        super().open_spider(spider)
        self.patience = self.crawler.settings.getfloat("GOVCRAWL_DB_CRAWL_PATIENCE", 2.0)
        self.spool = Spool(self.run.store.path)
        self._spooled = len(self.spool)
        self._last_busy = 0.0
        if self._spooled:  # left by an earlier crawl that could not write them: they go first
            log.warning("writing %d items an earlier crawl spooled in %s", self._spooled, self.spool.dir)
            self._drain(patient=True)

    def process_item(self, item, spider=None):
        run = self.run
        if self._spooled and time.monotonic() - self._last_busy >= RETRY_SPOOL_EVERY:
            self._drain(patient=False)
        if self._spooled:  # keep order: nothing overtakes what waits in the spool
            self._put(item)
            return item
        try:
            self._write(item, run.run_id, run.counts, patient=False)
        except StoreBusy as exc:
            self._put(item, exc)
        return item

    def close_spider(self, spider=None):
        if self._spooled:
            self._drain(patient=True)
        if self._spooled:
            self.run.counts["db_spool_left"] = self._spooled
            log.error("%d items could not be written (the DB stayed locked); they wait in %s and the next crawl "
                      "on this DB writes them first", self._spooled, self.spool.dir)

    def _put(self, item, exc: Exception | None = None) -> None:
        self.spool.put((self.run.run_id, item))
        self._spooled += 1
        self._last_busy = time.monotonic()
        self.run.counts["db_spooled"] += 1
        if exc is not None:
            log.warning("DB busy (%s): %s spooled to %s, written later", exc, item.url, self.spool.dir)

    def _drain(self, patient: bool) -> None:
        run = self.run
        for path, (run_id, item) in self.spool.items():
            counts = run.counts if run_id == run.run_id else Counter()
            try:
                self._write(item, run_id, counts, patient=patient)
            except StoreBusy:
                self._last_busy = time.monotonic()
                return
            self.spool.done(path)
            self._spooled -= 1
            run.counts["db_spool_written"] += 1
        self._spooled = len(self.spool)

    def _write(self, item, run_id: str, counts: Counter, patient: bool) -> None:
        """All of one item's writes in one transaction; the run's counts only once it is committed."""
        store = self.run.store
        store.write_patience = store.default_patience if patient else self.patience
        try:
            with store.transaction():
                what, skip = self._record(item, run_id)
        finally:
            store.write_patience = store.default_patience
        if skip:
            counts["skipped"] += 1
            if run_id == self.run.run_id:
                self.run.skipped.append((item.url, skip))
            log.info("skipped %s: %s", item.url, skip)
        if what:
            counts[f"reports_{what}"] += 1
        counts[f"pages_{item.role}"] += 1

    def _record(self, item, run_id: str):
        return record_fetch(self.run.store, item, run_id, self._neardup)

    def _neardup(self):
        """The near-duplicate index (govcrawl/store/neardup.py), built once per crawl."""
        if getattr(self, "_index", None) is None:
            from govcrawl.store import neardup

            portal = getattr(self.crawler.spider, "portal", None)
            hosts = neardup.registry_hosts(self.crawler.settings.get("GOVCRAWL_PORTALS"))
            self._index = neardup.index_for(self.run.store, hosts | set(portal.allowed_domains if portal else ()))
        return self._index


def record_fetch(store, item, run_id: str, neardup_index):
    """Write one fetch through the one write path; returns (what, skip).

    Shared with the distributed crawl's writer (govcrawl/distributed/ingest.py), whose items
    come without their body (``item.size``) and with a fetch key. ``neardup_index`` returns
    the near-duplicate index (built on first use).
    """
    size = item.size if item.size is not None else (len(item.body) if item.status is not None else None)
    doc = item.doc
    skip = what = None
    if item.error:
        skip = item.error
    elif item.status is not None and not 200 <= item.status < 300:
        skip = f"HTTP {item.status}"
    elif doc is not None and not doc.is_report:
        skip = doc.skip_reason or doc.error or "not an annual report"
    skip = skip or getattr(item, "note", None)  # (an item spooled by an older govcrawl has none)
    row = {
        "url": item.url, "canonical_url": item.canonical_url, "method": item.method, "status": item.status,
        "content_type": item.content_type, "fetched_at": item.fetched_at, "sha256": item.sha256,
        "size": size, "portal": item.portal,
        "run_id": run_id, "role": item.role, "referer": item.referer, "depth": item.depth,
        "etag": item.header("ETag"), "last_modified": item.header("Last-Modified"),
        "error": item.error or (doc.error if doc is not None else None), "skip_reason": skip,
        "fetch_key": item.fetch_key,
    }
    if item.warc:
        row["warc_file"], row["warc_offset"], row["warc_length"] = item.warc
    if doc is not None and not item.error:
        # The one write path (as reparse and import): report, versions, duplicates, then this page row.
        rec = store.record_document(
            doc, url=item.url, canonical_url=item.canonical_url, input_sha256=item.sha256, portal=item.portal,
            kind="attachment" if item.role == "attachment" else "page", warc=item.warc,
            extractor_version=EXTRACTOR_VERSION, page=row, index=neardup_index() if doc.is_report else None,
            fp=getattr(item, "fingerprint", None),  # (an item spooled by an older govcrawl has none)
            stage=getattr(item, "stage", None),
            # the signature was computed beside the text; an annex adopted here gets its own in the index
            sig=getattr(item, "signature", None))
        if doc.is_report:
            what = "annex" if getattr(doc, "annex_to", None) else rec.what  # a spreadsheet annex is not counted as a report
            skip = None
    else:
        store.add_page(row)  # a failed fetch or an error page: no document
    return what, skip
