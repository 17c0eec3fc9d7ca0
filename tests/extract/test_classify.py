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


@pytest.mark.parametrize(
    "rel",
    [
        # Real pages (see web-excerpts/README.md) whose title or opening never says 年度报告:
        "real/web-excerpts/changchun-erdao-fwzs-2022.txt",  # "关于2022年度政府信息公开情况的报告", 2021 tables
        "real/web-excerpts/weishan-liangcheng-2020.txt",  # 2019 tables, no title
        "real/web-excerpts/xiongxian-xiang-2019-blank.txt",  # the 2019 tables left blank
    ],
)
def test_template_tables_make_a_report(rel):
    d = extract_file(CORPUS / rel)
    assert d.format in ("std-2019", "std-2021")
    assert d.is_report, d.skip_reason


def test_tables_do_not_make_a_notice_a_report():
    # SYNTHETIC: a notice carrying the 2021 table 二 as a form to fill in; its title names its kind.
    html = ("<html><head><title>关于填报2022年度统计表的通知</title></head><body><h1>关于填报2022年度统计表的通知</h1>"
            + "<p>" + "各单位请按附表格式如实填报，按时报送。" * 20 + "</p>"
            "<table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
            "<tr><td>规章</td><td></td><td></td><td></td></tr></table></body></html>")
    d = extract(html.encode("utf-8"), source="notice.html")
    assert d.format == "std-2021"
    assert not d.is_report and "(通知)" in d.skip_reason, d.skip_reason
