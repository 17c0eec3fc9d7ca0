"""PDF text extraction on the real 淮安市 2024 report, and clear errors for bad input."""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract.pdf import pdf_text

PDF = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "huaian" / "2024-report.pdf"


def test_pdf_text_keeps_table_rows_on_one_line():
    text = pdf_text(PDF.read_bytes())
    assert "淮安市人民政府" in text
    # a table 三 row: label then the seven cells separated by spaces
    assert "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119" in text
    assert "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20" in text  # table 四


@pytest.mark.parametrize("data, reason", [
    (b"", "not a PDF"),
    (b"<html>not a pdf</html>", "not a PDF"),
    (b"%PDF-1.4\n%garbage that is not a pdf body\n", "unreadable PDF"),
])
def test_bad_pdf_raises_a_clear_error(data, reason):
    with pytest.raises(ValueError, match=reason):
        pdf_text(data)


def test_truncated_pdf_is_an_error_not_a_crash():
    data = PDF.read_bytes()[:2000]
    with pytest.raises(ValueError):
        pdf_text(data)
