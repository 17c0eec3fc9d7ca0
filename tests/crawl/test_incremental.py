"""Incremental crawls of the local test portal: conditional GETs, versions, nothing archived twice,
and the portal's revisit policy ("skip")."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from govcrawl.archive import iter_records
from govcrawl.testing.testportal import TestPortal

from conftest import PORTAL_TOML, crawl_portal, run_govcrawl

CHANGED = "/zwgk/zfxxgknb/2012/201303/t20130329_2201.html"
OLD, NEW = "主动公开政府信息170条".encode(), "主动公开政府信息171条".encode()


def _report_records(archive: Path, run_id: str) -> list:
    """WARC response records of report pages (detail/attachment) written by one run (an unchanged page is a
    revisit record, no payload). Redirects have no pages row to compare with: each crawl archives them again."""
    return [r for r in iter_records(archive) if run_id in r.file and not 300 <= r.status < 400
            and r.warc_headers.get("WARC-Govcrawl-Role") in ("detail", "attachment")]


@pytest.fixture(scope="module")
def three_crawls(tmp_path_factory):
    """Crawl; change one report page; crawl; crawl again with nothing changed."""
    out = tmp_path_factory.mktemp("incremental")
    logs = []
    with TestPortal() as portal:
        crawl_portal(portal, out)
        body = portal.served[CHANGED]
        assert OLD in body
        portal.set_page(CHANGED, body.replace(OLD, NEW))
        portal.clear_log()
        crawl_portal(portal, out)
        logs.append(list(portal.requests))
        portal.clear_log()
        crawl_portal(portal, out)
        logs.append(list(portal.requests))
        base = portal.base_url
    db = sqlite_utils.Database(out / "govcrawl.db")
    runs = [r["id"] for r in db.query("select id from runs order by started_at, id")]
    return {"out": out, "db": db, "runs": runs, "logs": logs, "base": base}


def test_changed_report_gets_a_second_version(three_crawls):
    db, base = three_crawls["db"], three_crawls["base"]
    rows = list(db.query("select * from reports where url = ? order by id", [base + CHANGED]))
    assert len(rows) == 2
    old, new = rows
    assert old["superseded_by"] == new["id"] and new["previous_version_id"] == old["id"]
    assert (old["version"], new["version"]) == (1, 2)
    assert "170条" in old["text"] and "171条" in new["text"]
    assert new["superseded_by"] is None
    # Both versions keep their own stats rows.
    for row in (old, new):
        assert db.execute("select count(*) from stats where report_id = ?", [row["id"]]).fetchone()[0] == row["stats_count"] > 0
    assert db.execute("select count(*) from reports where superseded_by is null").fetchone()[0] == 11


def test_report_pages_requested_conditionally(three_crawls):
    second = three_crawls["logs"][0]
    conditional = [r for r in second if r.if_none_match]
    assert len(conditional) >= 10
    assert {r.status for r in conditional} <= {200, 304}
    changed = [r for r in second if r.path == CHANGED]
    assert changed and changed[0].status == 200  # its ETag no longer matches
    assert sum(r.status == 304 for r in second) >= 10
    # List pages are always fetched again, unconditionally.
    assert any(r.path.startswith("/zwgk/zfxxgknb/2016/index") and not r.if_none_match for r in second)


def test_unchanged_crawl_archives_no_report_page(three_crawls):
    out, (first, second, third) = three_crawls["out"], three_crawls["runs"]
    archive = out / "archive"
    assert len(_report_records(archive, first)) >= 12
    assert len(_report_records(archive, second)) == 1  # only the changed page
    assert _report_records(archive, third) == []
    db = three_crawls["db"]
    assert db.execute("select count(*) from pages where run_id = ? and warc_file is not null", [third]).fetchone()[0] == 0


def test_revisit_skip_policy_does_not_request_stored_reports(tmp_path):
    toml = tmp_path / "portal.toml"
    toml.write_text(PORTAL_TOML.read_text(encoding="utf-8").replace('allow_private = true', 'allow_private = true\nrevisit = "skip"'),
                    encoding="utf-8")
    out = tmp_path / "out"
    with TestPortal() as portal:
        args = ("crawl", "testportal", "--portals", str(toml), "--db", str(out / "g.db"), "--archive", str(out / "archive"),
                "--start-url", portal.base_url + "/index.html", "--log-level", "WARNING")
        run_govcrawl(*args, ok=(3,))
        db = sqlite_utils.Database(out / "g.db")
        stored = {r["url"][len(portal.base_url):] for r in db.query("select url from reports")}
        assert len(stored) == 11
        portal.clear_log()
        run_govcrawl(*args, ok=(3,))
        requested = {r.path for r in portal.requests}
    assert not stored & requested  # not even a conditional GET
    assert "/zwgk/zfxxgknb/2016/index.html" in requested  # lists still walked
    assert db["reports"].count == 11
