"""Statistics tables attached as spreadsheets (.xlsx, .xls, .et) read through the grid reader.

The workbooks are SYNTHETIC: the real Pingtan 2025 report page's tables copied
into sheets (tests/sheetgen.py); the .xls is LibreOffice's conversion of it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from govcrawl.extract import extract, extract_file, office, sniff_kind
from sheetgen import xlsx_from_html
from systools import require

HTML = Path(__file__).parents[1] / "fixtures" / "corpus" / "real" / "pingtan" / "2025-report.html"
TABLE_PREFIXES = ("proactive.", "apply.", "reconsideration.", "litigation.")


@lru_cache(maxsize=None)
def workbook() -> bytes:
    return xlsx_from_html(HTML.read_text(encoding="utf-8"))


def table_stats(doc) -> dict:
    return {s.key: s.value for s in doc.stats if s.key.startswith(TABLE_PREFIXES) and s.source == "table"}


def test_xlsx_tables_give_the_pages_table_statistics():
    page = extract_file(HTML)
    data = workbook()
    assert sniff_kind(data) == "xlsx"
    doc = extract(data, filename="2025年统计表.xlsx")
    assert doc.kind == "xlsx" and doc.error is None, doc.error
    want = table_stats(page)
    assert len(want) > 150
    assert table_stats(doc) == want


def test_xls_and_et_through_xlrd():
    require("soffice")
    (xls,) = office.convert_many([(workbook(), ".xlsx")], "xls")
    assert isinstance(xls, bytes), xls
    assert sniff_kind(xls) == "xls"
    want = table_stats(extract_file(HTML))
    for name in ("统计表.xls", "统计表.et"):  # no tool here writes Kingsoft .et: the .xls served under its name
        doc = extract(xls, filename=name)
        assert doc.kind == "xls" and table_stats(doc) == want, (name, doc.error)


def test_damaged_workbook_is_a_reason_not_a_crash():
    data = workbook()
    doc = extract(data[: len(data) // 2], filename="t.xlsx")
    assert doc.error and not doc.is_report
