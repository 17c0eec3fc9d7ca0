"""Run status and exit codes: finished 0 / partial 3 / failed 1, stored in runs.status.

Each case crawls the local test portal (127.0.0.1) in a subprocess, with pages
replaced at run time (synthetic), except the DNS case, whose host is in the
reserved .invalid domain (RFC 6761: it never resolves).
"""
from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from govcrawl.testing.testportal import TestPortal

from conftest import PORTAL_DIR, run_govcrawl

# A portal without nav_path: its start page is read as a list page (synthetic config).
_TOML = """
[[portal]]
name = "st"
start_urls = ["http://{host}/st/list.html"]
allowed_domains = ["{host}"]
allow_private = true
[portal.politeness]
download_delay = 0
autothrottle = false
"""
# SYNTHETIC list page: two report links (TRS-style URLs) and a link that 404s.
_LIST = """<html><head><title>年报</title></head><body><ul>
<li><a href="/st/202001/t20200101_1.html">2019年政府信息公开工作年度报告</a></li>
<li><a href="/st/202101/t20210101_2.html">2020年政府信息公开工作年度报告</a></li>
{extra}</ul></body></html>"""
_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # not a text document, served as text/html


def _crawl(tmp_path: Path, start_url: str, host: str = "127.0.0.1"):
    toml = tmp_path / "portals.toml"
    toml.write_text(_TOML.format(host=host), encoding="utf-8")
    db = tmp_path / "g.db"
    proc = run_govcrawl("crawl", "st", "--portals", str(toml), "--db", str(db), "--archive", str(tmp_path / "archive"),
                        "--start-url", start_url, "--log-level", "WARNING", "-s", "DOWNLOAD_TIMEOUT=5",
                        "-s", "RETRY_TIMES=0", check=False, timeout=120)
    run = next(sqlite_utils.Database(db).query("select status, counts from runs where kind = 'crawl'"))
    return proc, run["status"], json.loads(run["counts"])


def _report_page(portal: TestPortal, path: str, year: int) -> None:
    src = PORTAL_DIR
    # reuse a real report page of the bundled portal (real text, synthetic chrome)
    body = (src / "zwgk/zfxxgknb/2017/201803/t20180330_71001.html").read_bytes()
    portal.set_page(path, body)


def test_finished_exit_0(tmp_path):
    with TestPortal() as portal:
        portal.set_page("/st/list.html", _LIST.format(extra="").encode())
        _report_page(portal, "/st/202001/t20200101_1.html", 2019)
        _report_page(portal, "/st/202101/t20210101_2.html", 2020)
        proc, status, counts = _crawl(tmp_path, portal.base_url + "/st/list.html")
    assert (proc.returncode, status) == (0, "finished"), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "run " in proc.stdout and "finished" in proc.stdout


def test_partial_exit_3_counts_failures_by_reason(tmp_path):
    extra = '<li><a href="/st/202201/t20220101_3.html">2021年政府信息公开工作年度报告</a></li>'
    with TestPortal() as portal:
        portal.set_page("/st/list.html", _LIST.format(extra=extra).encode())
        _report_page(portal, "/st/202001/t20200101_1.html", 2019)
        _report_page(portal, "/st/202101/t20210101_2.html", 2020)
        # /st/202201/t20220101_3.html is not served: 404
        proc, status, counts = _crawl(tmp_path, portal.base_url + "/st/list.html")
    assert (proc.returncode, status) == (3, "partial"), proc.stderr[-2000:]
    assert counts["failed_pages"] == {"HTTP 404": 1}
    assert "partial" in counts["status_detail"] and "1 × HTTP 404" in counts["status_detail"]
    assert "failed: HTTP 404" in proc.stdout  # the coverage table


def test_all_404_is_failed_exit_1(tmp_path):
    with TestPortal() as portal:
        proc, status, counts = _crawl(tmp_path, portal.base_url + "/st/nothing-here.html")
    assert (proc.returncode, status) == (1, "failed"), proc.stderr[-2000:]
    assert "start URLs unreachable: HTTP 404" in counts["status_detail"]


def test_dns_failure_is_failed_with_reason_tag(tmp_path):
    proc, status, counts = _crawl(tmp_path, "http://no-such-host.invalid/st/list.html", host="no-such-host.invalid")
    assert (proc.returncode, status) == (1, "failed"), proc.stderr[-2000:]
    assert "start URLs unreachable: DNS lookup failed" in counts["status_detail"]
    assert counts["failed_pages"] == {"DNS lookup failed": 1}  # the host, once (its robots.txt)


def test_dns_failure_reason_tag_on_scrapy_2_19_exception():
    # Scrapy 2.19 raises CannotResolveHostError (wrapping Twisted's DNSLookupError).
    from scrapy.exceptions import CannotResolveHostError
    from twisted.python.failure import Failure

    from govcrawl.crawl.failures import describe_failure

    reason = describe_failure(Failure(CannotResolveHostError("no results for hostname lookup: x.invalid")))
    assert reason.startswith("DNS lookup failed: the host name does not resolve"), reason


def test_every_extraction_failed_is_failed(tmp_path):
    with TestPortal() as portal:
        portal.set_page("/st/list.html", _LIST.format(extra="").encode())
        portal.set_page("/st/202001/t20200101_1.html", _PNG)
        portal.set_page("/st/202101/t20210101_2.html", _PNG)
        proc, status, counts = _crawl(tmp_path, portal.base_url + "/st/list.html")
    assert (proc.returncode, status) == (1, "failed"), proc.stderr[-2000:]
    assert "every extraction failed (2 report candidates)" in counts["status_detail"]


def test_robots_disallow_all_is_failed(tmp_path):
    with TestPortal() as portal:
        portal.set_page("/robots.txt", b"User-agent: *\nDisallow: /\n", "text/plain")
        portal.set_page("/st/list.html", _LIST.format(extra="").encode())
        proc, status, counts = _crawl(tmp_path, portal.base_url + "/st/list.html")
        fetched = [r.path for r in portal.requests]
    assert (proc.returncode, status) == (1, "failed"), proc.stderr[-2000:]
    assert "robots.txt disallowed everything" in counts["status_detail"]
    assert set(fetched) == {"/robots.txt"}  # nothing else was requested
