"""What a crawl set out to fetch, and a live progress bar of it.

Always on: counts the pages queued per role (``govcrawl/queued/<role>`` in the crawl
stats, so ``runs.counts``), once per page: retries and redirect hops of a queued page
are the same page. The end-of-run coverage table sets them beside what was fetched.

Only when ``GOVCRAWL_PROGRESS`` is set (``govcrawl crawl`` sets it when stderr is a
terminal): a rich progress bar with pages done/queued, reports, failures and an ETA.
Log lines keep going to stderr, above the bar.
"""
from __future__ import annotations

import logging
import sys

from scrapy import signals

from .runstatus import is_policy, reason_tag

REFRESH = 0.5  # seconds between bar updates


class CrawlProgress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.show = crawler.settings.getbool("GOVCRAWL_PROGRESS")
        self.done = self.reports = self.failed = 0
        self._bar = self._task = self._loop = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.item_done, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_done, signal=signals.item_dropped)
        if ext.show:
            crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def request_scheduled(self, request, spider=None):
        meta = request.meta
        if meta.get("retry_times") or meta.get("redirect_times"):
            return
        self.crawler.stats.inc_value(f"govcrawl/queued/{meta.get('role', 'other')}")

    def item_done(self, item, response=None, spider=None, exception=None):
        self.done += 1
        doc = getattr(item, "doc", None)
        if doc is not None and getattr(doc, "is_report", False):
            self.reports += 1
        tag = reason_tag(getattr(item, "error", None), getattr(item, "status", None))
        if tag and not is_policy(tag):  # as the run status counts them: robots.txt and scope are no failures
            self.failed += 1

    # -- the bar (one for all crawlers of the process: rich allows one live display) --------
    def spider_opened(self, spider):
        from twisted.internet import task

        bar = _Shared.acquire()
        if bar is None:
            return
        self._bar = bar
        portal = getattr(spider, "portal", None)
        self._task = bar.add_task(portal.name if portal is not None else spider.name, total=None, reports=0, failed=0)
        self._loop = task.LoopingCall(self.refresh)
        self._loop.start(REFRESH, now=True)

    def refresh(self):
        stats = self.crawler.stats.get_stats() or {}
        queued = sum(v for k, v in stats.items() if k.startswith("govcrawl/queued/"))
        if self._bar is not None:
            self._bar.update(self._task, total=max(queued, self.done) or None, completed=self.done,
                             reports=self.reports, failed=self.failed)

    def spider_closed(self, spider, reason=None):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._bar is not None:
            self.refresh()
            self._bar = None
            _Shared.release()


class _Shared:
    bar = None
    users = 0
    moved: list = []

    @classmethod
    def acquire(cls):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        if cls.bar is None:
            console = Console(stderr=True)
            if not console.is_terminal:
                return None
            cls.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                               TextColumn("pages · {task.fields[reports]} reports · {task.fields[failed]} failed"),
                               TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
                               redirect_stdout=False, redirect_stderr=True)
            original = sys.stderr
            cls.bar.start()
            # Scrapy's log handler holds the stderr it was made with: send it through rich, above the bar.
            for h in logging.getLogger().handlers:
                if type(h) is logging.StreamHandler and h.stream is original:
                    h.setStream(sys.stderr)
                    cls.moved.append(h)
        cls.users += 1
        return cls.bar

    @classmethod
    def release(cls):
        cls.users -= 1
        if cls.users <= 0 and cls.bar is not None:
            cls.bar.stop()
            for h in cls.moved:
                h.setStream(sys.stderr)
            cls.moved.clear()
            cls.bar, cls.users = None, 0
