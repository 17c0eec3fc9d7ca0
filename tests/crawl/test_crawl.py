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
    records = list(iter_records(archive, problems=problems, types=("request", "response", "revisit")))
    assert problems == []
    by_type = {t: [r for r in records if r.record_type == t] for t in ("request", "response", "revisit")}
    # One request record per exchange, naming its response (or revisit) record.
    answers = {r.warc_headers["WARC-Record-ID"]: r for r in by_type["response"] + by_type["revisit"]}
    assert len(by_type["request"]) == len(answers)
    assert {r.warc_headers["WARC-Concurrent-To"] for r in by_type["request"]} == set(answers)
    # Every pages row points at a response record of its URL; a response no row points at is a
    # redirect, or a page a later crawl found unchanged (its item dropped, its row the earlier one).
    rows = {(r["warc_file"], r["warc_offset"]): r["url"] for r in db.query("select * from pages where warc_file is not null")}
    responses = {(r.file, r.offset): r for r in by_type["response"]}
    assert len(rows) == archived_pages > 0 and set(rows) <= set(responses)
    assert all(responses[k].url == url for k, url in rows.items())
    referenced_bodies = {(responses[k].url, responses[k].body) for k in rows}
    for key, rec in responses.items():
        assert key in rows or 300 <= rec.status < 400 or (rec.url, rec.body) in referenced_bodies, rec.url
    assert any(300 <= r.status < 400 for r in by_type["response"])
    # The second crawl's conditional GETs came back 304: revisits of the stored copies.
    not_modified = [r for r in by_type["revisit"] if r.status == 304]
    assert not_modified and all(r.warc_headers["WARC-Profile"].endswith("/server-not-modified") for r in not_modified)
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


def _run_records(archive: Path, run_id: str, types=("request", "response", "revisit")) -> list:
    return [r for r in iter_records(archive, types=types) if Path(r.file).name.startswith(run_id + "-")]


def test_every_exchange_archived_as_request_and_response(crawl, expected):
    """The downloader archives what went over the wire: one request record per request the portal
    received (3xx, 404, robots.txt, the TRS API's POST), each naming its response record."""
    db, archive, base = crawl["db"], crawl["out"] / "archive", crawl["base"]
    first, second = crawl["runs"]
    for run_id, served in ((first, crawl["first"]), (second, crawl["second"])):
        records = _run_records(archive, run_id)
        requests = [r for r in records if r.record_type == "request"]
        answers = {r.warc_headers["WARC-Record-ID"]: r for r in records if r.record_type in ("response", "revisit")}
        got = sorted((r.warc_headers["WARC-Target-URI"], answers[r.warc_headers["WARC-Concurrent-To"]].status) for r in requests)
        assert got == sorted((base + s.path, s.status) for s in served)
        assert sum(s.path == "/robots.txt" for s in served) == 1  # fetched once, archived once
    first_records = _run_records(archive, first)
    # The redirect: a 301 response record with its Location, then the target's own exchange.
    redirect = expected["redirects"][0]
    (moved,) = [r for r in first_records if r.record_type == "response" and r.url == base + redirect["from"]]
    assert moved.status == redirect["status"] and dict(moved.headers)["Location"].endswith(redirect["to"])
    assert any(r.record_type == "response" and r.url == base + redirect["to"] and r.status == 200 for r in first_records)
    # The TRS search API's POST: its form body is in the request record.
    api = expected["trs_api"]["endpoint"]
    posts = [r for r in first_records if r.record_type == "request" and r.url.startswith(base + api)]
    sent = [s.body for s in crawl["first"] if s.method == "POST" and s.path.startswith(api)]
    assert posts and sorted(r.body for r in posts) == sorted(sent) and all(b for b in sent)
    # The robots.txt page row points at the one archived robots.txt response.
    row = db.execute("select warc_file, warc_offset from pages where role = 'robots' and run_id = ?", [first]).fetchone()
    (robots,) = [r for r in first_records if r.record_type == "response" and r.url == base + "/robots.txt"]
    assert (robots.file, robots.offset) == tuple(row)


def test_second_crawl_archives_revisits_not_copies(crawl):
    """An unchanged page is a revisit record pointing at the stored payload: 304s as server-not-modified,
    same bodies (list pages, error pages) as identical-payload-digest."""
    archive = crawl["out"] / "archive"
    first, second = crawl["runs"]
    stored = {(r.url, r.warc_headers["WARC-Payload-Digest"]): r for r in _run_records(archive, first, ("response",))}
    by_id = {r.warc_headers["WARC-Record-ID"]: r for r in stored.values()}
    revisits = _run_records(archive, second, ("revisit",))
    profiles = {r.warc_headers["WARC-Profile"].rsplit("/", 1)[-1] for r in revisits}
    assert profiles == {"server-not-modified", "identical-payload-digest"}
    for r in revisits:
        target = by_id[r.warc_headers["WARC-Refers-To"]]
        assert r.warc_headers["WARC-Refers-To-Target-URI"] == target.url == r.url
        assert r.warc_headers["WARC-Refers-To-Date"] == target.warc_headers["WARC-Date"]
        assert r.warc_headers["WARC-Payload-Digest"] == target.warc_headers["WARC-Payload-Digest"]
        assert (r.status == 304) == r.warc_headers["WARC-Profile"].endswith("server-not-modified")
    # Nothing of the second crawl is archived in full that the first already holds, redirects aside.
    again = [r.url for r in _run_records(archive, second, ("response",))
             if (r.url, r.warc_headers["WARC-Payload-Digest"]) in stored and not 300 <= r.status < 400]
    assert again == []


def test_export_wacz_indexes_what_replay_needs(crawl, expected, tmp_path):
    """`govcrawl export wacz` (py-wacz): a valid WACZ whose CDXJ index finds a report page, a redirect
    and an attachment, each at a record holding the bytes the portal served."""
    import gzip
    import json
    import zipfile

    from conftest import run_govcrawl

    out, base = crawl["out"], crawl["base"]
    wacz = tmp_path / "portal.wacz"
    run_govcrawl("export", "wacz", "--db", str(out / "govcrawl.db"), "--archive", str(out / "archive"), "-o", str(wacz))
    valid = subprocess.run([str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(wacz)], capture_output=True, text=True)
    assert valid.returncode == 0 and "is valid" in valid.stdout, valid.stdout + valid.stderr
    with zipfile.ZipFile(wacz) as z:
        index: dict[str, list[dict]] = {}
        for line in gzip.decompress(z.read("indexes/index.cdx.gz")).decode().splitlines():
            entry = json.loads(line.split(" ", 2)[2])
            index.setdefault(entry["url"], []).append(entry)
        pages = [json.loads(l) for l in z.read("pages/pages.jsonl").decode().splitlines()[1:]]

        def replayed(url: str, status: int) -> bytes:
            """What a replay tool serves for ``url``: the first capture's record, read from the WACZ."""
            entry = next(e for e in index[url] if e["mime"] != "warc/revisit")
            assert int(entry["status"]) == status, entry
            chunk = z.read("archive/" + entry["filename"])[int(entry["offset"]):int(entry["offset"]) + int(entry["length"])]
            from warcio.archiveiterator import ArchiveIterator
            import io

            rec = next(iter(ArchiveIterator(io.BytesIO(chunk))))
            assert rec.rec_headers.get_header("WARC-Target-URI") == url
            return rec.content_stream().read()

        report = next(p for p in expected["report_pages"] if p["source"])["path"]
        assert replayed(base + report, 200) == crawl["served"][report]
        attachment = expected["attachments"][0]
        assert replayed(base + attachment["path"], 200) == crawl["served"][attachment["path"]]
        assert next(e for e in index[base + attachment["path"]])["mime"] == attachment["content_type"]
        redirect = expected["redirects"][0]
        replayed(base + redirect["from"], redirect["status"])
        assert base + redirect["to"] in index
        # POST API calls are indexed by their body (replay tools look them up that way).
        api = expected["trs_api"]["endpoint"]
        assert any(e.get("method") == "POST" and e.get("requestBody") for e in index[base + api])
    # The page list: the reports the DB holds, by URL and title.
    db = crawl["db"]
    assert {p["url"] for p in pages} == {r["url"] for r in db.query("select url from reports where superseded_by is null")}
    assert all(p["title"] for p in pages)
