"""Stage 3: run the shared extractor on report candidates (detail pages and attachments).

Extraction is CPU work; run in Scrapy's reactor thread it stalls downloading and
storing, and one hostile document (a table row of 200,000 cells) could hold the whole
crawl. So it runs in worker processes, one per core (GOVCRAWL_EXTRACT_WORKERS overrides; 0,
extraction in the reactor thread, is refused: nothing could stop a document that runs away
there), at a lower CPU priority (nice GOVCRAWL_EXTRACT_NICE, default EXTRACT_NICE): the
reactor thread (downloads, the archive, the DB) goes first and the workers take the CPU it
leaves, so they never slow it down and no core stands idle while documents wait. Each document
runs under a time and a memory limit (GOVCRAWL_DOC_SECONDS, GOVCRAWL_DOC_MEMORY_MB;
govcrawl.extract.limits; the time limit does not count a worker's waits for a core): a
document over either costs its worker (killed and replaced) and one
``pages`` row with the reason; the crawl goes on. The reactor thread drives the workers itself
(govcrawl.crawl.workers): no thread waits on them. The result is the same Document either
way: the extractor is a pure function of the bytes. Workers are replaced every
GOVCRAWL_EXTRACT_RECYCLE_AFTER documents each (default govcrawl.extract.pool.WORKER_RECYCLE_AFTER),
so a long crawl's memory stays flat; the largest worker's peak RSS is counted
(``govcrawl/extract_worker_peak_mb``).
"""
from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from govcrawl.extract import extract_staged, sniff_kind
from govcrawl.extract.model import Document
from govcrawl.crawl.workers import WorkerPool
from govcrawl.extract.limits import DOC_MEMORY_MB, DOC_SECONDS, LimitExceeded, _measured
from govcrawl.extract.pool import WORKER_RECYCLE_AFTER, freeze_run_setup, start_server, task_modules
from govcrawl.extract.stages import current_versions
from govcrawl.store.fingerprint import doc_fingerprint
from govcrawl.store.neardup import band_keys, signature

from . import Stage

log = logging.getLogger(__name__)


def _extract(body: bytes, url: str, content_type: str | None, encoding_hint: str | None):
    """The Document, its output fingerprint (for the store's compare), its stage cache entry (for
    a later reparse) and, for a report, the MinHash signature of its text (for the near-duplicate
    index): all pure, so all in the worker, not in the reactor thread that writes the DB."""
    versions = current_versions()
    doc, stage = extract_staged(body, source=url, url=url, content_type=content_type,
                                filename=urlsplit(url).path.rsplit("/", 1)[-1], encoding_hint=encoding_hint, versions=versions)
    sig = signature(doc.text) if doc.is_report else None
    if sig is not None:
        band_keys(sig)  # kept on the signature: computed here, not in the reactor thread that links it
    return doc, doc_fingerprint(doc), (None if stage is None else (versions.text, stage.meta_version, stage.dumps())), sig


# How much lower the workers' CPU priority is than the crawl's (0-19). On 2 cores, 2 workers at 19
# against 1 at 0 (cpu_count - 1, as before): the bench crawl 0.9 s (6%) faster in 6 of 6 pairs;
# 2 at 0 gained nothing (the reactor thread waited twice as long for a core) (bench/NOTES.md).
EXTRACT_NICE = 19


def default_workers() -> int:
    # One per core: at a lower priority they use what the reactor thread leaves. At least one:
    # only a worker process can be stopped when a document runs away.
    return max(1, os.cpu_count() or 1)


def extract_nice(settings) -> int:
    """GOVCRAWL_EXTRACT_NICE, within 0-19 (a worker cannot raise its priority above the crawl's)."""
    return min(19, max(0, settings.getint("GOVCRAWL_EXTRACT_NICE", EXTRACT_NICE)))


class ExtractSettingError(ValueError):
    """A setting the extract stage refuses; the message says why and what to set."""


def extract_workers(settings) -> int:
    """GOVCRAWL_EXTRACT_WORKERS, refused below 1: in the reactor thread a document would run
    without its time and memory limits, and one that runs away would hold the whole crawl."""
    workers = settings.getint("GOVCRAWL_EXTRACT_WORKERS", default_workers())
    if workers < 1:
        raise ExtractSettingError(
            f"GOVCRAWL_EXTRACT_WORKERS={workers} is refused: documents are extracted in worker processes, each "
            "under a time and memory limit (GOVCRAWL_DOC_SECONDS, GOVCRAWL_DOC_MEMORY_MB); in the crawl's own "
            "thread nothing could stop one that runs away. Set 1 or more.")
    return workers


def start_workers_early(settings) -> bool:
    """Before Scrapy starts (crawl.runner): when this stage is on, start the fork server of its
    workers now. Its imports then overlap Scrapy's own start-up and the first list pages; started
    by the first report page, the first document came back 0.7 s after it was sent (bench/NOTES.md)."""
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object

    try:
        on = any(issubclass(load_object(c), ExtractPipeline) for c in build_component_list(settings.getwithbase("ITEM_PIPELINES")))
    except (ImportError, NameError, ValueError, TypeError):
        return False  # a pipeline that does not load: Scrapy says so itself, in its own words
    # the modules of the task the stage sends (_measured(_extract, ...)), as its first worker
    # names them (crawl/workers.py): the server loads them once for every worker
    return on and start_server(task_modules(_measured, _extract))


class ExtractPipeline(Stage):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.workers = extract_workers(crawler.settings)
        self.recycle_after = max(1, crawler.settings.getint("GOVCRAWL_EXTRACT_RECYCLE_AFTER", WORKER_RECYCLE_AFTER))
        self.seconds = crawler.settings.getfloat("GOVCRAWL_DOC_SECONDS", DOC_SECONDS)
        self.memory_mb = crawler.settings.getint("GOVCRAWL_DOC_MEMORY_MB", DOC_MEMORY_MB)
        self.nice = extract_nice(crawler.settings)
        self.pool: WorkerPool | None = None

    def open_spider(self, spider=None):
        super().open_spider(spider)
        self.pool = WorkerPool(self.workers, self.seconds, self.memory_mb, self.recycle_after, self.nice)
        freeze_run_setup()

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    async def process_item(self, item, spider=None):
        if item.role not in ("detail", "attachment") or item.status is None or not 200 <= item.status < 300:
            return item
        args = (item.body, item.url, item.content_type, item.encoding_hint)
        try:
            item.doc, item.fingerprint, item.stage, item.signature = await self._in_pool(args)
        except LimitExceeded as exc:  # the worker was killed and is replaced; the crawl goes on
            log.warning("%s: %s", item.url, exc)
            self.crawler.stats.inc_value("govcrawl/extract_stopped")
            item.doc = Document(source=item.url, kind=sniff_kind(item.body, item.content_type),
                                error=str(exc), skip_reason=str(exc))
            item.fingerprint = doc_fingerprint(item.doc)
        stats = self.crawler.stats
        stats.max_value("govcrawl/extract_worker_peak_mb", self.pool.peak_mb)
        stats.set_value("govcrawl/extract_pool_replaced", self.pool.replaced)
        return item

    async def _in_pool(self, args):
        from scrapy.utils.defer import maybe_deferred_to_future

        return await maybe_deferred_to_future(self.pool.submit(_extract, *args))
