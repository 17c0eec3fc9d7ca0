"""End-to-end crawl of the local test portal: the spider, all four pipelines, WARC and SQLite.

The portal (govcrawl/testing/portal, served by govcrawl.testing.testportal on 127.0.0.1)
wraps real report texts in synthetic chrome; expected.json is its ground truth.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from govcrawl.archive import RecordLocation, iter_records, read_record
from govcrawl.testing.testportal import TestPortal

from conftest import PORTAL_TOML, ROOT, crawl_portal


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """One portal server, crawled twice (the second crawl sees nothing new)."""
    out = tmp_path_factory.mktemp("crawl")
    with TestPortal() as portal:
        crawl_portal(portal, out)
        first_requests = list(portal.requests)
        served = dict(portal.served)
        portal.clear_log()
        crawl_portal(portal, out)
        second_requests = list(portal.requests)
    db = sqlite_utils.Database(out / "govcrawl.db")
    runs = [r["id"] for r in db.query("select id from runs order by started_at, id")]
    return {"out": out, "db": db, "runs": runs, "first": first_requests, "second": second_requests,
            "served": served, "base": portal.base_url}


def _path(url: str, base: str) -> str:
    return url[len(base):] if url.startswith(base) else url


def test_every_report_and_attachment_found(crawl, expected):
    db, base = crawl["db"], crawl["base"]
    reports = {_path(r["url"], base): r for r in db.query("select * from reports")}
    with_text = {p["path"] for p in expected["report_pages"] if p["source"]}
    attachments = {a["path"] for a in expected["attachments"]}
    # The Huai'an page only points at its PDF: the PDF is the report, the page is not.
    assert set(reports) == with_text | attachments
    assert len(reports) == 11
    assert reports[next(iter(attachments))]["kind"] == "attachment"
    for page in expected["report_pages"]:
        if page["source"]:
            assert reports[page["path"]]["year"], page["path"]


def test_distractors_skipped_with_reasons(crawl, expected):
    db, base = crawl["db"], crawl["base"]
    pages = {_path(r["url"], base): r for r in db.query("select * from pages")}
    for skip in expected["skipped"]:
        if skip["reason"] == "not-a-report":
            row = pages[skip["path"]]
            assert row["report_id"] is None and row["skip_reason"], skip
        elif skip["reason"] == "404":
            assert pages[skip["path"]]["skip_reason"] == "HTTP 404"
        elif skip["reason"] == "robots":
            assert "robots" in pages[skip["path"]]["error"].lower()
    letter = pages["/zwgk/zfxxgk/zfxxgknb/201412/t20141210_80787.htm"]
    assert "函" in letter["skip_reason"]


def test_trs_api_list_yields_all_twenty(crawl, expected):
    requested = {r.path for r in crawl["first"]}
    api = expected["trs_api"]
    assert len(api["static_details"]) + len(api["api_details"]) == 20
    assert set(api["static_details"]) | set(api["api_details"]) <= requested
    assert any(r.method == "POST" and r.path.startswith(api["endpoint"]) for r in crawl["first"])


def test_all_pagination_kinds_walked(crawl, expected):
    requested = {r.path for r in crawl["first"]}
    for kind, pages in expected["list_pages"].items():
        assert set(pages) <= requested, kind


def test_scope_robots_and_user_agent(crawl, expected):
    reqs = crawl["first"]
    assert all(r.hostname == "127.0.0.1" for r in reqs), "an off-domain host was requested"
    assert not any(r.path.startswith("/preview/") for r in reqs), "robots.txt disallow ignored"
    assert all("govcrawl" in (r.user_agent or "") for r in reqs)
    assert any(r.path == "/robots.txt" for r in reqs)


def test_robots_txt_archived(crawl):
    db = crawl["db"]
    row = db.execute("select status, warc_file from pages where role = 'robots'").fetchone()
    assert row[0] == 200 and row[1]


def test_warc_matches_pages_and_served_bytes(crawl):
    db, out = crawl["db"], crawl["out"]
    archive = out / "archive"
    archived_pages = db.execute("select count(*) from pages where warc_file is not null").fetchone()[0]
    problems = []
    records = list(iter_records(archive, problems=problems))
    assert problems == []
    assert len(records) == archived_pages > 0
    for f in archive.rglob("*.warc.gz"):
        check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    base = crawl["base"]
    compared = 0
    for row in db.query("select url, warc_file, warc_offset, warc_length from pages where warc_file is not null and status = 200"):
        path = _path(row["url"], base)
        if path not in crawl["served"]:
            continue
        rec = read_record(archive, RecordLocation(row["warc_file"], row["warc_offset"], row["warc_length"]))
        assert rec.url == row["url"]
        assert rec.body == crawl["served"][path], path
        compared += 1
    assert compared >= 20


def test_second_crawl_adds_nothing(crawl):
    db = crawl["db"]
    first, second = crawl["runs"]
    assert db.execute("select count(*) from reports").fetchone()[0] == 11
    new_in_second = db.execute("select count(*) from pages where run_id = ? and role in ('detail', 'attachment') and warc_file is not null",
                               [second]).fetchone()[0]
    assert new_in_second == 0
    assert db.execute("select count(*) from pages where run_id = ? and warc_file is not null", [first]).fetchone()[0] > 30


def test_gbk_and_traditional_pages_decoded(crawl, expected):
    db, base = crawl["db"], crawl["base"]
    gbk = next(p for p in expected["report_pages"] if p.get("encoding") == "gbk")
    trad = next(p for p in expected["report_pages"] if p.get("traditional"))
    row = db.execute("select title, text from reports where url = ?", [base + gbk["path"]]).fetchone()
    assert row[0] == "沈河区2016年度政府信息公开工作报告"
    assert "沈河区继续坚持以务实、创新为己任" in row[1]
    title, text = db.execute("select title, text from reports where url = ?", [base + trad["path"]]).fetchone()
    assert "沈阳市" in title and "瀋陽" not in text and "沈阳市认真贯彻" in text


def test_runs_recorded(crawl):
    db = crawl["db"]
    rows = list(db.query("select status, counts from runs"))
    assert [r["status"] for r in rows] == ["partial", "partial"]  # the portal's 404 distractors


def test_scrapy_crawl_command_is_the_same(tmp_path):
    """`scrapy crawl portal -a portal=NAME` runs the same spider and pipelines."""
    with TestPortal() as portal:
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("scrapy")), "crawl", "portal", "-a", "portal=testportal",
             "-a", f"start_url={portal.base_url}/index.html", "-s", f"GOVCRAWL_PORTALS={PORTAL_TOML}",
             "-s", f"GOVCRAWL_DB={tmp_path / 'g.db'}", "-s", f"GOVCRAWL_ARCHIVE={tmp_path / 'archive'}", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite_utils.Database(tmp_path / "g.db")
    assert db["reports"].count == 11


def test_extract_workers_recycled_mid_crawl_lose_nothing(tmp_path, crawl):
    """Workers replaced after every document: the same reports, text for text."""
    import json

    with TestPortal() as portal:
        crawl_portal(portal, tmp_path, "-s", "GOVCRAWL_EXTRACT_WORKERS=2", "-s", "GOVCRAWL_EXTRACT_RECYCLE_AFTER=1")
    db = sqlite_utils.Database(tmp_path / "govcrawl.db")
    counts = json.loads(next(db.query("select counts from runs"))["counts"])
    assert counts.get("scrapy_govcrawl_extract_pool_replaced", 0) >= 4, counts

    def reports(d, base):
        return sorted((_path(r["url"], base), r["text_sha256"], r["stats_count"]) for r in d.query("select * from reports"))
    assert reports(db, portal.base_url) == reports(crawl["db"], crawl["base"])


def test_coverage_sets_found_beside_queued(crawl):
    """The summary's "found of queued": every page the crawl queued has its row (fetched, failed
    or not fetched by policy), and the report years with the gaps between them."""
    import json
    from collections import Counter

    from govcrawl.commands.summary import coverage, year_ranges

    db, run_id = crawl["db"], crawl["runs"][0]
    counts = json.loads(db["runs"].get(run_id)["counts"])
    queued = {k[len("scrapy_govcrawl_queued_"):]: v for k, v in counts.items() if k.startswith("scrapy_govcrawl_queued_")}
    roles = Counter(r["role"] for r in db.query("select role from pages where run_id = ?", [run_id]))
    groups = {"list pages": ("nav", "list", "api"), "candidates": ("detail", "attachment")}
    (row,) = coverage(db.conn, run_id, counts)
    for name, members in groups.items():
        assert row["queued"][name] == sum(queued.get(r, 0) for r in members) == sum(roles[r] for r in members) > 0
    years = {r["year"] for r in db.query("select distinct r.year from pages p join reports r on r.id = p.report_id "
                                         "where p.run_id = ? and r.year is not null", [run_id])}
    assert row["years"] == years and len(years) > 3


def test_year_ranges():
    from govcrawl.commands.summary import year_ranges

    assert year_ranges({2009, 2011, 2012, 2013, 2016, 2017, 2019}) == "2009, 2011–2013, 2016–2017, 2019"
    assert year_ranges(set()) == ""
