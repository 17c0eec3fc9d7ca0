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
    assert search("行政复议") == [rid]
    store.db["reports"].update(rid, {"text": "行政诉讼三件"})
    assert search("行政复议") == [] and search("行政诉讼") == [rid]
    trigger = store.db.execute("select sql from sqlite_master where name = 'reports_au'").fetchone()[0]
    assert 'UPDATE OF "title", "text"' in trigger
    # a newer extractor's update that sets the same title and text (only its stats changed): no re-indexing
    conn = store.db.conn
    before = conn.total_changes
    conn.execute("update reports set title = title, text = text, stats_count = 7 where id = ?", [rid])
    assert conn.total_changes - before == 1  # the row itself; the trigger's two index writes did not run
    before = conn.total_changes
    conn.execute("update reports set text = '行政复议两件' where id = ?", [rid])
    assert conn.total_changes - before > 1 and search("行政复议") == [rid]  # re-indexed



def test_full_text_index_merges_lazily_and_finds_exactly_what_a_scan_finds(tmp_path):
    """The index lets 16 segments per level pile up before merging (cheaper per commit, Store._fts_automerge),
    set once in its config, also on a DB an older govcrawl made; searches still give exactly the rows
    a substring scan gives, after 120 one-report commits (as the crawl commits)."""
    import random

    from govcrawl.store.store import FTS_AUTOMERGE

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
