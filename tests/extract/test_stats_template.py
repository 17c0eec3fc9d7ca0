"""Template tables (2019/2021 national format) read from real pages, cell by cell.

Every expected number below was read by eye from the page itself (the HTML
table, the PDF, the archived text), not from the extractor's output.
Fixtures are real pages copied from ../shared/corpus (see tests/fixtures/corpus).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract.pdf import pdf_text
from govcrawl.extract.stats import extract_stats
from govcrawl.extract.stats.registry import APPLY_COLS, REVIEW_BLOCKS, REVIEW_COLS

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"

# Table 三 rows in template order (2021): key -> the 7 printed cells
# (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计).
PINGTAN_2025_APPLY = {
    "new": (151, 3, 0, 0, 0, 0, 154),
    "carried_in": (0, 0, 0, 0, 0, 0, 0),
    "disclosed": (33, 0, 0, 0, 0, 0, 33),
    "partial": (38, 0, 0, 0, 0, 0, 38),
    "withheld.state_secret": (0, 0, 0, 0, 0, 0, 0),
    "withheld.law_prohibited": (0, 0, 0, 0, 0, 0, 0),
    "withheld.security_stability": (0, 0, 0, 0, 0, 0, 0),
    "withheld.third_party": (0, 0, 0, 0, 0, 0, 0),
    "withheld.internal_affairs": (3, 0, 0, 0, 0, 0, 3),
    "withheld.process_info": (2, 0, 0, 0, 0, 0, 2),
    "withheld.enforcement_file": (3, 0, 0, 0, 0, 0, 3),
    "withheld.query_matter": (3, 0, 0, 0, 0, 0, 3),
    "unavailable.not_held": (49, 1, 0, 0, 0, 0, 50),
    "unavailable.needs_creation": (3, 0, 0, 0, 0, 0, 3),
    "unavailable.still_unclear": (0, 0, 0, 0, 0, 0, 0),
    "not_processed.petition": (2, 0, 0, 0, 0, 0, 2),
    "not_processed.repeat": (0, 0, 0, 0, 0, 0, 0),
    "not_processed.publication": (0, 0, 0, 0, 0, 0, 0),
    "not_processed.mass_repeat": (0, 0, 0, 0, 0, 0, 0),
    "not_processed.confirm": (0, 0, 0, 0, 0, 0, 0),
    "other.no_correction": (8, 0, 0, 0, 0, 0, 8),
    "other.unpaid_fee": (2, 0, 0, 0, 0, 0, 2),
    "other.other": (1, 0, 0, 0, 0, 0, 1),
    "handled": (147, 1, 0, 0, 0, 0, 148),
    "carried_out": (4, 2, 0, 0, 0, 0, 6),
}
PINGTAN_2025_REVIEW = (25, 3, 8, 0, 36, 3, 3, 0, 0, 6, 3, 0, 0, 0, 3)

HUAIAN_2024_APPLY = {
    "new": (3001, 53, 0, 0, 61, 4, 3119),
    "carried_in": (34, 0, 0, 0, 0, 0, 34),
    "disclosed": (1288, 21, 0, 0, 50, 3, 1362),
    "partial": (447, 7, 0, 0, 0, 0, 454),
    "withheld.state_secret": (2, 0, 0, 0, 0, 0, 2),
    "withheld.law_prohibited": (30, 1, 0, 0, 0, 0, 31),
    "withheld.security_stability": (5, 0, 0, 0, 0, 0, 5),
    "withheld.third_party": (6, 0, 0, 0, 0, 0, 6),
    "withheld.internal_affairs": (7, 1, 0, 0, 0, 0, 8),
    "withheld.process_info": (12, 0, 0, 0, 0, 0, 12),
    "withheld.enforcement_file": (9, 0, 0, 0, 0, 0, 9),
    "withheld.query_matter": (105, 0, 0, 0, 0, 0, 105),
    "unavailable.not_held": (746, 12, 0, 0, 10, 1, 769),
    "unavailable.needs_creation": (11, 0, 0, 0, 0, 0, 11),
    "unavailable.still_unclear": (1, 0, 0, 0, 0, 0, 1),
    "not_processed.petition": (56, 6, 0, 0, 0, 0, 62),
    "not_processed.repeat": (25, 0, 0, 0, 0, 0, 25),
    "not_processed.publication": (0, 0, 0, 0, 0, 0, 0),
    "not_processed.mass_repeat": (0, 0, 0, 0, 0, 0, 0),
    "not_processed.confirm": (1, 0, 0, 0, 0, 0, 1),
    "other.no_correction": (67, 3, 0, 0, 1, 0, 71),
    "other.unpaid_fee": (6, 0, 0, 0, 0, 0, 6),
    "other.other": (108, 2, 0, 0, 0, 0, 110),
    "handled": (2932, 53, 0, 0, 61, 4, 3050),
    "carried_out": (103, 0, 0, 0, 0, 0, 103),
}
HUAIAN_2024_REVIEW = (72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20)


def stated(stats):
    out = {}
    for s in stats:
        if not s.derived:
            assert s.key not in out, f"{s.key} stated twice"
            out[s.key] = s.value
    return out


def assert_apply(got, table):
    for row, cells in table.items():
        for col, want in zip(APPLY_COLS, cells):
            assert got.get(f"apply.{row}.{col}") == want, f"apply.{row}.{col}"


def assert_review(got, cells):
    keys = [f"{b}.{c}" for b in REVIEW_BLOCKS for c in REVIEW_COLS]
    assert [got.get(k) for k in keys] == list(cells)


@pytest.fixture(scope="module")
def pingtan_2025():
    html = (CORPUS / "real/pingtan/2025-report.html").read_text(encoding="utf-8")
    # the clean text is not needed for the tables: they come from the raw HTML grid
    return extract_stats("", html=html, year=2025)


@pytest.fixture(scope="module")
def huaian_2024():
    return extract_stats(pdf_text((CORPUS / "real/huaian/2024-report.pdf").read_bytes()), year=2024)


def test_2021_html_grid_table_three_and_four(pingtan_2025):
    stats, checks, fmt = pingtan_2025
    got = stated(stats)
    assert fmt == "std-2021"
    assert_apply(got, PINGTAN_2025_APPLY)
    assert_review(got, PINGTAN_2025_REVIEW)
    assert not [c for c in checks if c.rule.startswith(("apply.", "review."))]  # the page balances


def test_2021_html_grid_table_two(pingtan_2025):
    got = stated(pingtan_2025[0])
    assert [got[f"proactive.rules.{c}"] for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert [got[f"proactive.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [58, 45, 546]
    assert got["proactive.licensing.decisions"] == 2418
    assert got["proactive.punishment.decisions"] == 644
    assert got["proactive.enforcement.decisions"] == 64
    assert got["proactive.fees.amount"] == pytest.approx(4166.241619)


def test_every_stat_has_evidence(pingtan_2025):
    assert all(s.evidence for s in pingtan_2025[0])


def test_derived_group_totals_are_flagged(pingtan_2025):
    derived = {s.key: s.value for s in pingtan_2025[0] if s.derived}
    assert derived["apply.withheld.total"] == 0 + 0 + 0 + 0 + 3 + 2 + 3 + 3


def test_pdf_table_three_and_four(huaian_2024):
    stats, checks, fmt = huaian_2024
    got = stated(stats)
    assert fmt == "std-2021"
    assert_apply(got, HUAIAN_2024_APPLY)
    assert_review(got, HUAIAN_2024_REVIEW)
    assert got["proactive.normative.repealed"] == 26
    assert got["proactive.fees.amount"] == pytest.approx(96171.6)
    assert got["fees.total"] == 3940  # prose: 收取政府信息公开信息处理费 3940 元
    assert "proactive.total" not in got  # "5500 余条" is approximate: not stored as exact
    assert any(c.rule == "approximate.proactive.total" for c in checks)


def test_2019_format_run_together_text():
    """pingtan 2019: the 2019 template, table cells flattened with no separators."""
    text = (CORPUS / "real/pingtan/2019-report.txt").read_text(encoding="utf-8")
    stats, checks, fmt = extract_stats(text, year=2019)
    got = stated(stats)
    assert fmt == "std-2019"
    zero = (0,) * 7
    printed = {  # as printed: "一、本年新收政府信息公开申请数量230 000023" is 23 0 0 0 0 0 23
        "new": (23, 0, 0, 0, 0, 0, 23), "carried_in": zero,
        "disclosed": (7, 0, 0, 0, 0, 0, 7), "partial": (1, 0, 0, 0, 0, 0, 1),
        **{f"withheld.{r}": zero for r in ("state_secret", "law_prohibited", "security_stability", "third_party",
                                           "internal_affairs", "process_info", "enforcement_file", "query_matter")},
        "unavailable.not_held": (7, 0, 0, 0, 0, 0, 7), "unavailable.needs_creation": zero,
        "unavailable.still_unclear": (5, 0, 0, 0, 0, 0, 5),
        "not_processed.petition": zero, "not_processed.repeat": (3, 0, 0, 0, 0, 0, 3),
        "not_processed.publication": zero, "not_processed.mass_repeat": zero, "not_processed.confirm": zero,
        "other": zero, "handled": (23, 0, 0, 0, 0, 0, 23), "carried_out": zero,
    }
    assert_apply(got, printed)
    assert_review(got, (0,) * 15)
    assert [got[f"proactive.rules.{c}"] for c in ("made", "published", "total")] == [0, 0, 0]  # "规章000"
    # "行政许可3960181": three cells, many readings, no identity -> no value, a recorded reason
    assert not any(k.startswith("proactive.licensing") for k in got)
    assert any(c.rule == "ambiguous.proactive.licensing" for c in checks)


def test_2021_run_together_text_resolves_only_unique_readings():
    """pingtan 2021: cells run together ("(一)予以公开270020130").

    That row has two readings with a consistent row total, 27|0|0|2|0|1|30 and
    2|7|0|0|20|1|30; only the first makes every column add up to (七)总计
    "630020469", so it is the one taken. "行政规范性文件693665" has ten readings
    and no identity: no value, and a Check says why.
    """
    text = (CORPUS / "real/pingtan/2021-report.txt").read_text(encoding="utf-8")
    stats, checks, fmt = extract_stats(text, year=2021)
    got = stated(stats)
    assert fmt == "std-2021"
    zero = (0,) * 7
    one = (1, 0, 0, 0, 0, 0, 1)
    printed = {
        "new": (64, 0, 0, 2, 0, 4, 70), "carried_in": zero,
        "disclosed": (27, 0, 0, 2, 0, 1, 30), "partial": (5, 0, 0, 0, 0, 0, 5),
        "withheld.state_secret": zero, "withheld.law_prohibited": zero, "withheld.security_stability": zero,
        "withheld.third_party": zero, "withheld.internal_affairs": one, "withheld.process_info": zero,
        "withheld.enforcement_file": (6, 0, 0, 0, 0, 0, 6), "withheld.query_matter": one,
        "unavailable.not_held": (22, 0, 0, 0, 0, 3, 25), "unavailable.needs_creation": zero,
        "unavailable.still_unclear": zero,
        **{f"not_processed.{r}": zero for r in ("petition", "repeat", "publication", "mass_repeat", "confirm")},
        "other.no_correction": zero, "other.unpaid_fee": zero, "other.other": one,
        "handled": (63, 0, 0, 2, 0, 4, 69), "carried_out": one,
    }
    assert_apply(got, printed)
    assert_review(got, (1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0))  # "10203120001200000"
    ev = next(s.evidence for s in stats if s.key == "apply.disclosed.total")
    assert "the only reading" in ev
    assert got["proactive.licensing.decisions"] == 2293
    assert not any(k.startswith("proactive.normative") for k in got)
    assert any(c.rule == "ambiguous.proactive.normative" for c in checks)
    # prose figures of the same page
    assert got["proactive.total"] == 2645 and got["fees.total"] == 0
