"""The crawl's store stage (pipelines/store.py): items that queued up behind the writer thread
are committed together, and one that fails does not take the others with it."""
from __future__ import annotations

import hashlib
from collections import Counter
from types import SimpleNamespace

from govcrawl.crawl.items import FetchedPage
from govcrawl.crawl.spool import Spool
from govcrawl.pipelines.store import StorePipeline
from govcrawl.store import Store


class _Broken:
    """A document whose store write raises (stands for any bug in one item's write)."""
    is_report = property(lambda self: (_ for _ in ()).throw(RuntimeError("broken document")))


def _stage(tmp_path):
    store = Store(tmp_path / "g.db")
    store.start_run("r1", "crawl", "p")
    stage = StorePipeline.__new__(StorePipeline)
    stage.run = SimpleNamespace(run_id="r1", counts=Counter(), skipped=[], store=store)
    stage.store, stage.patience = store, 2.0
    stage.spool, stage._spooled, stage._last_busy = Spool(store.path), 0, 0.0
    return stage, store


def _page(n: int, doc=None) -> FetchedPage:
    body = f"<html>page {n}</html>".encode()
    item = FetchedPage(url=f"http://a.gov.cn/list_{n}.html", role="list", portal="p", status=200, body=body,
                       headers=[("Content-Type", "text/html")])
    item.canonical_url, item.sha256, item.doc = item.url, hashlib.sha256(body).hexdigest(), doc
    return item


def test_items_queued_behind_the_writer_share_one_commit(tmp_path):
    stage, store = _stage(tmp_path)
    begins = []
    begin = store._begin_immediate
    store._begin_immediate = lambda: (begins.append(1), begin())[1]
    items = [_page(i) for i in range(3)]
    assert stage._store_items(items) == items
    assert len(begins) == 1
    assert store.db.execute("select count(*) from pages where run_id = 'r1'").fetchone()[0] == 3
    assert stage.run.counts["pages_list"] == 3


def test_a_failing_item_fails_alone(tmp_path):
    stage, store = _stage(tmp_path)
    items = [_page(0), _page(1, doc=_Broken()), _page(2)]
    out = stage._store_items(items)
    assert out[0] is items[0] and out[2] is items[2]
    assert isinstance(out[1], RuntimeError) and "broken document" in str(out[1])
    urls = [r[0] for r in store.db.execute("select url from pages order by id")]
    assert urls == [items[0].url, items[2].url]  # the group was rolled back, then each written alone
    assert stage.run.counts["pages_list"] == 2  # counted once, when committed
