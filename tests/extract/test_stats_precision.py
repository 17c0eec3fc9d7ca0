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
