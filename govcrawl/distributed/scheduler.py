"""scrapy-redis' scheduler with a reliable pop: a request taken from the shared
queue is held in the worker's in-flight hash until its item reaches the writer.

scrapy-redis pops with ZRANGE + ZREMRANGEBYRANK: a worker killed after the pop
loses the request (and, through the shared dupefilter, every page behind it).
Here the pop and the hold are one Lua call, and the hold is released only when
the request's work is done (``worker.release``); what a dead worker held goes
back to the queue (``requeue_inflight``).
"""
from __future__ import annotations

import logging

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from . import keys

log = logging.getLogger(__name__)

# KEYS: queue zset, in-flight hash. Returns [field, encoded request] or nil.
_POP_AND_HOLD = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return nil end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local field = redis.sha1hex(r[1])
redis.call('HSET', KEYS[2], field, r[1])
return {field, r[1]}
"""
INFLIGHT_META = "govcrawl_inflight"  # request.meta: (hash key, field) of its hold


class ReliableScheduler(Scheduler):
    """Per-portal keys (the spider is ``portal`` for every portal) and held pops."""

    def open(self, spider):
        portal = spider.portal.name
        worker = spider.crawler.settings.get("GOVCRAWL_WORKER_ID")
        self.queue_key = keys.requests(portal)
        self.df = RFPDupeFilter(self.server, key=keys.dupefilter(portal),
                                debug=spider.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self.inflight_key = keys.inflight(portal, worker)
        self._pop = self.server.register_script(_POP_AND_HOLD)
        super().open(spider)
        # A restarted worker (same id) first gives back what its previous process held.
        back = requeue_inflight(self.server, self.queue, self.inflight_key)
        if back:
            log.info("put %d requests held by this worker's previous process back in the queue", back)

    def next_request(self):
        got = self._pop(keys=[self.queue_key, self.inflight_key])
        if not got:
            return None
        field, data = got
        request = self.queue._decode_request(data)
        request.meta[INFLIGHT_META] = (self.inflight_key, field.decode() if isinstance(field, bytes) else field)
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


def requeue_inflight(server, queue, inflight_key: str) -> int:
    """Move every request held under ``inflight_key`` back to ``queue``; returns how many."""
    moved = 0
    for field, data in server.hgetall(inflight_key).items():
        request = queue._decode_request(data)
        request.meta.pop(INFLIGHT_META, None)
        pipe = server.pipeline()  # MULTI: the request is in the queue or still held, never neither
        pipe.zadd(queue.key, {queue._encode_request(request): -request.priority})
        pipe.hdel(inflight_key, field)
        pipe.execute()
        moved += 1
    return moved
