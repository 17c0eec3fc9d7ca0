"""Stage 1: drop a response already stored unchanged (same canonical URL, same body sha256)."""
from __future__ import annotations

import hashlib

from scrapy.exceptions import DropItem

from govcrawl.crawl.navigation import canonical

from . import Stage


class DedupPipeline(Stage):
    def process_item(self, item, spider=None):
        item.canonical_url = canonical(item.url)
        if item.status is None:  # a failed fetch: nothing to dedup, always recorded
            return item
        item.sha256 = hashlib.sha256(item.body).hexdigest()
        prior = self.run.store.seen_page(item.canonical_url, item.sha256)
        if prior is not None:
            self.run.counts[f"unchanged_{item.role}"] += 1
            # What the unchanged page still is, for the run's status and coverage (govcrawl/crawl/runstatus.py)
            if item.status >= 400:
                self.run.counts[f"still_failing_HTTP {item.status}"] += 1
            elif prior["report_id"]:
                self.run.counts[f"still_report_{item.role}"] += 1
            raise DropItem(f"unchanged since an earlier crawl: {item.url}", log_level="DEBUG")
        return item
