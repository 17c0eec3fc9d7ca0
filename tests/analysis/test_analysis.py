"""Analysis views, exports in every format, the -o/--format rule and the data dictionary.

The DB is built by importing the real fixture reports (tests/fixtures/corpus), which
include mirror copies (duplicates) of the Pingtan reports."""
from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from conftest import ROOT, run_govcrawl

from govcrawl.analysis.keys import by_key, markdown, metric_keys
from govcrawl.extract.model import Document, Stat
from govcrawl.extract.stats import registry as R
from govcrawl.store import Store

CORPUS = ROOT / "tests" / "fixtures" / "corpus"


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    from govcrawl.offline.importer import import_paths

    d = tmp_path_factory.mktemp("corpus")
    db = d / "govcrawl.db"
    import_paths([str(CORPUS / "seeds"), str(CORPUS / "real")], db_path=str(db), archive_root=str(d / "archive"))
    return db


def _q(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# -------------------------------------------------------------- views
def test_current_stats_sums_exclude_superseded_and_duplicate_rows(tmp_path):
    store = Store(tmp_path / "v.db")
    kw = dict(portal="p", kind="page", extractor_version="t")

    def doc(text, n):
        return Document(title="某县2020年政府信息公开工作年度报告", jurisdiction="某县", year=2020, text=text, is_report=True,
                        format="std-2021", stats=[Stat("apply.new.total", n, "件")])

    first, _ = store.save_report(doc("第一版", 10), url="http://a.gov.cn/1.html", canonical_url="http://a.gov.cn/1.html",
                                 input_sha256="1" * 64, **kw)
    second, what = store.save_report(doc("第二版", 12), url="http://a.gov.cn/1.html", canonical_url="http://a.gov.cn/1.html",
                                     input_sha256="2" * 64, **kw)
    mirror, _ = store.save_report(doc("第二版", 12), url="http://mirror.example.com/9.html",
                                  canonical_url="http://mirror.example.com/9.html", input_sha256="3" * 64, **kw)
    assert what == "new_version"
    db = store.db
    assert db.execute("select superseded_by from reports where id = ?", [first]).fetchone()[0] == second
    assert db.execute("select duplicate_of from reports where id = ?", [mirror]).fetchone()[0] == second
    assert db.execute("select sum(value) from stats where key = 'apply.new.total'").fetchone()[0] == 34  # 10+12+12
    assert db.execute("select sum(value), count(*) from current_stats where key = 'apply.new.total'").fetchone() == (12, 1)
    value = db.execute("select value, typeof(value), label, jurisdiction, year from current_stats").fetchone()
    assert value == (12, "integer", "一、本年新收政府信息公开申请数量 — 总计", "某县", 2020)
    assert [r[0] for r in db.execute("select id from current_reports")] == [second]
    store.close()
    # opting back in
    out = tmp_path / "all.csv"
    run_govcrawl("export", "stats", "--db", str(tmp_path / "v.db"), "--all-versions", "--with-duplicates", "-o", str(out))
    assert sorted(r["value"] for r in csv.DictReader(out.open(encoding="utf-8"))) == ["10", "12", "12"]
    run_govcrawl("export", "stats", "--db", str(tmp_path / "v.db"), "--all-versions", "-o", str(out))
    assert sorted(r["value"] for r in csv.DictReader(out.open(encoding="utf-8"))) == ["10", "12"]


def test_views_on_the_imported_corpus(corpus_db):
    dups = _q(corpus_db, "select count(*) from reports where duplicate_of is not null")[0][0]
    assert dups >= 1  # the fixtures hold mirror copies
    raw = _q(corpus_db, "select sum(value) from stats where key = 'apply.new.total'")[0][0]
    current = _q(corpus_db, "select sum(value) from current_stats where key = 'apply.new.total'")[0][0]
    by_hand = _q(corpus_db, """select sum(s.value) from stats s join reports r on r.id = s.report_id
                               where s.key = 'apply.new.total' and r.duplicate_of is null and r.superseded_by is null""")[0][0]
    assert current == by_hand and current <= raw
    # counts are integers, money is not forced to be
    types = dict(_q(corpus_db, "select unit, group_concat(distinct typeof(value)) from current_stats group by unit"))
    assert types["件"] == "integer" and types["条"] == "integer"
    # failed_checks carries the report's context and a kind
    kinds = {k for (k,) in _q(corpus_db, "select distinct kind from failed_checks")}
    assert kinds <= {"identity", "ambiguous", "unreadable", "disagree", "approximate"} and "identity" in kinds
    row = _q(corpus_db, "select jurisdiction, year, url from failed_checks where kind = 'identity' limit 1")[0]
    assert all(row)
    # coverage: one row per jurisdiction x year, its report counts add up to current_reports
    cov = _q(corpus_db, "select sum(reports), sum(identities_passed + identities_failed), sum(identities_checked) from coverage")[0]
    assert cov[0] == _q(corpus_db, "select count(*) from current_reports")[0][0]
    assert cov[1] == cov[2]
    failed = _q(corpus_db, "select sum(identities_failed) from coverage")[0][0]
    assert failed == _q(corpus_db, "select count(distinct report_id) from failed_checks where kind = 'identity' and format like 'std-%'")[0][0]


def test_foreign_keys_declared_and_old_dbs_migrated(tmp_path):
    store = Store(tmp_path / "n.db")
    fks = {(fk.table, fk.column, fk.other_table) for t in ("reports", "pages", "stats", "checks") for fk in store.db[t].foreign_keys}
    assert {("reports", "duplicate_of", "reports"), ("reports", "superseded_by", "reports"), ("reports", "page_id", "pages"),
            ("pages", "report_id", "reports"), ("stats", "report_id", "reports"), ("checks", "report_id", "reports")} <= fks
    store.close()
    # a schema-1 DB (no foreign keys, no views) gains them, keeps its full-text triggers, and is backed up
    conn = sqlite3.connect(tmp_path / "n.db")
    for v in ("coverage", "failed_checks", "current_stats", "current_reports"):
        conn.execute("drop view " + v)
    conn.execute("update meta set value = '1' where key = 'schema_version'")
    triggers = [sql for (sql,) in conn.execute("select sql from sqlite_master where type = 'trigger' and tbl_name = 'reports'")]
    conn.execute("create table reports2 as select * from reports")  # reports without its foreign keys
    conn.execute("drop table reports")
    conn.execute("alter table reports2 rename to reports")
    for sql in triggers:  # as a schema-1 DB had them
        conn.execute(sql)
    conn.commit()
    conn.close()
    store = Store(tmp_path / "n.db")
    assert store.migration_backup is not None
    assert {fk.column for fk in store.db["reports"].foreign_keys} >= {"duplicate_of", "superseded_by", "page_id"}
    assert {"current_reports", "current_stats", "failed_checks", "coverage"} <= set(store.db.view_names())
    rid, _ = store.save_report(Document(title="某市2020年政府信息公开工作年度报告", year=2020, text="行政复议三件", is_report=True),
                               url="http://a.gov.cn/x.html", canonical_url="http://a.gov.cn/x.html", input_sha256="9" * 64,
                               portal="p", kind="page", extractor_version="t")
    assert store.db.execute("select rowid from reports_fts where reports_fts match '行政复议'").fetchall() == [(rid,)]
    store.close()


# -------------------------------------------------------------- exports
def test_csv_excel_has_bom_and_integers(corpus_db, tmp_path):
    out = tmp_path / "stats.csv"
    run_govcrawl("export", "stats", "--db", str(corpus_db), "--excel", "-o", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    counts = [r["value"] for r in rows if r["unit"] == "件"]
    assert counts and all(v.isdigit() for v in counts)  # 170, never 170.0
    assert len(rows) == _q(corpus_db, "select count(*) from current_stats")[0][0]
    plain = tmp_path / "plain.csv"
    run_govcrawl("export", "checks", "--db", str(corpus_db), "-o", str(plain))
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert ".0," not in plain.read_text(encoding="utf-8")


def test_jsonl_parquet_xlsx_hold_the_same_rows(corpus_db, tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    for fmt in ("csv", "jsonl", "parquet", "xlsx"):
        run_govcrawl("export", "stats", "--db", str(corpus_db), "-o", str(tmp_path / f"s.{fmt}"))  # format from the suffix
    expected = _q(corpus_db, "select report_id, key, value from current_stats order by report_id, id")
    lines = [json.loads(x) for x in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(d["report_id"], d["key"], d["value"]) for d in lines] == expected
    pq = pd.read_parquet(tmp_path / "s.parquet")
    assert list(zip(pq.report_id, pq.key, pq.value)) == expected
    wb = load_workbook(tmp_path / "s.xlsx", read_only=True)
    rows = list(wb["stats"].iter_rows(values_only=True))
    head = rows[0]
    got = [(r[head.index("report_id")], r[head.index("key")], r[head.index("value")]) for r in rows[1:]]
    assert got == expected
    assert isinstance(got[0][2], int)
    cov = pd.read_csv(run_and_path(corpus_db, tmp_path, "coverage", "csv"))
    assert int(cov.reports.sum()) == _q(corpus_db, "select count(*) from current_reports")[0][0]


def run_and_path(db, tmp_path, target, fmt):
    out = tmp_path / f"{target}.{fmt}"
    run_govcrawl("export", target, "--db", str(db), "-o", str(out))
    return out


def test_wide_export_read_back_with_pandas_and_openpyxl(corpus_db, tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    xlsx, csv_out, pq_out = tmp_path / "wide.xlsx", tmp_path / "wide.csv", tmp_path / "wide.parquet"
    for out in (xlsx, csv_out, pq_out):
        run_govcrawl("export", "wide", "--db", str(corpus_db), "-o", str(out))
    n_reports = _q(corpus_db, "select count(*) from current_reports")[0][0]
    keys = [k for (k,) in _q(corpus_db, "select distinct key from current_stats")]
    order = [k.key for k in metric_keys()]
    expected_cols = sorted(keys, key=order.index)  # template order
    # openpyxl: keys on row 1, Chinese labels and units on rows 2-3, one row per report after
    ws = load_workbook(xlsx)["wide"]  # not read_only: that mode drops trailing empty cells
    rows = list(ws.iter_rows(values_only=True))
    header, labels, units = rows[0], rows[1], rows[2]
    assert list(header[7:]) == expected_cols and header[:3] == ("report_id", "jurisdiction", "agency")
    i = header.index("apply.new.total")
    assert labels[i] == "一、本年新收政府信息公开申请数量 — 总计" and units[i] == "件"
    assert len(rows) - 3 == n_reports
    truth = dict(_q(corpus_db, "select report_id, value from current_stats where key = 'apply.new.total'"))
    assert {r[0]: r[i] for r in rows[3:] if r[i] is not None} == truth
    # pandas on the same file: skip the two label rows
    df = pd.read_excel(xlsx, sheet_name="wide", skiprows=[1, 2])
    assert len(df) == n_reports and list(df.columns[7:]) == expected_cols
    assert dict(zip(df.report_id, df["apply.new.total"])) .items() >= truth.items()
    keys_sheet = pd.read_excel(xlsx, sheet_name="keys")
    assert list(keys_sheet.key) == expected_cols
    # CSV: one header row for pandas, labels in the sidecar
    dfc = pd.read_csv(csv_out, dtype={"apply.new.total": "Int64"})  # "859.0" would not parse as Int64
    assert len(dfc) == n_reports
    assert {k: v for k, v in zip(dfc.report_id, dfc["apply.new.total"]) if not pd.isna(v)} == truth
    side = pd.read_csv(tmp_path / "wide.keys.csv")
    assert list(side.key) == expected_cols and side.set_index("key").loc["apply.new.total", "unit"] == "件"
    dfp = pd.read_parquet(pq_out)
    assert dict(zip(dfp.report_id, dfp["apply.new.total"])).items() >= truth.items()


@pytest.mark.parametrize("args,message", [
    (["export", "stats", "--format", "csv", "-o", "x.jsonl"], "ends in .jsonl (jsonl): drop --format"),
    (["export", "stats", "-o", "x.dat"], "cannot tell the format"),
    (["export", "stats", "--format", "parquet"], "binary format"),
    (["export", "stats", "--excel", "-o", "x.jsonl"], "--excel is for CSV"),
    (["extract", "-o", "x.csv", "README.md"], "writes jsonl | text, not csv"),
    (["extract", "--text", "-o", "x.jsonl", "README.md"], "ends in .jsonl (jsonl)"),
])
def test_output_flag_conflicts_are_errors(corpus_db, tmp_path, args, message):
    args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    if args[0] == "export":
        args += ["--db", str(corpus_db)]
    proc = run_govcrawl(*args, check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not list(tmp_path.glob("x.*"))


def test_extract_output_suffix_picks_the_format(tmp_path):
    page = str(CORPUS / "seeds" / "000_ce613ae3d38fe476.txt")
    run_govcrawl("extract", page, "-o", str(tmp_path / "out.jsonl"))
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["year"] == 2009
    run_govcrawl("extract", page, "-o", str(tmp_path / "out.txt"))
    assert "沈阳" in (tmp_path / "out.txt").read_text(encoding="utf-8")


# -------------------------------------------------------------- data dictionary
def test_every_registry_key_has_a_label_and_the_dictionary_is_in_the_db(corpus_db):
    keys = by_key()
    for v, rows in R.APPLY_ROWS.items():
        for row, _ in rows:
            for col in R.APPLY_COLS:
                assert keys[f"apply.{row}.{col}"].label and keys[f"apply.{row}.{col}"].unit == "件"
    for v, rows in R.PROACTIVE_ROWS.items():
        for _, prefix, cols, _ in rows:
            assert all(f"{prefix}.{c}" in keys for c in cols)
    assert keys["apply.new.natural_person"].identities == ("apply.row.new", "apply.balance.natural_person")
    assert keys["reconsideration.total"].formats == ("std-2021", "std-2019", "legacy")
    assert keys["fees.total"].count is False and keys["consult.online"].unit == "人次"
    stored = {k for (k,) in _q(corpus_db, "select distinct key from stats")}
    assert stored <= set(keys), stored - set(keys)  # every key the extractor wrote is in the dictionary
    assert _q(corpus_db, "select count(*) from metric_keys")[0][0] == len(keys)


def test_metric_keys_doc_is_up_to_date():
    doc = ROOT / "docs" / "metric-keys.md"
    assert doc.read_text(encoding="utf-8") == markdown(), "run: govcrawl keys --markdown -o docs/metric-keys.md"


def test_keys_command(tmp_path):
    proc = run_govcrawl("keys", "--format", "jsonl")
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(rows) == len(metric_keys())
    row = next(r for r in rows if r["key"] == "litigation.direct.total")
    assert row["label"] == "行政诉讼 未经复议直接起诉 — 总计" and row["table"] == "t4" and row["identities"] == "review.litigation.direct"
    run_govcrawl("keys", "-o", str(tmp_path / "keys.csv"))
    assert next(csv.DictReader((tmp_path / "keys.csv").open(encoding="utf-8")))["key"] == metric_keys()[0].key
