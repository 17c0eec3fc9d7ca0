"""Incremental crawls: what to do with a report page the DB already holds.

A downloader middleware (registered in govcrawl.settings). Nav and list pages
always go out: they are where new reports appear. For report candidates
(roles ``detail`` and ``attachment``) it looks the URL up in SQLite's ``pages``
table, which is the crawler's seen-set:

* already recorded in *this* run (a resumed crawl re-walking its lists): not
  requested again;
* otherwise, per the portal's ``revisit`` policy: ``conditional`` sends the
  stored ETag / Last-Modified and a 304 ends the request as unchanged (nothing
  archived as a revisit record), ``skip`` does not request it, ``always`` fetches it as new.

A page not fetched is replayed from the WARC archive instead: the spider
still sees it and follows its attachment links (an attachment the last crawl
missed is fetched now), while the dedup stage drops the item, so nothing is
archived twice. Only when the archived copy is unreadable does the request
end with ``RevisitSkip`` (an IgnoreRequest), which the spider's errback drops
silently: counted, not recorded as a failure.
"""
from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from ..archive import RecordLocation, read_record
from .navigation import canonical
from .warcrecorder import META, PRIOR_META

log = logging.getLogger(__name__)

REPORT_ROLES = ("detail", "attachment")


class RevisitSkip(IgnoreRequest):
    """A report page not fetched (again): already in this run, policy "skip", or 304."""

    def __init__(self, reason: str, url: str):
        super().__init__(f"{reason}: {url}")
        self.reason = reason


class RevisitMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _run(self):
        from ..pipelines import run_for  # the crawl's shared CrawlRun (store, counts)

        return run_for(self.crawler)

    def _count(self, key: str, role: str) -> None:
        self._run().counts[f"{key}_{role}"] += 1
        self.crawler.stats.inc_value(f"govcrawl/revisit/{key}")

    def process_request(self, request, spider=None):
        role = request.meta.get("role")
        if role not in REPORT_ROLES or request.method != "GET":
            return None
        run = self._run()
        key = canonical(request.url)
        # A pages row is written last, after the report (govcrawl/pipelines/store.py): its presence
        # means this URL was fully processed in this run, so a resumed crawl skips it.
        if run.store.page_in_run(key, run.run_id):
            self._count("resume_skipped", role)
            return self._replay(request, run.store.latest_page(key), "already fetched in this run")
        policy = getattr(getattr(self.crawler.spider, "portal", None), "revisit", "conditional")
        if policy == "always":
            return None
        prior = run.store.latest_page(key)
        if prior is None:
            return None
        if policy == "skip":
            self._count("revisit_skipped", role)
            return self._replay(request, prior, "already stored (revisit = skip)")
        # conditional: only what the server told us last time (no invented validators)
        if prior.get("etag") and b"If-None-Match" not in request.headers:
            request.headers["If-None-Match"] = prior["etag"]
        if prior.get("last_modified") and b"If-Modified-Since" not in request.headers:
            request.headers["If-Modified-Since"] = prior["last_modified"]
        request.meta["govcrawl_conditional"] = True
        if prior.get("warc_file"):  # a 304 is archived as a revisit of this record (crawl/warcrecorder.py)
            request.meta[PRIOR_META] = (prior["warc_file"], prior["warc_offset"], prior["warc_length"])
        return None

    def process_response(self, request, response, spider=None):
        if response.status == 304 and request.meta.get("govcrawl_conditional"):
            self._count("not_modified", request.meta.get("role", "detail"))
            return self._replay(request, self._run().store.latest_page(canonical(request.url)), "not modified since the last crawl (304)")
        return response

    def _replay(self, request, prior: dict | None, reason: str):
        """The archived copy of the page as a Response (nothing fetched), or RevisitSkip."""
        if not prior or not prior.get("warc_file"):
            raise RevisitSkip(reason, request.url)
        try:
            rec = read_record(self._run().archive_root, RecordLocation(prior["warc_file"], prior["warc_offset"], prior["warc_length"]))
        except (OSError, ValueError) as exc:
            log.warning("archived copy of %s unreadable (%s); not following its links", request.url, exc)
            raise RevisitSkip(reason, request.url) from None
        headers = Headers(rec.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=rec.body)
        request.meta["govcrawl_replayed"] = reason
        request.meta[META] = {"url": request.url, "loc": (rec.file, rec.offset, rec.length), "date": rec.warc_headers.get("WARC-Date")}
        return cls(url=request.url, status=rec.status or 200, headers=headers, body=rec.body, request=request)
