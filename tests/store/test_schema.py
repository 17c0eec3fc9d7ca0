"""An older DB is migrated (additive, with a backup); an incompatible one is refused and left untouched.

All DBs here are synthetic, built by the tests."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest
import sqlite_utils

from conftest import run_govcrawl

from govcrawl.extract.model import Document, Stat
from govcrawl.store import SCHEMA_VERSION, SchemaError, Store


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _v0_db(path):
    """A govcrawl DB from before schema versioning: no meta table, fewer columns."""
    db = sqlite_utils.Database(path)
    db["pages"].insert({"id": 1, "url": "http://a.gov.cn/1.html", "canonical_url": "http://a.gov.cn/1.html",
                        "status": 200, "sha256": "ab" * 32, "portal": "a"}, pk="id")
    db["reports"].insert({"id": 1, "url": "http://a.gov.cn/1.html", "canonical_url": "http://a.gov.cn/1.html",
                          "title": "示例2015年政府信息公开工作年度报告", "year": 2015, "text": "正文", "text_sha256": "cd" * 32},
                         pk="id")
    db["stats"].insert({"id": 1, "report_id": 1, "key": "apply.new.total", "value": 12.0}, pk="id")
    db.conn.close()


def test_v0_db_is_migrated_with_a_backup(tmp_path):
    path = tmp_path / "old.db"
    _v0_db(path)
    store = Store(path)
    assert store.migration_backup is not None
    backup = sqlite_utils.Database(store.migration_backup)
    assert set(backup.table_names()) == {"pages", "reports", "stats"}  # the old DB as it was
    assert backup.execute("select key, value from stats").fetchall() == [("apply.new.total", 12.0)]
    db = store.db
    assert db.execute("select value from meta where key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert db.execute("select value from meta where key = 'migrated_from'").fetchone()[0] == "0"
    assert {"etag", "skip_reason", "warc_file"} <= set(db["pages"].columns_dict)
    assert {"duplicate_of", "extractor_version"} <= set(db["reports"].columns_dict)
    # Old rows kept as they were; new rows go in.
    assert db.execute("select title, year from reports where id = 1").fetchone() == ("示例2015年政府信息公开工作年度报告", 2015)
    assert db.execute("select value from stats where id = 1").fetchone()[0] == 12
    doc = Document(title="示例2016年政府信息公开工作年度报告", year=2016, text="正文二", is_report=True,
                   stats=[Stat("apply.new.total", 3)])
    rid, what = store.save_report(doc, url="http://a.gov.cn/2.html", canonical_url="http://a.gov.cn/2.html",
                                  input_sha256="ef" * 32, portal="a", kind="page", extractor_version="1.test")
    assert what == "new" and store.db.execute("select count(*) from reports_fts where reports_fts match '2016'").fetchone()[0] == 1
    store.close()
    # Opening again changes nothing more.
    again = Store(path)
    assert again.migration_backup is None
    again.close()


def test_versioned_db_missing_a_column_gains_it(tmp_path):
    path = tmp_path / "v1.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("alter table pages drop column etag")  # as a DB written before the column existed
    conn.commit()
    conn.close()
    store = Store(path)
    assert "etag" in store.db["pages"].columns_dict and store.migration_backup is not None
    store.add_page({"url": "http://a.gov.cn/", "etag": '"x"'})
    store.close()


@pytest.mark.parametrize("make,message", [
    (lambda db: db["meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION + 1)}, pk="key"), "newer than this govcrawl"),
    (lambda db: db["users"].insert({"id": 1, "name": "x"}), "not a govcrawl DB"),
    (lambda db: (db["pages"].insert({"id": 1, "url": "u"}, pk="id"),
                 db["reports"].insert({"id": 1, "year": "二〇一五"}, pk="id", columns={"year": str})), "reports.year is TEXT"),
    (lambda db: db["meta"].insert({"key": "owner", "value": "someone else"}, pk="key"), "no schema_version"),
])
def test_incompatible_db_refused_and_untouched(tmp_path, make, message):
    path = tmp_path / "x.db"
    db = sqlite_utils.Database(path)
    make(db)
    db.conn.close()
    before = _sha(path)
    with pytest.raises(SchemaError, match=message):
        Store(path)
    assert _sha(path) == before
    assert not list(tmp_path.glob("*.bak"))


def test_not_sqlite_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库 (synthetic)\n" * 100, encoding="utf-8")
    before = _sha(path)
    with pytest.raises(SchemaError, match="not a"):
        Store(path)
    assert _sha(path) == before


def test_cli_refuses_with_a_message(tmp_path):
    path = tmp_path / "newer.db"
    sqlite_utils.Database(path)["meta"].insert({"key": "schema_version", "value": "99"}, pk="key")
    for args in (["export", "reports", "--db", str(path)],
                 ["crawl", "testportal", "--portals", "govcrawl/testing/portal/portal.toml", "--db", str(path),
                  "--archive", str(tmp_path / "a"), "--start-url", "http://127.0.0.1:9/index.html"]):
        proc = run_govcrawl(*args, check=False, timeout=60)
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert "schema version 99, newer than this govcrawl" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "a").exists()


def test_v2_db_gets_the_per_transaction_index_and_fingerprints(tmp_path):
    """A schema-2 DB (the full-text index updated by row triggers, no output_fingerprints) is migrated
    with a backup: the index it holds stays valid and follows later writes; searches find the same rows."""
    from govcrawl.store import views

    path = tmp_path / "v2.db"
    db = sqlite_utils.Database(path)
    db["meta"].insert({"key": "schema_version", "value": "2"}, pk="key")
    db["pages"].insert({"id": 1, "url": "u"}, pk="id")
    db["reports"].insert({"id": 1, "canonical_url": "http://a.gov.cn/1.html", "title": "示例2015年政府信息公开工作年度报告",
                          "year": 2015, "text": "收到行政复议申请两件"}, pk="id")
    db["reports"].enable_fts(["title", "text"], create_triggers=True, tokenize="trigram")  # as schema 2 had it
    db["reports"].update(1, {"text": "收到行政诉讼两件"})  # indexed by the old triggers
    db.conn.close()
    store = Store(path)
    assert store.migration_backup is not None
    assert store.db.execute("select value from meta where key = 'migrated_from'").fetchone()[0] == "2"
    assert {"output_fingerprints", "reports_fts_pending"} <= set(store.db.table_names())
    assert [r[0] for r in views.search(store.db, "行政诉讼")[2]] == [1] and views.search(store.db, "行政复议")[2] == []
    doc = Document(title="示例2016年政府信息公开工作年度报告", year=2016, text="收到行政复议申请三件", is_report=True,
                   stats=[Stat("apply.new.total", 3)])
    rid, _ = store.save_report(doc, url="http://a.gov.cn/2.html", canonical_url="http://a.gov.cn/2.html",
                               input_sha256="ef" * 32, portal="a", kind="page", extractor_version="1.test")
    with store.transaction():
        store.db.execute("update reports set text = '未收到申请' where id = 1")
    assert [r[0] for r in views.search(store.db, "行政复议")[2]] == [rid] and views.search(store.db, "行政诉讼")[2] == []
    store.db.execute("insert into reports_fts (reports_fts, rank) values ('integrity-check', 1)")
    assert dict(store.db.execute("select k, v from reports_fts_config").fetchall())["hashsize"] == 8 * 1024 * 1024
    store.close()
