"""Spreadsheet attachments (.xlsx, .xls, Kingsoft .et) -> HTML tables -> the grid reader.

Some portals attach the 统计表 as a spreadsheet beside the report page. Each
sheet becomes one HTML <table> (merged cells as colspan/rowspan) after a
heading with the sheet name, so the statistics grid reader (stats/grid.py)
reads it exactly like a web page's table. .xlsx is read with openpyxl, .xls
with xlrd; a workbook xlrd cannot read (a Kingsoft .et, a damaged file) is
converted to .xlsx by LibreOffice (Debian: libreoffice-calc-nogui) first.
"""
from __future__ import annotations

import html as htmlmod
import io
import zipfile

MAX_CELLS = 200_000  # a statistics table is a few hundred cells; more is not one


def is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.NameToInfo
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return False


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3001.0 from a numeric cell is the integer the sheet shows
    return str(value).strip()


def _table(rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> str:
    """rows of cell text + merges (r0, c0, r1, c1 inclusive) -> one HTML table."""
    covered, spans = set(), {}
    for r0, c0, r1, c1 in merges:
        spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    out = ["<table>"]
    for r, row in enumerate(rows):
        if not any(row) and not any((r, c) in spans for c in range(len(row))):
            continue
        out.append("<tr>")
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            out.append(f"<td{attrs}>{htmlmod.escape(text)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _xlsx_tables(data: bytes) -> list[tuple[str, str]]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)  # stored values, not formulas
    out = []
    for ws in wb.worksheets:
        if (ws.max_row or 0) * (ws.max_column or 0) > MAX_CELLS:
            raise ValueError(f"sheet {ws.title!r} has {ws.max_row}x{ws.max_column} cells: not a statistics table")
        rows = [[_fmt(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out.append((ws.title, _table(rows, merges)))
    return out


def _xls_tables(data: bytes) -> list[tuple[str, str]]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    out = []
    for sh in book.sheets():
        if sh.nrows * sh.ncols > MAX_CELLS:
            raise ValueError(f"sheet {sh.name!r} has {sh.nrows}x{sh.ncols} cells: not a statistics table")
        rows = [[_fmt(sh.cell_value(r, c)) for c in range(sh.ncols)] for r in range(sh.nrows)]
        merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
        out.append((sh.name, _table(rows, merges)))
    return out


def sheet_html(data: bytes, kind: str, suffix: str = "") -> str:
    """The workbook as an HTML page: one heading + table per sheet."""
    try:
        tables = _xlsx_tables(data) if kind == "xlsx" else _xls_tables(data)
    except ValueError:
        raise
    except Exception as exc:  # xlrd cannot read it (.et, a damaged file): LibreOffice may
        from .office import CALC_PACKAGE, convert_many, soffice

        if kind == "xlsx":
            raise ValueError(f"unreadable .xlsx: {type(exc).__name__}: {exc}"[:300]) from exc

        if soffice() is None:
            raise ValueError(f"unreadable spreadsheet ({type(exc).__name__}: {str(exc)[:120]}); LibreOffice could "
                             f"convert it (Debian: apt-get install {CALC_PACKAGE})") from exc
        (got,) = convert_many([(data, suffix if suffix in (".xls", ".et", ".ett") else ".xls")], "xlsx")
        if isinstance(got, Exception):
            raise got from exc
        try:
            tables = _xlsx_tables(got)
        except Exception as exc2:
            raise ValueError(f"unreadable spreadsheet: {type(exc2).__name__}: {exc2}"[:300]) from exc2
    if not tables:
        raise ValueError("spreadsheet has no sheets")
    body = "".join(f"<h2>{htmlmod.escape(name)}</h2>{table}" for name, table in tables)
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
