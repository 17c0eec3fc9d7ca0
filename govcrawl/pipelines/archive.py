"""Stage 2: append the raw response, headers and body, to the run's WARC file."""
from __future__ import annotations

from datetime import datetime

from . import Stage


class ArchivePipeline(Stage):
    def process_item(self, item, spider=None):
        if item.status is None:
            return item
        fetched = datetime.fromisoformat(item.fetched_at.replace("Z", "+00:00")) if item.fetched_at else None
        extra = {"WARC-Govcrawl-Role": item.role}
        if item.request_url and item.request_url != item.url:
            extra["WARC-Govcrawl-Redirected-From"] = item.request_url
        loc = self.run.archive.write_response(
            item.url, item.status, item.headers, item.body, reason=item.reason,
            fetched_at=fetched, request_method=item.method, extra=extra,
        )
        item.warc = (loc.file, loc.offset, loc.length)
        self.run.counts["warc_records"] += 1
        return item
