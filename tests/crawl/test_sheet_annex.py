"""A statistics spreadsheet attached beside a report is stored as that report's annex.

The trs-vars fixture portal (tests/fixtures/cms/, synthetic chrome, real report texts) with one
report page that also links a 统计表 as .et and as .xlsx: SYNTHETIC workbooks holding the real
Pingtan 2025 report's tables (tests/fixtures/corpus/synthetic/office/pingtan-2025-tables.*; no
tool here writes Kingsoft .et, so the .xls bytes are served under that name). Each is read into
the grid reader and kept as an annex row linked to the report of the page that links it
(reports.annex_of), not as a report of its own.
"""
from __future__ import annotations

import sqlite_utils

from govcrawl.extract import extract_file
from govcrawl.testing.testportal import TestPortal

from conftest import FIXTURES, run_govcrawl

SITE = FIXTURES / "cms" / "trs-vars"
OFFICE = FIXTURES / "corpus" / "synthetic" / "office"
PAGE = "/zwgk/zfxxgknb/202403/t20240315_8801.htm"
SHEETS = {"/files/2024tjb.et": ("pingtan-2025-tables.xls", "xls"), "/files/2024tjb.xlsx": ("pingtan-2025-tables.xlsx", "xlsx")}
TABLES = ("proactive.", "apply.", "reconsideration.", "litigation.")


def test_spreadsheets_beside_a_report_are_its_annexes(tmp_path):
    with TestPortal(SITE) as portal:
        html = (SITE / PAGE.lstrip("/")).read_bytes()
        links = "".join(f'<p><a href="{path}">统计表{n}</a></p>' for n, path in enumerate(SHEETS, 1)).encode()
        portal.set_page(PAGE, html.replace(b"</body>", links + b"</body>"))
        for path, (name, _) in SHEETS.items():
            portal.set_page(path, (OFFICE / name).read_bytes(), "application/octet-stream")
        registry = tmp_path / "portals.toml"
        registry.write_text(
            "# synthetic: the trs-vars fixture portal (tests/crawl/test_sheet_annex.py)\n"
            "[[portal]]\n"
            'name = "sheets"\n'
            f'start_urls = ["{portal.base_url}/"]\n'
            'nav_path = ["政务公开", "政府信息公开年报"]\n'
            "allow_private = true\n"
            "politeness = { download_delay = 0, autothrottle = false }\n", encoding="utf-8")
        proc = run_govcrawl("crawl", "sheets", "--portals", str(registry), "--db", str(tmp_path / "g.db"),
                     "--archive", str(tmp_path / "archive"), "--log-level", "WARNING")
        base = portal.base_url
    db = sqlite_utils.Database(tmp_path / "g.db")
    (parent,) = db.query("select id from reports where url = ?", [base + PAGE])
    want = {k: v for k, v in ((s.key, s.value) for s in extract_file(OFFICE / "pingtan-2025-tables.xlsx").stats)
            if k.startswith(TABLES)}
    assert len(want) > 150
    for path, (_, read_as) in SHEETS.items():
        (annex,) = db.query("select id, kind, read_as, annex_of, title from reports where url = ?", [base + path])
        assert (annex["kind"], annex["read_as"], annex["annex_of"]) == ("attachment", read_as, parent["id"]), annex
        got = {r["key"]: r["value"] for r in db.query(
            "select key, value from stats where report_id = ? and source = 'table'", [annex["id"]])}
        assert {k: v for k, v in got.items() if k.startswith(TABLES)} == want, path
        (page,) = db.query("select report_id, skip_reason from pages where url = ?", [base + path])
        assert page["report_id"] == annex["id"] and page["skip_reason"] is None
    # Not reports of their own: the report views hold the site's four reports, no annex.
    assert db.execute("select count(*) from current_reports").fetchone()[0] == 4
    assert db.execute("select count(*) from current_stats where url like '%/files/%'").fetchone()[0] == 0
    assert "reports found: 4 " in proc.stdout  # the summary counts reports, not their annexes
