"""`govcrawl report` on a demo-style DB (a real crawl of the test portal plus the imported fixture
reports): one self-contained HTML file whose numbers are the DB's."""
from __future__ import annotations

import re
import sqlite3

import lxml.html
import pytest

from conftest import run_govcrawl


@pytest.fixture(scope="module")
def report(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    run_govcrawl("report", "--db", str(demo_db), "-o", str(out))
    text = out.read_text(encoding="utf-8")
    return text, lxml.html.fromstring(text), demo_db


def _q(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_self_contained(report):
    text, doc, _ = report
    assert len(doc.xpath("//svg")) >= 4  # coverage, applications, reviews, top jurisdictions: inline SVG
    assert not doc.xpath("//script") and not doc.xpath("//link") and not doc.xpath("//*[@src]")
    assert not re.search(r"url\((?!#)|@import", text)  # only in-page references (SVG clip paths)
    # every link leaves to a source URL or stays inside the page
    assert all(h.startswith(("#", "http://", "https://")) for h in doc.xpath("//a/@href"))


def test_summary_and_coverage_match_the_db(report):
    _, doc, db = report
    n = _q(db, "select count(*) from current_reports")[0][0]
    assert doc.xpath("string(//div[@id='stat-reports']/b)") == f"{n:,}"
    cells = doc.xpath("//table[@id='coverage']//td[@data-reports]")
    truth = {(j, y): r for j, y, r in _q(db, "select jurisdiction, year, reports from coverage "
                                              "where jurisdiction is not null and year is not null")}
    assert {(c.get("data-jurisdiction"), int(c.get("data-year"))): int(c.get("data-reports")) for c in cells} == truth
    failed = {(c.get("data-jurisdiction"), int(c.get("data-year"))) for c in cells if "s4" in c.get("class")}
    assert failed == {(j, y) for j, y in _q(db, "select jurisdiction, year from coverage where identities_failed > 0 "
                                               "and jurisdiction is not null and year is not null")}


def _cell_number(td) -> float | None:
    s = td.text_content().replace(",", "").strip()
    return float(s) if s else None


def test_per_year_numbers_match_the_db(report):
    _, doc, db = report
    cells = doc.xpath("//table[@id='applications']//td")
    assert cells
    for td in cells:
        truth = _q(db, "select sum(value) from current_stats where year = ? and key = ?", int(td.get("data-year")),
                   td.get("data-key"))[0][0]
        assert _cell_number(td) == truth, (td.get("data-year"), td.get("data-key"))
    years = {int(td.get("data-year")) for td in cells}
    assert years == {y for (y,) in _q(db, "select distinct year from current_stats where key like 'apply.%' and key in "
                                         "('apply.new.total','apply.disclosed.total','apply.partial.total','apply.withheld.total',"
                                         "'apply.unavailable.total','apply.not_processed.total') and year is not null")}
    for td in doc.xpath("//table[@id='reviews']//td[@data-key='litigation']"):
        truth = _q(db, """select sum(value) from current_stats where year = ? and key in
                          ('litigation.direct.total', 'litigation.after_reconsideration.total', 'litigation.total')""",
                   int(td.get("data-year")))[0][0]
        assert _cell_number(td) == truth


def test_top_jurisdictions_and_problems_match_the_db(report):
    _, doc, db = report
    tops = [(td.get("data-jurisdiction"), _cell_number(td)) for td in doc.xpath("//table[@id='top']//td[@data-jurisdiction]")]
    truth = _q(db, """select jurisdiction, sum(value) n from current_stats where key = 'apply.new.total' and jurisdiction is not null
                      group by jurisdiction order by n desc, jurisdiction limit 15""")
    assert tops == [(j, float(n)) for j, n in truth]
    rows = doc.xpath("//table[@id='problems']//tr[td]")
    assert len(rows) == _q(db, "select count(*) from failed_checks where kind in ('identity', 'ambiguous')")[0][0] > 0
    # each names its report section, which exists
    for a in doc.xpath("//table[@id='problems']//a[starts-with(@href, '#r')]"):
        assert doc.xpath(f"//section[@id='{a.get('href')[1:]}']")


def test_per_report_tables_are_redrawn_from_stats(report):
    _, doc, db = report
    sections = doc.xpath("//section[@data-report-id]")
    assert len(sections) == _q(db, "select count(*) from current_reports where stats_count > 0 or checks_count > 0")[0][0]
    std = _q(db, "select id from current_reports where format = 'std-2021' and stats_count > 100 order by id limit 1")[0][0]
    sec = doc.xpath(f"//section[@data-report-id='{std}']")[0]
    assert sec.xpath(".//table[contains(@class, 't3')]") and sec.xpath(".//table[contains(@class, 't4')]")
    checked = 0
    for td in sec.xpath(".//td[@data-key]"):
        truth = _q(db, "select value from current_stats where report_id = ? and key = ?", std, td.get("data-key"))
        assert _cell_number(td) == (truth[0][0] if truth else None), td.get("data-key")
        checked += 1
    assert checked == _q(db, "select count(*) from current_stats where report_id = ?", std)[0][0] or checked > 100
