"""Precision classes of issue 13: a wrong number is worse than a missing one.

Fixtures: real report text (tests/fixtures/corpus/real) and, where a test says
so, a SYNTHETIC text built from a real one (a real sentence put into a real page).
"""
from __future__ import annotations

from pathlib import Path

from govcrawl.extract.stats import extract_stats
from govcrawl.extract.stats.prose import prose_figures

from test_stats_template import stated

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
PINGTAN_2025_HTML = (CORPUS / "real/pingtan/2025-report.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- pipe rows closed by a pipe
def test_a_closing_pipe_is_not_an_empty_last_cell():
    """xuwen (real): every row ends with " |"; rows with six blank cells and a 总计.

    Read as an extra empty cell, the closing pipe made each row one cell too long, the
    surplus was cut on the left, and 总计 0 became other_org 0 (a wrong number).
    """
    text = (CORPUS / "real/web-excerpts/xuwen-2021fmt-bureau.txt").read_text(encoding="utf-8")
    got = stated(extract_stats(text)[0])
    assert got["apply.carried_in.total"] == 0 and "apply.carried_in.other_org" not in got
    assert got["apply.new.natural_person"] == 0 and got["apply.new.total"] == 0
    assert "apply.new.business" not in got  # a blank cell is no value
    assert [got[f"proactive.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [3, 0, 101]


def test_trailing_blank_cells_of_a_flattened_colspan_are_layout():
    """changchun (real): "| 行政许可 | 0 | ||" and "| 一、… | 3 | 0 | 0 | 0 | 0 | 0 | 3 | ||"."""
    text = (CORPUS / "real/web-excerpts/changchun-tyjrswj-2023.txt").read_text(encoding="utf-8")
    stats, checks, _ = extract_stats(text)
    got = stated(stats)
    assert got["proactive.licensing.decisions"] == 0
    assert got["apply.new.natural_person"] == 3 and got["apply.new.total"] == 3
    # the prose says 受理…申请2件: the table's 3 is kept, the disagreement recorded
    assert any(c.rule == "disagree.apply.new.total" and c.stated == 2 for c in checks)


# ---------------------------------------------------------------- zero phrases in scope
ISSUE_SENTENCE = "全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。"  # quoted from a real report in issue 13


def test_a_negation_is_a_zero_only_of_the_phrase_it_negates():
    stats, _ = prose_figures(ISSUE_SENTENCE)
    assert not {s.key for s in stats} & {"reconsideration.total", "litigation.total"}
    # ...while a negation of the metric itself still is an explicit zero
    for sentence in ("本年度未发生行政复议、行政诉讼情况。", "未发生针对本机关的行政复议和行政诉讼案件。",
                     "全年没有发生因政府信息公开引起的行政复议、行政诉讼。"):
        got = {s.key: s.value for s in prose_figures(sentence)[0]}
        assert got.get("reconsideration.total") == 0 and got.get("litigation.total") == 0, sentence


def test_table_four_wins_over_prose():
    """SYNTHETIC: the real pingtan 2025 page (table 四: 36 reconsiderations, 6 + 3 lawsuits)
    with the issue's sentence and a contradicting prose count added to its text."""
    text = "行政复议和行政诉讼情况。" + ISSUE_SENTENCE + "全年发生行政诉讼5件。"
    stats, checks, _ = extract_stats(text, html=PINGTAN_2025_HTML)
    got = stated(stats)
    assert got["reconsideration.total"] == 36
    assert "litigation.total" not in got  # prose 5 vs table 6 + 3: the table wins
    assert any(c.rule == "disagree.litigation.total" and c.expected == 9 and c.stated == 5 for c in checks)


def test_a_heading_line_starts_a_new_sentence():
    """yangling (real): a line cut mid-sentence ("…收到和处理") ran into the next section,
    so "审计信息栏目公开信息20条" (proactive) was read as applications disclosed."""
    text = (CORPUS / "real/web-excerpts/yangling-sjj-2022.txt").read_text(encoding="utf-8")
    assert "apply.disclosed.total" not in stated(extract_stats(text)[0])


def test_a_text_reading_of_table_four_that_breaks_its_totals_is_withheld():
    """Format matrix (synthetic rendering of the real pingtan 2025 page, pdftotext plain):
    table 四's cells come one per line, out of order; a block whose 总计 does not add up
    is not stated, and the prose totals are kept (they agree with nothing read)."""
    from govcrawl.extract import extract

    path = Path(__file__).resolve().parents[1] / "fixtures/formats/pingtan-2025/lo-pdf.pdftotext-plain.txt"
    doc = extract(path.read_bytes(), filename=path.name)
    got = stated(doc.stats)
    assert not any(k.startswith(("reconsideration.upheld", "litigation.direct.")) for k in got)
    assert {"unreadable.reconsideration", "unreadable.litigation.direct"} <= {c.rule for c in doc.checks}
    assert got["reconsideration.total"] == 36 and got["litigation.total"] == 9  # prose


# ---------------------------------------------------------------- what an application figure is
# Real sentences: 北京市文化局 2009 (https://xiexiebang.com/a11/2019051410/5b2b5225297985cb.html, a
# mirror), 湖里区 2018 (http://www.huli.gov.cn/zwgk/zfxxgkzl/zfxxyjxndbg/201901/t20190111_182924.htm),
# 南京市高淳区 2022 (https://www.nanjing.gov.cn/zzb/zfxxgk/zfxxgknb/gqzf_72697/gcqrmzf/202302/t20230220_3830939.html)
# and the real seed report tests/fixtures/corpus/seeds/002_*.txt.
def test_information_items_counted_by_how_they_were_published_are_no_answers_to_applications():
    """The old reports' 信息公开情况 counts information items: 主动公开 N, 依申请公开 M, 不予公开 K.
    The 734 was read as apply.disclosed.total and the 27 as apply.withheld.total, though the
    agency received one application that year."""
    for sentence, proactive in (
        ("2009年1月1日至2009年12月31日,我局主动公开信息734条,依申请公开信息12 条,不予公开信息27 条。", 734),
        ("2018年,共制作政府信息3021条,其中主动公开信息1027条,依申请公开信息459条,不予公开信息1535条。", 1027),
    ):
        got = {s.key: s.value for s in prose_figures(sentence)[0]}
        assert got == {"proactive.total": proactive}, sentence
    # "主动公开信息N条" is never an answer to an application, whatever else the sentence says
    got = {s.key: s.value for s in prose_figures("收到政府信息公开申请5件,主动公开信息734条。")[0]}
    assert "apply.disclosed.total" not in got and got["apply.new.total"] == 5
    # applications received as 依申请公开信件, then an outcome: still an application figure
    got = {s.key: s.value for s in prose_figures("全县共收到依申请公开信件27件,不予公开政府信息1条。")[0]}
    assert got.get("apply.withheld.total") == 1


def test_one_figure_for_two_outcomes_is_neither():
    sentence = ("为提升答复群众满意率,我区进一步规范政府信息公开申请答复流程,制定统一办理流程和答复文书,"
                "办复率100%,其中予以公开或部分公开59件、占45.3%;")
    got = {s.key for s in prose_figures(sentence)[0]}
    assert not got & {"apply.partial.total", "apply.disclosed.total"}, got
    for joined in ("予以公开或者部分公开59件", "予以公开及部分公开42件", "予以公开和部分公开42件"):
        got = {s.key for s in prose_figures(f"收到公开申请100件,{joined}。")[0]}
        assert not got & {"apply.partial.total", "apply.disclosed.total"}, joined
    assert {s.key: s.value for s in prose_figures("收到公开申请100件,部分公开3件。")[0]}["apply.partial.total"] == 3


def test_a_money_column_in_the_unit_its_header_names():
    """beijingjie (real, 2019 template): "采购总金额(万元)" over "政府集中采购 | 13 | 477.35 |"; the
    cell has no 万 after it, and 477.35 was stored as 元: a sum 10,000 times too small."""
    text = (CORPUS / "real/web-excerpts/beijingjie-2020.txt").read_text(encoding="utf-8")
    got = {s.key: s for s in extract_stats(text)[0]}
    assert got["proactive.procurement.amount"].value == 477.35
    assert got["proactive.procurement.amount"].unit == "万元"
    assert got["proactive.procurement.items"].unit == "项"


def test_a_running_total_since_the_agency_began_is_no_figure_of_the_year():
    """南薰乡 2014 (real, http://gk.ziyang.gov.cn/year_details.aspx?dept=158&id=31175): the 100 is
    everything published to date, not 2014's count. "全年累计…" and "今年累计…" are the year's."""
    assert prose_figures("二、主动公开政府信息情况\n本单位到目前累计主动公开政府信息100条。")[0] == []
    for year_total in ("今年累计主动公开政府信息105条。", "全年累计主动公开政府信息105条。"):
        assert {s.key: s.value for s in prose_figures(year_total)[0]} == {"proactive.total": 105}, year_total


def test_an_application_for_review_is_no_disclosure_application():
    """德化县审计局 2010 (real): "受理有关政府信息公开事务的行政复议申请0件" counts reviews."""
    got = {s.key: s.value for s in prose_figures("受理有关政府信息公开事务的行政复议申请3件。")[0]}
    assert "apply.new.total" not in got and got == {"reconsideration.total": 3}


def test_published_items_before_the_applications_are_no_answers_to_them():
    """荷塘区桂花街道 2019 (real, http://www.hetang.gov.cn/c23796/20200218/i1454209.html): the 77 are
    items on the portal (the page breaks them down), and one application came in. After the
    applications it answers, a bare "公开信息N条" still is one (the real seed 000_*.txt)."""
    got = {s.key: s.value for s in prose_figures("全年在荷塘区政府门户网站公开信息77条,收到1份政府信息公开申请。")[0]}
    assert "apply.disclosed.total" not in got
    got = {s.key: s.value for s in prose_figures(
        "2009年,我市共受理信息公开申请223条,其中信件受理198条、机关当面受理25条,公开信息219条,申请公开信息率98.21%。")[0]}
    assert got["apply.disclosed.total"] == 219


def test_a_delta_cell_signed_with_plus_is_its_number():
    """liwan (real, 2019 template, one cell per line): "行政许可 / 21 / +19 / 40". The "+" broke
    the row, and the whole row was dropped; "+19" is an increase of 19."""
    text = (CORPUS / "real/web-excerpts/liwan-nanyuan-2020.txt").read_text(encoding="utf-8")
    got = stated(extract_stats(text)[0])
    assert [got.get(f"proactive.licensing.{c}") for c in ("prev", "delta", "decisions")] == [21, 19, 40]
