""".docx reports: mammoth's HTML, read by the same path as a web page.

The .docx files here are SYNTHETIC (tests/docxgen.py): a real report page from
tests/fixtures/corpus repackaged as a Word document, merged cells as Word writes
them. No real .docx attachment is in the corpus.
"""
from __future__ import annotations

import io
import zipfile

import sqlite_utils

from govcrawl.extract import docx as docx_mod
from govcrawl.extract import extract, extract_file, sniff_kind

from conftest import FIXTURES, run_govcrawl
from docxgen import docx, docx_from_html

PT_HTML = FIXTURES / "corpus" / "real" / "pingtan" / "2025-report.html"
PT_TITLE = "平潭综合实验区2025年度政府信息公开工作年度报告"


def _pingtan_docx() -> bytes:
    html = PT_HTML.read_text(encoding="utf-8")
    return docx_from_html(html, '//div[@class="TRS_Editor"]', title=PT_TITLE)


def test_report_from_docx_matches_the_same_report_from_html():
    from_html = extract_file(PT_HTML)
    from_docx = extract(_pingtan_docx(), filename="report.docx")
    assert from_docx.kind == "docx" and from_docx.error is None and from_docx.is_report
    assert (from_docx.title, from_docx.year, from_docx.format) == (PT_TITLE, 2025, "std-2021")
    # every statistic, read from Word tables with merged cells (gridSpan / vMerge)
    assert len(from_html.stats) > 200
    assert {(s.key, s.value) for s in from_docx.stats} == {(s.key, s.value) for s in from_html.stats}
    assert [c.rule for c in from_docx.checks] == [c.rule for c in from_html.checks]
    assert "行政规范性文件 | 58 | 45 | 546" in from_docx.text.splitlines()


def test_zip_that_is_not_a_docx_is_binary_with_a_reason():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Doc_0/Document.xml", "<ofd/>")  # an OFD package (an .xlsx is read: test_sheet.py)
    for data in (buf.getvalue(), b"PK\x03\x04 truncated"):
        assert sniff_kind(data) == "binary"
        doc = extract(data, filename="a.docx")
        assert doc.error.startswith("not a text document: ZIP container that is not a .docx")
        assert not doc.is_report


def test_docx_bomb_refused_with_a_reason(monkeypatch):
    monkeypatch.setattr(docx_mod, "MAX_UNPACKED_BYTES", 1024 * 1024)
    data = docx(["标题", "零" * (2 * 1024 * 1024)])  # 6 MB of text, deflated to a few KB
    doc = extract(data, filename="bomb.docx")
    assert "refused .docx" in doc.error and not doc.is_report


def test_docx_without_text_is_an_error_not_a_crash():
    doc = extract(docx([]), filename="empty.docx")
    assert ".docx has no text" in doc.error and not doc.is_report


def test_import_reads_a_docx(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "2025-report.docx").write_bytes(_pingtan_docx())
    run_govcrawl("import", str(tmp_path / "in"), "--db", str(tmp_path / "g.db"), "--archive", str(tmp_path / "archive"))
    db = sqlite_utils.Database(tmp_path / "g.db")
    (row,) = db.query("select id, title, year, format, stats_count from reports")
    assert (row["title"], row["year"], row["format"]) == (PT_TITLE, 2025, "std-2021")
    assert row["stats_count"] > 200
    value = db.execute("select value from stats where report_id = ? and key = 'apply.new.total'", [row["id"]]).fetchone()
    assert value == (154,)
