"""HTML tables -> grids with rowspan/colspan expanded -> separated text rows.

trafilatura's flattened table text misaligns spanned cells, so the raw HTML is
read with lxml. Each table becomes a grid; each grid row is rendered as one
line of " | "-separated cells, where a cell spanning several columns is written
once and a blank or placeholder cell ("/", "-", "—") is written as "-". That
text is then read by the same row reader as any other separated table text.
"""
from __future__ import annotations

import re

from ..normalize import match_form, to_simplified
from .textnorm import EMPTY_CELLS

_MAX_SPAN = 60  # a malformed colspan="9999" must not allocate a huge grid
_NON_DIGITS = re.compile(r"\D")


def _span(el, name: str) -> int:
    value = el.get(name)
    if not value:  # most cells: no span attribute
        return 1
    try:
        return max(1, min(_MAX_SPAN, int(_NON_DIGITS.sub("", value) or 1)))
    except ValueError:
        return 1


def html_tables(html: str, root=None, traditional: bool = False) -> list[list[list[tuple[int, str]]]]:
    """Every innermost <table> as a grid: rows of (cell id, text) with spans copied.

    ``root``: ``lxml.html.fromstring(html)`` when the caller already parsed the page.
    ``traditional``: the document was found Traditional (its text converted): so are its cells.
    """
    from lxml import html as lhtml

    if root is None:
        try:
            root = lhtml.fromstring(html)
        except Exception:  # unparsable markup: no tables rather than a crash
            return []
    grids = []
    for table in root.iter("table"):
        if table.xpath(".//table"):
            continue  # layout wrapper: its inner tables are read on their own
        rows = [tr for tr in table.iter("tr")]
        grid: list[list[tuple[int, str]]] = []
        pending: dict[tuple[int, int], tuple[int, str]] = {}  # (row, col) -> cell filled by a rowspan
        cell_id = 0
        for r, tr in enumerate(rows):
            row: list[tuple[int, str]] = []
            c = 0
            for td in tr:
                if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                    continue
                while (r, c) in pending:
                    row.append(pending.pop((r, c)))
                    c += 1
                text = match_form(" ".join(td.itertext()), traditional)
                text = " ".join(text.split())  # white space runs to one space, ends stripped
                cell_id += 1
                cs, rs = _span(td, "colspan"), _span(td, "rowspan")
                for dc in range(cs):
                    row.append((cell_id, text))
                    for dr in range(1, rs):
                        pending[(r + dr, c + dc)] = (cell_id, text)
                c += cs
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            if row:
                grid.append(row)
        if grid:
            grids.append(grid)
    return grids


_NUMERIC = re.compile(r"\d+(?:\.\d+)?")


def render_grid(grid: list[list[tuple[int, str]]]) -> str:
    """One line per row; spanned copies within a row written once; empty cells as "-"."""
    lines = []
    for row in grid:
        cells, seen = [], set()
        for cid, text in row:
            if cid in seen:
                continue
            seen.add(cid)
            t = text.replace("|", " ").strip()
            compact = re.sub(r"\s+", "", t)
            if compact in EMPTY_CELLS:
                t = "-"
            elif _NUMERIC.fullmatch(compact.replace(",", "")):
                t = compact.replace(",", "")
            else:
                # a label: remove inner spaces so "结果 维持" reads as one word
                t = re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", t)
            cells.append(t)
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def html_tables_text(html: str, root=None, traditional: bool = False) -> str:
    """All tables of a page as separated text rows, one blank line between tables."""
    return "\n\n".join(render_grid(g) for g in html_tables(html, root, traditional))


def tables_text(html: str | None = None, tree=None, grids: list | None = None, traditional: bool = False) -> str:
    """The document's tables as separated text rows: a PDF's ruled grids, else the HTML's tables.

    ``traditional``: the document's flag (PageText.traditional): a Traditional document's cells
    get the conversion its text got (a PDF grid's cells are in match form already, unconverted)."""
    if grids:
        if traditional:
            grids = [[[(cid, to_simplified(t)) for cid, t in row] for row in g] for g in grids]
        return "\n\n".join(render_grid(g) for g in grids)
    return html_tables_text(html, tree, traditional) if html else ""
