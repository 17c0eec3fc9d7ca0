"""Test-only fault injection for tests/crawl/test_resume.py: kill the crawl at a chosen point.

Registered only by that test (via -s ITEM_PIPELINES / DOWNLOADER_MIDDLEWARES);
never part of a real crawl. ``GOVCRAWL_TEST_KILL=<point>:<n>`` picks where:

  response:N   SIGKILL when the Nth report response arrives (requests in flight, nothing stored)
  archived:N   SIGKILL after the Nth item is archived, before it is extracted and stored
  torn:N       at the Nth archived item, write half of a WARC record, then SIGKILL (a torn write)
  stored:N     SIGKILL after the Nth item is fully stored
  sigint:N     SIGINT (Ctrl-C) after the Nth stored item: Scrapy's graceful stop
"""
from __future__ import annotations

import io
import os
import signal

from warcio.warcwriter import WARCWriter

_point, _, _n = os.environ.get("GOVCRAWL_TEST_KILL", ":").partition(":")
_N = int(_n) if _n else 0
_seen = 0
_fired = False


def _tick(point: str) -> bool:
    global _seen
    if point != _point:
        return False
    _seen += 1
    return _seen == _N


def _die(sig=signal.SIGKILL):
    os.kill(os.getpid(), sig)


class KillOnResponse:
    def process_response(self, request, response, spider=None):
        if request.meta.get("role") in ("detail", "attachment") and _tick("response"):
            _die()
        return response


class KillAfterArchive:
    @classmethod
    def from_crawler(cls, crawler):
        obj = cls()
        obj.crawler = crawler
        return obj

    def process_item(self, item, spider=None):
        if _point == "torn" and _tick("torn"):
            from govcrawl.pipelines import run_for

            archive = run_for(self.crawler).archive
            buf = io.BytesIO()
            w = WARCWriter(buf, gzip=True)
            w.write_record(w.create_warc_record("http://torn.invalid/", "resource", payload=io.BytesIO(b"x" * 5000),
                                                warc_content_type="text/plain"))
            data = buf.getvalue()
            archive._fh.write(data[: len(data) // 2])
            archive._fh.flush()
            _die()
        if _tick("archived"):
            _die()
        return item


class KillAfterStore:
    def process_item(self, item, spider=None):
        global _fired
        if _point == "sigint" and not _fired and _tick("sigint"):
            _fired = True
            _die(signal.SIGINT)
        elif _tick("stored"):
            _die()
        return item
