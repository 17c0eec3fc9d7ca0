"""The worker side: its run, its view of what is stored, the stream sink, heartbeat and end.

Everything here is wired in by ``settings.worker_overrides``; the spider and the
dedup/archive/extract pipelines are the single-machine ones.
"""
from __future__ import annotations

import json
import logging
import pickle
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.request import fingerprint
from scrapy_redis.queue import PriorityQueue
from twisted.internet.task import LoopingCall

from govcrawl.archive import WarcArchive
from govcrawl.store.store import new_run_id

from . import keys
from .scheduler import INFLIGHT_META, requeue_inflight

log = logging.getLogger(__name__)
_CLIENTS: dict[str, redis.Redis] = {}
MAX_ATTEMPTS = 3  # a request whose hold outlives its work this often is given up (and logged)


def redis_for(settings) -> redis.Redis:
    """One client per Redis URL per process (redis-py pools its connections)."""
    url = settings.get("REDIS_URL")
    if url not in _CLIENTS:
        _CLIENTS[url] = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    return _CLIENTS[url]


def current_run_id(server: redis.Redis, portal: str) -> str:
    """The portal's crawl under way, or a new one (the first worker starts it)."""
    server.set(keys.run(portal), new_run_id(), nx=True)
    server.sadd(keys.ACTIVE, portal)
    return server.get(keys.run(portal)).decode()


class RemotePages:
    """What the writer has stored, as the dedup stage and the revisit middleware ask it.

    The writer publishes each committed page (``ingest.publish_page``); a worker has no DB.
    """

    def __init__(self, server: redis.Redis, portal: str):
        self.server = server
        self.portal = portal

    def _get(self, canonical_url: str) -> dict | None:
        raw = self.server.hget(keys.PAGES, canonical_url)
        return json.loads(raw) if raw else None

    def _seen(self, canonical_url: str, body_sha: str) -> dict | None:
        raw = self.server.hget(keys.SEEN, keys.seen_field(canonical_url, body_sha))
        return json.loads(raw) if raw else None

    def page_seen(self, canonical_url: str, body_sha: str) -> bool:
        return self._seen(canonical_url, body_sha) is not None

    def seen_page(self, canonical_url: str, body_sha: str) -> dict | None:
        row = self._seen(canonical_url, body_sha)
        # report_id: only whether there is one (the dedup stage counts still-standing reports)
        return {"status": row.get("status"), "report_id": 1 if row.get("report") else None} if row else None

    def latest_page(self, canonical_url: str) -> dict | None:
        row = self._get(canonical_url)
        return row if row and row.get("status") and 200 <= row["status"] < 300 else None

    def latest_archived_page(self, canonical_url: str) -> dict | None:
        raw = self.server.hget(keys.ARCHIVED, canonical_url)
        return json.loads(raw) if raw else None

    def page_in_run(self, canonical_url: str, run_id: str) -> bool:
        return bool(self.server.sismember(keys.run_pages(self.portal, run_id), canonical_url))

    def close(self) -> None:
        pass


class WorkerRun:
    """A worker's share of a distributed crawl (what ``CrawlRun`` is to a local one)."""

    def __init__(self, server: redis.Redis, archive_root: str, portal: str, worker_id: str):
        self.server = server
        self.portal = portal
        self.worker_id = worker_id
        self.run_id = current_run_id(server, portal)
        self.store = RemotePages(server, portal)
        self.archive_root = str(Path(archive_root))
        # The worker id in the file name: workers may share one archive folder.
        self.archive = WarcArchive(self.archive_root, portal, f"{self.run_id}-{worker_id}")
        self.counts: Counter = Counter()
        self.skipped: list[tuple[str, str]] = []

    @classmethod
    def from_crawler(cls, crawler) -> "WorkerRun":
        s = crawler.settings
        return cls(redis_for(s), s.get("GOVCRAWL_ARCHIVE"), crawler.spider.portal.name, s.get("GOVCRAWL_WORKER_ID"))

    def close(self, outcome=None) -> None:
        self.archive.close()
        status = outcome.status if outcome is not None else "finished"
        counts = dict(self.counts, warc_files=len(self.archive.files))
        send(self.server, self.portal, {"type": "worker_closed", "run": self.run_id, "worker": self.worker_id,
                                        "status": status, "counts": counts})


def send(server: redis.Redis, portal: str, message: dict) -> None:
    server.xadd(keys.items(portal), {"m": pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)})


def release(server: redis.Redis, request) -> None:
    hold = request.meta.pop(INFLIGHT_META, None) if request is not None else None
    if hold:
        server.hdel(*hold)


def _request_of(response_or_failure):
    return getattr(response_or_failure, "request", None)


class ItemsLastMiddleware:
    """Spider middleware: a callback's item goes out after its requests.

    Requests are queued in Redis as they are yielded; the item, once past the
    pipelines, releases the response's hold. Item last means that by then every
    link found on the page is already queued, so a kill loses none of them.
    """

    def process_spider_output(self, response, result, spider=None):
        items = []
        for out in result:
            if hasattr(out, "dont_filter"):  # a Request
                yield out
            else:
                items.append(out)
        yield from items

    async def process_spider_output_async(self, response, result, spider=None):
        items = []
        async for out in result:
            if hasattr(out, "dont_filter"):
                yield out
            else:
                items.append(out)
        for item in items:
            yield item


class WorkerLifecycle:
    """Extension: the item sink, heartbeat, giving back a dead worker's holds, and the end of the crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.server = redis_for(s)
        self.worker_id = s.get("GOVCRAWL_WORKER_ID")
        self.ttl_ms = int(s.getfloat("GOVCRAWL_WORKER_HEARTBEAT_TTL", 30) * 1000)
        self._beat: LoopingCall | None = None
        self.portal = None
        self.attempts: Counter = Counter()
        cs = crawler.signals
        cs.connect(self.opened, signals.spider_opened)
        cs.connect(self.idle, signals.spider_idle)
        cs.connect(self.closed, signals.spider_closed)
        cs.connect(self.item_scraped, signals.item_scraped)
        cs.connect(self.item_done_without_store, signals.item_dropped)
        cs.connect(self.item_done_without_store, signals.item_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- items -------------------------------------------------------------------
    def _run(self):
        from govcrawl.pipelines import run_for

        return run_for(self.crawler)

    def item_scraped(self, item, response, spider=None):
        """The sink: the item (without its body) to the writer's stream, then release the hold."""
        run = self._run()
        request = _request_of(response)
        fetch_key = f"{run.run_id}:{fingerprint(request).hex()}" if request is not None else None
        carried = replace(item, body=b"", size=len(item.body) if item.status is not None else None, fetch_key=fetch_key)
        send(self.server, self.portal, {"type": "page", "run": run.run_id, "worker": self.worker_id, "item": carried})
        run.counts["sent_to_writer"] += 1
        release(self.server, request)

    def item_done_without_store(self, item, response, spider=None, **kwargs):
        # Dropped (unchanged since an earlier crawl) or failed in a pipeline: nothing to send.
        release(self.server, _request_of(response))

    # -- liveness ------------------------------------------------------------------
    def opened(self, spider):
        self.portal = spider.portal.name
        # The same queue the scheduler uses, to give held requests back to.
        self.queue = PriorityQueue(self.server, spider, keys.requests(self.portal))
        self._heartbeat()
        self._beat = LoopingCall(self._heartbeat)
        self._beat.start(max(0.2, self.ttl_ms / 3000), now=False)

    def _heartbeat(self) -> None:
        self.server.set(keys.alive(self.portal, self.worker_id), str(time.time()), px=self.ttl_ms)
        self.server.hset(keys.workers(self.portal), self.worker_id, str(time.time()))

    def idle(self, spider):
        """Close only when the whole crawl is done: nothing queued, nothing held by any worker."""
        if self.server.zcard(keys.requests(self.portal)):
            raise DontCloseSpider
        held = 0
        for key in self.server.scan_iter(match=keys.inflight_pattern(self.portal)):
            key = key.decode()
            worker = key.rsplit(":", 1)[-1]
            n = self.server.hlen(key)
            if not n:
                continue
            if worker == self.worker_id or not self.server.exists(keys.alive(self.portal, worker)):
                # Held by a dead worker, or by us though we are idle (its work ended without an item).
                if worker == self.worker_id:
                    self._count_attempts(key)
                back = requeue_inflight(self.server, self.queue, key)
                log.warning("gave back %d requests held by %s", back, "this worker" if worker == self.worker_id else f"dead worker {worker}")
            held += n
        if held:
            raise DontCloseSpider
        self.server.set(keys.finished(self.portal), self._run().run_id)

    def _count_attempts(self, key: str) -> None:
        for field in list(self.server.hkeys(key)):
            self.attempts[field] += 1
            if self.attempts[field] >= MAX_ATTEMPTS:
                log.error("giving up a request that ended without a result %d times", MAX_ATTEMPTS)
                self.server.hdel(key, field)
                self._run().counts["given_up"] += 1

    def closed(self, spider, reason):
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self.server.delete(keys.alive(self.portal, self.worker_id))
        self.server.hdel(keys.workers(self.portal), self.worker_id)


class ReleaseSkippedMiddleware:
    """Downloader middleware: a report page not fetched on purpose (``RevisitSkip``) yields no
    item, so its hold is released here."""

    def __init__(self, server):
        self.server = server

    @classmethod
    def from_crawler(cls, crawler):
        return cls(redis_for(crawler.settings))

    def process_exception(self, request, exception, spider=None):
        from govcrawl.crawl.revisit import RevisitSkip

        if isinstance(exception, RevisitSkip):
            release(self.server, request)
        return None
