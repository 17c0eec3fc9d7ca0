"""The Scrapy settings that turn a crawl into one worker of a distributed crawl."""
from __future__ import annotations

import re

from scrapy.settings import Settings

_WORKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]{0,40}$")  # no "-": it separates run and worker in WARC names


def check_worker_id(worker_id: str) -> str:
    if not _WORKER_ID.match(worker_id or ""):
        raise ValueError(f"worker id {worker_id!r}: use letters, digits, '_' or '.' (it goes into WARC file names)")
    return worker_id


def worker_overrides(base: Settings, redis_url: str, worker_id: str) -> dict:
    """Settings for a worker, on top of the single-machine ones in ``base``."""
    pipelines = dict(base.getdict("ITEM_PIPELINES"))
    # The store stage is the writer's (govcrawl ingest); items leave through WorkerLifecycle.item_scraped.
    pipelines = {k: v for k, v in pipelines.items() if not k.endswith("StorePipeline")}
    return {
        "REDIS_URL": redis_url,
        "GOVCRAWL_WORKER_ID": check_worker_id(worker_id),
        "GOVCRAWL_RUN_CLASS": "govcrawl.distributed.worker.WorkerRun",
        "SCHEDULER": "govcrawl.distributed.scheduler.ReliableScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_PERSIST": True,  # the queue and seen-set outlive any one worker
        "ITEM_PIPELINES": pipelines,
        "DOWNLOADER_MIDDLEWARES": {**base.getdict("DOWNLOADER_MIDDLEWARES"),
                                   # last before the download handler: a lease covers the download only
                                   "govcrawl.distributed.politeness.HostLeaseMiddleware": 990,
                                   "govcrawl.distributed.worker.ReleaseSkippedMiddleware": 45},
        "SPIDER_MIDDLEWARES": {**base.getdict("SPIDER_MIDDLEWARES"),
                               "govcrawl.distributed.worker.ItemsLastMiddleware": 10},
        "EXTENSIONS": {**base.getdict("EXTENSIONS"), "govcrawl.distributed.worker.WorkerLifecycle": 0},
    }
