"""Stage 4: write the page, and the report with its stats and checks, to SQLite."""
from __future__ import annotations

import logging

from govcrawl.extract import EXTRACTOR_VERSION

from . import Stage

log = logging.getLogger(__name__)


class StorePipeline(Stage):
    def process_item(self, item, spider=None):
        run = self.run
        doc = item.doc
        skip = None
        if item.error:
            skip = item.error
        elif item.status is not None and not 200 <= item.status < 300:
            skip = f"HTTP {item.status}"
        elif doc is not None and not doc.is_report:
            skip = doc.skip_reason or doc.error or "not an annual report"
        row = {
            "url": item.url, "canonical_url": item.canonical_url, "method": item.method, "status": item.status,
            "content_type": item.content_type, "fetched_at": item.fetched_at, "sha256": item.sha256,
            "size": len(item.body) if item.status is not None else None, "portal": item.portal,
            "run_id": run.run_id, "role": item.role, "referer": item.referer, "depth": item.depth,
            "etag": item.header("ETag"), "last_modified": item.header("Last-Modified"),
            "error": item.error or (doc.error if doc is not None else None), "skip_reason": skip,
        }
        if item.warc:
            row["warc_file"], row["warc_offset"], row["warc_length"] = item.warc
        if skip:
            run.counts["skipped"] += 1
            run.skipped.append((item.url, skip))
            log.info("skipped %s: %s", item.url, skip)
        elif doc is not None:
            rid, what = run.store.save_report(
                doc, url=item.url, canonical_url=item.canonical_url, input_sha256=item.sha256, portal=item.portal,
                kind="attachment" if item.role == "attachment" else "page", extractor_version=EXTRACTOR_VERSION,
                warc=item.warc,
            )
            row["report_id"] = rid
            run.counts[f"reports_{what}"] += 1
            if what != "unchanged":
                self._neardup().link(rid)
        # The page row goes in last: it marks this fetch as fully processed, which is what a
        # resumed crawl relies on (govcrawl/revisit.py). A kill before it only means a refetch.
        page_id = run.store.add_page(row)
        run.counts[f"pages_{item.role}"] += 1
        if row.get("report_id"):
            with run.store.db.conn:
                run.store.db.execute("update reports set page_id = ? where id = ? and page_id is null", [page_id, row["report_id"]])
        return item

    def _neardup(self):
        """The near-duplicate index (govcrawl/neardup.py), built once per crawl."""
        if getattr(self, "_index", None) is None:
            from govcrawl import neardup

            portal = getattr(self.crawler.spider, "portal", None)
            hosts = neardup.registry_hosts(self.crawler.settings.get("GOVCRAWL_PORTALS"))
            self._index = neardup.index_for(self.run.store, hosts | set(portal.allowed_domains if portal else ()))
        return self._index
