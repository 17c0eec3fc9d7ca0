"""How a number earns its place: every statistic says how it was read (grid / text / prose / sum),
and a reading that nothing corroborates is withheld with a check (issue 13).

Real material: renderings of real reports (tests/fixtures/formats, made by tests/formats/build.py)
and real report pages (tests/fixtures/corpus/real). Tests that build a table say SYNTHETIC.
"""
from __future__ import annotations

from pathlib import Path

from govcrawl.extract import extract, extract_file
from govcrawl.extract.stats import extract_stats
from govcrawl.store import Store

FIX = Path(__file__).resolve().parents[1] / "fixtures"
FORMATS = FIX / "formats"
REAL = FIX / "corpus" / "real"

COLS = ("natural_person", "business", "research", "nonprofit", "legal_service", "other_org", "total")


def _read(rel: str):
    p = FORMATS / rel
    return extract(p.read_bytes(), filename=p.name)


def test_every_number_says_how_it_was_read():
    html = extract_file(REAL / "pingtan/2025-report.html")
    reads = {s.read for s in html.stats}
    assert reads <= {"grid", "text", "prose", "sum"} and "grid" in reads
    assert all(s.read == "grid" for s in html.stats if s.key.startswith("apply.new."))
    assert all(s.read == "sum" for s in html.stats if s.derived)
    pdf = _read("pingtan-2025/lo.pdf")  # LibreOffice PDF of the same page: ruled tables
    assert {s.read for s in pdf.stats if s.key.startswith("apply.")} <= {"grid", "sum"}
    layout = _read("pingtan-2025/lo-pdf.pdftotext-layout.txt")  # the text layer only
    assert {s.read for s in layout.stats if s.key.startswith("apply.")} <= {"text", "sum"}
    assert any(s.read == "prose" for s in layout.stats)


def test_a_text_row_whose_total_is_not_its_sum_is_withheld():
    """shanghai 2019 (real numbers, pdftotext -layout of LibreOffice's PDF): "(一)予以公开 258 12 1 1"
    has lost its blank cells; the only 7-cell reading cuts 258 into 2|5|8 and its 总计 is not the
    sum of its cells, so no cell of the row is stated (before: natural_person 2, business 5 ...)."""
    for rel in ("shanghai-2019/lo-pdf.pdftotext-layout.txt", "shanghai-2019/lo-pdf.pdfplumber.txt"):
        doc = _read(rel)
        got = {s.key for s in doc.stats}
        assert not any(k.startswith("apply.disclosed.") for k in got), rel
        assert any(c.rule == "unreadable.apply.disclosed" for c in doc.checks), rel
    # the ruled grid of the same PDF reads the row as printed
    grid = {s.key: s.value for s in _read("shanghai-2019/lo.pdf").stats}
    assert (grid["apply.disclosed.natural_person"], grid["apply.disclosed.business"]) == (258, 12)


def test_one_value_per_line_is_not_assigned_to_rows_by_order():
    """shanghai 2019, pdftotext without -layout: a value per line was read into the empty
    (五)不予公开 enforcement_file row (1,8,5,9,1,8 | 3): its total is not the sum, so withheld."""
    doc = _read("shanghai-2019/lo-pdf.pdftotext-plain.txt")
    assert not any(s.key.startswith("apply.withheld.enforcement_file.") for s in doc.stats)
    assert any(c.rule == "unreadable.apply.withheld.enforcement_file" for c in doc.checks)


def test_table_four_read_out_of_order_is_withheld_whole():
    """pingtan 2025, pdftotext without -layout: table 四 comes out 25 8 0 36 3 | 3 0 0 6 3 | 0 0 0 3 3
    (one cell moved). The first blocks break 总计; the last adds up but is the wrong order
    (upheld 0, pending 3; printed 3 and 0): a reading with a broken block states no block."""
    doc = _read("pingtan-2025/lo-pdf.pdftotext-plain.txt")
    got = {s.key: s for s in doc.stats}
    assert not any(k.startswith("litigation.after_reconsideration.") for k in got)
    assert not any(k.startswith("litigation.direct.") for k in got)
    assert {c.rule for c in doc.checks} >= {"unreadable.reconsideration", "unreadable.litigation.after_reconsideration"}
    # the prose total ("行政复议 36 起") is a reading of its own
    assert got["reconsideration.total"].value == 36 and got["reconsideration.total"].read == "prose"


def test_a_grid_keeps_a_printed_row_that_breaks_its_total():
    """SYNTHETIC from real pages: pingtan 2025 with row 一's 总计 154 changed to 155 (151+3 ≠ 155),
    in its HTML and in the pdftotext -layout text of its PDF."""
    html = (REAL / "pingtan/2025-report.html").read_text(encoding="utf-8")
    assert html.count(">154</p>") == 1
    doc = extract(html.replace(">154</p>", ">155</p>").encode(), filename="r.html")
    got = {s.key: s for s in doc.stats}
    assert got["apply.new.total"].value == 155 and got["apply.new.total"].read == "grid"
    assert any(c.rule == "apply.row.new" for c in doc.checks)  # kept as printed, the identity recorded
    text = (FORMATS / "pingtan-2025/lo-pdf.pdftotext-layout.txt").read_text(encoding="utf-8")
    row = "151   3   0         0    0    0    154"
    assert text.count(row) == 1
    doc = extract(text.replace(row, row[:-3] + "155").encode(), filename="r.txt")
    got = {s.key: s for s in doc.stats}
    assert not any(k.startswith("apply.new.") and s.read == "text" for k, s in got.items())
    assert any(c.rule == "unreadable.apply.new" for c in doc.checks)
    assert got["apply.carried_in.total"].value == 0  # the other rows still read


def test_prose_is_withheld_where_the_table_cells_sum_to_another_number():
    """SYNTHETIC text: table 三's 不予公开 rows sum to 2; a sentence says 不予公开3件. The
    derived sum is not stored as stated, and the weaker sentence is not stored at all."""
    from govcrawl.extract.stats import _merge
    from govcrawl.extract.model import Stat

    base = {"apply.withheld.total": Stat(key="apply.withheld.total", value=2, derived=True, read="sum")}
    checks = []
    _merge(base, [Stat(key="apply.withheld.total", value=3, source="prose", read="prose")], checks, "prose")
    assert base["apply.withheld.total"].derived and base["apply.withheld.total"].value == 2
    assert checks and checks[0].rule == "disagree.apply.withheld.total"
    checks = []
    _merge(base, [Stat(key="apply.withheld.total", value=2, source="prose", read="prose")], checks, "prose")
    assert base["apply.withheld.total"].read == "prose" and not checks  # confirmed by the cells: stated


def test_the_read_source_is_stored(tmp_path):
    doc = extract_file(REAL / "pingtan/2025-report.html", url="http://127.0.0.1/pingtan/2025-report.html")
    store = Store(str(tmp_path / "g.db"))
    url = "http://127.0.0.1/pingtan/2025-report.html"
    store.save_report(doc, url=url, canonical_url=url, input_sha256="s1", portal="p", kind="page", extractor_version="v1")
    rows = dict(store.db.execute("select read, count(*) from stats group by read").fetchall())
    assert rows.get("grid", 0) > 100 and rows.get("sum", 0) >= 1
    view = store.db.execute("select read from current_stats where key = 'apply.new.total'").fetchone()
    assert view == ("grid",)


def test_text_layer_and_grid_of_one_pdf_disagree_the_grid_wins():
    """SYNTHETIC from a real PDF: LibreOffice's PDF of pingtan 2025 (ruled grids), read with a text
    layer whose row 一 has two cells swapped (3 | 151: the row total still adds up)."""
    from govcrawl.extract.pdf import pdf_read

    pdf = pdf_read((FORMATS / "pingtan-2025/lo.pdf").read_bytes())
    layout = (FORMATS / "pingtan-2025/lo-pdf.pdftotext-layout.txt").read_text(encoding="utf-8")
    swapped = layout.replace("151   3   0", "3   151   0", 1)
    assert swapped != layout
    stats, checks, _ = extract_stats(swapped, grids=pdf.grids)
    got = {s.key: s for s in stats}
    assert got["apply.new.natural_person"].value == 151 and got["apply.new.natural_person"].read == "grid"
    assert any(c.rule == "disagree.apply.new.natural_person" and c.expected == 151 and c.stated == 3 for c in checks)
