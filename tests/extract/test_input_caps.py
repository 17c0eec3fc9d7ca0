"""Input caps (issue 20): what a cap cuts or refuses is named in Document.error, and the
rest of the document is read. SYNTHETIC inputs built here around real report texts."""
from __future__ import annotations

from docxgen import docx
from faultserver import report_html
from test_hostile_files import _pdf

from govcrawl.extract import extract
from govcrawl.extract import docx as docx_mod
from govcrawl.extract import guards, pdf


def _with_table(rows: int, cells: int) -> bytes:
    table = "<table>" + ("<tr>" + "<td>7</td>" * cells + "</tr>") * rows + "</table>"
    html = report_html("real/pingtan/2021-report.txt")
    return html.replace("<div class='footer'>", table + "<div class='footer'>", 1).encode("utf-8")


def test_wide_row_and_long_table_cut_and_named():
    plain = extract(report_html("real/pingtan/2021-report.txt").encode("utf-8"), url="http://x/r.html")
    wide = extract(_with_table(1, guards.MAX_CELLS_PER_ROW + 500), url="http://x/r.html")
    assert wide.error == (f"a table row of {guards.MAX_CELLS_PER_ROW + 500} cells cut to {guards.MAX_CELLS_PER_ROW} "
                          "(cells-per-row cap; 500 cells not read)")
    long = extract(_with_table(guards.MAX_ROWS_PER_TABLE + 10, 2), url="http://x/r.html")
    assert long.error == (f"a table of {guards.MAX_ROWS_PER_TABLE + 10} rows cut to {guards.MAX_ROWS_PER_TABLE} "
                          "(rows-per-table cap; 10 rows not read)")
    for doc in (wide, long):  # the report around the junk table is read as without it
        assert doc.is_report and doc.year == plain.year
        assert {(s.key, s.value) for s in plain.stats} <= {(s.key, s.value) for s in doc.stats}
    within = extract(_with_table(3, guards.MAX_CELLS_PER_ROW), url="http://x/r.html")
    assert within.error is None  # at the cap: nothing cut, nothing said


def test_pdf_pages_beyond_the_cap_named():
    pages = pdf.MAX_PAGES + 5
    content = b"BT /F1 12 Tf 72 720 Td (2021 report page) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
             b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"] * pages
    doc = extract(_pdf(objs), filename="many.pdf")
    assert doc.error == f"PDF of {pages} pages: only the first {pdf.MAX_PAGES} read (pages-per-PDF cap)", doc.error
    assert doc.text.count("2021 report page") == pdf.MAX_PAGES


def test_docx_with_too_many_paragraphs_refused_with_the_cap():
    n = docx_mod.MAX_PARAGRAPHS + 1
    doc = extract(docx([f"第{i}段：{i * 7919 % 100003}件" for i in range(n)]), filename="long.docx")
    assert doc.error.endswith(f"refused .docx: {n} paragraphs (paragraphs-per-.docx cap {docx_mod.MAX_PARAGRAPHS})"), doc.error
    assert not doc.is_report
