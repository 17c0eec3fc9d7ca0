"""PDF attachments -> text and ruled-table grids (pdfplumber).

Reports are often published as PDF (WPS / Word exports). Their tables are
almost always drawn with lines, so they are read as grids: pdfplumber's table
finder with the line strategy, merged cells expanded over every row and column
they cover, a cell's text joined across its lines. The grids go to the same
grid reader as HTML tables (stats/grid.py). The text layer is read only for
what the grids do not give: the prose, and tables drawn without rulings.
Reading a ruled table line by line from the text layer cannot be trusted: a
WPS row label wrapped over two lines is vertically centred, so its numbers sit
on the line of the row before or after.

Bad input raises ValueError with a reason (the extractor records it in
Document.error): not a PDF, encrypted, unreadable, or no text layer (a scan).
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

MAX_PAGES = 200  # an annual report is a few dozen pages; more is not a report
_EDGE_TOL = 1.0  # points: cell edges that pdfplumber snapped together differ by less
# A cell whose lines are each a number ("12\n5"): two values of rows the ruling
# did not separate, or one number wrapped; either way no single value.
_NUMBER_LINE = re.compile(r"[\d.,\s]+")
UNREADABLE_CELL = "?"

Grid = list[list[tuple[int, str]]]  # rows of (cell id, text), spans copied: as stats.grid.html_tables


@dataclass
class PdfContent:
    text: str
    grids: list[Grid] = field(default_factory=list)
    note: str | None = None  # what was not read (pages beyond MAX_PAGES, damage), for Document.error
    damaged: bool = False  # the parser reported data loss: numbers need their identities to be kept


# What pdfminer says (as a logged warning, reading on) when part of a stream could not be
# read: the text may lack or misread characters (a damaged PDF gave 4478 for 447228).
DATA_LOSS_WARNINGS = ("Data-loss",)


class _DataLossLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if any(w in msg for w in DATA_LOSS_WARNINGS):
            self.seen[msg[:120]] += 1


def _check_header(data: bytes) -> None:
    if not data or not data.lstrip()[:1024].startswith(b"%PDF-"):
        raise ValueError("not a PDF: no %PDF- header")


def _reason(exc: Exception) -> ValueError:
    name = type(exc).__name__  # pdfminer raises many types for damaged or encrypted files
    if "Password" in name or "Encrypt" in name:
        return ValueError(f"encrypted PDF: {name}")
    return ValueError(f"unreadable PDF: {name}: {exc}"[:300])


def _join_lines(text: str | None) -> str:
    """A cell's lines as one text: Chinese joined directly, digits kept apart (then unreadable)."""
    if not text:
        return ""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) > 1 and all(_NUMBER_LINE.fullmatch(ln) for ln in lines):
        return UNREADABLE_CELL
    out = ""
    for ln in lines:
        if out and out[-1].isascii() and ln[0].isascii() and out[-1].isalnum() and ln[0].isalnum():
            out += " "
        out += ln
    return out


def table_grid(table) -> Grid:
    """One pdfplumber Table as a full grid: every merged cell copied into each slot it covers.

    pdfplumber gives a merged cell once (None in the other slots). The slots are
    the distinct left edges x distinct top edges of the table's cells; a cell
    covers the slots whose corner lies inside it.
    """
    from .normalize import match_form

    texts = table.extract()
    cells: list[tuple[tuple[float, float, float, float], str]] = []
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                cells.append((bbox, _join_lines(match_form(texts[r][c] or ""))))
    lefts = _distinct(b[0] for b, _ in cells)
    tops = _distinct(b[1] for b, _ in cells)
    grid: Grid = []
    for y in tops:
        line = []
        for x in lefts:
            hit = next((i for i, (b, _) in enumerate(cells)
                        if b[0] - _EDGE_TOL <= x < b[2] - _EDGE_TOL and b[1] - _EDGE_TOL <= y < b[3] - _EDGE_TOL), None)
            line.append((hit + 1, cells[hit][1]) if hit is not None else (0, ""))
        grid.append(line)
    return grid


def _distinct(values) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _EDGE_TOL:
            out.append(v)
    return out


def pdf_read(data: bytes, *, grids: bool = True) -> PdfContent:
    """Text of every page (pages separated by a blank line) and the ruled tables as grids."""
    import pdfplumber

    _check_header(data)
    pages, found = [], []
    losses = _DataLossLog()
    pdfminer_log = logging.getLogger("pdfminer")
    level = pdfminer_log.level
    if pdfminer_log.getEffectiveLevel() > logging.WARNING:
        pdfminer_log.setLevel(logging.WARNING)  # heard even when the application silences warnings
    pdfminer_log.addHandler(losses)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            total = len(pdf.pages)
            for page in pdf.pages[:MAX_PAGES]:
                # default tolerances: a smaller x_tolerance splits letter-spaced numbers ("3 1 1 9")
                pages.append(page.extract_text() or "")
                if grids:
                    for t in page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"}):
                        g = table_grid(t)
                        if g and max(len(r) for r in g) > 1:  # a framed paragraph is not a table
                            found.append(g)
    except ValueError:
        raise
    except Exception as exc:
        raise _reason(exc) from exc
    finally:
        pdfminer_log.removeHandler(losses)
        pdfminer_log.setLevel(level)
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise ValueError("PDF has no text layer (a scanned image?)")
    notes = [f"PDF of {total} pages: only the first {MAX_PAGES} read (pages-per-PDF cap)"] if total > MAX_PAGES else []
    notes += [f"damaged PDF: pdfminer: {msg}" + (f" (×{n})" if n > 1 else "") for msg, n in losses.seen.items()]
    return PdfContent(text, found, "; ".join(notes) or None, bool(losses.seen))


def pdf_text(data: bytes) -> str:
    """Text of every page, pages separated by a blank line."""
    return pdf_read(data, grids=False).text


def pdf_tables(data: bytes) -> list[Grid]:
    """Ruled tables as grids (merged cells expanded), for inspection."""
    return pdf_read(data).grids
