"""Per-document limits in the crawl (issue 20): one hostile report page cannot stall a crawl.

SYNTHETIC site on 127.0.0.1 (stdlib server below): a list page linking six real report texts
(tests/faultserver.py chrome around tests/fixtures/corpus/) and one report page whose table
has a row of 200,000 cells (trafilatura's table handling is quadratic in it: minutes, GBs).

* default caps: the row is cut to MAX_CELLS_PER_ROW cells and the page says so
  (pages.error / reports.error); every good report is stored; memory stays bounded;
* caps lifted (the page now really runs away): the document's worker is killed at the
  wall-clock limit, the page gets that reason, the rest of the crawl goes on and the run
  ends ``partial``, not ``running``.
"""
from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlite_utils

from conftest import ROOT
from faultserver import report_html
from systools import run_with_peak_rss

SOURCES = ["seeds/000_ce613ae3d38fe476.txt", "seeds/002_8661693cc3ee7730.txt", "seeds/003_d88f63d2808b134a.txt",
           "real/pingtan/2019-report.txt", "real/pingtan/2021-report.txt", "real/pingtan/2025-report.txt"]
CELLS = 200_000


def _wide_page() -> bytes:
    row = "<table><tr>" + "<td>1</td>" * CELLS + "</tr></table>"
    return report_html("seeds/001_e8c90e1f83533eb4.txt").replace("<div class='footer'>", row + "<div class='footer'>",
                                                                    1).encode("utf-8")


@pytest.fixture(scope="module")
def site():
    pages = {f"/r{i}.html": report_html(src).encode("utf-8") for i, src in enumerate(SOURCES)}
    pages["/wide.html"] = _wide_page()
    links = "".join(f"<li><a href='{p}'>示例市{2019 + i}年政府信息公开工作年度报告</a></li>" for i, p in enumerate(pages))
    pages["/list.html"] = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>年报</title></head><body>"
                           f"<!-- synthetic list page (tests/crawl/test_doc_limits.py) --><ul>{links}</ul></body></html>"
                           ).encode("utf-8")

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            body = body or b"<h1>404</h1>"
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _crawl(tmp_path, base: str, *settings: str, env: dict | None = None):
    toml = tmp_path / "p.toml"
    toml.write_text("# synthetic portal (tests/crawl/test_doc_limits.py)\n[[portal]]\nname = \"wide\"\n"
                    "start_urls = [\"http://127.0.0.1/\"]\nallowed_domains = [\"127.0.0.1\"]\n"
                    "detail_url_patterns = ['/(r\\d+|wide)\\.html$']\nmax_depth = 0\nallow_private = true\n"
                    "[portal.politeness]\ndownload_delay = 0\nautothrottle = false\nobey_robots_txt = false\n"
                    "concurrent_requests_per_domain = 8\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "govcrawl", "crawl", "wide", "--portals", str(toml), "--db", str(tmp_path / "g.db"),
           "--archive", str(tmp_path / "a"), "--start-url", base + "/list.html", "--log-level", "WARNING",
           "-s", "GOVCRAWL_EXTRACT_WORKERS=2", *(x for s in settings for x in ("-s", s))]
    proc, out, err, seconds, peak = run_with_peak_rss(cmd, timeout=400, cwd=ROOT, text=True,
                                                      env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})))
    db = sqlite_utils.Database(tmp_path / "g.db")
    run = next(db.query("select status, counts from runs"))
    return proc.returncode, out, err, db, run["status"], json.loads(run["counts"]), seconds, peak


def _good_reports(db, base) -> set[str]:
    return {r["url"][len(base):] for r in db.query("select url from reports") if "/r" in r["url"]}


def test_wide_row_cut_by_the_cap_every_good_report_stored(tmp_path, site):
    code, out, err, db, status, counts, took, peak = _crawl(tmp_path, site)
    assert code == 0, err[-3000:]
    assert status == "finished"
    assert _good_reports(db, site) == {f"/r{i}.html" for i in range(len(SOURCES))}
    (page,) = db.query("select error, report_id from pages where url = ?", [site + "/wide.html"])
    assert f"a table row of {CELLS} cells cut to 1000 (cells-per-row cap" in page["error"], page
    (rep,) = db.query("select error, stats_count from reports where id = ?", [page["report_id"]])
    assert "cells-per-row cap" in rep["error"]  # the report's text is kept, and says what was cut
    assert counts["scrapy_govcrawl_extract_worker_peak_mb"] < 600, counts
    assert peak < 1024 ** 3, peak
    assert "Traceback" not in err
    print(f"200,000-cell row: {took:.1f} s, crawl peak RSS {peak >> 20} MB (largest extract worker "
          f"{counts['scrapy_govcrawl_extract_worker_peak_mb']} MB); stored: {len(_good_reports(db, site))} good reports "
          f"+ the wide page as a report ({rep['stats_count']} stats) with error {page['error']!r}")


def test_runaway_document_killed_at_its_time_limit_and_the_crawl_goes_on(tmp_path, site):
    # Caps lifted: the wide page now takes minutes; the limit stops it after 6 s.
    code, out, err, db, status, counts, took, peak = _crawl(
        tmp_path, site, "GOVCRAWL_DOC_SECONDS=6", env={"GOVCRAWL_MAX_CELLS_PER_ROW": str(10 * CELLS)})
    assert code == 3, err[-3000:]  # partial: one page failed extraction
    assert status == "partial"
    assert _good_reports(db, site) == {f"/r{i}.html" for i in range(len(SOURCES))}
    (page,) = db.query("select error, report_id from pages where url = ?", [site + "/wide.html"])
    assert page["error"] == "extraction stopped: took longer than 6 s" and page["report_id"] is None, page
    assert counts["scrapy_govcrawl_extract_stopped"] == 1
    assert json.loads(json.dumps(counts["failed_pages"])) == {"extraction failed": 1}
    assert took < 120
    print(f"runaway document stopped: crawl {took:.1f} s, peak RSS {peak >> 20} MB")
