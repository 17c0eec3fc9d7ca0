"""A nav path that leads nowhere falls back to discovery from the home page (recorded in pages and the summary).

Two stale nav paths over the CMS fixture portals (tests/fixtures/cms/, synthetic chrome, real report
texts), crawled in one `govcrawl crawl --all` run:
* ``stale-step``: trs-cph, whose first step (新闻中心) exists but lists no 政府信息公开年报 link;
* ``step-404``: trs-vars, whose first step (网站地图) links to a page that answers 404.
Both must still find every report, and fetch no page twice (discovery reads the pages the nav path
fetched again instead of requesting them anew).
"""
from __future__ import annotations

import json
from collections import Counter

import pytest
import sqlite_utils

from govcrawl.testing.testportal import TestPortal

from conftest import FIXTURES, run_govcrawl

CMS = FIXTURES / "cms"
CASES = {"stale-step": ("trs-cph", ["新闻中心", "政府信息公开年报"]), "step-404": ("trs-vars", ["网站地图", "政府信息公开年报"])}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    out = tmp_path_factory.mktemp("navfallback")
    servers = {name: TestPortal(CMS / site).start() for name, (site, _) in CASES.items()}
    try:
        registry = out / "portals.toml"
        registry.write_text("# synthetic: stale nav paths over the CMS fixture portals (tests/crawl/test_nav_fallback.py)\n" + "".join(
            "[[portal]]\n"
            f'name = "{name}"\n'
            f'start_urls = ["{servers[name].base_url}/"]\n'
            f"nav_path = {json.dumps(path, ensure_ascii=False)}\n"
            "allow_private = true\n"
            "politeness = { download_delay = 0, autothrottle = false }\n\n" for name, (_, path) in CASES.items()), encoding="utf-8")
        proc = run_govcrawl("crawl", "--all", "--portals", str(registry), "--db", str(out / "g.db"),
                            "--archive", str(out / "archive"), "--log-level", "WARNING", ok=(0, 3))
        requests = {name: [r.path for r in s.requests] for name, s in servers.items()}
    finally:
        for s in servers.values():
            s.stop()
    return {"db": sqlite_utils.Database(out / "g.db"), "stdout": " ".join(proc.stdout.split()), "requests": requests,
            "bases": {name: s.base_url for name, s in servers.items()}}


@pytest.mark.parametrize("name", CASES)
def test_every_report_found_after_the_fallback(crawl, name):
    site = CASES[name][0]
    expected = json.loads((CMS / site / "expected.json").read_text(encoding="utf-8"))
    base = crawl["bases"][name]
    got = {r["url"][len(base):] for r in crawl["db"].query(
        "select url from pages where portal = ? and report_id is not null", [name])}
    assert got == set(expected["reports"])
    counts = Counter(crawl["requests"][name])
    assert all(n == 1 for n in counts.values()), {p: n for p, n in counts.items() if n > 1}
    for path in expected["list_pages"]:
        assert counts[path] == 1, path


def test_the_step_that_led_nowhere_is_recorded(crawl):
    base = crawl["bases"]["stale-step"]
    row = crawl["db"].execute("select skip_reason from pages where portal = 'stale-step' and url = ?", [base + "/xwzx/"]).fetchone()
    assert row and "nav path step 2 (政府信息公开年报): no link matches" in row[0]
    assert "stale-step: nav path led to no list page (nav path step 2 (政府信息公开年报): no link matches" in crawl["stdout"]
    assert "discovered from the home page instead" in crawl["stdout"]


def test_a_404_step_is_recorded_and_its_page_not_refetched(crawl):
    base = crawl["bases"]["step-404"]
    rows = list(crawl["db"].query("select status, skip_reason from pages where portal = 'step-404' and url = ?", [base + "/wzdt/"]))
    assert [(r["status"], r["skip_reason"]) for r in rows] == [(404, "HTTP 404")]
    assert f"step-404: nav path led to no list page (nav path step 1: {base}/wzdt/ answered HTTP 404)" in crawl["stdout"]
    statuses = dict(crawl["db"].execute("select portal, status from runs").fetchall())
    assert statuses == {"stale-step": "finished", "step-404": "partial"}  # the configured step's 404 is a failure to fix
