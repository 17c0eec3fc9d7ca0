"""Which documents are annual reports (tests/fixtures/corpus/ holds copies of ../shared/corpus)."""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract import extract, extract_file

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@pytest.mark.parametrize(
    "rel",
    [
        "seeds/000_ce613ae3d38fe476.txt",
        "seeds/001_e8c90e1f83533eb4.txt",
        "seeds/002_8661693cc3ee7730.txt",
        "seeds/003_d88f63d2808b134a.txt",
        "seeds/004_d665514035f4539e.txt",
        "real/pingtan/2011-report.txt",
        "real/pingtan/2019-report.txt",
        "real/pingtan/2021-report.txt",
        "real/pingtan/2025-report.txt",
        "real/pingtan/2025-report.html",
    ],
)
def test_reports_are_reports(rel):
    d = extract_file(CORPUS / rel)
    assert d.is_report, d.skip_reason
    assert d.skip_reason is None


def test_letter_in_the_report_column_is_not_a_report():
    d = extract_file(CORPUS / "real/pingtan/2014-letter-not-a-report.txt")
    assert not d.is_report
    assert "函" in d.skip_reason and "not an annual report" in d.skip_reason


def test_list_page_is_not_a_report():
    d = extract_file(CORPUS / "real/pingtan/list-index.html")
    assert not d.is_report
    assert d.skip_reason.startswith("a list page")


def test_bad_input_has_a_reason():
    # SYNTHETIC inputs.
    assert extract(b"").skip_reason == "empty document"
    d = extract("<html><body><p>本栏目暂无内容。</p></body></html>".encode(), filename="x.html")
    assert not d.is_report and d.skip_reason
