"""Crawl budgets (issue 20): crawler traps end within their budget with every real report
found, and a legitimate 40-page 下一页 chain is crawled whole (pagination is not depth).

SYNTHETIC site on 127.0.0.1 (stdlib server below): list pages, pagers and traps are
invented here; the report pages are tests/faultserver.py chrome around real report texts
of tests/fixtures/corpus/.

* /trap/list.html — three ever-changing pager links (下一页, 2, 3), each with a new random
  query string, forever; pages 1-3 list 2 real reports each.
* /cal/index.html — createPageHTML(100000, 0, "index", "html"): index_1..index_3 list real
  reports, every later page is a calendar page listing nothing new.
* /chain/list.html — 40 pages joined only by 下一页, one report on each
  (/slowchain/: the same, each list page answering after 0.5 s).
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils

from conftest import run_govcrawl
from faultserver import report_html

SOURCES = ["seeds/000_ce613ae3d38fe476.txt", "seeds/002_8661693cc3ee7730.txt", "seeds/003_d88f63d2808b134a.txt",
           "real/pingtan/2019-report.txt", "real/pingtan/2021-report.txt", "real/pingtan/2025-report.txt"]


def _page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<!-- synthetic list page (tests/crawl/test_budget.py) -->{body}</body></html>").encode("utf-8")


def _links(prefix: str, ids) -> str:
    return "".join(f"<li><a href='/{prefix}/r{i}.html'>示例市{2000 + i % 25}年政府信息公开工作年度报告（{prefix}{i}）</a></li>"
                   for i in ids)


class _Site(BaseHTTPRequestHandler):
    log: Counter
    lock: threading.Lock
    reports: dict

    def log_message(self, *a):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        with self.lock:
            self.log[parts.path.split("/")[1]] += 1
        body = self._route(parts.path, parse_qs(parts.query))
        self.send_response(200 if body else 404)
        body = body or b"<h1>404</h1>"
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, path: str, q: dict) -> bytes | None:
        if path.endswith(".html") and "/r" in path and path.rsplit("/", 1)[1][1:-5].isdigit():
            return self.reports.get(int(path.rsplit("/", 1)[1][1:-5]) % len(SOURCES))
        if path == "/trap/list.html":
            n = int(q.get("page", ["1"])[0])
            real = _links("trap", range(n * 2 - 2, n * 2)) if n <= 3 else _links("trap", range(0, 2))
            pager = "".join(f"<a href='/trap/list.html?page={p}&k={secrets.token_hex(4)}'>{t}</a> "
                            for p, t in ((n + 1, "下一页"), (2, "2"), (3, "3")))
            return _page("年报 列表", f"<ul>{real}</ul><div class='pager'>{pager}</div>")
        if path.startswith("/cal/index"):
            stem = path.rsplit("/", 1)[1][:-5]
            n = 0 if stem == "index" else int(stem.split("_")[1])
            real = _links("cal", range(n * 2, n * 2 + 2)) if n <= 3 else _links("cal", range(0, 2))
            script = "<script>createPageHTML(100000, %d, \"index\", \"html\");</script>" % n
            return _page("年报 日历", f"<ul>{real}</ul>{script}")
        if path.startswith(("/chain/list", "/slowchain/list")):
            section = path.split("/")[1]
            if section == "slowchain":
                time.sleep(0.5)  # a slow portal: its list pages take half a second each
            stem = path.rsplit("/", 1)[1][:-5]
            n = 1 if stem == "list" else int(stem.split("_")[1])
            nxt = f"<a href='/{section}/list_{n + 1}.html'>下一页</a>" if n < 40 else ""
            return _page("年报 列表", f"<ul>{_links(section, [n])}</ul>{nxt}")
        return None


@pytest.fixture(scope="module")
def site():
    reports = {i: report_html(src).encode("utf-8") for i, src in enumerate(SOURCES)}
    handler = type("H", (_Site,), {"log": Counter(), "lock": threading.Lock(), "reports": reports})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv, handler.log
    srv.shutdown()
    srv.server_close()


def _crawl(tmp_path, site, start: str, budget: str = ""):
    srv, log = site
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    toml = tmp_path / "p.toml"
    toml.write_text("# synthetic portal (tests/crawl/test_budget.py)\n[[portal]]\nname = \"trap\"\n"
                    "start_urls = [\"http://127.0.0.1/\"]\nallowed_domains = [\"127.0.0.1\"]\n"
                    "detail_url_patterns = ['/r\\d+\\.html$']\nmax_depth = 0\nallow_private = true\n"
                    "[portal.politeness]\ndownload_delay = 0\nautothrottle = false\nobey_robots_txt = false\n"
                    "concurrent_requests_per_domain = 4\n" + budget, encoding="utf-8")
    log.clear()
    t0 = time.monotonic()
    proc = run_govcrawl("crawl", "trap", "--portals", str(toml), "--db", str(tmp_path / "g.db"), "--archive",
                        str(tmp_path / "a"), "--start-url", base + start, "--log-level", "WARNING", timeout=300)
    took = time.monotonic() - t0
    db = sqlite_utils.Database(tmp_path / "g.db")
    run = next(db.query("select * from runs"))
    return proc, db, json.loads(run["counts"]), took, sum(log.values())


def _report_urls(db, section: str) -> set[str]:
    return {urlsplit(r["url"]).path for r in db.query("select url from reports") if f"/{section}/" in r["url"]}


def test_three_link_trap_ends_within_budget_with_every_report(tmp_path, site):
    proc, db, counts, took, requests = _crawl(tmp_path, site, "/trap/list.html")
    assert _report_urls(db, "trap") == {f"/trap/r{i}.html" for i in range(6)}
    assert requests < 60, requests  # 6 reports + 3 real list pages + 10 barren ones + what was in flight
    stops = [r["error"] for r in db.query("select error from pages where error like 'crawl budget:%'")]
    assert len(stops) == 1 and "without a new report link" in stops[0], stops
    assert counts["scrapy_govcrawl_budget_lists_stopped"] == 1
    assert "crawl budget:" in proc.stdout  # named in the summary
    print(f"three-link trap: {requests} requests, {took:.1f} s")


def test_calendar_of_100000_pages_ends_within_budget_with_every_report(tmp_path, site):
    proc, db, counts, took, requests = _crawl(tmp_path, site, "/cal/index.html")
    assert _report_urls(db, "cal") == {f"/cal/r{i}.html" for i in range(8)}
    assert requests < 60, requests
    assert counts["scrapy_govcrawl_budget_lists_stopped"] == 1
    assert counts["scrapy_govcrawl_budget_list_pages_not_fetched"] > 400  # the pager's 500 pages, mostly not fetched
    assert "crawl budget:" in proc.stdout
    print(f"calendar: {requests} requests, {took:.1f} s")


def test_forty_page_next_chain_crawled_whole(tmp_path, site):
    proc, db, counts, took, requests = _crawl(tmp_path, site, "/chain/list.html")
    assert _report_urls(db, "chain") == {f"/chain/r{i}.html" for i in range(1, 41)}
    assert not list(db.query("select error from pages where error like 'crawl budget:%'"))
    assert site[1]["chain"] == 80  # 40 list pages, 40 reports (plus robots.txt and the sitemap probe)


def test_request_budget_stops_the_portal_and_says_so(tmp_path, site):
    proc, db, counts, took, requests = _crawl(tmp_path, site, "/chain/list.html", "[portal.budget]\nmax_requests = 20\n")
    assert requests == 21  # 20, and robots.txt (not counted: fetched once per host whatever the budget)
    stops = [r["error"] for r in db.query("select error from pages where error like '%crawl budget:%'")]
    assert len(stops) == 1 and "max_requests 20" in stops[0], stops
    assert counts["scrapy_govcrawl_budget_requests_stop"] == 1
    assert "crawl budget:" in proc.stdout


def test_wall_clock_budget_stops_the_portal_and_says_so(tmp_path, site):
    # 40 list pages at 0.5 s each, one after the other (each is found on the one before): ~20 s.
    proc, db, counts, took, requests = _crawl(tmp_path, site, "/slowchain/list.html", "[portal.budget]\nmax_seconds = 3\n")
    stops = [r["error"] for r in db.query("select error from pages where error like '%crawl budget:%'")]
    assert len(stops) == 1 and "max_seconds 3 for the portal reached" in stops[0], stops
    assert counts["scrapy_govcrawl_budget_seconds_stop"] == 1
    found = _report_urls(db, "slowchain")
    assert 0 < len(found) < 40  # what came before the stop is stored; the rest is named as not fetched
    assert site[1]["slowchain"] < 40
    assert "crawl budget:" in proc.stdout and "max_seconds 3" in proc.stdout  # named in the summary
    assert took < 60
    print(f"wall-clock budget 3 s: stopped after {took:.1f} s (process), {len(found)} of 40 reports")
