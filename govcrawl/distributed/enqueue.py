"""Seed a distributed crawl without starting a worker (``govcrawl enqueue NAME…``).

The portal spider's own start requests (robots.txt, then the start URLs) go into
the portal's Redis queue through the same dupefilter the workers use, and the
crawl's run is opened, so ``govcrawl status`` shows it and the writer waits for
it. Workers started later (``crawl NAME --worker``) take from that queue; their
own start requests are then already seen and dropped. Enqueuing a portal whose
crawl is under way adds nothing.
"""
from __future__ import annotations

import asyncio

from scrapy.crawler import Crawler
from scrapy.spiderloader import SpiderLoader
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from govcrawl.portals import get_portal

from . import keys
from .settings import worker_overrides
from .worker import current_run_id, redis_for


async def _collect(gen) -> list:
    return [r async for r in gen]


def enqueue(portal: str, redis_url: str, *, portals_file: str | None = None, start_url: str | None = None) -> dict:
    """Queue ``portal``'s start requests; returns {"run": id, "queued": n new, "already_seen": n}."""
    from govcrawl.crawl.runner import crawl_settings

    get_portal(portal, portals_file)  # a config error before anything is written to Redis
    settings = crawl_settings(None, None, portals_file)
    for k, v in worker_overrides(settings, redis_url, "enqueue").items():
        settings.set(k, v, priority="cmdline")
    spidercls = SpiderLoader.from_settings(settings.frozencopy()).load("portal")
    kwargs = {"portal": portal, "portals_file": portals_file}
    if start_url:
        kwargs["start_url"] = start_url
    # A crawler that never runs: only to build the spider that names the requests' callbacks.
    crawler = Crawler(spidercls, settings)
    spider = crawler.spider = spidercls.from_crawler(crawler, **kwargs)
    server = redis_for(settings)
    queue = PriorityQueue(server, spider, keys.requests(portal))
    seen = RFPDupeFilter(server, key=keys.dupefilter(portal))
    run_id = current_run_id(server, portal)
    queued = already = 0
    for request in asyncio.run(_collect(spider.start())):
        if request is None:
            continue
        if not request.dont_filter and seen.request_seen(request):
            already += 1
            continue
        queue.push(request)
        queued += 1
    return {"run": run_id, "queued": queued, "already_seen": already}
