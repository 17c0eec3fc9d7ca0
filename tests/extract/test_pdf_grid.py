"""PDF ruled tables read as grids (pdf.pdf_read), handed to the HTML grid reader.

Real: 淮安市 2024 (WPS-made). Synthetic (tests/fixtures/corpus/synthetic, real
numbers in a WPS-like layout): numbers on the text line BEFORE their label, which
shifts a line-by-line reading of the text layer by one row.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract import extract
from govcrawl.extract.pdf import UNREADABLE_CELL, pdf_read
from govcrawl.extract.stats import extract_stats
from govcrawl.extract.stats import template
from govcrawl.extract.stats.grid import render_grid
from govcrawl.extract.normalize import match_form as normalize
from govcrawl.extract.stats.registry import APPLY_COLS

from test_stats_template import HUAIAN_2024_APPLY, HUAIAN_2024_REVIEW, assert_apply, assert_review, stated

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@pytest.fixture(scope="module")
def huaian():
    return pdf_read((CORPUS / "real/huaian/2024-report.pdf").read_bytes())


def test_ruled_tables_become_grids_with_merged_cells_expanded(huaian):
    text = "\n".join(render_grid(g) for g in huaian.grids)
    # the vertical merged header "三、\n本\n年\n度…" is one cell, copied to each row it spans,
    # and never part of the row label next to it
    assert "三、本年度办理结果 | (一)予以公开 | 1288 | 21 | 0 | 0 | 50 | 3 | 1362" in text
    # a label wrapped over lines inside its cell is joined
    assert "(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 447" in text
    # table 四: one row of 15 cells under a two-level header
    assert "72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20" in text


def test_grid_and_text_layer_agree_on_the_real_pdf(huaian):
    stats, checks, fmt = extract_stats(huaian.text, grids=huaian.grids)
    got = stated(stats)
    assert fmt == "std-2021"
    assert_apply(got, HUAIAN_2024_APPLY)
    assert_review(got, HUAIAN_2024_REVIEW)
    assert got["proactive.licensing.decisions"] == 447228
    assert not [c for c in checks if c.rule.startswith("disagree.")]


def _wps_like(name):
    return pdf_read((CORPUS / "synthetic" / name).read_bytes())


def test_wps_like_pdf_is_read_from_its_grid_not_its_shifted_text_layer():
    pdf = _wps_like("wps-like-2024.pdf")
    assert pdf.text.index("3001 53 0 0 61 4 3119") < pdf.text.index("一、本年新收")  # numbers before their label
    stats, checks, fmt = extract_stats(pdf.text, grids=pdf.grids)
    assert_apply(stated(stats), HUAIAN_2024_APPLY)
    assert not [c for c in checks if c.rule.startswith(("apply.", "disagree.", "unreadable.", "ambiguous."))]


def test_a_number_wrapped_in_its_cell_is_no_value_and_the_grid_beats_the_text():
    pdf = _wps_like("wps-like-2024-narrow.pdf")  # "3001" printed as "300" over "1"
    assert any(UNREADABLE_CELL in cell for g in pdf.grids for row in g for _, cell in row)
    stats, checks, _ = extract_stats(pdf.text, grids=pdf.grids)
    got = stated(stats)
    for row, cells in HUAIAN_2024_APPLY.items():  # every value given is the real one...
        for col, want in zip(APPLY_COLS, cells):
            assert got.get(f"apply.{row}.{col}", want) == want, f"apply.{row}.{col}"
    # ...rows with a wrapped cell give none, and say so
    assert "apply.new.natural_person" not in got and "apply.new.business" not in got
    assert {"unreadable.apply.new", "unreadable.apply.disclosed", "unreadable.apply.handled"} <= {c.rule for c in checks}
    # the text layer reads 二、上年结转 from the row above it (128 21 0 0 50 3 136): the grid's 34 is
    # kept; that text reading breaks its row total, so the corroboration gate drops it before any merge
    assert got["apply.carried_in.total"] == 34
    assert all(s.read == "grid" for s in stats if s.key.startswith("apply.carried_in."))
    text_only = template.read_template(normalize(pdf.text), "std-2021")
    assert any(c.rule == "unreadable.apply.carried_in" and c.stated == 136 for c in text_only.checks)


def test_extract_reads_pdf_grids():
    doc = extract((CORPUS / "synthetic/wps-like-2024.pdf").read_bytes(), filename="wps-like-2024.pdf")
    assert doc.kind == "pdf"
    assert_apply(stated(doc.stats), HUAIAN_2024_APPLY)
