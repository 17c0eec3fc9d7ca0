"""One crawl through every fault of tests/faultserver.py (synthetic site, real report texts).

The crawl must finish, store every report that could be fetched (some only
after retries), and record every other URL in ``pages`` with its reason.
The bad-input cases on the same site are checked in test_bad_input.py.
"""
from __future__ import annotations

import json

from faultserver import CASES


def _pages(db, url):
    return list(db.query("select * from pages where url = ? order by id", [url]))


def test_crawl_completes_without_uncaught_errors(fault_crawl):
    proc, db = fault_crawl["proc"], fault_crawl["db"]
    assert proc.returncode == 3  # partial: the permanent faults
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    run = next(db.query("select * from runs"))
    assert run["status"] == "partial"
    counts = json.loads(run["counts"])
    assert counts.get("scrapy_spider_exceptions", 0) == 0
    # That it ends at all is bounded by run_govcrawl's timeout (tests/conftest.py); how fast is
    # not asserted here: a timed test fails on a loaded machine, not on slow code.


def test_every_reachable_report_stored(fault_crawl):
    db, urls = fault_crawl["db"], fault_crawl["urls"]
    stored = {r["url"] for r in db.query("select url from reports")}
    want = {urls[c.path] for c in CASES if c.expect == "report"}
    assert want <= stored, sorted(want - stored)
    # Only those: no error page or fragment was taken for a report.
    assert stored == want


def test_every_failure_recorded_with_its_reason(fault_crawl):
    db, urls = fault_crawl["db"], fault_crawl["urls"]
    for case in CASES:
        if case.expect in ("report", "redirected", "unlinked"):
            continue
        rows = _pages(db, urls[case.path])
        if not rows:  # a redirect chain is recorded under its last URL, naming the whole chain
            rows = list(db.query("select * from pages where error like ?", [f"%{urls[case.path]} ->%"]))
        assert rows, f"{case.path}: no pages row"
        reason = rows[-1]["error"] or rows[-1]["skip_reason"] or ""
        assert reason.startswith(case.expect) or case.expect in reason, (case.path, reason)
        assert rows[-1]["report_id"] is None


def test_retries_helped_the_bursts_and_gave_up_on_the_rest(fault_crawl):
    hits = fault_crawl["hits"]
    for code in (500, 502, 503):
        path = next(c.path for c in CASES if c.behaviour == f"burst:{code}")
        assert hits[("a", path)] == 3  # two errors, then the report
    assert hits[("a", "/burst/500/always.html")] == 3  # RETRY_TIMES=2, then recorded
    assert hits[("a", "/reset/always.html")] >= 3  # Twisted may also retry a reset pooled connection once
    assert hits[("a", "/reset-once/r4.html")] >= 2
    assert hits[("a", "/truncated/gzip.html")] == 3  # truncated gzip is retried like any transient fault
    assert hits[("a", "/gone/0.html")] == 1  # a 404 is not retried


def test_redirect_loop_and_offsite_redirect_not_followed(fault_crawl):
    hits, hosts = fault_crawl["hits"], fault_crawl["hosts"]
    assert hits[("a", "/loop/a.html")] == 1 and hits[("a", "/loop/b.html")] == 1
    assert hosts == {"127.0.0.1"}  # the redirect to localhost never reached the server


def test_robots_txt_per_rfc9309(fault_crawl):
    """A 404 robots.txt allows everything; one that times out closes its host for the run."""
    db, hits = fault_crawl["db"], fault_crawl["hits"]
    assert hits[("a", "/robots.txt")] == 1  # fetched once, though the spider archives it too
    assert hits[("b", "/robots.txt")] >= 1 and hits.get(("b", "/b/r7.html"), 0) == 0
    counts = json.loads(next(db.query("select counts from runs"))["counts"])
    assert counts.get("scrapy_robotstxt_response_status_count_404", 0) == 1
    assert any(k.startswith("scrapy_robotstxt_exception_count") for k in counts), counts


def test_fetched_pages_archived(fault_crawl):
    db = fault_crawl["db"]
    ok = db.execute("select count(*) from pages where status between 200 and 299").fetchone()[0]
    archived = db.execute("select count(*) from pages where status between 200 and 299 and warc_file is not null").fetchone()[0]
    assert ok == archived > 0
    # Failed fetches have no response to archive, but a row each.
    assert db.execute("select count(*) from pages where status is null and error is not null").fetchone()[0] >= 9


def test_doc_wps_and_scanned_attachments_become_reports(fault_crawl):
    # .doc / .wps through LibreOffice, the scan through Tesseract (tests/fixtures/corpus/synthetic/office)
    db, urls = fault_crawl["db"], fault_crawl["urls"]
    for path in ("/files/2025-report.doc", "/files/2025-report.wps", "/files/2025-scan.pdf"):
        (rep,) = db.query("select id, title, year, format, read_as from reports where url = ?", [urls[path]])
        assert (rep["year"], rep["format"]) == (2025, "std-2021"), (path, rep)
        assert rep["read_as"] == ("ocr" if path.endswith(".pdf") else "doc"), rep  # the report row says how it was read
        sources = {r["source"] for r in db.query("select source from stats where report_id = ?", [rep["id"]])}
        if path.endswith(".pdf"):
            assert sources == {"ocr"}, sources  # only identity-confirmed OCR numbers
        else:
            assert "table" in sources and "ocr" not in sources, (path, sources)


def test_short_body_is_a_failed_fetch_retried_then_recorded(fault_crawl):
    """A body shorter than its Content-Length is never a report: retried, and recorded if it stays short."""
    db, hits, urls = fault_crawl["db"], fault_crawl["hits"], fault_crawl["urls"]
    assert hits[("a", "/truncated/report.html")] == 3  # RETRY_TIMES=2, then recorded
    assert hits[("a", "/truncated/body.html")] == 3
    (row,) = _pages(db, urls["/truncated/report.html"])
    assert row["error"].startswith("truncated body") and "(after 2 retries)" in row["error"], row["error"]
    assert row["status"] is None and row["report_id"] is None and row["warc_file"] is None
    assert not list(db.query("select id from reports where url = ?", [urls["/truncated/report.html"]]))
    # Short once: the retry's whole body is the report, stored once.
    assert hits[("a", "/truncated-once/r10.html")] == 2
    assert len(list(db.query("select id from reports where url = ?", [urls["/truncated-once/r10.html"]]))) == 1


def test_retry_after_honoured_and_capped(fault_crawl):
    from conftest import RETRY_AFTER_MAX

    times, hits = fault_crawl["times"], fault_crawl["hits"]
    asked = {"/retry-after/503/r8.html": 2.0, "/retry-after/429/r9.html": 3600.0}
    for path, after in asked.items():
        assert hits[("a", path)] == 2, path  # the answer with Retry-After, then the report
        first, second = times[("a", path)]
        waited = second - first
        assert min(after, RETRY_AFTER_MAX) - 0.1 <= waited < min(after, RETRY_AFTER_MAX) + 5, (path, waited)
    counts = json.loads(next(fault_crawl["db"].query("select counts from runs"))["counts"])
    assert counts["scrapy_govcrawl_retry_after_waits"] == 2
