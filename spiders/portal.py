"""The one generic spider: navigates any portal described in portals.toml.

It only navigates and yields items (one FetchedPage per response or failure);
the pipelines archive, extract and store them. Link and pagination rules live
in govcrawl.navigation, CMS list APIs in govcrawl.listsources.

    scrapy crawl portal -a portal=pingtan
    govcrawl crawl pingtan            # the same
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request

from govcrawl import navigation as nav
from govcrawl import listsources
from govcrawl.extract.decode import decode_bytes
from govcrawl.items import FetchedPage
from govcrawl.robots import robots_failure_reason
from govcrawl.portals import get_portal


# Error responses reach the callbacks (to be archived and recorded); redirects
# do not, so RedirectMiddleware still follows them. 5xx are retried first.
_RECORDED_ERRORS = list(range(400, 600))


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portal: str | None = None, portals_file: str | None = None, start_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not portal:
            raise ValueError("give a portal: scrapy crawl portal -a portal=NAME")
        self._portal_name = portal
        self._portals_file = portals_file
        self._start_override = start_url

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        portals_file = spider._portals_file or crawler.settings.get("GOVCRAWL_PORTALS")
        spider.portal = get_portal(spider._portal_name, portals_file)
        if spider._start_override:
            spider.portal.start_urls = [u for u in spider._start_override.split(",") if u]
        spider.allowed_domains = list(spider.portal.allowed_domains)
        # Per-portal politeness (settings are not frozen until the spider exists).
        pol = spider.portal.politeness
        mapping = {"download_delay": "DOWNLOAD_DELAY", "concurrent_requests_per_domain": "CONCURRENT_REQUESTS_PER_DOMAIN",
                   "autothrottle": "AUTOTHROTTLE_ENABLED", "obey_robots_txt": "ROBOTSTXT_OBEY"}
        for key, setting in mapping.items():
            if key in pol and not crawler.settings.frozen:
                crawler.settings.set(setting, pol[key], priority="spider")
        return spider

    # -- requests -----------------------------------------------------------
    def _req(self, url: str, callback, role: str, response=None, **meta) -> Request | None:
        if not nav.host_allowed(url, self.allowed_domains):
            self.crawler.stats.inc_value("govcrawl/offsite_links_ignored")
            self.logger.debug("not following off-domain link %s", url)
            return None
        meta.update(role=role, handle_httpstatus_list=_RECORDED_ERRORS)
        return Request(url, callback=callback, errback=self.on_error, meta=meta,
                       headers={"Referer": response.url} if response is not None else None)

    async def start(self):
        # robots.txt goes into the archive too (the robots middleware's own fetch
        # never reaches the pipelines); it is small and fetched once per host.
        for host_root in dict.fromkeys(nav.site_root(u) for u in self.portal.start_urls):
            # The robots middleware answers this from its own (single) fetch; retrying its answer would loop.
            req = self._req(host_root + "/robots.txt", self.parse_robots, "robots", dont_obey_robotstxt=True, dont_retry=True)
            if req is not None:
                yield req
        for url in self.portal.start_urls:
            if self.portal.nav_path:
                yield self._req(url, self.parse_nav, "nav", level=0)
            else:
                yield self._req(url, self.parse_discover, "nav", hops=0)

    # -- items ----------------------------------------------------------------
    def _item(self, response, role: str) -> FetchedPage:
        redirects = response.meta.get("redirect_urls") or []
        return FetchedPage(
            url=response.url, role=role, portal=self.portal.name, status=response.status,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs],
            body=response.body, reason="", method=response.request.method,
            request_url=redirects[0] if redirects else None,
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None,
            depth=response.meta.get("depth", 0), fetched_at=_now(), encoding_hint=self.portal.encoding,
        )

    def _ok(self, response) -> bool:
        return 200 <= response.status < 300

    def _html(self, response) -> str:
        text, _ = decode_bytes(response.body, response.headers.get("Content-Type", b"").decode("latin-1"), self.portal.encoding)
        return text

    def on_error(self, failure):
        from govcrawl.failures import describe_failure
        from govcrawl.revisit import RevisitSkip

        if failure.check(RevisitSkip):  # not fetched on purpose (incremental crawl / resume): counted, not a failure
            return
        request = failure.request
        reason = describe_failure(failure, request)
        self.logger.info("fetch failed %s: %s", request.url, reason)
        yield FetchedPage(url=request.url, role=request.meta.get("role", "unknown"), portal=self.portal.name,
                          method=request.method, depth=request.meta.get("depth", 0), fetched_at=_now(),
                          error=reason)

    # -- navigation -------------------------------------------------------------
    def parse_nav(self, response):
        """Follow the nav path one level; the page after the last level is a list."""
        level = response.meta["level"]
        yield self._item(response, "nav" if level < len(self.portal.nav_path) else "list")
        if not self._ok(response):
            return
        html = self._html(response)
        links = nav.extract_links(html, response.url)
        if level >= len(self.portal.nav_path):
            yield from self._list_requests(response, html, links)
            return
        pattern = self.portal.nav_regexes()[level]
        found = nav.nav_links(links, pattern)
        if not found:
            self.logger.warning("nav level %d (%s): no link matches on %s", level + 1, pattern.pattern, response.url)
        for link in found:
            yield self._req(link.url, self.parse_nav, "nav", response, level=level + 1)

    def parse_discover(self, response):
        """No nav path: treat the page as a list, and follow links that look like 年报 columns."""
        hops = response.meta["hops"]
        yield self._item(response, "list")
        if not self._ok(response):
            return
        html = self._html(response)
        links = nav.extract_links(html, response.url)
        yield from self._list_requests(response, html, links)
        if hops < self.portal.max_depth:
            for link in links:
                if nav.looks_like_column(link, self.portal.discovery_patterns) and not nav.is_detail(link, self.portal.detail_url_patterns):
                    yield self._req(link.url, self.parse_discover, "nav", response, hops=hops + 1)

    def parse_list(self, response):
        yield self._item(response, "list")
        if self._ok(response):
            html = self._html(response)
            yield from self._list_requests(response, html, nav.extract_links(html, response.url))

    def _list_requests(self, response, html: str, links: list[nav.Link]):
        # List sources (govcrawl/listsources/): items hidden from //a[@href], and the CMS APIs
        # that page through the rest of the column.
        found = [(src, src.find(html, response.url)) for src in listsources.sources()]
        for src, _ in found:
            links = links + src.inline_links(html, response.url)
        yield from self._item_requests(response, links)
        pages = nav.trs_pages(html, response.url) + nav.next_pages(links, response.url)
        pages += [l.url for l in links if nav.matches_any(l.url, self.portal.list_url_patterns)]
        for url in dict.fromkeys(pages):
            if url != response.url:
                yield self._req(url, self.parse_list, "list", response)
        for src, cfg in found:
            if cfg:
                yield from self._api_requests(src.NAME, cfg, response.url, src.requests(cfg, response.url))

    def _item_requests(self, response, links: list[nav.Link], trusted: bool = False):
        """Report candidates and attachments among a list's links (an API's items are all candidates)."""
        for link in links:
            if nav.is_attachment(link.url):
                yield self._req(link.url, self.parse_attachment, "attachment", response)
            elif trusted or nav.is_detail(link, self.portal.detail_url_patterns):
                yield self._req(link.url, self.parse_detail, "detail", response)

    def _api_requests(self, source: str, cfg: dict, list_url: str, specs):
        for spec in specs:
            if not nav.host_allowed(spec.url, self.allowed_domains):
                continue
            yield Request(spec.url, method=spec.method, body=spec.body, headers=spec.headers,
                          callback=self.parse_api, errback=self.on_error,
                          meta={"role": "api", "handle_httpstatus_list": _RECORDED_ERRORS, "list_url": list_url,
                                "list_source": source, "source_cfg": cfg})

    def parse_api(self, response):
        yield self._item(response, "api")
        if not self._ok(response):
            return
        list_url = response.meta.get("list_url") or response.url
        src = listsources.source(response.meta["list_source"])
        try:
            answer = src.parse(response.body, response.meta["source_cfg"], list_url)
        except listsources.ListSourceError as exc:
            self.logger.warning("unreadable %s list answer from %s: %s", src.NAME, response.url, exc)
            return
        # Links in an API answer may be relative to the list page, not to the API.
        yield from self._item_requests(response, answer.links, trusted=src.NAME == "trs-search")
        if answer.more:
            yield from self._api_requests(src.NAME, answer.cfg, list_url, answer.more)

    def parse_robots(self, response):
        item = self._item(response, "robots")
        # RFC 9309: a 5xx robots.txt closes the whole host for this run; said once, here.
        item.error = robots_failure_reason(response.status, urlsplit(response.url).netloc)
        yield item

    # -- documents ---------------------------------------------------------------
    def parse_detail(self, response):
        yield self._item(response, "detail")
        if not self._ok(response) or not _is_htmlish(response):
            return
        for link in nav.extract_links(self._html(response), response.url):
            if nav.is_attachment(link.url):
                yield self._req(link.url, self.parse_attachment, "attachment", response)

    def parse_attachment(self, response):
        yield self._item(response, "attachment")


def _is_htmlish(response) -> bool:
    ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return not ctype or "html" in ctype or "text" in ctype


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
