"""Stage 3: run the shared extractor on report candidates (detail pages and attachments)."""
from __future__ import annotations

from urllib.parse import urlsplit

from govcrawl.extract import extract

from . import Stage


class ExtractPipeline(Stage):
    def process_item(self, item, spider=None):
        if item.role not in ("detail", "attachment") or item.status is None or not 200 <= item.status < 300:
            return item
        item.doc = extract(
            item.body, source=item.url, url=item.url, content_type=item.content_type,
            filename=urlsplit(item.url).path.rsplit("/", 1)[-1], encoding_hint=item.encoding_hint,
        )
        return item
