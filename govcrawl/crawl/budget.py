"""Crawl budgets: a portal cannot hold a crawl forever, and a legitimate list is never cut short.

Two middlewares share one ``Budget`` per crawler (limits from budget.toml, overridden
per portal by ``[portal.budget]`` in portals.toml):

* ``BudgetSpiderMiddleware`` sees what every callback yields. A *list* is a column's first
  list page and every page reached from it by pagination (a list or API page requested from
  a list or API page). Pagination is not depth: pager requests keep their parent's link depth
  (Scrapy's DEPTH_LIMIT is off; ``max_nav_depth`` counts the other hops), and are queued in
  page order (decreasing priority), so a 100,000-page ``createPageHTML`` calendar is read
  from its first page on. Per list: at most ``max_list_pages`` pages and ``max_pager_depth``
  hops; once ``barren_list_pages`` list pages in a row brought no new report link, its pager
  links are no longer followed. Pager URLs are compared without the query parameters that
  never change a list (``ignore_query_params``, w3lib), so ever-changing cache busters do
  not make new pages.
* ``BudgetDownloaderMiddleware`` counts requests: past ``max_requests`` or ``max_seconds``
  for the portal nothing more is fetched, and queued pages of a stopped list are dropped.

Every stop is recorded once: a ``pages`` row whose reason starts with "crawl budget:" (the
summary lists them) and a stat ``govcrawl/budget/<kind>`` (runs.counts) — plus the number
of requests each stop left unfetched.
"""
from __future__ import annotations

import time
import tomllib
from importlib import resources
from dataclasses import dataclass, fields

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from w3lib.url import canonicalize_url, url_query_cleaner

from .revisit import RevisitSkip

# Package data through importlib.resources: also read from a zipped egg (Scrapyd).
_DEFAULTS_FILE = resources.files(__package__).joinpath("budget.toml")
_LIST_ROLES = ("list", "api")
_REPORT_ROLES = ("detail", "attachment")


@dataclass
class Limits:
    max_list_pages: int = 500
    max_pager_depth: int = 500
    barren_list_pages: int = 10
    max_nav_depth: int = 20
    max_requests: int = 50000
    max_seconds: int = 43200
    ignore_query_params: tuple = ()

    @classmethod
    def load(cls, overrides: dict | None = None) -> "Limits":
        raw = tomllib.loads(_DEFAULTS_FILE.read_text(encoding="utf-8"))
        raw.update(overrides or {})
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown crawl budget key(s) {sorted(unknown)} (known: {sorted(known)})")
        raw["ignore_query_params"] = tuple(p.lower() for p in raw.get("ignore_query_params", ()))
        return cls(**raw)


class BudgetSkip(RevisitSkip):
    """A request not fetched because a budget is spent (the stop itself is recorded once)."""

    def __init__(self, reason: str, url: str):
        super().__init__(f"crawl budget: {reason}", url)


class Budget:
    def __init__(self, crawler, limits: Limits):
        self.crawler = crawler
        self.limits = limits
        self.started = time.monotonic()
        self.requests = 0
        self.lists: dict[str, dict] = {}  # list root -> {"pages", "barren", "stopped"}
        self.seen_reports: set[str] = set()
        self.seen_lists: set[str] = set()
        self.stops: set[str] = set()  # portal-wide stops already recorded

    @classmethod
    def of(cls, crawler) -> "Budget":
        b = getattr(crawler, "_govcrawl_budget", None)
        if b is None:
            portal = getattr(crawler.spider, "portal", None)
            b = crawler._govcrawl_budget = cls(crawler, Limits.load(getattr(portal, "budget", None)))
        return b

    def stat(self, kind: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"govcrawl/budget/{kind}", n)

    def list_key(self, url: str) -> str:
        return canonicalize_url(url_query_cleaner(url, self.limits.ignore_query_params, remove=True, unique=False))

    def report_key(self, url: str) -> str:
        return canonicalize_url(url)


def _is_list_page(response, spider) -> bool:
    """A list or API page, a start page (read as a list) or the page a nav path leads to."""
    meta = response.meta
    if meta.get("role") in _LIST_ROLES or meta.get("start"):
        return True
    nav_path = getattr(getattr(spider, "portal", None), "nav_path", None)
    return bool(nav_path) and meta.get("role") == "nav" and meta.get("level", -1) >= len(nav_path)


def _record(spider, url: str, reason: str):
    from .items import FetchedPage

    return FetchedPage(url=url, role="list", portal=spider.portal.name, error=f"crawl budget: {reason}",
                       fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


class BudgetSpiderMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_output(self, response, result, spider=None):
        yield from self._filter(response, list(result), spider or self.crawler.spider)

    async def process_spider_output_async(self, response, result, spider=None):
        out = [x async for x in result]
        for x in self._filter(response, out, spider or self.crawler.spider):
            yield x

    def _filter(self, response, out: list, spider):
        b = Budget.of(self.crawler)
        lim = b.limits
        parent = response.meta
        from_list = _is_list_page(response, spider)
        root = parent.get("budget_list") if from_list else None
        if from_list and root is None:  # a start page or a nav path's last page: a list's first page
            root = b.list_key(response.url)
            b.seen_lists.add(root)
            b.lists.setdefault(root, {"pages": 1, "barren": 0, "stopped": None})
        # Does this page bring any report link not seen before in this crawl?
        new_reports = 0
        for x in out:
            if isinstance(x, Request) and x.meta.get("role") in _REPORT_ROLES:
                key = b.report_key(x.url)
                if key not in b.seen_reports:
                    b.seen_reports.add(key)
                    new_reports += 1
        state = b.lists.get(root) if root else None
        if state is not None:
            state["barren"] = 0 if new_reports else state["barren"] + 1
            if state["barren"] >= lim.barren_list_pages and not state["stopped"]:
                state["stopped"] = f"{state['barren']} list pages in a row without a new report link"
                if not state.get("recorded"):
                    state["recorded"] = True
                    b.stat("lists_stopped")
                    yield _record(spider, response.url, f"list {root}: {state['stopped']} (the last: this one); "
                                                        "its further pages not fetched")
        pager_index = 0
        for x in out:
            if not isinstance(x, Request):
                yield x
                continue
            role = x.meta.get("role")
            nav_depth = parent.get("budget_nav_depth", 0)
            if role in _LIST_ROLES and from_list and state is not None:  # pagination: same list, same depth
                x.meta["budget_nav_depth"] = nav_depth
                x.meta["budget_list"] = root
                x.meta["budget_pager_depth"] = parent.get("budget_pager_depth", 0) + 1
                key = b.list_key(x.url) if x.method == "GET" else None
                if key is not None and key in b.seen_lists:
                    b.stat("duplicate_list_pages")
                    continue
                why = self._list_refusal(b, state, x)
                if why:
                    if not state.get("recorded"):
                        state["recorded"] = True
                        b.stat("lists_stopped")
                        yield _record(spider, x.url, f"list {root}: {why}; its further pages not fetched")
                    b.stat("list_pages_not_fetched")
                    continue
                if key is not None:
                    b.seen_lists.add(key)
                state["pages"] += 1
                pager_index += 1
                x.priority = response.request.priority - pager_index  # page order, not LIFO
                yield x
                continue
            x.meta["budget_nav_depth"] = nav_depth + 1
            if x.meta["budget_nav_depth"] > lim.max_nav_depth:
                b.stat("nav_depth_not_fetched")
                if "nav_depth" not in b.stops:
                    b.stops.add("nav_depth")
                    yield _record(spider, x.url, f"link depth {x.meta['budget_nav_depth']} exceeds max_nav_depth "
                                                 f"{lim.max_nav_depth}; deeper links not followed")
                continue
            if role in _LIST_ROLES:  # a new list starts here
                x.meta["budget_pager_depth"] = 0
                key = b.list_key(x.url) if x.method == "GET" else x.url
                x.meta["budget_list"] = key
                if x.method == "GET":
                    if key in b.seen_lists:
                        continue
                    b.seen_lists.add(key)
                b.lists.setdefault(key, {"pages": 1, "barren": 0, "stopped": None})
            yield x

    @staticmethod
    def _list_refusal(b: Budget, state: dict, x: Request) -> str | None:
        """Why this pager request is not scheduled. A barren list is ``stopped`` (its queued pages
        are dropped too); a list at its size or depth limit is ``full`` (what is queued is fetched)."""
        lim = b.limits
        if state["stopped"] or state.get("full"):
            return state["stopped"] or state["full"]
        if state["pages"] >= lim.max_list_pages:
            state["full"] = f"max_list_pages {lim.max_list_pages} reached"
        elif x.meta["budget_pager_depth"] > lim.max_pager_depth:
            state["full"] = f"pager depth {x.meta['budget_pager_depth']} exceeds max_pager_depth {lim.max_pager_depth}"
        return state.get("full")


class BudgetDownloaderMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        b = Budget.of(self.crawler)
        lim = b.limits
        root = request.meta.get("budget_list")
        state = b.lists.get(root) if root else None
        if state and state["stopped"] and request.meta.get("budget_pager_depth", 0) > 0:
            b.stat("list_pages_not_fetched")  # queued before its list was stopped (recorded with the stop)
            raise BudgetSkip(state["stopped"], request.url)
        if request.meta.get("role") == "robots":
            return None
        for kind, spent, why in (
                ("requests", b.requests >= lim.max_requests, f"max_requests {lim.max_requests} for the portal reached"),
                ("seconds", time.monotonic() - b.started >= lim.max_seconds, f"max_seconds {lim.max_seconds} for the portal reached")):
            if spent:
                b.stat(f"{kind}_not_fetched")
                if kind not in b.stops:
                    b.stops.add(kind)
                    b.stat(f"{kind}_stop")
                    # Plain IgnoreRequest: the spider's errback records it (once) as a pages row.
                    raise IgnoreRequest(f"crawl budget: {why}; this and later requests not fetched")
                raise BudgetSkip(why, request.url)
        b.requests += 1
        return None
