"""Small pieces of the statistics reader (synthetic inputs, written for these tests)."""
from __future__ import annotations

from govcrawl.extract.stats.grid import html_tables, render_grid
from govcrawl.extract.stats.readings import readings
from govcrawl.extract.numerals import cn_to_int
from govcrawl.extract.normalize import match_form as normalize


def test_rowspan_and_colspan_expand_into_a_grid():
    html = ("<table><tr><td rowspan='2'>(三)不予公开</td><td>1.属于国家秘密</td><td>0</td></tr>"
            "<tr><td>2.其他法律行政法规禁止公开</td><td>/</td></tr>"
            "<tr><td colspan='2'>(七)总计</td><td>5</td></tr></table>")
    grid = html_tables(html)[0]
    assert [t for _, t in grid[1]] == ["(三)不予公开", "2.其他法律行政法规禁止公开", "/"]
    assert render_grid(grid).splitlines() == [
        "(三)不予公开 | 1.属于国家秘密 | 0",
        "(三)不予公开 | 2.其他法律行政法规禁止公开 | -",  # "/" is an empty cell
        "(七)总计 | 5",  # a spanned cell is written once
    ]


def test_readings_of_run_together_digits():
    assert readings(["000"], 3) == [(0, 0, 0)]
    assert sorted(readings(["350"], 2)) == [(3, 50), (35, 0)]
    assert readings(["07"], 2) == [(0, 7)]  # "07" is never one number
    assert readings(["1", "-"], 2) == [(1, None)]
    assert readings(["12"], 3) == []


def test_normalisation():
    # a Traditional document's cell gets its text's conversion; a Simplified one's is not converted
    assert normalize("規範性檔案（一）１２３", traditional=True) == "规范性文件(一)123"
    assert normalize("规范性文件（一）１２３") == "规范性文件(一)123"
    assert cn_to_int("二十三") == 23 and cn_to_int("一百零五") == 105 and cn_to_int("三") == 3
