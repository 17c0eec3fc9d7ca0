"""Small pieces of the statistics reader (synthetic inputs, written for these tests)."""
from __future__ import annotations

from govcrawl.extract.stats.grid import html_tables, render_grid
import random

from govcrawl.extract.stats.readings import MAX_READINGS, count_readings, readings, readings_where
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


def test_counted_and_pruned_readings_are_those_readings_gives():
    """count_readings and readings_where (table 四's block-pruned search) against readings() and a
    filter afterwards, on random runs of digits, zeros, decimal points and blank cells: the same
    count, the same readings in the same order, and None exactly when readings() says too many."""
    def block_ok(blk):
        return None in blk or abs(sum(blk[:-1]) - blk[-1]) <= 1e-9

    rng = random.Random(19)

    def token():
        if rng.random() < 0.08:
            return "-"
        digits = "0123456789" if rng.random() < 0.9 else "00000."
        return "".join(rng.choice(digits) for _ in range(rng.choice([1, 1, 2, 3, 4, 6, 8, 12, 16, 19, 22])))

    too_many = kept = 0
    for _ in range(1500):
        runs, n, size = [token() for _ in range(rng.choice([1, 1, 1, 2, 3, 4]))], rng.choice([2, 3, 5, 7, 10, 15]), rng.choice([3, 5])
        every = readings(runs, n)
        assert (every is None) == (count_readings(runs, n) > MAX_READINGS), (runs, n)
        pruned = readings_where(runs, n, size, block_ok)
        if every is None:
            assert pruned is None
            too_many += 1
            continue
        assert count_readings(runs, n) == len(every), (runs, n)
        assert pruned == [r for r in every if all(block_ok(r[i:i + size]) for i in range(0, n - n % size, size))], (runs, n, size)
        kept += len(pruned)
    assert too_many > 20 and kept > 1000  # the draw reaches both sides of the limit and keeps readings


def test_normalisation():
    # a Traditional document's cell gets its text's conversion; a Simplified one's is not converted
    assert normalize("規範性檔案（一）１２３", traditional=True) == "规范性文件(一)123"
    assert normalize("规范性文件（一）１２３") == "规范性文件(一)123"
    assert cn_to_int("二十三") == 23 and cn_to_int("一百零五") == 105 and cn_to_int("三") == 3
