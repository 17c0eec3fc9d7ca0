"""Archiving at the downloader: every HTTP exchange goes to WARC as it arrives.

An extension on Scrapy's ``response_downloaded`` signal, which fires once per
response that came off the wire (never for a response a middleware made up, such
as a page replayed from the archive or robots.txt answered from the robots
middleware's one fetch). So 3xx answers, retried 5xx, robots.txt, POST API calls
(the body in the request record) and pages the spider later drops are all
archived, each exactly once, with the request headers as the downloader sent them.

Which record (govcrawl/archive/warc.py ``write_exchange``): a 304 to a conditional
GET is a server-not-modified ``revisit`` of the stored copy; a body this run (or a
killed run being resumed) already archived under the URL, or the same body as the
URL's stored copy from an earlier run, is an identical-payload-digest ``revisit``.
The location of the record holding the payload goes into ``request.meta["govcrawl_warc"]``
for the spider's item, so ``pages`` rows always point at a response record.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy import signals

from ..archive.warc import HttpRequest, RecordLocation, read_payload_info
from .navigation import canonical

log = logging.getLogger(__name__)

META = "govcrawl_warc"  # {"url", "loc": (file, offset, length), "date"} of the payload's record
PRIOR_META = "govcrawl_prior_warc"  # (file, offset, length) of the stored copy a conditional GET revalidates


def _text(raw: bytes) -> str:
    # warcio percent-encodes a non-ASCII value's UTF-8 bytes: decoding UTF-8 first keeps them the wire's bytes.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _headers(h) -> list[tuple[str, str]]:
    return [(_text(k), _text(v)) for k, vs in h.items() for v in vs]


def warc_location(response) -> tuple[tuple[str, int, int] | None, str | None]:
    """(location, WARC-Date) of the record holding this response's payload, if it was archived."""
    info = response.meta.get(META) if response.request is not None else None
    if not info or info.get("url") != response.url:  # e.g. left in meta by a 3xx before the redirect
        return None, None
    return tuple(info["loc"]), info["date"]


class WarcRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _run(self):
        from ..pipelines import run_for  # the crawl's shared run: its archive and store

        return run_for(self.crawler)

    def response_downloaded(self, response, request, spider=None):
        run = self._run()
        try:
            not_modified = prior = None
            prior_loc = request.meta.get(PRIOR_META)
            if response.status == 304 and prior_loc:
                not_modified = read_payload_info(run.archive_root, RecordLocation(*prior_loc))
            elif not 300 <= response.status < 400:  # (a redirect has no pages row)
                prior = self._prior(run, response.url)
            body = response.body
            ex = run.archive.write_exchange(
                response.url, response.status, _headers(response.headers), body,
                request=HttpRequest(request.method, _headers(request.headers), request.body or b""),
                protocol=response.protocol or "HTTP/1.1", fetched_at=datetime.now(timezone.utc),
                not_modified=not_modified, prior=prior,
                extra={"WARC-Govcrawl-Role": _role(request), **_ip(response)})
        except Exception as exc:  # a full disk must not pass silently, nor stop the crawl
            run.counts["warc_errors"] += 1
            log.error("could not archive %s: %s: %s", response.url, type(exc).__name__, exc)
            request.meta.pop(META, None)
            return
        run.counts["warc_exchanges"] += 1
        run.counts[f"warc_{ex.record_type}s"] += 1
        request.meta[META] = {"url": response.url, "loc": (ex.payload.file, ex.payload.offset, ex.payload.length), "date": ex.date}

    @staticmethod
    def _prior(run, url: str):
        """The URL's stored copy from an earlier crawl (its payload digest decides a revisit)."""
        store = run.store
        row = store.latest_archived_page(canonical(url))  # (a distributed worker asks Redis: distributed/worker.py)
        if not row or not row.get("warc_file"):
            return None
        try:
            return read_payload_info(run.archive_root, RecordLocation(row["warc_file"], row["warc_offset"], row["warc_length"]))
        except Exception:  # unreadable or gone: archive the body in full
            return None


def _role(request) -> str:
    if request.meta.get("role"):
        return request.meta["role"]
    # Scrapy's robots middleware fetches robots.txt with a request of its own (no role).
    return "robots" if urlsplit(request.url).path == "/robots.txt" else "unknown"


def _ip(response) -> dict[str, str]:
    ip = getattr(response, "ip_address", None)
    return {"WARC-IP-Address": str(ip)} if ip is not None else {}
