"""The store stage groups items into transactions and updates the full-text index in a thread
(govcrawl/pipelines/store.py). Whatever the grouping, the DB holds what one transaction per item
gives; an item whose write fails is undone alone, and the others of its group are stored."""
from __future__ import annotations

import json

import pytest
import sqlite_utils

from govcrawl import settings as project_settings
from govcrawl.testing.testportal import TestPortal

from conftest import ROOT, crawl_portal

ONE_PER_ITEM = ("-s", "GOVCRAWL_DB_GROUP_SECONDS=0", "-s", "GOVCRAWL_DB_INDEX_EVERY=0")
# Groups of up to a second, the index updated after every 2 reports: items arrive while it runs and wait.
GROUPED = ("-s", "GOVCRAWL_DB_GROUP_SECONDS=1", "-s", "GOVCRAWL_DB_INDEX_EVERY=2")


def _contents(path, base: str) -> dict:
    """The DB's rows without ids, times and run ids (they differ between any two crawls)."""
    db = sqlite_utils.Database(path)
    rel = lambda u: u.replace(base, "") if u else u
    reports = {r["id"]: rel(r["canonical_url"]) for r in db.query("select id, canonical_url from reports")}
    out = {
        "reports": sorted((rel(r["canonical_url"]), r["text_sha256"], r["title"], r["year"], r["kind"])
                          for r in db.query("select * from reports")),
        # Which copy heads a group of duplicates depends on arrival order, which no two crawls share: the groups.
        "copies": sorted(sorted(g.split("\x1f")) for (g,) in db.execute(
            "select group_concat(canonical_url, char(31)) from reports group by coalesce(duplicate_of, id) having count(*) > 1")),
        "stats": sorted((reports[r["report_id"]], r["key"], r["value"], r["source"], r["evidence"])
                        for r in db.query("select * from stats")),
        "checks": sorted((reports[r["report_id"]], r["rule"], r["expected"], r["stated"]) for r in db.query("select * from checks")),
        "pages": sorted((rel(r["url"]), r["status"], r["role"], r["skip_reason"] or "", reports.get(r["report_id"]) or "")
                        for r in db.query("select * from pages")),
        "fts_pending": db.execute("select count(*) from reports_fts_pending").fetchone()[0],
        "fts": sorted((reports[r[0]],) for r in db.execute("select rowid from reports_fts where reports_fts match '\"政府信息\"'")),
        "counts": {k: v for k, v in json.loads(db.execute("select counts from runs").fetchone()[0]).items()
                   if k.startswith(("reports_", "pages_", "skipped"))},
    }
    db.execute("insert into reports_fts (reports_fts, rank) values ('integrity-check', 1)")  # raises if the index is off
    db.conn.close()
    return out


LOST = "/t20140325_3001.html"  # a report of the portal no other is a copy of; its write is made to fail


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    outs = {name: tmp_path_factory.mktemp(name) for name in ("one_per_item", "grouped")}
    pipelines = dict(project_settings.ITEM_PIPELINES, **{"breakitem.BreakOneItem": 350})
    with TestPortal() as portal:
        crawl_portal(portal, outs["one_per_item"], *ONE_PER_ITEM)
        grouped = crawl_portal(portal, outs["grouped"], *GROUPED, "-s", "ITEM_PIPELINES=" + json.dumps(pipelines),
                               env={"PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}", "GOVCRAWL_TEST_BREAK": LOST}, check=False)
        base = portal.base_url
    return {name: _contents(out / "govcrawl.db", base) for name, out in outs.items()} | {"grouped_proc": grouped}


def _without(rows: list, suffix: str) -> list:
    return [row for row in rows if not str(row[0]).endswith(suffix)]


def test_grouped_transactions_and_the_index_in_a_thread_store_what_one_per_item_does(crawls):
    one, grouped = crawls["one_per_item"], crawls["grouped"]
    assert len(one["reports"]) > 5 and len(one["stats"]) > 100 and one["fts"]
    assert any(r[0].endswith(LOST) for r in one["reports"])
    assert not any(u.endswith(LOST) for g in one["copies"] for u in g)
    # Everything but the item whose write failed is stored as with one transaction per item ...
    assert grouped["copies"] == one["copies"]
    for table in ("reports", "stats", "checks", "pages"):
        assert grouped[table] == _without(one[table], LOST), table
    assert grouped["fts"] == _without(one["fts"], LOST)
    # ... and the full-text index is complete at the end of the crawl.
    assert one["fts_pending"] == grouped["fts_pending"] == 0


def test_an_item_that_fails_is_undone_alone(crawls):
    grouped, proc = crawls["grouped"], crawls["grouped_proc"]
    assert LOST.lstrip("/") in proc.stderr  # its error is logged with the item
    # It failed amid a group: that transaction was rolled back and the items before it written again.
    assert "items written before it in its transaction are written again" in proc.stderr
    # Nothing of it is left half-written: no report, statistics, checks or page row (the others
    # of its group are stored: the test above).
    for table in ("reports", "stats", "checks", "pages"):
        assert not any(str(row[0]).endswith(LOST) for row in grouped[table]), table
