"""Scope and safety: no request outside a portal's allowed hosts, none to private addresses
unless the portal opts in; counted at the server (Host header) and at the scheduler
(``govcrawl/scheduled/<host>`` stats kept in the run's counts).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlite_utils

from conftest import ROOT, crawl_portal, run_govcrawl

from govcrawl.archive import WarcArchive
from govcrawl.crawl.guard import Scope, non_public_reason
from govcrawl.testing.testportal import TestPortal


def _scheduled_hosts(counts: dict) -> dict:
    prefix = "scrapy_govcrawl_scheduled_"
    return {k[len(prefix):]: v for k, v in counts.items() if k.startswith(prefix) and k != prefix + "out_of_scope"}


# -- the rule -------------------------------------------------------------------------

@pytest.mark.parametrize("url,allowed", [
    ("http://www.example.gov.cn/a.html", True),
    ("http://sub.www.example.gov.cn/a.html", True),
    ("http://example.gov.cn/a.html", False),  # the parent domain is not allowed
    ("http://www.example.gov.cn.evil.test/a.html", False),
    ("ftp://www.example.gov.cn/a.pdf", False),
    ("file:///etc/passwd", False),
])
def test_allowed_domains(url, allowed, monkeypatch):
    monkeypatch.setattr("govcrawl.crawl.guard._addresses", lambda host: ("203.0.113.7",) if "example" in host else ())
    # 203.0.113.0/24 is documentation space, i.e. not global: let the test portal flag cover it.
    scope = Scope(["www.example.gov.cn"], allow_private=True)
    assert (scope.refusal(url) is None) is allowed


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
                                  "[::1]", "[fe80::1]", "[fd00::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "localhost"])
def test_private_addresses_refused_unless_allowed(host):
    bare = host.strip("[]")
    assert non_public_reason(bare)
    assert "allow_private" in Scope([bare]).refusal(f"http://{host}/x.html")
    assert Scope([bare], allow_private=True).refusal(f"http://{host}/x.html") is None


def test_hostname_resolving_to_private_address_refused(monkeypatch):
    monkeypatch.setattr("govcrawl.crawl.guard._addresses", lambda host: ("10.0.0.5",))
    why = Scope(["intranet.example.gov.cn"]).refusal("http://intranet.example.gov.cn/")
    assert "private address 10.0.0.5" in why


# -- crawls -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def portal_crawl(tmp_path_factory):
    out = tmp_path_factory.mktemp("scope")
    with TestPortal() as portal:
        crawl_portal(portal, out)
        requests = list(portal.requests)
    db = sqlite_utils.Database(out / "govcrawl.db")
    return {"db": db, "requests": requests, "out": out,
            "counts": json.loads(next(db.query("select counts from runs"))["counts"])}


def test_test_portal_crawl_stays_on_its_host(portal_crawl):
    # The portal links off-domain pages (中国政府网, {{OFFSITE}} = localhost:PORT on the same server).
    assert portal_crawl["requests"] and {r.hostname for r in portal_crawl["requests"]} == {"127.0.0.1"}
    scheduled = _scheduled_hosts(portal_crawl["counts"])
    assert set(scheduled) == {"127.0.0.1"} and scheduled["127.0.0.1"] > 30
    assert portal_crawl["counts"].get("scrapy_govcrawl_scheduled_out_of_scope", 0) == 0
    assert portal_crawl["counts"].get("scrapy_govcrawl_guard_refused", 0) == 0


def test_offsite_redirect_never_scheduled(fault_crawl):
    counts = json.loads(next(fault_crawl["db"].query("select counts from runs"))["counts"])
    assert set(_scheduled_hosts(counts)) == {"127.0.0.1"}
    assert counts["scrapy_govcrawl_redirect_refused"] == 1
    assert fault_crawl["hosts"] == {"127.0.0.1"}


def test_loopback_portal_refused_without_allow_private(tmp_path):
    toml = tmp_path / "portals.toml"
    toml.write_text('# synthetic: the test portal without its allow_private opt-in\n[[portal]]\nname = "noprivate"\n'
                    'start_urls = ["http://127.0.0.1/index.html"]\nallowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
    with TestPortal() as portal:
        run_govcrawl("crawl", "noprivate", "--portals", str(toml), "--db", str(tmp_path / "g.db"),
                     "--archive", str(tmp_path / "archive"), "--start-url", portal.base_url + "/index.html",
                     "--log-level", "WARNING", ok=(1,))  # failed: the start URL was refused
        assert portal.requests == []  # not even robots.txt
    rows = list(sqlite_utils.Database(tmp_path / "g.db").query("select url, error from pages"))
    assert portal.base_url + "/index.html" in {r["url"] for r in rows}
    for row in rows:  # the start page (and robots.txt, if the spider records it)
        assert row["error"].startswith("refused: scope guard: 127.0.0.1 resolves to loopback address"), row


# -- paths, SQL, exports ------------------------------------------------------------------

@pytest.mark.parametrize("portal,run", [("../etc", "r1"), ("ok", "../../x"), ("a/b", "r"), ("ok", "r/../../x")])
def test_archive_paths_only_from_validated_names(tmp_path, portal, run):
    with pytest.raises(ValueError):
        WarcArchive(tmp_path, portal, run)


def test_archive_file_names_never_from_urls(portal_crawl):
    files = [p.relative_to(portal_crawl["out"] / "archive").as_posix() for p in (portal_crawl["out"] / "archive").rglob("*") if p.is_file()]
    assert files and all(re.fullmatch(r"testportal/[0-9T]+-[0-9a-f]+-\d+\.warc\.gz", f) for f in files), files


_FSTRING_SQL = re.compile(r"""\.(?:execute|query|executescript|executemany)\(\s*f(["'])(.*?)\1""", re.S)


def test_sql_values_only_as_parameters():
    """SQL text may interpolate only placeholder lists ("?, ?, ?"), never values."""
    offenders = []
    for py in (ROOT / "govcrawl").rglob("*.py"):
        for m in _FSTRING_SQL.finditer(py.read_text(encoding="utf-8")):
            names = set(re.findall(r"\{([^}]*)\}", m.group(2)))
            if names - {"marks", "placeholders", "qmarks"}:
                offenders.append(f"{py.relative_to(ROOT)}: {m.group(0)[:80]}")
    assert offenders == []


@pytest.mark.parametrize("table", ["reports", "pages", "stats"])
def test_exports_carry_no_local_paths(portal_crawl, table, tmp_path):
    out = tmp_path / f"{table}.jsonl"
    run_govcrawl("export", table, "--db", str(portal_crawl["out"] / "govcrawl.db"), "--format", "jsonl", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.strip()
    for local in (str(portal_crawl["out"]), str(Path.home()), "file://", ".warc.gz"):
        assert local not in text, (table, local)
