"""The one writer of a distributed crawl: Redis stream → the store, exactly once.

    govcrawl ingest --redis redis://HOST:6379/0 --db govcrawl.db [--until-done]

Workers append to one stream per portal (``govcrawl:<portal>:items``). The
writer reads them in a consumer group, writes each item through the same code
as a local crawl's store stage (``pipelines.store.record_fetch``) and
acknowledges a batch only after its rows are committed. A writer killed
mid-batch gets the unacknowledged entries again on restart (its pending list is
read first); an entry whose ``pages`` row is already there (its fetch key, the
run plus the request fingerprint, is on that row, which is written last) is
acknowledged without writing anything. So nothing is lost and nothing is
stored twice.

After each commit the writer publishes the page (hash, validators, WARC
location) to Redis, which is how workers dedup and revisit without a DB.
A crawl ends when a worker has found nothing queued and nothing held, no
worker is alive, and its stream is drained: the writer then closes the
``runs`` row and clears the crawl's queue and seen-set, so the next crawl of
that portal starts afresh.
"""
from __future__ import annotations

import itertools
import json
import logging
import pickle
import signal
import time
from collections import Counter
from dataclasses import dataclass, field

import redis

from govcrawl.extract import EXTRACTOR_VERSION
from govcrawl.crawl.runstatus import assess, describe
from govcrawl.store import Store

from . import keys

log = logging.getLogger(__name__)
CONSUMER = "ingest"  # one writer: a fixed name, so a restarted writer owns its predecessor's pending entries


@dataclass
class WriterRun:
    """What ``record_fetch`` needs of a run: the store, the run id, counts."""

    store: Store
    run_id: str
    portal: str
    counts: Counter = field(default_factory=Counter)
    skipped: list = field(default_factory=list)
    worker_status: dict = field(default_factory=dict)
    _index: object = None
    hosts: set = field(default_factory=set)

    def neardup(self):
        if self._index is None:
            from govcrawl.store import neardup

            self._index = neardup.index_for(self.store, self.hosts)
        return self._index


class Writer:
    def __init__(self, redis_url: str, db_path: str, portals_file: str | None = None, batch: int = 100, block_ms: int = 1000):
        self.server = redis.Redis.from_url(redis_url, socket_timeout=60, socket_connect_timeout=10, retry_on_timeout=True)
        self.server.ping()
        self.store = Store(db_path)
        self.portals_file = portals_file
        self.batch = batch
        self.block_ms = block_ms
        self.runs: dict[str, WriterRun] = {}
        self.counts: Counter = Counter()
        self._pending_done: set[str] = set()  # streams whose pending list has been read since start
        self._stop = False
        self._to_publish: list = []  # pages of the batch being written, published after its commit
        self.seen_active = False

    # -- the loop ----------------------------------------------------------------
    def stop(self, *_args) -> None:
        self._stop = True

    def run(self, until_done: bool = False, max_seconds: float | None = None) -> Counter:
        started = time.monotonic()
        self.publish_stored_pages()
        while not self._stop:
            portals = sorted(p.decode() for p in self.server.smembers(keys.ACTIVE))
            self.seen_active |= bool(portals)
            if not self._read_once(portals):
                for portal in portals:
                    self._maybe_finish(portal)
                if until_done and self.seen_active and not self.server.scard(keys.ACTIVE):
                    break
                if not portals:
                    time.sleep(self.block_ms / 1000)
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                break
        self.store.close()
        return self.counts

    def _read_once(self, portals: list[str]) -> bool:
        if not portals:
            return False
        streams = {}
        for portal in portals:
            stream = keys.items(portal)
            try:
                self.server.xgroup_create(stream, keys.STREAM_GROUP, id="0", mkstream=True)
            except redis.ResponseError as exc:  # BUSYGROUP: it exists
                if "BUSYGROUP" not in str(exc):
                    raise
            # First what this consumer was given and never acknowledged (a killed writer's batch).
            streams[stream] = ">" if stream in self._pending_done else "0"
        got = self.server.xreadgroup(keys.STREAM_GROUP, CONSUMER, streams, count=self.batch,
                                     block=None if "0" in streams.values() else self.block_ms)
        any_entries = False
        for stream, entries in got or []:
            stream = stream.decode()
            if not entries and streams[stream] == "0":
                self._pending_done.add(stream)
                continue
            if entries:
                any_entries = True
                self._write(stream.split(":")[1], stream, entries)
        return any_entries or "0" in streams.values()

    def _write(self, portal: str, stream: str, entries) -> None:
        from govcrawl.store import StoreBusy

        ids = []
        self._to_publish = []
        try:
            self._write_batch(portal, entries, ids)
        except StoreBusy as exc:  # another process holds the DB: nothing acknowledged, read again soon
            log.warning("DB busy (%s); %d stream entries wait", exc, len(entries))
            self._pending_done.discard(stream)
            self.runs.clear()  # counts of the rolled-back batch
            time.sleep(1)
            return
        # After the commit: an acknowledged entry is always in the DB.
        for args in self._to_publish:
            publish_page(self.server, *args[:3], report=args[3])
        self._to_publish = []
        self.server.xack(stream, keys.STREAM_GROUP, *ids)
        self.counts["acknowledged"] += len(ids)

    def _write_batch(self, portal: str, entries, ids: list) -> None:
        with self.store.transaction():
            for entry_id, fields in entries:
                ids.append(entry_id)
                if not fields:  # deleted from the stream meanwhile
                    continue
                message = pickle.loads(fields[b"m"])
                kind = message.get("type")
                if kind == "page":
                    self._page(portal, message)
                elif kind == "worker_closed":
                    self._worker_closed(portal, message)

    # -- messages ---------------------------------------------------------------
    def _run(self, portal: str, run_id: str) -> WriterRun:
        state = self.runs.get(run_id)
        if state is None:
            if not self.store.run_exists(run_id):
                self.store.start_run(run_id, "crawl", portal, {"distributed": True}, EXTRACTOR_VERSION)
            state = WriterRun(self.store, run_id, portal, Counter(self.store.run_counts(run_id)))
            from govcrawl.store import neardup
            from govcrawl.portals import PortalConfigError, get_portal

            state.hosts = neardup.registry_hosts(self.portals_file)
            try:
                state.hosts |= set(get_portal(portal, self.portals_file).allowed_domains)
            except PortalConfigError:
                pass  # a portal from another registry: its hosts are not known here
            self.runs[run_id] = state
        return state

    def _page(self, portal: str, message: dict) -> None:
        from govcrawl.pipelines.store import record_fetch

        item = message["item"]
        state = self._run(portal, message["run"])
        if item.fetch_key and self.store.page_by_fetch_key(item.fetch_key) is not None:
            self.counts["already_stored"] += 1  # delivered again after a writer restart, or fetched twice
        else:
            record_fetch(self.store, item, state.run_id, state.neardup)
            self.counts["pages"] += 1
        # Published once the batch is committed (``_write``): workers never see a page the DB may lose.
        self._to_publish.append((portal, state.run_id, item, bool(item.doc is not None and item.doc.is_report
                                                                  and not item.error)))

    def _worker_closed(self, portal: str, message: dict) -> None:
        state = self._run(portal, message["run"])
        for k, v in (message.get("counts") or {}).items():
            if isinstance(v, int) and not k.startswith("pages_") and not k.startswith("reports_"):
                state.counts[k] += v  # fetch-side counts; page and report counts are the writer's own
        state.worker_status[message["worker"]] = message.get("status")
        self.store.set_run_counts(state.run_id, dict(state.counts))

    # -- the end of a crawl ------------------------------------------------------
    def _maybe_finish(self, portal: str) -> None:
        raw = self.server.get(keys.run(portal))
        if raw is None:
            self.server.srem(keys.ACTIVE, portal)
            return
        run_id = raw.decode()
        if (self.server.get(keys.finished(portal)) or b"").decode() != run_id:
            return
        if any(True for _ in self.server.scan_iter(match=keys.alive(portal, "*"))):
            return  # a worker is still closing (its last message may not be in yet)
        stream = keys.items(portal)
        for group in self.server.xinfo_groups(stream) if self.server.exists(stream) else []:
            if group["name"].decode() == keys.STREAM_GROUP and (group["pending"] or group.get("lag")):
                return
        state = self._run(portal, run_id)
        counts = dict(state.counts)
        counts.update({f"pages_{role}": n for role, n in self.store.page_counts_by_role(run_id).items()})
        # The crawl ran to its end (queue empty, nothing held), whatever happened to single workers
        # (a killed one's requests were given back): judge it as a local crawl is judged.
        outcome = assess(self.store.db, run_id, counts, "finished")
        if outcome.status != "finished":
            counts["status_detail"] = describe(outcome)
            counts["failed_pages"] = dict(outcome.failures)
        self.store.finish_run(run_id, counts, outcome.status)
        # The crawl is over: its queue, seen-set and bookkeeping go; the next crawl starts a new run.
        self.server.delete(keys.run(portal), keys.finished(portal), keys.dupefilter(portal), keys.requests(portal),
                           keys.run_pages(portal, run_id), stream, keys.workers(portal), keys.host_counts(portal))
        self.server.srem(keys.ACTIVE, portal)
        self._pending_done.discard(stream)
        self.runs.pop(run_id, None)
        log.info("crawl of %s ended: run %s %s", portal, run_id, describe(outcome))
        self.counts["runs_finished"] += 1

    # -- what workers know of the DB ------------------------------------------------
    def publish_stored_pages(self) -> None:
        """Give workers what the DB holds: the latest 2xx page per URL (conditional GETs) and every
        (URL, body) seen (dedup across crawls), as a local crawl reads them from its DB."""
        entries = itertools.chain(
            ((keys.PAGES, r["canonical_url"], _page_json(r)) for r in self.store.iter_latest_pages()),
            ((keys.ARCHIVED, r["canonical_url"], _archived_json(r["warc_file"], r["warc_offset"], r["warc_length"]))
             for r in self.store.iter_latest_archived_pages()),
            ((keys.SEEN, keys.seen_field(r["canonical_url"], r["sha256"]), _seen_json(r["status"], r["report"]))
             for r in self.store.iter_seen_pages()))
        pipe = self.server.pipeline(transaction=False)
        for n, (key, name, value) in enumerate(entries, 1):
            pipe.hset(key, name, value)
            if n % 1000 == 0:
                pipe.execute()
        pipe.execute()


def _page_json(row: dict) -> str:
    return json.dumps({k: row.get(k) for k in ("sha256", "status", "etag", "last_modified", "warc_file",
                                                 "warc_offset", "warc_length", "run_id")})


def _archived_json(file, offset, length) -> str:
    return json.dumps({"warc_file": file, "warc_offset": offset, "warc_length": length})


def _seen_json(status: int | None, report: bool) -> str:
    return json.dumps({"status": status, "report": bool(report)})


def publish_page(server: redis.Redis, portal: str, run_id: str, item, report: bool = False) -> None:
    if item.canonical_url is None:
        return
    pipe = server.pipeline(transaction=False)
    pipe.sadd(keys.run_pages(portal, run_id), item.canonical_url)
    if item.sha256 is not None:
        field = keys.seen_field(item.canonical_url, item.sha256)
        if report:
            pipe.hset(keys.SEEN, field, _seen_json(item.status, True))
        else:  # never turn a (URL, body) that made a report into one that did not
            pipe.hsetnx(keys.SEEN, field, _seen_json(item.status, False))
    if item.warc:
        pipe.hset(keys.ARCHIVED, item.canonical_url, _archived_json(*item.warc))
    if item.status is not None and 200 <= item.status < 300:
        warc = item.warc or (None, None, None)
        pipe.hset(keys.PAGES, item.canonical_url, _page_json({
            "sha256": item.sha256, "status": item.status, "etag": item.header("ETag"),
            "last_modified": item.header("Last-Modified"), "warc_file": warc[0], "warc_offset": warc[1],
            "warc_length": warc[2], "run_id": run_id}))
    pipe.execute()


def ingest(redis_url: str, db_path: str, portals_file: str | None = None, until_done: bool = False) -> Counter:
    writer = Writer(redis_url, db_path, portals_file)
    signal.signal(signal.SIGTERM, writer.stop)
    try:
        return writer.run(until_done=until_done)
    except KeyboardInterrupt:
        return writer.counts
