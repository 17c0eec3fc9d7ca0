"""Scope and safety: the crawl never reaches outside a portal's allowed hosts.

Three layers, registered in govcrawl/settings.py:

* ``ScopeGuardMiddleware`` (downloader middleware, before everything else):
  refuses any request whose host is outside the portal's ``allowed_domains``,
  whose scheme is not http(s), or whose host resolves to a private, loopback,
  link-local or otherwise non-public address, unless the portal sets
  ``allow_private = true`` (only the local test portals do). The refusal
  reaches the spider's errback, so the URL and the reason land in ``pages``.
* ``RedirectGuardMiddleware`` (sees responses before Scrapy's redirect
  middlewares): a 3xx whose target is out of scope, or that loops back to a
  URL already in the chain, fails the request with that reason instead of
  being followed (Scrapy would otherwise drop such requests silently at the
  scheduler). An out-of-scope ``<meta http-equiv=refresh>`` is not followed.
  It also catches truncated gzip bodies (Scrapy would decode the prefix and
  carry on), retrying them like any other transient fault.
* ``ScopeAudit`` (extension): counts every request offered to the scheduler
  by host (stats ``govcrawl/scheduled/<host>``) and those out of scope
  (``govcrawl/scheduled_out_of_scope``, with a warning: the spider should never
  produce one). It does not drop them: ``ScopeGuardMiddleware`` refuses them at
  download time, where the refusal is recorded in ``pages``.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import zlib
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.downloadermiddlewares.retry import get_retry_request

from .navigation import canonical, host_allowed

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def _addresses(host: str) -> tuple[str, ...]:
    try:
        return tuple(sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}))
    except (OSError, UnicodeError):
        return ()  # unresolvable: the download fails with a DNS error of its own


def non_public_reason(host: str, addrs: tuple[str, ...] | list[str] | None = None) -> str | None:
    """Why ``host`` is not a public internet address (None if it is, or cannot be resolved).
    The connection itself is checked again, on the addresses it uses (govcrawl/crawl/ssrf.py)."""
    from .ssrf import address_refusal

    host = host.strip("[]").lower()
    if addrs is None:
        try:
            addrs = (str(ipaddress.ip_address(host)),)
        except ValueError:
            addrs = _addresses(host)
    for a in addrs:
        why = address_refusal(a)
        if why:
            return f"{host} resolves to {why}"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


class Scope:
    """What one portal may fetch."""

    def __init__(self, allowed_domains: list[str], allow_private: bool = False, ports: set[int] | None = None):
        self.allowed_domains = list(allowed_domains)
        self.allow_private = allow_private
        # Ports: 80, 443, those of the start URLs and those the portal lists (allowed_ports);
        # an allowed host's 6379 or 22 is not a web page.
        self.ports = {80, 443} | set(ports or ())
        if allow_private:
            from .ssrf import allow_private_hosts

            allow_private_hosts(self.allowed_domains)

    @classmethod
    def of(cls, spider) -> "Scope":
        portal = getattr(spider, "portal", None)
        ports = set(getattr(portal, "allowed_ports", None) or ())
        for u in getattr(portal, "start_urls", None) or ():
            try:
                ports.add(urlsplit(u).port or (443 if u.startswith("https:") else 80))
            except ValueError:
                pass
        return cls(getattr(spider, "allowed_domains", None) or (portal.allowed_domains if portal else []),
                   bool(getattr(portal, "allow_private", False)), ports)

    def refusal(self, url: str, resolve: bool = True) -> str | None:
        """None if ``url`` may be fetched, else why not (``resolve=False``: without a DNS lookup)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '(none)'!r} is not http(s)"
        host = (parts.hostname or "").lower()
        if not host:
            return "URL has no host"
        if not host_allowed(url, self.allowed_domains):
            return f"host {host} is outside the portal's allowed_domains {self.allowed_domains}"
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return "URL has an invalid port"
        if port not in self.ports:
            return f"port {port} is not 80/443, a start URL's port or one of the portal's allowed_ports"
        if not resolve:
            return None
        if not self.allow_private:
            why = non_public_reason(host)
            if why:
                return f"{why} (set allow_private = true only for a local test portal)"
        return None


class ScopeGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self._scope: Scope | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = Scope.of(self.crawler.spider)
        return self._scope

    async def process_request(self, request, spider=None):
        scope = self.scope
        why = scope.refusal(request.url, resolve=False)
        host = (urlsplit(request.url).hostname or "")
        if not why and not scope.allow_private:
            # An early check, through the crawl's own resolver (not the blocking system call):
            # the connection is checked again on the addresses it really uses (govcrawl/crawl/ssrf.py).
            if _is_ip(host):
                why = non_public_reason(host)
            else:
                addrs = await self._lookup(host)
                why = non_public_reason(host, addrs) if addrs else None
        if why:
            self.crawler.stats.inc_value("govcrawl/guard_refused")
            raise IgnoreRequest(f"scope guard: {why}")
        return None

    async def _lookup(self, host: str) -> list[str]:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        from .ssrf import GuardedResolver

        resolver = reactor.nameResolver
        if not isinstance(resolver, GuardedResolver):
            return list(_addresses(host))
        try:
            return await maybe_deferred_to_future(resolver.lookup(host))
        except Exception:  # unresolvable: the download fails with a DNS error of its own
            return []


class RedirectGuardMiddleware(ScopeGuardMiddleware):
    def process_request(self, request, spider=None):
        return None

    def process_response(self, request, response, spider=None):
        if 300 <= response.status < 400 and b"Location" in response.headers and not request.meta.get("dont_redirect"):
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1").strip())
            why = self.scope.refusal(target)
            if why:
                self.crawler.stats.inc_value("govcrawl/redirect_refused")
                raise IgnoreRequest(f"redirect {response.status} to {target} refused: {why}")
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if canonical(target) in {canonical(u) for u in chain}:
                self.crawler.stats.inc_value("govcrawl/redirect_loops")
                raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, target])}")
        elif response.status == 200 and b"refresh" in response.body[:4096].lower():
            self._check_meta_refresh(request, response)
        if _truncated_gzip(response):
            self.crawler.stats.inc_value("govcrawl/truncated_gzip")
            retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated gzip body")
            if retry is not None:
                return retry
            raise IgnoreRequest(f"truncated body: gzip stream ends early ({len(response.body)} compressed bytes received)")
        return response

    def _check_meta_refresh(self, request, response) -> None:
        from scrapy.http import HtmlResponse
        from scrapy.utils.response import get_meta_refresh

        if not isinstance(response, HtmlResponse):
            return
        _delay, url = get_meta_refresh(response)
        if url and self.scope.refusal(url):
            # The page itself is kept; its refresh target is simply not followed.
            request.meta["dont_redirect"] = True
            self.crawler.stats.inc_value("govcrawl/redirect_refused")
            log.info("not following meta refresh from %s to %s: %s", request.url, url, self.scope.refusal(url))


def _truncated_gzip(response, limit: int = 64 * 1024 * 1024) -> bool:
    encoding = response.headers.get(b"Content-Encoding", b"").lower()
    if encoding not in (b"gzip", b"x-gzip") or not response.body.startswith(b"\x1f\x8b"):
        return False
    # Only whether the stream ends matters: inflate in bounded steps and discard
    # the output. A bomb is left to Scrapy's DOWNLOAD_MAXSIZE check.
    d = zlib.decompressobj(wbits=31)
    data, produced = response.body, 0
    try:
        while data and not d.eof:
            produced += len(d.decompress(data, 1 << 16))
            if produced > limit:
                return False
            data = d.unconsumed_tail
    except zlib.error:
        return True
    return not d.eof


class ScopeAudit:
    """Counts what reaches the scheduler, by host, and what is out of scope."""

    def __init__(self, crawler):
        self.crawler = crawler
        self._scope: Scope | None = None
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def request_scheduled(self, request, spider=None):
        if self._scope is None:
            self._scope = Scope.of(self.crawler.spider)
        host = (urlsplit(request.url).hostname or "?").lower()
        self.crawler.stats.inc_value(f"govcrawl/scheduled/{host}")
        why = self._scope.refusal(request.url)
        if why:
            self.crawler.stats.inc_value("govcrawl/scheduled_out_of_scope")
            log.warning("out-of-scope request scheduled (the download guard will refuse it): %s: %s", request.url, why)
