"""PDF / flipbook page furniture: one pattern (stats.textnorm.PAGE_FURNITURE), removed everywhere."""
from __future__ import annotations

from pathlib import Path

from govcrawl.extract import extract
from govcrawl.extract.clean import squeeze_title
from govcrawl.extract.normalize import PAGE_MARKER_RE

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real"


def test_flipbook_page_header_is_not_part_of_the_title():
    # real: page 8 of a flipbook, its first line "Page 8 - 威海市文登区信访局2022年…报告"
    doc = extract((REAL / "web-excerpts/wendeng-xfj-2022-page8.txt").read_bytes(), filename="page8.txt")
    assert doc.title == "威海市文登区信访局2022年政府信息公开工作年度报告"


def test_page_markers_in_every_printed_form():
    for line in ("- 4 -", "— 1 —", "第 3 页 共 6 页", "第3页,共6页", "3/6", "Page 8", "P. 8"):
        assert PAGE_MARKER_RE.fullmatch(line), line
    for line in ("2024年", "行政许可 | 0", "一、总体情况"):
        assert not PAGE_MARKER_RE.fullmatch(line), line
    assert squeeze_title("Page 8 - 某市2022年政府信息公开工作年度报告") == "某市2022年政府信息公开工作年度报告"


def test_pdf_page_numbers_leave_the_text():
    doc = extract((REAL / "huaian/2024-report.pdf").read_bytes(), filename="2024-report.pdf")
    assert "- 4 -" not in doc.text and "- 1 -" not in doc.text
