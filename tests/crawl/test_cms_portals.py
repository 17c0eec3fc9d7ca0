"""Crawls of one fixture portal per CMS style (tests/fixtures/cms/), all in ONE `govcrawl crawl --all` run.

Each registry entry gets its own server (so its requests are counted apart);
each style is crawled twice, along a nav path and by discovery from the home
page. Asserted per entry: exactly the expected reports, no non-report stored as
one, every list page and API request made once. Report texts are real, the
chrome synthetic (tests/fixtures/cms/README.md).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from govcrawl.portals import load_portals
from govcrawl.testing.testportal import TestPortal

from conftest import FIXTURES, run_govcrawl

CMS = FIXTURES / "cms"
REGISTRY = CMS / "portals.toml"
STYLES = ["trs-vars", "trs-cph", "jcms", "discovery", "sitemap"]
ENTRIES = [f"{s}-{mode}" for s in STYLES for mode in ("nav", "discover")]


def _style(entry: str) -> str:
    return entry.rsplit("-", 1)[0]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    out = tmp_path_factory.mktemp("cms")
    servers = {name: TestPortal(CMS / _style(name)).start() for name in ENTRIES}
    try:
        text = REGISTRY.read_text(encoding="utf-8")
        registry = out / "portals.toml"
        # Point each entry's placeholder start URL at its own server.
        chunks = text.split("[[portal]]")
        for i, chunk in enumerate(chunks):
            m = re.search(r'name = "([^"]+)"', chunk)
            if m and m.group(1) in servers:
                chunks[i] = chunk.replace('"http://127.0.0.1/"', f'"{servers[m.group(1)].base_url}/"')
        registry.write_text("[[portal]]".join(chunks), encoding="utf-8")
        proc = run_govcrawl("crawl", "--all", "--portals", str(registry), "--db", str(out / "govcrawl.db"),
                            "--archive", str(out / "archive"), "--log-level", "WARNING", timeout=300)
        requests = {name: list(s.requests) for name, s in servers.items()}
    finally:
        for s in servers.values():
            s.stop()
    db = sqlite_utils.Database(out / "govcrawl.db")
    bases = {name: s.base_url for name, s in servers.items()}
    return {"db": db, "requests": requests, "bases": bases, "stdout": proc.stdout, "archive": out / "archive"}


def _expected(entry: str) -> dict:
    return json.loads((CMS / _style(entry) / "expected.json").read_text(encoding="utf-8"))


def _stored_reports(crawl, entry: str) -> set[str]:
    base = crawl["bases"][entry]
    rows = crawl["db"].query("select p.url from pages p where p.portal = ? and p.report_id is not null", [entry])
    return {r["url"][len(base):] for r in rows}


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_report_found_and_nothing_else(crawl, entry):
    expected = _expected(entry)
    assert _stored_reports(crawl, entry) == set(expected["reports"])
    assert len(expected["reports"]) >= 2


@pytest.mark.parametrize("entry", ENTRIES)
def test_non_reports_fetched_and_skipped_with_reasons(crawl, entry):
    base = crawl["bases"][entry]
    for path in _expected(entry)["non_reports"]:
        rows = list(crawl["db"].query("select report_id, skip_reason from pages where portal = ? and url = ?", [entry, base + path]))
        assert rows and all(r["report_id"] is None and r["skip_reason"] for r in rows), path


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_list_and_api_page_requested_once(crawl, entry):
    expected = _expected(entry)
    got = Counter(r.path for r in crawl["requests"][entry])
    for path in expected["list_pages"] + expected["api_requests"]:
        assert got[path] == 1, (path, got[path])
    assert all(n == 1 for n in got.values()), {p: n for p, n in got.items() if n > 1}
    posts = [r for r in crawl["requests"][entry] if r.method == "POST"]
    assert sorted(r.path for r in posts) == sorted(expected["api_requests"])


def test_one_runs_row_per_portal_and_combined_summary(crawl):
    rows = list(crawl["db"].query("select portal, status from runs where kind = 'crawl'"))
    assert sorted(r["portal"] for r in rows) == sorted(ENTRIES)
    assert all(r["status"] == "finished" for r in rows)
    assert f"crawl of {len(ENTRIES)} portals" in crawl["stdout"]


def test_requests_per_report(crawl):
    """The cost of each style, as requests made per report found (printed for the record)."""
    for entry in ENTRIES:
        n = len(crawl["requests"][entry])
        reports = len(_stored_reports(crawl, entry))
        print(f"{entry}: {n} requests / {reports} reports = {n / reports:.1f}")
        assert reports and n / reports < 12


def test_fixture_registry_is_valid():
    assert set(load_portals(REGISTRY)) == set(ENTRIES)


def test_notice_and_website_form_skipped_with_their_reasons(crawl):
    base = crawl["bases"]["trs-vars-nav"]
    reasons = {r["url"][len(base):]: r["skip_reason"] for r in crawl["db"].query(
        "select url, skip_reason from pages where portal = 'trs-vars-nav' and skip_reason is not null")}
    assert "compiling or publishing" in reasons["/zwgk/zfxxgknb/202401/t20240110_8800.htm"]
    assert "政府网站年度工作报表" in reasons["/zwgk/zfxxgknb/202401/t20240115_8799.htm"]


def test_every_jcms_api_request_archived_with_its_body(crawl):
    """Each dataproxy.jsp POST is in the WARC as a request record holding the form body the server received."""
    from govcrawl.archive import iter_records

    records = [r for r in iter_records(crawl["archive"], types=("request",)) if "dataproxy.jsp" in (r.url or "")]
    for entry in ("jcms-nav", "jcms-discover"):
        base = crawl["bases"][entry]
        sent = sorted((base + r.path, r.body) for r in crawl["requests"][entry] if r.method == "POST")
        assert len(sent) == len(_expected(entry)["api_requests"]) > 0
        assert all(body for _, body in sent)
        assert sorted((r.url, r.body) for r in records if r.url.startswith(base + "/")) == sent
