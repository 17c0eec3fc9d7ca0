"""robots.txt per RFC 9309, fetched once per host per run.

Scrapy's RobotsTxtMiddleware treats a robots.txt that fails or answers 5xx as
"allow everything". RFC 9309 §2.3.1.3-4 says otherwise: 4xx (unavailable) means
the crawler may access any resource, but a 5xx or an unreachable server means
*complete disallow*. This subclass applies that for the rest of the run, says so
once per host (the spider's robots.txt item carries the reason into ``pages``),
and answers the spider's own robots.txt request (archived like every response)
from the one fetch instead of downloading the file a second time.
"""
from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobots
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from .warcrecorder import META

logger = logging.getLogger(__name__)


class DisallowAll:
    """A robots parser that forbids every URL (robots.txt 5xx or unreachable)."""

    def __init__(self, reason: str):
        self.reason = reason

    def allowed(self, url, user_agent) -> bool:
        return False


class RobotsTxtMiddleware(_ScrapyRobots):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._answers: dict[str, object] = {}  # netloc -> the robots.txt Response, or the exception

    async def process_request(self, request, spider=None):
        if request.meta.get("role") == "robots":
            # The spider's own request for robots.txt: answer it from the middleware's one fetch.
            netloc = urlparse_cached(request).netloc
            await self.robot_parser(request)
            answer = self._answers.get(netloc)
            if isinstance(answer, Exception):
                raise IgnoreRequest(f"robots.txt unreachable ({type(answer).__name__}: {answer}): "
                                    f"every page of {netloc} is disallowed for this run (RFC 9309)")
            if answer is not None:
                # Archived once, when the middleware fetched it: the spider's item points at that record.
                if answer.request is not None and META in answer.request.meta:
                    request.meta[META] = answer.request.meta[META]
                return answer.replace(request=request)
            return None  # not fetched by us (robots.txt obeying is off for this request): download it
        return await super().process_request(request)

    def process_request_2(self, rp, request) -> None:
        if isinstance(rp, DisallowAll) and not request.meta.get("dont_obey_robotstxt"):
            self._stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest(f"Forbidden by robots.txt: {rp.reason}")
        super().process_request_2(rp, request)

    async def _parse_robots(self, response, netloc, request) -> None:
        self._answers[netloc] = response
        if 400 <= response.status < 500:
            # Unavailable: no restrictions (RFC 9309 §2.3.1.3). Not parsed: an error page is not a robots.txt.
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._settle(netloc, None)
            return
        if response.status >= 500:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            reason = f"robots.txt answered HTTP {response.status}: every page of {netloc} is disallowed for this run (RFC 9309)"
            logger.warning("%s", reason)
            self._settle(netloc, DisallowAll(reason))
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc) -> None:
        if isinstance(exc, IgnoreRequest):  # not fetched on purpose (scope guards): no answer, no restriction
            self._settle(netloc, None)
            return
        self._answers[netloc] = exc
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        # Scrapy has logged the failure (as a warning: govcrawl/crawl/failures.py); the refusal says why.
        self._settle(netloc, DisallowAll(f"robots.txt unreachable ({type(exc).__name__}): every page of {netloc} "
                                         "is disallowed for this run (RFC 9309)"))

    def _settle(self, netloc: str, parser) -> None:
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if hasattr(waiting, "callback"):
            waiting.callback(parser)


def robots_failure_reason(status: int | None, netloc: str) -> str | None:
    """The reason recorded on the robots.txt page row when its answer disallows the whole host."""
    if status is not None and status >= 500:
        return f"robots.txt answered HTTP {status}: every page of {netloc} is disallowed for this run (RFC 9309)"
    return None
