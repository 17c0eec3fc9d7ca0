"""The SQLite store: report versions, exact duplicates, the full-text index."""
from __future__ import annotations

import sqlite3

from govcrawl.extract.model import Check, Document, Stat
from govcrawl.store import Store


def _doc(text: str, n: int = 3) -> Document:
    # Synthetic document: only the store's bookkeeping is under test here.
    return Document(title="沈河区2016年度政府信息公开工作报告", year=2016, text=text, is_report=True,
                    stats=[Stat(key="apply.new.total", value=n, source="prose", evidence=f"收到申请{n}件")],
                    checks=[Check(rule="apply.balance.total", expected=1, stated=2)])


def _save(store, doc, url="http://a.gov.cn/t1.html", sha="s1", version="v1"):
    return store.save_report(doc, url=url, canonical_url=url, input_sha256=sha, portal="p", kind="page", extractor_version=version)


def test_same_input_same_extractor_is_unchanged():
    store = Store(":memory:")
    assert _save(store, _doc("甲"))[1] == "new"
    assert _save(store, _doc("甲"))[1] == "unchanged"
    assert store.db["reports"].count == 1
    assert store.db["stats"].count == 1 and store.db["checks"].count == 1


def test_changed_content_is_a_linked_new_version():
    store = Store(":memory:")
    first, _ = _save(store, _doc("甲"))
    second, what = _save(store, _doc("乙", 5), sha="s2")
    assert what == "new_version"
    old, new = store.db["reports"].get(first), store.db["reports"].get(second)
    assert old["superseded_by"] == second and new["previous_version_id"] == first and new["version"] == 2
    # stats belong to their version
    assert [r["value"] for r in store.db.query("select value from stats where report_id = ?", [second])] == [5]


def test_same_text_elsewhere_is_an_exact_duplicate():
    store = Store(":memory:")
    first, _ = _save(store, _doc("同一份报告"))
    second, _ = _save(store, _doc("同一份报告"), url="http://mirror.example.com/x.html", sha="s9")
    row = store.db["reports"].get(second)
    assert row["duplicate_of"] == first and row["duplicate_kind"] == "exact"


def test_full_text_index_follows_text_changes_only():
    store = Store(":memory:")
    rid, _ = _save(store, _doc("因政府信息公开申请提起行政复议零件"))
    search = lambda q: [r["rowid"] for r in store.db.query("select rowid from reports_fts where reports_fts match ?", [q])]
    pending = lambda: [r[0] for r in store.db.execute("select rowid from reports_fts_pending")]
    assert search("行政复议") == [rid] and pending() == []  # indexed when the save committed
    with store.transaction():
        store.db.execute("update reports set text = '行政诉讼三件' where id = ?", [rid])
        assert pending() == [rid] and search("行政复议") == [rid]  # noted; the index follows at the commit
    assert pending() == [] and search("行政复议") == [] and search("行政诉讼") == [rid]
    trigger = store.db.execute("select sql from sqlite_master where name = 'reports_au'").fetchone()[0]
    assert 'UPDATE OF "title", "text"' in trigger
    # a newer extractor's update that sets the same title and text (only its stats changed): no re-indexing
    with store.transaction():
        store.db.execute("update reports set title = title, text = text, stats_count = 7 where id = ?", [rid])
        assert pending() == []
    with store.transaction():
        store.db.execute("update reports set text = '行政复议两件' where id = ?", [rid])
    assert search("行政复议") == [rid] and search("行政诉讼") == []  # re-indexed
    with store.transaction():
        store.db.execute("delete from stats where report_id = ?", [rid])
        store.db.execute("delete from checks where report_id = ?", [rid])
        store.db.execute("delete from reports where id = ?", [rid])
    assert search("行政复议") == [] and store.db.execute("select count(*) from reports_fts_data").fetchone()[0] > 0
    assert store.db.execute("insert into reports_fts (reports_fts, rank) values ('integrity-check', 1)")  # raises if not in sync


def test_search_is_exact_for_rows_another_program_changed(tmp_path):
    """Rows written by another program (here: plain sqlite3) are noted as not indexed until the next govcrawl
    write; views.search and the canned search query scan their text instead, for 2- and 3+-character queries,
    and give what a substring scan gives. The next Store brings the index up to date."""
    from govcrawl.store import views

    path = tmp_path / "g.db"
    store = Store(path)
    a, _ = _save(store, _doc("本年度收到行政复议申请两件"))
    b, _ = _save(store, _doc("本年度未发生行政诉讼"), url="http://a.gov.cn/t2.html", sha="s2")
    store.close()
    conn = sqlite3.connect(path)
    with conn:  # a's text changes, a new report c comes in, b is deleted
        conn.execute("update reports set text = '本年度发生行政诉讼一件, 100%_办结' where id = ?", [a])
        c = conn.execute("insert into reports (canonical_url, title, text) values ('http://a.gov.cn/t3.html', "
                         "'某区2017年度政府信息公开工作报告', '收到行政复议申请一件')").lastrowid
        conn.execute("delete from reports where id = ?", [b])
    assert {r[0] for r in conn.execute("select rowid from reports_fts_pending")} == {a, b, c}

    def scan(q):
        return {r[0] for r in conn.execute("select id from reports where instr(title, ?) > 0 or instr(text, ?) > 0", [q, q])}

    def canned(q):
        return {r[0] for r in conn.execute(views.CANNED_QUERIES["search"]["sql"], {"q": q})}

    queries = {"行政复议": {c}, "行政诉讼": {a}, "复议": {c}, "诉讼": {a}, "2017": {c}, "100%_": {a}, "%_": {a}, "0%": {a}}
    for q, want in queries.items():
        how, _, rows = views.search(conn, q)
        assert how == ("fts" if len(q) >= 3 else "like")
        assert {r[0] for r in rows} == want == scan(q) == canned(q), q
    assert views.search(conn, "本年度发生行政诉讼一件, 100%_办")[2][0][0] == a
    conn.close()
    store = Store(path)  # flushes what the other program changed
    assert store.db.execute("select count(*) from reports_fts_pending").fetchone()[0] == 0
    fts = lambda q: {r[0] for r in store.db.execute("select rowid from reports_fts where reports_fts match ?", ['"' + q + '"'])}
    assert fts("行政复议") == {c} and fts("行政诉讼") == {a}
    for q, want in queries.items():
        assert {r[0] for r in views.search(store.db, q)[2]} == want, q
    store.close()


def test_output_fingerprint_is_dropped_by_any_write_of_the_output(tmp_path):
    """output_fingerprints lets record_document skip re-reading a report; a write of the report's output
    columns, stats or checks by anyone drops it, so a hand-edited row is rewritten by the next reparse."""
    from govcrawl.store.fingerprint import doc_fingerprint, stored_fingerprint

    path = tmp_path / "g.db"
    store = Store(path)
    doc = _doc("本年度收到申请三件")
    kw = dict(url="http://a.gov.cn/t1.html", canonical_url="http://a.gov.cn/t1.html", input_sha256="s1", portal="p",
              kind="page", warc=None)
    out = store.record_document(doc, extractor_version="v1", **kw)
    rid = out.report_id
    fp = lambda: store.db.execute("select sha256 from output_fingerprints where report_id = ?", [rid]).fetchone()
    assert out.what == "new" and fp() == (doc_fingerprint(doc),) == (stored_fingerprint(store.db, rid),)
    assert store.record_document(doc, extractor_version="v2", **kw).what == "unchanged"
    store.close()
    edits = ["update stats set value = 4 where report_id = {rid}", "delete from checks where report_id = {rid}",
             "insert into stats (report_id, key, value) values ({rid}, 'x', 1)", "update reports set year = 2015 where id = {rid}",
             "update reports set text = '改' where id = {rid}", "update checks set stated = 3 where report_id = {rid}"]
    for i, edit in enumerate(edits):
        conn = sqlite3.connect(path)
        with conn:
            conn.execute(edit.format(rid=rid))
        conn.close()
        store = Store(path)
        assert fp() is None, edit
        out = store.record_document(doc, extractor_version=f"v{i + 3}", **kw)
        assert out.what == "updated" and fp() == (doc_fingerprint(doc),) == (stored_fingerprint(store.db, rid),), edit
        store.close()
    store = Store(path)
    with store.transaction():  # what the output does not cover keeps it
        store.db.execute("update reports set duplicate_of = null, superseded_by = null, page_id = 9 where id = ?", [rid])
    assert fp() == (doc_fingerprint(doc),)
    with store.transaction():  # dropped, then computed again from the rows when asked
        store.db.execute("update reports set title = title where id = ?", [rid])
    assert fp() is None and store.record_document(doc, extractor_version="v99", **kw).what == "unchanged"
    assert fp() == (doc_fingerprint(doc),)
    store.close()


def test_full_text_index_merges_lazily_and_finds_exactly_what_a_scan_finds(tmp_path):
    """The index lets 16 segments per level pile up before merging (cheaper per commit, Store._fts_config),
    set once in its config, also on a DB an older govcrawl made; searches still give exactly the rows
    a substring scan gives, after 120 one-report commits (as the crawl commits)."""
    import random

    from govcrawl.store.store import FTS_CONFIG

    FTS_AUTOMERGE = FTS_CONFIG["automerge"]

    db = tmp_path / "g.db"
    store = Store(db)
    assert store.db.execute("select v from reports_fts_config where k = 'automerge'").fetchone() == (FTS_AUTOMERGE,)
    with store.db.conn:  # as an older govcrawl left it: FTS5's default
        store.db.execute("delete from reports_fts_config where k = 'automerge'")
    store.close()
    store = Store(db)
    assert store.db.execute("select v from reports_fts_config where k = 'automerge'").fetchone() == (FTS_AUTOMERGE,)
    rng = random.Random(7)
    words = ["行政复议", "行政诉讼", "依申请公开", "主动公开", "政府信息", "年度报告", "收费", "答复"]
    for i in range(120):  # SYNTHETIC texts
        with store.transaction():
            _save(store, _doc("".join(rng.choice(words) for _ in range(12))), url=f"http://a.gov.cn/t{i}.html", sha=f"s{i}")
    for q in ("行政复议", "依申请公开政府", "收费答复", "诉讼行政复议主动"):
        fts = {r[0] for r in store.db.execute("select rowid from reports_fts where reports_fts match ?", ['"' + q + '"'])}
        scan = {r[0] for r in store.db.execute("select id from reports where instr(title, ?) > 0 or instr(text, ?) > 0", [q, q])}
        assert fts == scan and scan, q

def test_nested_transactions_commit_once_and_roll_back_together(tmp_path):
    db = tmp_path / "g.db"
    store = Store(db)
    with store.transaction():
        _save(store, _doc("甲"))
        with store.transaction():  # joins the outer one: nothing committed yet
            _save(store, _doc("乙"), url="http://a.gov.cn/t2.html", sha="s2")
        reader = sqlite3.connect(db)  # another connection, as Datasette would read it
        assert reader.execute("select count(*) from reports").fetchone()[0] == 0
    assert reader.execute("select count(*) from reports").fetchone()[0] == 2
    reader.close()
    try:
        with store.transaction():
            _save(store, _doc("丙"), url="http://a.gov.cn/t3.html", sha="s3")
            with store.transaction():
                raise RuntimeError("a crash mid-batch")
    except RuntimeError:
        pass
    assert store.db["reports"].count == 2 and store.db["stats"].count == 2
    store.close()


def test_a_transaction_whose_first_write_goes_through_sqlite_utils_rolls_back_whole(tmp_path):
    # sqlite-utils' Database.execute commits a write at once when no transaction is open;
    # Store.transaction must already have one open, or that first write escapes a rollback.
    store = Store(tmp_path / "g.db")
    store.db.execute("create table t (x integer)")
    try:
        with store.transaction():
            store.db.execute("insert into t (x) values (1)")  # the block's first write
            store.db.conn.execute("insert into t (x) values (2)")
            raise RuntimeError("interrupted mid-batch")
    except RuntimeError:
        pass
    assert store.db.execute("select count(*) from t").fetchone()[0] == 0
    with store.transaction():
        store.db.execute("insert into t (x) values (3)")
    assert sqlite3.connect(tmp_path / "g.db").execute("select x from t").fetchall() == [(3,)]
    store.close()


def test_report_lookups_by_duplicate_of_use_an_index(tmp_path):
    # Near-duplicate relinking looks reports up by duplicate_of for every stored report;
    # without an index each lookup scanned the table, and a reparse slowed as the DB grew.
    store = Store(tmp_path / "g.db")
    plan = " ".join(r[3] for r in store.db.execute(
        "explain query plan select id from reports where duplicate_of = ? and superseded_by is null", [1]))
    assert "USING INDEX" in plan and "duplicate_of" in plan
    cols = [c.name for c in store.db["reports"].columns]
    assert cols[-1] == "text"  # the long text last: reading other columns skips its overflow pages
    store.close()


def test_linking_a_new_report_to_its_fetch_uses_an_index(tmp_path):
    # Every new report looks its fetches up by pages.report_id; without an index each lookup
    # scanned every page, a cost per report that grew with the crawl.
    from govcrawl.store.store import _SET_PAGE_ID_SQL

    store = Store(tmp_path / "g.db")
    plan = [r[3] for r in store.db.execute("explain query plan " + _SET_PAGE_ID_SQL, [1, 1, 1])]
    assert not any(step.startswith("SCAN pages") for step in plan), plan
    assert sum("pages USING COVERING INDEX idx_pages_report_id" in step for step in plan) == 2, plan
    store.close()


def test_archive_listing_round_trip_streams_and_reads_the_former_format(tmp_path):
    """A WARC file's listing comes back entry for entry, decompressed as it is read (small chunks
    here: lines and multi-byte characters cut between chunks), and a listing written as one JSON
    array (the former format) still reads."""
    import json
    import zlib

    from govcrawl.store.store import Listing

    entries = [[f"http://例子.gov.cn/{i}.html", None, "ab" * 32, "text/html", None, "portal", "page", ["a.warc.gz", i * 977, 977]]
               for i in range(500)]
    listing = Listing()
    for entry in entries:
        listing.add(entry)
    store = Store(tmp_path / "db.sqlite")
    store.keep_archive_listing("/root", "a.warc.gz", 123, 456, listing)
    assert list(store.archive_listing("/root", "a.warc.gz", 123, 456)) == entries
    assert store.archive_listing("/root", "a.warc.gz", 124, 456) is None  # the file changed since
    blob = store.db.execute("select entries from archive_listing").fetchone()[0]
    assert list(Listing.entries(blob, chunk=7)) == entries
    assert list(Listing.entries(Listing().blob())) == []
    former = zlib.compress(json.dumps(entries, ensure_ascii=False).encode("utf-8"))
    assert list(Listing.entries(former, chunk=7)) == entries
    assert list(Listing.entries(zlib.compress(b"[]"))) == []


def test_index_apart_from_another_thread_matches_the_index_per_transaction(tmp_path):
    """With ``index_apart`` (the crawl's store stage) transactions only note the rows; searches stay
    exact meanwhile; ``flush_fts_apart``, run in another thread over its own connection, leaves the
    same index as updating it in each transaction. The WAL checkpoints move with the index update."""
    import threading

    from govcrawl.store import views

    texts = ["本年度收到行政复议申请两件", "本年度未发生行政诉讼", "收到政府信息公开申请一百件", "主动公开政府信息三千条"]

    def build(path, apart):
        store = Store(path)
        store.index_apart = apart
        ids = [_save(store, _doc(t), url=f"http://a.gov.cn/t{i}.html", sha=f"s{i}")[0] for i, t in enumerate(texts)]
        with store.transaction():  # a text changes: the index must drop its old entries too
            store.db.execute("update reports set text = '本年度发生行政诉讼一件' where id = ?", [ids[1]])
        return store

    per_tx = build(tmp_path / "a.db", apart=False)
    apart = build(tmp_path / "b.db", apart=True)
    assert apart.db.execute("pragma wal_autocheckpoint").fetchone()[0] == 0  # its index connection checkpoints
    assert apart.fts_pending() == len(texts)
    queries = ["行政复议", "行政诉讼", "诉讼", "政府信息", "三千条"]
    for q in queries:  # exact before the index is up to date: pending rows are scanned
        assert views.search(apart.db, q)[2] == views.search(per_tx.db, q)[2], q
    worker = threading.Thread(target=apart.flush_fts_apart)
    worker.start()
    worker.join()
    assert apart.fts_pending() == 0
    match = lambda s, q: [r[0] for r in s.db.execute("select rowid from reports_fts where reports_fts match ? order by rowid", ['"' + q + '"'])]
    for q in queries:
        assert match(apart, q) == match(per_tx, q), q
    assert match(apart, "行政复议") == [1] and match(apart, "行政诉讼") == [2]
    apart.db.execute("insert into reports_fts (reports_fts, rank) values ('integrity-check', 1)")  # raises if out of sync
    apart.index_apart = False
    assert apart.db.execute("pragma wal_autocheckpoint").fetchone()[0] == 1000
    per_tx.close()
    apart.close()


def test_a_store_ends_another_stores_held_transaction_before_it_waits_for_the_lock(tmp_path):
    """``govcrawl crawl --all`` runs one crawl per portal in one reactor thread, each with its own
    Store on the same DB. One keeps its group's transaction open between reactor turns; another
    that waited for the write lock would hold up the thread that must commit it (the crawl
    hung). So it ends the held transaction first (its items are committed), then writes."""
    path = tmp_path / "g.db"
    a, b = Store(path), Store(path)
    ended = []
    tx = a.transaction()
    tx.__enter__()
    _save(a, _doc("甲"))

    def end():
        a.release_hold()
        tx.__exit__(None, None, None)
        ended.append(True)

    a.hold_open(end)
    b.write_patience = 1  # without the hand-off: StoreBusy after 1 s
    _save(b, _doc("乙"), url="http://a.gov.cn/t2.html", sha="s2")
    assert ended == [True]
    assert sqlite3.connect(path).execute("select count(*) from reports").fetchone()[0] == 2
    # The holder itself, and a Store of another file, are not affected.
    c = Store(tmp_path / "other.db")
    a.hold_open(lambda: ended.append("wrong"))
    _save(c, _doc("丙"))
    with a.transaction():
        pass
    assert ended == [True]
    for s in (a, b, c):
        s.close()
