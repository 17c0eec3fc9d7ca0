"""Build SYNTHETIC .xlsx workbooks from a real report page's tables (one sheet per table).

Not a real attachment: the cells and merged ranges are copied from the page's
HTML tables (rowspan/colspan -> merged cells), the way a portal's 统计表.xlsx
lays them out, so a test can compare the statistics read from the workbook
with those read from the page.
"""
from __future__ import annotations

import io

from govcrawl.extract.stats.grid import html_tables


def xlsx_from_html(html: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, grid in enumerate(html_tables(html), 1):
        ws = wb.create_sheet(f"表{n}")
        seen: dict[int, list[int]] = {}  # cell id -> [r0, c0, r1, c1]
        for r, row in enumerate(grid):
            for c, (cid, text) in enumerate(row):
                box = seen.get(cid)
                if box is None:
                    seen[cid] = [r, c, r, c]
                    value = int(text) if text.isdigit() else text
                    ws.cell(row=r + 1, column=c + 1, value=value)
                else:
                    box[2], box[3] = max(box[2], r), max(box[3], c)
        for r0, c0, r1, c1 in seen.values():
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
