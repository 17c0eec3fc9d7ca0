"""PDF attachments -> text (pdfplumber).

Reports are often published as PDF (WPS / Word exports). pdfplumber's text
keeps a table row on one line with its cells separated by spaces
("一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119"), which the
statistics reader (stats/template.py) reads as separated cells; labels broken
across lines are matched by their words, not by line.

Bad input raises ValueError with a reason (the extractor records it in
Document.error): not a PDF, encrypted, unreadable, or no text layer (a scan).
"""
from __future__ import annotations

import io

MAX_PAGES = 200  # an annual report is a few dozen pages; more is not a report


def pdf_text(data: bytes) -> str:
    """Text of every page, pages separated by a blank line."""
    import pdfplumber

    if not data or not data.lstrip()[:1024].startswith(b"%PDF-"):
        raise ValueError("not a PDF: no %PDF- header")
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = []
            for page in pdf.pages[:MAX_PAGES]:
                # default tolerances: a smaller x_tolerance splits letter-spaced numbers ("3 1 1 9")
                pages.append(page.extract_text() or "")
    except ValueError:
        raise
    except Exception as exc:  # pdfminer raises many types for damaged or encrypted files
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise ValueError(f"encrypted PDF: {name}") from exc
        raise ValueError(f"unreadable PDF: {name}: {exc}"[:300]) from exc
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise ValueError("PDF has no text layer (a scanned image?)")
    return text


def pdf_tables(data: bytes) -> list[list[list[str | None]]]:
    """Ruled tables as rows of cells (pdfplumber's line-based table finder).

    Not used by the statistics reader (the text keeps cells apart), kept for
    inspection and for PDFs whose text merges cells.
    """
    import pdfplumber

    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages[:MAX_PAGES]:
            out.extend(page.extract_tables())
    return out
