"""Per-host politeness shared by every worker: a lease set and a start interval in Redis.

Scrapy's own limits (CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY) hold per
process, so N workers would put N times the load on a portal. Before a request
goes to the downloader, this middleware takes a lease on its host: a member of
the host's sorted set, scored by its expiry. One Lua call drops expired leases,
then grants a lease only while fewer than ``limit`` are held *and* the host's
next start time has come, and moves that time ``delay`` on. The lease is given
back when the response (or error) comes back; one a killed worker never gave
back expires after DOWNLOAD_TIMEOUT plus a margin. A request that gets no lease
waits (without blocking the reactor) and asks again.

``limit`` is the portal's concurrent_requests_per_domain and ``delay`` its
download_delay (the same settings a single-machine crawl obeys).
"""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from . import keys

# KEYS: leases zset, next-start key. ARGV: now_ms, limit, delay_ms, lease_ttl_ms, token.
# Returns 0 when granted, else milliseconds to wait before asking again.
_ACQUIRE = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 50 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[5])
redis.call('SET', KEYS[2], now + tonumber(ARGV[3]), 'PX', tonumber(ARGV[3]) + 1000)
return 0
"""
LEASE_META = "govcrawl_host_lease"


class HostLeaseMiddleware:
    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server
        self._acquire = server.register_script(_ACQUIRE)
        s = crawler.settings
        self.lease_ttl_ms = int((s.getfloat("DOWNLOAD_TIMEOUT", 180) + 30) * 1000)

    @classmethod
    def from_crawler(cls, crawler):
        from .worker import redis_for

        return cls(crawler, redis_for(crawler.settings))

    def _limits(self) -> tuple[int, int]:
        s = self.crawler.settings  # the spider's per-portal politeness is applied to these already
        return max(1, s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2)), int(s.getfloat("DOWNLOAD_DELAY", 0) * 1000)

    async def process_request(self, request, spider=None):
        host = urlsplit(request.url).hostname or ""
        if not host or LEASE_META in request.meta:
            return None
        limit, delay_ms = self._limits()
        token = secrets.token_hex(8)
        while True:
            wait_ms = self._acquire(keys=[keys.host_leases(host), keys.host_next(host)],
                                    args=[int(time.time() * 1000), limit, delay_ms, self.lease_ttl_ms, token])
            if not wait_ms:
                break
            await maybe_deferred_to_future(deferLater(reactor, min(int(wait_ms), 1000) / 1000, lambda: None))
        request.meta[LEASE_META] = (host, token)
        portal = getattr(getattr(self.crawler, "spider", None), "portal", None)
        if portal is not None:
            self.server.hincrby(keys.host_counts(portal.name), host, 1)
        return None

    def _release(self, request) -> None:
        lease = request.meta.pop(LEASE_META, None)
        if lease:
            self.server.zrem(keys.host_leases(lease[0]), lease[1])

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
