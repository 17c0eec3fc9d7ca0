"""Real Datasette (pinned in the test extra) on 127.0.0.1 against a demo-style DB, with
`govcrawl datasette-metadata`: default facets, canned queries, foreign-key links, short searches."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from govcrawl.testing.servers import free_port

from conftest import run_govcrawl


@pytest.fixture(scope="module")
def datasette(demo_db, tmp_path_factory):
    meta = tmp_path_factory.mktemp("ds") / "metadata.json"
    proc = run_govcrawl("datasette-metadata", "--db", str(demo_db), "-o", str(meta))
    assert "truncate_cells_html" in proc.stderr
    exe = Path(sys.executable).with_name("datasette")
    assert exe.exists(), "datasette is not installed: pip install -e '.[test]'"
    port = free_port()
    server = subprocess.Popen([str(exe), "serve", str(demo_db), "-m", str(meta), "-h", "127.0.0.1", "-p", str(port),
                               "--setting", "truncate_cells_html", "200"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError("datasette exited: " + server.stdout.read().decode(errors="replace"))
                time.sleep(0.1)
        else:
            raise AssertionError("datasette did not start within 30 s")
        yield base + "/" + demo_db.stem, demo_db
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str, **params):
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read().decode("utf-8"))


def _q(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_default_facets_from_the_metadata(datasette):
    base, db = datasette
    data = _get(base + "/current_reports.json")
    facets = data["facet_results"]
    facets = facets.get("results", facets)  # the shape differs between Datasette versions
    assert {"year", "jurisdiction", "format"} <= set(facets)
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    assert years == dict(_q(db, "select year, count(*) from current_reports where year is not null group by year"))
    checks = _get(base + "/failed_checks.json")["facet_results"]
    assert "rule" in checks.get("results", checks)


def test_canned_queries(datasette):
    base, db = datasette
    # The jurisdiction with the most years (NULL is not one: excerpts of real reports may name none).
    jur = _q(db, """select jurisdiction from current_stats where key = 'apply.new.total' and jurisdiction is not null
                    group by jurisdiction order by count(*) desc limit 1""")[0][0]
    rows = _get(base + "/metric_across_years.json", jurisdiction=jur, key="apply.new.total", _shape="array")
    truth = _q(db, "select year, value from current_stats where jurisdiction = ? and key = 'apply.new.total' order by year", jur)
    assert [(r["year"], r["value"]) for r in rows] == truth and len(truth) >= 2
    ranked = _get(base + "/applications_ranked.json", year="", _shape="array")
    top = max(ranked, key=lambda r: r["year"])
    assert top["rank"] == 1 and top["applications"] == _q(
        db, "select max(s) from (select sum(value) s from current_stats where key = 'apply.new.total' and year = ? group by jurisdiction)",
        top["year"])[0][0]
    failing = _get(base + "/reports_failing_identities.json", _shape="array")
    assert {r["report_id"] for r in failing} == {r for (r,) in _q(db, "select distinct report_id from failed_checks where kind = 'identity'")}
    gaps = _get(base + "/coverage_gaps.json", _shape="array")
    assert gaps and {g["gap"] for g in gaps} <= {"no report", "no statistics", "identities fail"}


def test_foreign_keys_link_ids_to_reports(datasette):
    base, db = datasette
    data = _get(base + "/stats.json", _labels="on", _shape="objects", _size="5")
    row = data["rows"][0]
    title = _q(db, "select title from reports where id = ?", row["report_id"]["value"])[0][0]
    assert row["report_id"]["label"] == title  # shown by the report's title (label_column)
    dup = _q(db, "select id, duplicate_of from reports where duplicate_of is not null limit 1")
    assert dup, "the demo DB holds mirror copies"
    rows = _get(base + "/reports.json", _labels="on", _shape="objects", id=str(dup[0][0]))["rows"]
    assert rows[0]["duplicate_of"]["value"] == dup[0][1] and rows[0]["duplicate_of"]["label"]


def test_text_is_cut_in_table_views_and_whole_on_the_row_page(datasette):
    import lxml.html

    base, db = datasette
    rid, text = _q(db, "select id, text from reports order by length(text) desc limit 1")[0]

    def text_cell(path):
        page = lxml.html.fromstring(urllib.request.urlopen(base + path, timeout=30).read().decode("utf-8"))
        return page.xpath("string(//td[contains(concat(' ', @class, ' '), ' col-text ')])")

    in_table = text_cell(f"/reports?id={rid}")
    assert len(in_table) <= 201 and in_table.endswith("…") and text.startswith(in_table[:-1])
    assert len(text_cell(f"/reports/{rid}").strip()) >= len(text.strip()) - 5  # whole (HTML may trim whitespace)


def test_short_search_falls_back_to_like(datasette):
    base, db = datasette
    rows = _get(base + "/search.json", q="复议", _shape="array")
    assert rows and all(r["how"].startswith("like") for r in rows)
    assert len(rows) == _q(db, "select count(*) from current_reports r join reports t on t.id = r.id "
                                "where instr(t.title, '复议') > 0 or instr(t.text, '复议') > 0")[0][0]
    long = _get(base + "/search.json", q="行政复议", _shape="array")
    assert long and all(r["how"].startswith("fts") for r in long)
    proc = run_govcrawl("search", "复议", "--db", str(db))
    assert "shorter than 3 characters" in proc.stderr and len(proc.stdout.splitlines()) == min(len(rows), 50)
