"""Real report text from public repositories the extractor had never seen
(tests/fixtures/corpus/real/govnianbao, .../shanghai-szfbgt; READMEs there say where from).

Each expected value is the one printed in the document; each document is here
because it exposed a misreading.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from govcrawl.extract import extract, extract_file

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real"
COLS = ("natural_person", "business", "research", "nonprofit", "legal_service", "other_org", "total")


@lru_cache(maxsize=None)
def doc(rel: str):
    return extract_file(REAL / rel)


def stated(d) -> dict:
    return {s.key: s.value for s in d.stats if not s.derived}


def row(got: dict, key: str) -> tuple:
    return tuple(got.get(f"{key}.{c}") for c in COLS)


# -------------------------------------------------- Shanghai 2019 (HTML, blank cells)
SH = "shanghai-szfbgt/2019-report.html"
_ = None
# table 三 as printed; &nbsp; cells are blank (no value), the 总计 column of the outcome rows too
SH_APPLY = {
    "new": (821, 35, _, _, 2, 1, 859),
    "carried_in": (18, _, _, _, _, _, 18),
    "disclosed": (258, 12, _, _, 1, 1, _),
    "partial": (3, _, _, _, _, _, _),
    "withheld.state_secret": (14, _, _, _, _, _, _),
    "withheld.law_prohibited": (_,) * 7,
    "withheld.internal_affairs": (5, _, _, _, _, _, _),
    "withheld.process_info": (3, 1, _, _, _, _, _),
    "withheld.query_matter": (10, 2, _, _, _, _, _),
    "unavailable.not_held": (252, 12, _, _, 1, _, _),
    "unavailable.needs_creation": (44, 3, _, _, _, _, _),
    "unavailable.still_unclear": (25, _, _, _, _, _, _),
    "not_processed.petition": (148, 1, _, _, _, _, _),
    "not_processed.repeat": (5, 4, _, _, _, _, _),
    "other": (_,) * 7,  # (六)其他处理: a row of blanks
    "handled": (767, 35, _, _, 2, 1, 805),  # (七)总计
    "carried_out": (72, _, _, _, _, _, 72),
}


def _check_shanghai(d):
    got = stated(d)
    for key, want in SH_APPLY.items():
        assert row(got, f"apply.{key}") == want, key
    assert not [c for c in d.checks if c.rule.startswith(("apply.", "ambiguous.", "unreadable."))]
    # table 四: "5 | | | 2 | 7 | 8 | | | 1 | 9 | (复议后起诉 all blank)"
    assert got["reconsideration.upheld"] == 5 and got["reconsideration.pending"] == 2 and got["reconsideration.total"] == 7
    assert got["litigation.direct.upheld"] == 8 and got["litigation.direct.pending"] == 1 and got["litigation.direct.total"] == 9
    assert "reconsideration.corrected" not in got and not any(k.startswith("litigation.after_reconsideration") for k in got)
    return got


def test_shanghai_html_blank_other_row_before_total_and_no_text_numbers_in_grid_rows():
    d = doc(SH)
    assert (d.title, d.year, d.jurisdiction, d.published, d.format) == (
        "2019年上海市人民政府办公厅政府信息公开工作年度报告", 2019, "上海市", "2020-01-31", "std-2019")
    got = _check_shanghai(d)
    # table 二 (2019): 规章 13 13 524, 规范性文件 60 60 368, 政府集中采购 6 项 251000元
    assert (got["proactive.rules.made"], got["proactive.rules.published"], got["proactive.rules.total"]) == (13, 13, 524)
    assert (got["proactive.normative.made"], got["proactive.normative.published"], got["proactive.normative.total"]) == (60, 60, 368)
    assert got["proactive.procurement.items"] == 6 and got["proactive.procurement.amount"] == 251000


def test_shanghai_as_pipe_text_reads_the_same():
    # the page's clean text (" | "-joined rows, blank cells left empty) imported as a .txt:
    # "258 | 12 | | | 1 | 1 |" was cut into 2|5|8|… before
    text = doc(SH).text
    d = extract(text.encode("utf-8"), filename="2019-report.txt")
    _check_shanghai(d)


# -------------------------------------------------- govnianbao: PDF text cut at a page break
def test_pdf_text_table_two_without_its_article_rows():
    got = stated(doc("govnianbao/szfgs2024-section3.txt"))
    # "行政处罚 3985758", "行政强制 88283" under "信息内容 本年处理决定数量", before any 第二十条 row
    assert got["proactive.punishment.decisions"] == 3985758
    assert got["proactive.enforcement.decisions"] == 88283
    assert got["proactive.fees.amount"] == 96171.6
    assert row(got, "apply.new") == (3001, 53, 0, 0, 61, 4, 3119)
    assert row(got, "apply.carried_in") == (34, 0, 0, 0, 0, 0, 34)
    assert row(got, "apply.disclosed") == (1288, 21, 0, 0, 50, 3, 1362)
    assert row(got, "apply.partial") == (447, 7, 0, 0, 0, 0, 454)
    assert row(got, "apply.withheld.query_matter") == (105, 0, 0, 0, 0, 0, 105)
    # "(四)无 1.本机关不掌握相关政府信息 746 12 0 0 10 1 769": the group label broken by the PDF
    assert row(got, "apply.unavailable.not_held") == (746, 12, 0, 0, 10, 1, 769)


def test_total_after_blank_2021_other_rows_is_the_total():
    # the same layout in the 2021 template (rows written as grid.py renders them): with the
    # three (六)其他处理 rows blank, "(七)总计 | 5 …" was read as 2.…未按收费通知… (other.unpaid_fee)
    from govcrawl.extract.stats import template

    rows = [
        "一、本年新收政府信息公开申请数量 | 5 | - | - | - | - | - | 5",
        "二、上年结转政府信息公开申请数量 | 0 | - | - | - | - | - | 0",
        "三、本年度办理结果 | (一)予以公开 | 5 | - | - | - | - | - | 5",
        "(六)其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 | - | - | - | - | - | - | -",
        "(六)其他处理 | 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 | - | - | - | - | - | - | -",
        "(六)其他处理 | 3.其他 | - | - | - | - | - | - | -",
        "(七)总计 | 5 | - | - | - | - | - | 5",
        "四、结转下年度继续办理 | 0 | - | - | - | - | - | 0",
    ]
    text = "申请人情况\n" + "\n".join(rows) + "\n四、行政复议"
    res = template.read_apply(text, "std-2021", template.regions(text)["t3"])
    got = {s.key: s.value for s in res.stats}
    assert got["apply.handled.natural_person"] == 5 and got["apply.handled.total"] == 5
    assert not any(k.startswith("apply.other") for k in got)
