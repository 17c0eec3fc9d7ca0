"""Stage 4: write the page, and the report with its stats and checks, to SQLite.

Items that arrive close together share one transaction: the stage keeps a transaction open for
at most GOVCRAWL_DB_GROUP_SECONDS (default 0.05) or GOVCRAWL_DB_GROUP_ITEMS items (default 64),
and lets the items go on to the next stage only once that transaction is committed (a kill loses
no item that left the stage). An item whose write fails is undone alone: the group's transaction
is rolled back, the items written before it in the group are written again, each in a transaction
of its own, and it fails (a savepoint per item did the same, but made SQLite copy every page an
item first touched into a statement journal: a fifth of the stage's time, bench/NOTES.md). If the
commit itself fails, each item of the group is likewise written again on its own.
GOVCRAWL_DB_GROUP_SECONDS=0: one transaction per item.

The full-text index is brought up to date in a thread beside Scrapy's reactor, once
GOVCRAWL_DB_INDEX_EVERY reports (default 100) wait for it, and at the end: that work is all
inside SQLite, which runs without the GIL, so it takes the second core instead of the reactor's.
It holds the DB's write lock meanwhile, so items that arrive then wait, in order, and are written
when it is done. Rows not yet indexed are found by searches all the same (store/views.py).
Per item, commit and index update were a third of the reactor thread's time (bench/NOTES.md).

When another process holds the DB's write lock longer than GOVCRAWL_DB_CRAWL_PATIENCE seconds
(default 2), the item is spooled to disk (govcrawl/crawl/spool.py) and written once the DB takes
writes again: never dropped, and Scrapy's reactor is not held up for long.
"""
from __future__ import annotations

import logging
import time
from collections import Counter, deque

from twisted.internet import defer
from twisted.python.failure import Failure

from govcrawl.extract import EXTRACTOR_VERSION
from govcrawl.crawl.spool import Spool
from govcrawl.store import StoreBusy

from . import Stage

log = logging.getLogger(__name__)

RETRY_SPOOL_EVERY = 5.0  # seconds between attempts to write the spool back while the DB is busy


def _reactor():
    from twisted.internet import reactor  # imported when used: Scrapy installs its reactor first

    return reactor


class _Group:
    """The open transaction and the items written in it, each with the Deferred Scrapy waits on."""

    def __init__(self, store):
        self.tx = store.transaction()
        self.tx.__enter__()  # may raise StoreBusy: then there is no group
        self.members: list[tuple[object, str, tuple, defer.Deferred]] = []  # (item, run id, (what, skip), deferred)
        self.timer = None


class StorePipeline(Stage):
    def open_spider(self, spider=None):
        super().open_spider(spider)
        settings = self.crawler.settings
        self.patience = settings.getfloat("GOVCRAWL_DB_CRAWL_PATIENCE", 2.0)
        self.group_seconds = settings.getfloat("GOVCRAWL_DB_GROUP_SECONDS", 0.05)
        self.group_items = max(1, settings.getint("GOVCRAWL_DB_GROUP_ITEMS", 64))
        self.index_every = settings.getint("GOVCRAWL_DB_INDEX_EVERY", 100)
        self._group: _Group | None = None
        self._indexing: defer.Deferred | None = None  # the index update running in a thread
        self._waiting: deque[tuple[object, defer.Deferred]] = deque()  # items that arrived meanwhile
        self._after_index: list[defer.Deferred] = []  # fired when the running index update ends
        self.run.store.index_apart = self.index_every > 0
        self.spool = Spool(self.run.store.path)
        self._spooled = len(self.spool)
        self._last_busy = 0.0
        self._index = None
        try:  # now, not inside a group: a group rolled back (_undo) would take its tables with it
            self._neardup()
        except StoreBusy as exc:  # built by the first report then (and again after an _undo)
            log.warning("near-duplicate index not opened yet (%s)", exc)
        if self._spooled:  # left by an earlier crawl that could not write them: they go first
            log.warning("writing %d items an earlier crawl spooled in %s", self._spooled, self.spool.dir)
            self._drain(patient=True)

    async def process_item(self, item, spider=None):
        if self._indexing is not None:  # the index update holds the write lock: wait, in order
            out = defer.Deferred()
            self._waiting.append((item, out))
        else:
            out = self._take(item)
        if isinstance(out, defer.Deferred):  # written in the open group: back once that commits
            from scrapy.utils.defer import maybe_deferred_to_future

            return await maybe_deferred_to_future(out)
        return out

    def _take(self, item):
        run = self.run
        if self._spooled and self._group is None and time.monotonic() - self._last_busy >= RETRY_SPOOL_EVERY:
            self._drain(patient=False)
        if self._spooled:  # keep order: nothing overtakes what waits in the spool
            self._put(item)
            return item
        if self.group_seconds <= 0:
            try:
                self._write(item, run.run_id, run.counts, patient=False)
            except StoreBusy as exc:
                self._put(item, exc)
            self._maybe_index()
            return item
        return self._add(item)

    async def close_spider(self, spider=None):
        # Scrapy closes once every item has left the stage; an index update may still be running.
        while self._indexing is not None:
            from scrapy.utils.defer import maybe_deferred_to_future

            done = defer.Deferred()
            self._after_index.append(done)
            await maybe_deferred_to_future(done)
        self._close()

    def _close(self) -> None:
        self._commit()  # (normally nothing is open)
        store = self.run.store
        store.index_apart = False  # from here on each transaction updates the index itself: the rest now
        try:
            with store.transaction():
                pass
        except StoreBusy as exc:  # the rows stay noted; the next govcrawl write indexes them
            log.warning("full-text index not brought up to date at the end (%s)", exc)
        if self._spooled:
            self._drain(patient=True)
        if self._spooled:
            self.run.counts["db_spool_left"] = self._spooled
            log.error("%d items could not be written (the DB stayed locked); they wait in %s and the next crawl "
                      "on this DB writes them first", self._spooled, self.spool.dir)

    # -- the full-text index, in a thread ------------------------------------------
    def _maybe_index(self) -> None:
        store = self.run.store
        if not store.index_apart or self._indexing is not None or self._group is not None:
            return
        if store.fts_pending() >= self.index_every:
            from twisted.internet import threads

            self._indexing = threads.deferToThreadPool(_reactor(), _reactor().getThreadPool(), store.flush_fts_apart)
            self._indexing.addBoth(self._indexed)

    def _indexed(self, result) -> None:
        self._indexing = None
        if isinstance(result, Failure):  # the rows stay noted: the next update, or the one at the end, takes them
            log.warning("full-text index update failed, tried again later: %s", result.getErrorMessage())
        while self._waiting and self._indexing is None:
            item, d = self._waiting.popleft()
            try:
                out = self._take(item)
            except Exception:
                d.errback(Failure())
                continue
            if isinstance(out, defer.Deferred):
                out.chainDeferred(d)
            else:
                d.callback(out)
        waiters, self._after_index = self._after_index, []
        for w in waiters:
            w.callback(None)

    # -- grouped writes ----------------------------------------------------------
    def _add(self, item):
        """Write ``item`` into the open group (opening one); Scrapy gets it back once that commits."""
        group = self._group
        if group is None:
            store = self.run.store
            store.write_patience = self.patience
            try:
                group = _Group(store)
            except StoreBusy as exc:
                self._put(item, exc)
                return item
            finally:
                store.write_patience = store.default_patience
            self._group = group
            store.hold_open(self._commit)  # another crawl of this process ends it before it writes
            group.timer = _reactor().callLater(self.group_seconds, self._commit)
        try:
            result = self._record(item, self.run.run_id)
        except Exception:
            self._undo(group)
            raise  # Scrapy logs this item's error; the others of the group are stored (_undo)
        d = defer.Deferred()
        group.members.append((item, self.run.run_id, result, d))
        if len(group.members) >= self.group_items:
            self._commit()
        return d

    def _end(self, group: _Group) -> None:
        self._group = None
        self.run.store.release_hold()
        if group.timer is not None and group.timer.active():
            group.timer.cancel()

    def _undo(self, group: _Group) -> None:
        """An item failed half-way through its writes, mixed into the group's: roll the group back
        and write the items before it again, each in a transaction of its own."""
        self._end(group)
        group.tx.__exit__(RuntimeError, RuntimeError("an item of the group failed"), None)  # ROLLBACK
        if self._index is not None and not self._index.ready():  # (its tables were made in the group)
            self._index = None
        if group.members:
            log.warning("an item's write failed: the %d items written before it in its transaction are written again, "
                        "one transaction each", len(group.members))
            self._rewrite(group.members)

    def _commit(self) -> None:
        group = self._group
        if group is None:
            return
        self._end(group)
        try:
            group.tx.__exit__(None, None, None)  # COMMIT (rolled back if it fails)
        except Exception as exc:
            log.warning("committing %d items failed (%s): each is written again on its own", len(group.members), exc)
            self._rewrite(group.members)
            return
        for item, run_id, (what, skip), d in group.members:
            self._count(item, run_id, self.run.counts, what, skip)
        for item, _run_id, _result, d in group.members:
            d.callback(item)
        self._maybe_index()

    def _rewrite(self, members) -> None:
        for item, run_id, _result, d in members:
            try:
                if self._spooled:
                    self._put(item)
                else:
                    self._write(item, run_id, self.run.counts, patient=False)
            except StoreBusy as exc:
                self._put(item, exc)
            except Exception:
                d.errback(Failure())
                continue
            d.callback(item)
        self._maybe_index()

    # -- one item, one transaction (the spool, and GOVCRAWL_DB_GROUP_SECONDS=0) ------
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
        self._count(item, run_id, counts, what, skip)

    def _count(self, item, run_id: str, counts: Counter, what, skip) -> None:
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
        if self._index is None:
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
            # (an item spooled by an older govcrawl has none; an annex adopted by an earlier try of
            # this write, rolled back, was changed after its fingerprint was made)
            fp=None if getattr(doc, "annex_to", None) else getattr(item, "fingerprint", None),
            stage=getattr(item, "stage", None),
            # the signature was computed beside the text; an annex adopted here gets its own in the index
            sig=getattr(item, "signature", None))
        if doc.is_report:
            what = "annex" if getattr(doc, "annex_to", None) else rec.what  # a spreadsheet annex is not counted as a report
            skip = None
    else:
        store.add_page(row)  # a failed fetch or an error page: no document
    return what, skip
