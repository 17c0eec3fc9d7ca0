"""Retry-After honoured: a 429 or 503 that says when to come back is retried no sooner.

Scrapy's RetryMiddleware retries at once. This one waits what the server asked for
(seconds or an HTTP date, RFC 9110 §10.2.3), capped by GOVCRAWL_RETRY_AFTER_MAX seconds
(default 120: a server asking for an hour is retried after the cap, and RETRY_TIMES still
ends it), then retries as Scrapy would. The wait holds only this request; the answer's
value is counted (``govcrawl/retry_after_waits``).
"""
from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware

HONOURED = (429, 503)


def retry_after_seconds(value: bytes | str | None, cap: float, now: float | None = None) -> float | None:
    """The wait a Retry-After header asks for, capped; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, min(seconds, cap))


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.cap = settings.getfloat("GOVCRAWL_RETRY_AFTER_MAX", 120.0)

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.stats = crawler.stats
        return mw

    async def process_response(self, request, response, spider=None):
        wait = None
        if response.status in HONOURED and not request.meta.get("dont_retry", False) and \
                request.meta.get("retry_times", 0) < request.meta.get("max_retry_times", self.max_retry_times):
            wait = retry_after_seconds(response.headers.get("Retry-After"), self.cap)
        if wait:
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            self.stats.inc_value("govcrawl/retry_after_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return super().process_response(request, response)
