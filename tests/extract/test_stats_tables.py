"""Recall classes of issue 13 on text-layer tables, each read only where the reading proves itself.

Fixtures are real report text (tests/fixtures/corpus/real/web-excerpts, README there says where
each page came from; answers read by hand in <name>.expected.json). Where a test says SYNTHETIC,
the text is a real page with one row changed, and the test says how.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcrawl.extract.stats import extract_stats

from test_stats_template import stated

EXCERPTS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "web-excerpts"


def _real(name: str) -> tuple[str, dict]:
    text = (EXCERPTS / f"{name}.txt").read_text(encoding="utf-8")
    want = json.loads((EXCERPTS / f"{name}.expected.json").read_text(encoding="utf-8"))["stats"]
    return text, want


def _table_keys(want: dict) -> dict:
    # the numbers of the template tables (prose totals such as proactive.total are another class)
    tables = ("proactive.rules", "proactive.normative", "proactive.licensing", "proactive.services",
              "proactive.punishment", "proactive.enforcement", "proactive.fees", "apply.", "reconsideration.",
              "litigation.direct", "litigation.after")
    return {k: v for k, v in want.items() if k.startswith(tables)}


def _assert_tables_read(name: str, only: tuple[str, ...] = ()):
    text, want = _real(name)
    stats, checks, _ = extract_stats(text)
    got = stated(stats)
    wrong = {k: (v, want.get(k)) for k, v in got.items() if want.get(k) != v}
    assert wrong == {}, wrong
    table = {k: v for k, v in _table_keys(want).items() if not only or k.startswith(only)}
    assert table, name
    assert {k: got.get(k) for k in table} == table
    return stats, checks


# ---------------------------------------------------------------- one cell per line
def test_one_cell_per_line_tables_are_read_row_by_row():
    """changchun-erdao (real): every cell on its own line ending " |", a blank cell as a bare "|"
    line, the copies of a colspan as "||" closing the row. Before: 1 of 15 numbers."""
    stats, _ = _assert_tables_read("changchun-erdao-fwzs-2022")
    by_key = {s.key: s for s in stats}
    assert by_key["apply.disclosed.natural_person"].value == 18
    # (一)予以公开: 18 and blank cells; a blank cell is no value, not a 0
    assert not any(k.startswith("apply.disclosed.") and k != "apply.disclosed.natural_person" for k in by_key)
    assert by_key["apply.new.total"].read == "text"


def test_placeholder_cells_one_per_line_are_no_values():
    """district-tjj (real): the 规章 row is "/ | / | /" one per line: no proactive.rules.* value."""
    stats, _ = _assert_tables_read("district-tjj-2023")
    assert not any(s.key.startswith("proactive.rules.") for s in stats)


def test_a_bare_pipe_opening_every_row_is_a_row_mark():
    """hanyang (real): each row opens with a bare "|" line and closes with "0 | ||". The 规章 row is
    "规章 | 0 | 0 | (blank)": 现行有效 is blank, and the row mark of the next row is not a cell."""
    # (its outcome rows are cut off in the kept text; the page's prose states some of them)
    stats, _ = _assert_tables_read("hanyang-qzfbgs-2022", only=("proactive.", "apply.new.", "apply.carried_in."))
    got = stated(stats)
    assert (got["proactive.rules.issued"], got["proactive.rules.repealed"]) == (0, 0)
    assert "proactive.rules.in_force" not in got
    assert [got[f"proactive.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [5, 12, 8]


def test_a_cell_per_line_row_whose_count_proves_nothing_is_withheld():
    """SYNTHETIC (changchun-erdao, real, with one row changed): 一、本年新收 given a blank cell before
    and after its seven, so nine cells with blanks at both ends: which seven are the row's cannot be
    known. No apply.new value from the table, an unreadable check instead."""
    text, _ = _real("changchun-erdao-fwzs-2022")
    row = "一、本年新收政府信息公开申请数量 |\n56 |\n|\n|\n|\n|\n|\n56 |\n||\n"
    assert row in text
    changed = text.replace(row, "一、本年新收政府信息公开申请数量 |\n|\n56 |\n|\n|\n|\n|\n|\n56 |\n|\n||\n")
    stats, checks, _ = extract_stats(changed)
    assert not any(s.key.startswith("apply.new.") and s.read == "text" for s in stats)
    assert "unreadable.apply.new" in {c.rule for c in checks}
    got = stated(stats)
    assert got["apply.carried_in.total"] == 0 and got["apply.disclosed.natural_person"] == 18


# ---------------------------------------------------------------- a page cut from a report
def test_table_four_on_a_page_without_a_version_marker():
    """wendeng-xfj page 8 (real flipbook page, PDF text layer): only table 四, its two-level header
    broken into vertical characters and its 15 cells on one line. Before: 0 of 15."""
    stats, _ = _assert_tables_read("wendeng-xfj-2022-page8")
    assert {s.read for s in stats if s.key.startswith("litigation.direct.")} == {"text"}


def test_carried_out_row_and_table_four_of_a_page():
    """wendeng-sjj page 9 (real): "四、结转下年度继续办理 0 0 0 0 0 0 0" (the last row of table 三)
    and table 四. Before: 2 of 23 (the prose totals)."""
    _assert_tables_read("wendeng-sjj-2020-page9")


def test_a_page_with_prose_about_review_but_no_table_header_reads_no_table_four():
    """SYNTHETIC (wendeng-sjj page 9, real, with table 四's column header removed): the 15 numbers
    are no longer under table 四's header, so none of them is read as table 四."""
    text, _ = _real("wendeng-sjj-2020-page9")
    head = "未经复议直接起诉 复议后起诉\n"
    assert head in text
    stats, _, _ = extract_stats(text.replace(head, ""))
    assert not any(s.key.startswith(("reconsideration.", "litigation.")) and s.source == "table" for s in stats)


# ---------------------------------------------------------------- annotated labels
def test_labels_with_long_annotations():
    """wuhan (real, Traditional): "規章(設區的市、自治州人民政府應提供相關數據) | 0 | 0 | 0",
    "其他對外管理服務事項(指行政許可證以外的…) | 117 | 0 | 165". Before: 8 of 17."""
    _assert_tables_read("wuhan-sthjj-2020-traditional")


# ---------------------------------------------------------------- one value per line (pdftotext plain)
PLAIN = Path(__file__).resolve().parents[1] / "fixtures" / "formats" / "pingtan-2025" / "lo-pdf.pdftotext-plain.txt"


def test_one_value_per_line_rows_read_by_their_labels():
    """Format matrix (SYNTHETIC rendering of the real pingtan 2025 page: LibreOffice PDF, pdftotext
    without -layout). Two rows' labels printed before both rows' 14 values ("4.保护第三方合法权益
    5.属于三类内部事务信息 0 … 0 3 0 … 3"), three before 21 values (3.其他 (七)总计 四、结转…), and a
    row whose first value sits inside its wrapped label ("…相关政府信 49 息 1 0 0 0 0 50"): each is read
    as the rows its labels name, in order, every row's 总计 the sum of its cells. Before: 0.26 recall."""
    from govcrawl.extract import extract, extract_file

    orig = stated(extract_file(Path(__file__).resolve().parents[1] / "fixtures/corpus/real/pingtan/2025-report.html").stats)
    got = stated(extract(PLAIN.read_bytes(), filename=PLAIN.name).stats)
    assert {k: v for k, v in got.items() if orig.get(k) != v} == {}
    for row in ("withheld.third_party", "withheld.internal_affairs", "unavailable.not_held",
                "other.other", "handled", "carried_out"):
        for col in ("natural_person", "business", "total"):
            key = f"apply.{row}.{col}"
            assert got.get(key) == orig[key], key
    assert (got["apply.unavailable.not_held.natural_person"], got["apply.unavailable.not_held.total"]) == (49, 50)


# ---------------------------------------------------------------- mixed templates
REAL = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real"


def _grid_text(rel: str) -> str:
    from govcrawl.extract.stats.grid import tables_text

    return tables_text((REAL / rel).read_text(encoding="utf-8"))


PINGTAN_SIX = [
    "三、本年度办理结果 | (六)其他处理 | 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 | 8 | 0 | 0 | 0 | 0 | 0 | 8",
    "三、本年度办理结果 | (六)其他处理 | 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 | 2 | 0 | 0 | 0 | 0 | 0 | 2",
    "三、本年度办理结果 | (六)其他处理 | 3.其他 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
]


def test_a_2021_report_that_keeps_the_2019_single_other_row():
    """SYNTHETIC: the real pingtan 2025 page (2021 template) as pipe rows, its three (六) rows replaced
    by the 2019 single "(六)其他处理" row carrying their sums (8+2+1 = 11), as some 2021 reports print it.
    Table 三 is read with its own version's rows: the row is apply.other (2019's key), table 二 keeps
    the 2021 columns, and (七)总计 = the sum of the outcome rows still holds. Before: the row was lost."""
    text = _grid_text("pingtan/2025-report.html")
    assert all(r in text for r in PINGTAN_SIX)
    text = text.replace("\n".join(PINGTAN_SIX), "三、本年度办理结果 | (六)其他处理 | 11 | 0 | 0 | 0 | 0 | 0 | 11")
    stats, checks, _ = extract_stats(text)
    got = stated(stats)
    assert (got["apply.other.natural_person"], got["apply.other.total"]) == (11, 11)
    assert not any(k.startswith("apply.other.no_correction") for k in got)
    assert got["proactive.rules.issued"] == 0 and got["proactive.normative.in_force"] == 546
    assert not any(c.rule.startswith(("apply.handled.", "unreadable.apply", "ambiguous.apply")) for c in checks)


def test_a_2019_report_with_a_2021_table_three_keeps_its_2019_table_two():
    """SYNTHETIC: the real shanghai 2019 page (2019 template) as pipe rows, its (六)其他处理 row (blank)
    replaced by the 2021 three sub-rows (blank too). The 2021 words in table 三 made the whole report
    2021, and table 二's 本年新制作/本年新公开/对外公开总数量 were stated as 本年制发/本年废止/现行有效
    (wrong keys: 13 "repealed" rules). Each table now has its own version."""
    text = _grid_text("shanghai-szfbgt/2019-report.html")
    six = "三、本年度办理结果 | (六)其他处理 | - | - | - | - | - | - | -"
    assert six in text
    text = text.replace(six, "\n".join(r.rsplit(" | ", 7)[0] + " | -" * 7 for r in PINGTAN_SIX))
    got = stated(extract_stats(text)[0])
    assert [got[f"proactive.rules.{c}"] for c in ("made", "published", "total")] == [13, 13, 524]
    assert not any(k.startswith(("proactive.rules.issued", "proactive.rules.repealed")) for k in got)
    assert (got["apply.handled.natural_person"], got["apply.handled.total"]) == (767, 805)


# ---------------------------------------------------------------- loose labels, by template position
def _pingtan_with(old: str, new: str) -> str:
    text = _grid_text("pingtan/2025-report.html")
    assert old in text
    return text.replace(old, new)


def test_a_misprinted_label_is_read_at_its_place_in_template_order():
    """SYNTHETIC: the real pingtan 2025 page as pipe rows with the misprint issue 13 quotes from a real
    report, "2.其他法律行政止公开" (法规禁 dropped): no label pattern matches it, but it stands between
    the exactly matched 1.属于国家秘密 and 3.危及“三安全一稳定” rows and is most of the template's
    label, so its cells are that row's. Before: the row was lost (unreadable)."""
    text = _pingtan_with("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
    # give the row numbers of its own (the real row is all zeros), keeping table 三's identities
    row = "2.其他法律行政止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0"
    assert row in text
    text = text.replace(row, "2.其他法律行政止公开 | 4 | 0 | 0 | 0 | 0 | 0 | 4")
    stats, checks, _ = extract_stats(text)
    got = stated(stats)
    assert (got["apply.withheld.law_prohibited.natural_person"], got["apply.withheld.law_prohibited.total"]) == (4, 4)
    assert got["apply.withheld.security_stability.total"] == 0 and got["apply.withheld.state_secret.total"] == 0


def test_a_loose_label_without_exactly_matched_neighbours_is_not_read():
    """SYNTHETIC (as above), and the next row's label also unreadable ("3.危及…" replaced by "3.？？"):
    the misprinted row's place is no longer pinned on both sides, so neither row is read."""
    text = _pingtan_with("3.危及“三安全一稳定”", "3.？？").replace("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
    got = stated(extract_stats(text)[0])
    assert not any(k.startswith(("apply.withheld.law_prohibited", "apply.withheld.security_stability")) for k in got)
    assert got["apply.withheld.state_secret.total"] == 0 and got["apply.withheld.third_party.total"] == 0


def test_table_two_one_value_per_line_under_a_wrapped_label():
    """Format matrix (SYNTHETIC rendering of the real pingtan 2025 page, pdftotext plain): table 二 is
    "规章 / 0 / 0 / 0 / 行政规范性文 / 件 / 58 / 45 / 546", one cell per line and the label wrapped.
    Before: no table 二 number."""
    from govcrawl.extract import extract

    got = stated(extract(PLAIN.read_bytes(), filename=PLAIN.name).stats)
    assert [got[f"proactive.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [58, 45, 546]
    assert [got[f"proactive.rules.{c}"] for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert got["proactive.licensing.decisions"] == 2418 and got["proactive.punishment.decisions"] == 644


LAYOUT = PLAIN.with_name("lo-pdf.pdftotext-layout.txt")


def test_labels_wrapped_around_their_numbers_in_layout_text():
    """Format matrix (SYNTHETIC rendering of the real pingtan 2025 page, pdftotext -layout): a two-line
    label is printed on both sides of its numbers ("行政规范性文 / 58 45 546 / 件"), and the rotated group
    label (六)其他处理 runs into "1.申请人无正当理由逾期不 / 他处理 补正、行政机关 / 8 0 0 0 0 0 8 / 不再处理…":
    no pattern matches that row, but it lies alone between the exactly matched 5.要求行政机关确认 and
    2.申请人逾期未按收费通知 rows and reads as most of the template's label. Before: 0.95 recall."""
    from govcrawl.extract import extract

    got = stated(extract(LAYOUT.read_bytes(), filename=LAYOUT.name).stats)
    assert [got[f"proactive.normative.{c}"] for c in ("issued", "repealed", "in_force")] == [58, 45, 546]
    assert got["proactive.fees.amount"] == 4166.241619
    assert (got["apply.other.no_correction.natural_person"], got["apply.other.no_correction.total"]) == (8, 8)
    assert (got["apply.other.unpaid_fee.total"], got["apply.not_processed.confirm.total"]) == (2, 0)


def test_a_run_of_rows_pinned_by_the_rows_around_it():
    """Format matrix (SYNTHETIC rendering of the real huaian 2024 PDF, pdftotext plain): one value per
    line, "二、上年结转…" followed by 21 values (its row, then (一)予以公开 and (二)部分公开, whose labels
    are printed elsewhere), then "1.属于国家秘密". The exactly matched 一、本年新收 before and 1.属于国家秘密
    after pin the run to rows 二, (一), (二). Before: 0.61 recall, those three rows unreadable."""
    from govcrawl.extract import extract
    from govcrawl.extract.pdf import pdf_read

    path = PLAIN.parents[1] / "huaian-2024" / "pdftotext-plain.txt"
    got = stated(extract(path.read_bytes(), filename=path.name).stats)
    pdf = REAL / "huaian" / "2024-report.pdf"
    grid = stated(extract_stats(pdf_read(pdf.read_bytes()).text, grids=pdf_read(pdf.read_bytes()).grids)[0])
    assert {k: v for k, v in got.items() if grid.get(k) != v} == {}
    for row in ("carried_in", "disclosed", "partial", "not_processed.mass_repeat", "other.other"):
        assert got[f"apply.{row}.total"] == grid[f"apply.{row}.total"], row
    assert (got["apply.disclosed.natural_person"], got["apply.disclosed.total"]) == (1288, 1362)


# ---------------------------------------------------------------- PDF text layers
def test_a_text_layer_that_prints_numbers_before_their_labels_gives_no_rows():
    """SYNTHETIC WPS-like PDF of the real huaian 2024 report (tests/fixtures/corpus/synthetic): its cells
    are too narrow, so numbers wrap, and wrapped labels are centred, so each row's numbers stand a line
    above their label (the first row's "300 53 0 0 61 4 311 / 1 9" before "一、本年新收"). Read from the
    text layer alone, 二、上年结转's 34 came out as 一、本年新收 and 四、结转's 103 as (七)总计 (wrong
    numbers a PDF without ruled tables would have stored). A row's worth of numbers before the first
    row's label shows the layout: no row is read from that text layer."""
    from govcrawl.extract.normalize import match_form
    from govcrawl.extract.pdf import pdf_read
    from govcrawl.extract.stats import template

    pdf = pdf_read((REAL.parent / "synthetic" / "wps-like-2024-narrow.pdf").read_bytes())
    got = template.read_template(match_form(pdf.text), "std-2021")
    assert not [s for s in got.stats if s.key.startswith("apply.")]
    assert any(c.rule == "unreadable.apply" for c in got.checks)


def test_template_labels_broken_around_their_numbers_still_tell_the_version():
    """SYNTHETIC: the real pingtan 2025 table 三 printed as a PDF text layer breaks labels around their
    numbers; here every label that names the version ("本年新收", "上年结转", "逾期不补正", "未按收费通知")
    is broken inside that word, and table 二 (whose header words would tell it) is not there. The text was not taken as a template at all (the intermittent
    failure of test_stats_property, style 'pdf'); the labels read with the numbers taken out tell it."""
    cuts = {"一、本年新收": 5, "二、上年结转": 5, "1.申请人无正当理由逾期不补正": 14, "2.申请人逾期未按收费": 10}
    lines = []
    grid = _grid_text("pingtan/2025-report.html")
    for row in grid[grid.index("(本列数据") :].split("\n"):  # table 三 and 四 only, as in the property test
        cells = row.split(" | ")
        nums = [c for c in cells if c.replace(".", "").isdigit()]
        label = "".join(c for c in cells if c not in nums and not c.startswith("三、本年度"))
        cut = next((label.index(head) + k for head, k in cuts.items() if head in label), None)
        if len(nums) == 7 and cut:
            lines += [label[:cut] + " " + " ".join(nums), label[cut:]]
        else:
            lines.append(" ".join(cells))
    text = "\n".join(lines)
    assert "本年新收" not in text and "上年结转" not in text and "逾期不补正" not in text and "未按收费通知" not in text
    stats, _, fmt = extract_stats(text)
    got = stated(stats)
    assert fmt == "std-2021"
    assert (got["apply.new.natural_person"], got["apply.new.total"]) == (151, 154)
    assert got["apply.carried_out.total"] == 6


# ---------------------------------------------------------------- i14's batch 2 (real pages)
def test_table_two_one_value_per_line_without_pipes():
    """huichang (real, batch 2): table 二 printed one value per line, no pipes ("规章 / 0 / 0 / 0 /
    规范性文件 / 5 / 5 / 5"), label and values on separate lines. Before: 0 of 22."""
    _assert_tables_read("huichang-zhongcun-2020")


def test_pinyin_glosses_and_taiwanese_terms_of_a_mirror():
    """yuanling (real, batch 2, Traditional mirror): "規(guī)章", "規(guī)范性文檔" — a pinyin gloss inside
    the label and 文件 converted to the Taiwanese 文檔. Before: 0 of 22."""
    _assert_tables_read("yuanling-eryou-2020-traditional")


@pytest.mark.parametrize("page", ["pingtan/2025-report.html", "shanghai-szfbgt/2019-report.html"])
def test_a_whole_report_one_cell_per_line_reads_as_its_grid(page):
    """SYNTHETIC renderings of two real pages (2021 template, every cell filled; 2019 template, most
    cells blank) as the web-page store writes tables: one cell per line ending " |", a blank cell as a
    bare "|", span copies as a "||" line closing each row. Every table number the grid gives comes
    back, and no other."""
    grid = _grid_text(page)
    want = stated(extract_stats("", table_text=grid)[0])
    lines = []
    for row in grid.split("\n"):
        lines += [("" if c == "-" else c + " ") + "|" for c in row.split(" | ")] + ["||"]
    got = stated(extract_stats("\n".join(lines))[0])
    assert len(want) > 50
    assert got == want
