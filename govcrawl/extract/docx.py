"""Word .docx attachments -> HTML (mammoth), read by the same HTML path as a web page.

Reports are often attached as .docx. mammoth turns the document into plain
semantic HTML: paragraphs in order and tables with their merged cells as
colspan/rowspan, so the statistics grid reader (stats/grid.py) expands a
template table from a .docx exactly as it does from a web page.

A .docx is a ZIP container, so it is checked before it is opened: a file whose
entries claim more than ``MAX_UNPACKED_BYTES`` or compress more than
``MAX_RATIO`` : 1 is refused (a ZIP bomb), as is a ZIP without
``word/document.xml`` (.xlsx, .ofd, a plain archive). Word 97-2003 .doc and
WPS .wps files are OLE2, not ZIP: they are not read (the extractor says so).

Bad input raises ValueError with a reason (the extractor records it in
Document.error).
"""
from __future__ import annotations

import io
import zipfile

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # real document.xml parts compress about 5-20 : 1
MAIN_PART = "word/document.xml"
MAX_PARAGRAPHS = 20000  # a report has a few hundred; more is not a report, and mammoth takes minutes


def is_docx(data: bytes) -> bool:
    """A readable ZIP holding a Word main document part."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return MAIN_PART in z.NameToInfo
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return False


def _check_sizes(z: zipfile.ZipFile) -> None:
    total = 0
    for info in z.infolist():
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1024 * 1024:
            raise ValueError(f"refused .docx: {info.filename} unpacks {info.file_size / info.compress_size:.0f}:1 (a ZIP bomb?)")
    if total > MAX_UNPACKED_BYTES:
        raise ValueError(f"refused .docx: entries unpack to {total} bytes (limit {MAX_UNPACKED_BYTES})")


def docx_html(data: bytes) -> str:
    """The document as an HTML page: ``<html><body>`` + mammoth's HTML."""
    import mammoth

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if MAIN_PART not in z.NameToInfo:
                raise ValueError(f"not a .docx: the ZIP has no {MAIN_PART}")
            _check_sizes(z)
            main = z.read(MAIN_PART)
            paragraphs = main.count(b"<w:p>") + main.count(b"<w:p ")
            if paragraphs > MAX_PARAGRAPHS:
                raise ValueError(f"refused .docx: {paragraphs} paragraphs (paragraphs-per-.docx cap {MAX_PARAGRAPHS})")
        result = mammoth.convert_to_html(io.BytesIO(data))
    except ValueError:
        raise
    except Exception as exc:  # zipfile, XML and mammoth errors on damaged files
        raise ValueError(f"unreadable .docx: {type(exc).__name__}: {exc}"[:300]) from exc
    body = result.value or ""
    if not body.strip():
        raise ValueError(".docx has no text")
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
