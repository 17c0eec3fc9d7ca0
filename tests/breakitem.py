"""Test-only: make the store stage's write of one item fail (tests/crawl/test_store_groups.py).

Registered only by that test (via -s ITEM_PIPELINES), between the extract and store stages;
never part of a real crawl. ``GOVCRAWL_TEST_BREAK=<url suffix>`` picks the item: its page row
gets a value SQLite cannot bind, so the write fails after the report, its statistics and checks
are written, as a bug or a bad value in one item would.
"""
from __future__ import annotations

import os

_SUFFIX = os.environ.get("GOVCRAWL_TEST_BREAK", "")


class BreakOneItem:
    def process_item(self, item, spider=None):
        if _SUFFIX and item.url.endswith(_SUFFIX):
            item.depth = object()  # not a type sqlite3 can bind: the pages row insert raises
        return item
