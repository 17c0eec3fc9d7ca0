"""The one generic spider: navigates any portal described in portals.toml.

It only navigates and yields items (one FetchedPage per response or failure);
the downloader archives every exchange (crawl/warcrecorder.py), the pipelines
extract and store them. Link and pagination rules live
in govcrawl.crawl.navigation, CMS list APIs in govcrawl.crawl.listsources.

    scrapy crawl portal -a portal=pingtan
    govcrawl crawl pingtan            # the same
"""
from __future__ import annotations

import heapq
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

import govcrawl
from govcrawl.crawl import discovery, listsources
from govcrawl.crawl import navigation as nav
from govcrawl.extract.decode import decode_bytes
from govcrawl.crawl.items import FetchedPage
from govcrawl.portals import get_portal
from govcrawl.crawl.robots import robots_failure_reason
from govcrawl.crawl.warcrecorder import warc_location


# Error responses reach the callbacks (to be archived and recorded); redirects
# do not, so RedirectMiddleware still follows them. 5xx are retried first.
_RECORDED_ERRORS = list(range(400, 600))
MAX_SITEMAPS = 50  # sitemaps followed per robots.txt or sitemap index


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portal: str | None = None, portals_file: str | None = None, start_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not portal:
            raise ValueError("give a portal: scrapy crawl portal -a portal=NAME")
        self._portal_name = portal
        self._portals_file = portals_file
        self._start_override = start_url
        # Discovery state: pages to visit (a heap), pages seen, requests spent, column found.
        self._discovery = {"frontier": [], "seen": set(), "requests": 0, "found": False, "columns_pending": 0, "column_ok": False,
                           "budget_said": False, "sitemap_probed": False}
        # Nav path state: requests under way, whether one reached the list level, the pages fetched
        # (2xx, by canonical URL: discovery reads them again instead of refetching) and the failed ones.
        self._nav = {"pending": 0, "reached": False, "pages": {}, "failed": set(), "fell_back": False, "requested": set()}
        self._robots_hosts: set[str] = set()  # hosts whose robots.txt the spider asked for (archived, reason recorded)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        portals_file = spider._portals_file or crawler.settings.get("GOVCRAWL_PORTALS")
        spider.portal = get_portal(spider._portal_name, portals_file)
        if spider._start_override:
            spider.portal.start_urls = [u for u in spider._start_override.split(",") if u]
        spider.allowed_domains = list(spider.portal.allowed_domains)
        # Which install runs (a checkout, a wheel, a Scrapyd egg): operators ask this first.
        spider.logger.info("govcrawl %s from %s", govcrawl.__version__, govcrawl.__path__[0])
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
        # robots.txt as a page row too: the robots middleware answers this request from its one
        # fetch (archived then, like every exchange), so the file is downloaded once per host.
        for url in self.portal.start_urls:
            req = self._robots_req(url)
            if req is not None:
                yield req
        for url in self.portal.start_urls:
            if self.portal.nav_path:
                yield self._nav_req(url, None, 0)
            else:
                key = nav.canonical(url)
                self._discovery["seen"].add(key)
                yield self._req(url, self.parse_discover, "nav", hops=0, start=True)

    def _robots_req(self, url: str, response=None) -> Request | None:
        """robots.txt of ``url``'s host, once per run: archived, and its reason recorded when it closes the host.
        The robots middleware answers it from its own (single) fetch; retrying its answer would loop."""
        netloc = urlsplit(url).netloc
        if netloc in self._robots_hosts:
            return None
        self._robots_hosts.add(netloc)
        return self._req(nav.site_root(url) + "/robots.txt", self.parse_robots, "robots", response,
                         dont_obey_robotstxt=True, dont_retry=True)

    def _nav_req(self, url: str, response, level: int) -> Request | None:
        key = nav.canonical(url)
        if key in self._nav["requested"]:
            return None  # two links of one level to the same page: one request (a dropped duplicate would never answer)
        req = self._req(url, self.parse_nav, "nav", response, level=level)
        if req is not None:
            self._nav["requested"].add(key)
            self._nav["pending"] += 1
        return req

    # -- items ----------------------------------------------------------------
    def _item(self, response, role: str) -> FetchedPage:
        redirects = response.meta.get("redirect_urls") or []
        warc, warc_date = warc_location(response)  # archived by the downloader (crawl/warcrecorder.py)
        return FetchedPage(
            url=response.url, role=role, portal=self.portal.name, status=response.status,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs],
            body=response.body, reason="", method=response.request.method,
            request_url=redirects[0] if redirects else None,
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None,
            depth=response.meta.get("depth", 0), fetched_at=warc_date or _now(), encoding_hint=self.portal.encoding,
            warc=warc,
        )

    def _ok(self, response) -> bool:
        return 200 <= response.status < 300

    def _html(self, response) -> str:
        text, _ = decode_bytes(response.body, response.headers.get("Content-Type", b"").decode("latin-1"), self.portal.encoding)
        return text

    def on_error(self, failure):
        from govcrawl.crawl.failures import describe_failure
        from govcrawl.crawl.revisit import RevisitSkip

        request = failure.request
        if request.callback == self.parse_nav:
            self._nav["pending"] -= 1
            self._nav["failed"].add(nav.canonical(request.url))
        if failure.check(RevisitSkip):  # not fetched on purpose (incremental crawl / resume): counted, not a failure
            return
        reason = describe_failure(failure, request)
        self.logger.info("fetch failed %s: %s", request.url, reason)
        yield FetchedPage(url=request.url, role=request.meta.get("role", "unknown"), portal=self.portal.name,
                          method=request.method, depth=request.meta.get("depth", 0), fetched_at=_now(),
                          error=reason)
        if reason.startswith("robots.txt") and "disallowed for this run" in reason:
            # A host closed by its robots.txt (RFC 9309), maybe one the crawl met only now (an attachment
            # host): its robots.txt row, with the reason, is recorded once.
            robots = self._robots_req(request.url)
            if robots is not None:
                yield robots
        if request.callback == self.parse_nav:
            yield from self._nav_fallback(f"nav path step {request.meta.get('level', 0)}: {request.url}: {reason}")
        elif request.callback == self.parse_discover:  # discovery goes on with the next section
            yield from self._next_candidate()
        elif request.callback == self.parse_column:
            d = self._discovery
            d["columns_pending"] -= 1
            if d["columns_pending"] <= 0 and not d["column_ok"]:
                d["found"] = False
                yield from self._next_candidate()

    # -- navigation -------------------------------------------------------------
    def parse_nav(self, response):
        """Follow the nav path one level; the page after the last level is a list."""
        level = response.meta["level"]
        self._nav["pending"] -= 1
        item = self._item(response, "nav" if level < len(self.portal.nav_path) else "list")
        if not self._ok(response):
            self._nav["failed"].add(nav.canonical(response.url))
            yield item
            yield from self._nav_fallback(f"nav path step {level}: {response.url} answered HTTP {response.status}")
            return
        self._nav["pages"][nav.canonical(response.url)] = response
        html = self._html(response)
        links = nav.extract_links(html, response.url)
        if level >= len(self.portal.nav_path):
            self._nav["reached"] = True
            yield item
            yield from self._list_requests(response, html, links)
            return
        pattern = self.portal.nav_regexes()[level]
        found = nav.nav_links(links, pattern)
        if not found:
            item.note = f"nav path step {level + 1} ({pattern.pattern}): no link matches on this page"
            self.logger.warning("nav level %d (%s): no link matches on %s", level + 1, pattern.pattern, response.url)
        yield item
        for link in found:
            req = self._nav_req(link.url, response, level + 1)
            if req is not None:
                yield req
        # (returns at once while other branches of the path are under way)
        yield from self._nav_fallback(f"nav path step {level + 1} ({pattern.pattern}): " + (
            f"no link matches on {response.url}" if not found else f"its links on {response.url} lead nowhere new"))

    def _nav_fallback(self, why: str):
        """The nav path led to no list page (a step matched nothing, or its page failed): discover the
        column from the home page instead, once. Pages the nav path fetched are read again, not refetched."""
        n = self._nav
        if n["fell_back"] or n["reached"] or n["pending"] > 0:
            return
        n["fell_back"] = True
        self.crawler.stats.set_value("govcrawl/nav_fallback", 1)
        self.crawler.stats.set_value("govcrawl/nav_fallback_reason", why)
        self.logger.warning("%s: the nav path leads to no list page; discovering the 年报 column from the home page", why)
        d = self._discovery
        d["seen"].update(n["failed"])
        for url in dict.fromkeys(nav.site_root(u) + "/" for u in self.portal.start_urls):
            key = nav.canonical(url)
            d["seen"].add(key)
            home = n["pages"].get(key)
            if home is not None:
                yield from self._discover_page(home, 0, True)
            else:
                req = self._req(url, self.parse_discover, "nav", hops=0, start=True)
                if req is not None:
                    yield req

    # -- discovery (no nav path; rules in govcrawl/crawl/discovery.toml) -------------------------------
    def parse_discover(self, response):
        """A start page or a section on the way to the 年报 column.

        Start pages are also read as lists (a portal may start at the column or a
        list). Candidates for the column's way are visited one at a time, best
        scored first, until a link to the column turns up or the budget is spent.
        """
        hops, start = response.meta["hops"], response.meta.get("start", False)
        yield self._item(response, "list" if start else "nav")
        yield from self._discover_page(response, hops, start)

    def _discover_page(self, response, hops: int, start: bool):
        if self._ok(response):
            html = self._html(response)
            links = nav.extract_links(html, response.url)
            if start:
                yield from self._list_requests(response, html, links)
            else:  # a section page: only links that read as report titles are report candidates
                yield from self._item_requests(response, [l for l in links if discovery.is_report_title(l)])
            columns = [l for l in links if discovery.is_column(l, self.portal.discovery_patterns, self.portal.detail_url_patterns)]
            columns = [l for l in columns if nav.canonical(l.url) not in self._discovery["seen"]]
            if columns:
                self._discovery["found"] = True
                self._discovery["columns_pending"] += len(columns)
                self._discovery["seen"].update(nav.canonical(l.url) for l in columns)
                self.logger.info("discovery: 年报 column found on %s: %s", response.url, ", ".join(l.url for l in columns))
                for link in columns:
                    yield self._req(link.url, self.parse_column, "list", response, hops=hops + 1)
            elif hops < self.portal.max_depth:
                for link in links:
                    score = discovery.section_score(link)
                    if score:
                        self._push_candidate(link.url, score, hops + 1)
        yield from self._next_candidate(response)

    def parse_column(self, response):
        """The 年报 column found by discovery: a list, whose year sub-columns are lists too."""
        yield self._item(response, "list")
        found = False
        if self._ok(response):
            html = self._html(response)
            links = nav.extract_links(html, response.url)
            for out in self._list_requests(response, html, links):
                found = found or (out is not None and out.meta.get("role") in ("detail", "attachment", "api"))
                yield out
            for link in links:
                if discovery.is_year_column(link):
                    found = True
                    yield self._req(link.url, self.parse_list, "list", response)
        d = self._discovery
        d["columns_pending"] -= 1
        d["column_ok"] = d["column_ok"] or found
        if d["columns_pending"] <= 0 and not d["column_ok"]:  # nothing there after all: go on looking
            self.logger.info("discovery: %s lists no report; looking further", response.url)
            d["found"] = False
            yield from self._next_candidate(response)

    def _push_candidate(self, url: str, score: int, hops: int) -> None:
        d = self._discovery
        key = nav.canonical(url)
        if key in d["seen"] or not nav.host_allowed(url, self.allowed_domains):
            return
        d["seen"].add(key)
        heapq.heappush(d["frontier"], discovery.Candidate(-score, len(d["seen"]), url, hops))

    def _next_candidate(self, response=None):
        """Request the best section not yet visited, unless the column is found or the budget spent."""
        d = self._discovery
        if d["found"]:
            return
        budget = self.portal.discovery_budget or discovery.rules()["max_requests"]
        while d["frontier"] and not d["found"]:
            if d["requests"] >= budget:
                if not d["budget_said"]:
                    d["budget_said"] = True
                    self.logger.warning("discovery: %d section pages fetched without finding the 年报 column; giving up", budget)
                return
            cand = heapq.heappop(d["frontier"])
            fetched = self._nav["pages"].get(nav.canonical(cand.url))
            if fetched is not None:  # the nav path fetched it already: read it again, no second request
                d["requests"] += 1
                yield from self._discover_page(fetched, cand.hops, False)
                return
            req = self._req(cand.url, self.parse_discover, "nav", response, hops=cand.hops)
            if req is not None:
                d["requests"] += 1
                yield req
                return
        if not d["found"] and not d["frontier"] and not d["sitemap_probed"]:
            # Sections exhausted: the sitemap is the last place to look (RFC 9309 robots.txt Sitemap lines are read anyway).
            d["sitemap_probed"] = True
            for root in dict.fromkeys(nav.site_root(u) for u in self.portal.start_urls):
                yield self._req(root + "/sitemap.xml", self.parse_sitemap, "list", response)

    def parse_list(self, response):
        yield self._item(response, "list")
        if self._ok(response):
            html = self._html(response)
            yield from self._list_requests(response, html, nav.extract_links(html, response.url))

    def _list_requests(self, response, html: str, links: list[nav.Link]):
        # List sources (govcrawl/crawl/listsources/): items hidden from //a[@href], and the CMS APIs
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
        if self._ok(response):
            # Sitemap lines: another source of candidate report URLs (Scrapy's SitemapSpider helpers).
            for url in list(sitemap_urls_from_robots(response.body, base_url=response.url))[:MAX_SITEMAPS]:
                self._discovery["sitemap_probed"] = True
                yield self._req(url, self.parse_sitemap, "list", response)

    def parse_sitemap(self, response):
        """A sitemap or sitemap index: 年报-column report URLs become candidates, columns lists."""
        yield self._item(response, "list")
        if not self._ok(response):
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, ValueError) as exc:
                self.logger.warning("unreadable sitemap %s: %s", response.url, exc)
                return
        try:
            sm = Sitemap(body)
        except Exception as exc:  # lxml refuses it: not a sitemap after all
            self.logger.warning("unreadable sitemap %s: %s", response.url, exc)
            return
        locs = [e.get("loc", "").strip() for e in sm if e.get("loc")]
        if sm.type == "sitemapindex":
            for url in locs[:MAX_SITEMAPS]:
                yield self._req(url, self.parse_sitemap, "list", response)
            return
        for url in locs:
            kind = discovery.sitemap_kind(url, self.portal.discovery_patterns, self.portal.detail_url_patterns)
            if kind == "detail":
                yield self._req(url, self.parse_detail, "detail", response)
            elif kind == "attachment":
                yield self._req(url, self.parse_attachment, "attachment", response)
            elif kind == "column":
                yield self._req(url, self.parse_list, "list", response)

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
