"""The one shared extractor: raw bytes in, a Document out.

Used by the crawl's extract pipeline, ``govcrawl reparse``, ``govcrawl import``
and ``govcrawl extract``: the same bytes always give the same Document. It has
no hidden state (no trafilatura dedup cache), never raises on bad input (the
reason goes into ``Document.error``) and never invents a number.

Stages, each in its own module:
  sniff/decode (decode.py) -> clean text + page metadata (clean.py)
  -> report metadata (meta.py) -> statistics + identities (stats/)
  -> is it a report at all? (classify.py)
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .model import Check, Document, Stat

__all__ = ["extract", "extract_file", "Document", "Stat", "Check", "EXTRACTOR_VERSION", "sniff_kind"]


def _source_hash() -> str:
    # The version changes whenever the extractor's code or label registry changes,
    # so `reparse` re-runs exactly when the output could differ.
    h = hashlib.sha256()
    root = Path(__file__).parent
    for p in sorted(root.rglob("*")):
        if p.suffix in {".py", ".toml", ".json", ".txt"} and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


EXTRACTOR_VERSION = f"1.{_source_hash()}"

_BINARY_MAGIC = {
    b"\xd0\xcf\x11\xe0": "OLE2 (.doc/.xls/.wps) file",
    b"PK\x03\x04": "ZIP container that is not a .docx (.xlsx/.ofd/.zip, or a damaged .docx)",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\x1f\x8b": "gzip data",
    b"Rar!": "RAR archive",
}


def sniff_kind(data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
    """Return "pdf", "docx", "html", "text" or "binary" from the bytes first, then the label."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        from .docx import is_docx
        from .sheet import is_xlsx

        return "docx" if is_docx(data.lstrip()) else "xlsx" if is_xlsx(data.lstrip()) else "binary"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        from .office import ole_kind

        return ole_kind(data.lstrip()) or "binary"  # "doc" (.doc/.wps) or "xls" (.xls/.et)
    for magic in _BINARY_MAGIC:
        if head.startswith(magic):
            return "binary"
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<div", b"<table")) or b"<html" in lowered:
        return "html"
    name = (filename or "").lower()
    ctype = (content_type or "").lower()
    if name.endswith(".pdf") or "application/pdf" in ctype:
        return "pdf"  # labelled PDF but without the magic: pdf.py reports why
    if name.endswith((".html", ".htm", ".shtml")) or "html" in ctype:
        return "html"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def extract(
    data: bytes,
    *,
    source: str | None = None,
    url: str | None = None,
    content_type: str | None = None,
    filename: str | None = None,
    encoding_hint: str | None = None,
) -> Document:
    """Extract one document. Never raises for bad input: see ``Document.error``."""
    from . import classify, clean, guards, markdown, meta, stats

    kind = sniff_kind(data, content_type, filename)
    doc = Document(source=source, kind=kind)
    try:
        if not data or not data.strip():
            doc.error = "empty document"
            doc.skip_reason = "empty document"
            return doc
        too_big = guards.too_large(data)
        if too_big:
            doc.error = doc.skip_reason = too_big
            return doc
        if kind == "binary":
            magic = next((v for k, v in _BINARY_MAGIC.items() if data.lstrip()[:8].startswith(k)), "binary data")
            doc.error = f"not a text document: {magic}"
            doc.skip_reason = doc.error
            return doc
        html: str | None = None
        tree = None  # the page parsed once (clean.parse_html), shared with the stats grid reader
        note: str | None = None  # damage worth recording even when extraction succeeds
        grids = None  # a PDF's ruled tables, read as grids
        plain: str | None = None  # antiword's text of a .doc when LibreOffice is missing
        if kind != "pdf" and ((filename or "").lower().endswith(".pdf") or "application/pdf" in (content_type or "").lower()):
            # Often an HTML error page behind a .pdf link: say so, then read what it is.
            note = f"not a PDF: labelled as PDF but the bytes are {kind}"
        if kind in ("doc", "xls", "xlsx"):
            from .office import read_office

            # LibreOffice/antiword/openpyxl/xlrd: HTML for the grid reader, or antiword's plain text
            text, plain, note = read_office(data.lstrip(), kind, filename)
        ocr_read = None  # a scanned PDF's OCR result (ocr.py)
        if kind == "pdf":
            from .pdf import pdf_read

            try:
                content = pdf_read(data)
            except ValueError as exc:
                if "no text layer" not in str(exc):
                    raise
                from .ocr import ocr_pdf

                ocr_read = ocr_pdf(data)  # a scan: Tesseract, tables cell by cell (ValueError says how to install it)
        if kind == "pdf" and ocr_read is None:
            grids = content.grids
            page = clean.clean_plain_text(content.text, from_pdf=True)
        elif kind in ("doc", "xls", "xlsx") and plain is not None:
            page = clean.clean_plain_text(plain)
        else:
            if kind == "docx":
                from .docx import docx_html

                # mammoth's HTML of the document, read like a web page (tables as grids)
                text = docx_html(data.lstrip())
            elif kind in ("doc", "xls", "xlsx"):
                pass  # text: the HTML read_office made
            elif ocr_read is not None:
                text = ocr_read.html
            else:
                from .decode import decode_bytes

                text, enc = decode_bytes(data, content_type, encoding_hint)
                replaced = guards.replaced_sequences(data, text)
                if replaced and not note:
                    note = f"{replaced} undecodable byte sequence(s) in {enc} input replaced with U+FFFD"
                if kind == "text" and markdown.is_markdown(filename, content_type):
                    # pipe tables and pandoc's raw-HTML tables become <table>s: read as grids
                    text = markdown.markdown_html(text)
                    kind = doc.kind = "markdown"
            if kind in ("html", "docx", "doc", "xls", "xlsx", "markdown") or ocr_read is not None:
                html = text
                tree, strict = clean.parse_html(text)
                page = clean.clean_html(text, url=url, tree=tree)
                if not strict:
                    tree = None  # the grid reader parses (and refuses) such a page itself
                depth = guards.nesting_depth(text) if len(page.text.strip()) < 200 else 0
                if depth > guards.PARSER_MAX_DEPTH:
                    # The parser built an empty tree: read the page as tag-stripped text instead.
                    note = f"HTML nested {depth} levels deep (parser limit {guards.PARSER_MAX_DEPTH}): read as plain text"
                    html = tree = None
                    page = clean.clean_plain_text(guards.html_to_plain_text(text))
            else:
                page = clean.clean_plain_text(text)
        meta.fill(doc, page, url=url)
        doc.stats, doc.checks, fmt = stats.extract_stats(doc.text, html=html, year=doc.year, tree=tree, grids=grids)
        if plain is not None:
            doc.stats, doc.checks, fmt = [], [], None  # antiword dropped the table bodies: no figures from a torn table
        if ocr_read is not None:
            from .ocr import confirmed

            # OCR misreads digits: only numbers their table's identities confirm are kept (source 'ocr')
            doc.stats, dropped = confirmed(doc.stats)
            doc.kind = "ocr"
            if dropped:
                doc.checks.append(Check(rule="ocr.unconfirmed", detail=(
                    f"scanned PDF read by OCR ({ocr_read.pages} pages, {ocr_read.cells} table cells, "
                    f"{ocr_read.seconds:.1f} s): {dropped} number(s) no identity confirms, not stored")))
        doc.format = fmt
        classify.classify(doc)
        if note and not doc.error:
            doc.error = note  # kept even when the report is usable: the input was damaged
    except Exception as exc:  # bad input must not lose the rest of a run
        doc.error = f"{type(exc).__name__}: {exc}"[:500]
        doc.skip_reason = doc.skip_reason or f"extractor error: {type(exc).__name__}"
        doc.is_report = False
    return doc


def extract_file(path: str | Path, *, source: str | None = None, url: str | None = None) -> Document:
    p = Path(path)
    return extract(p.read_bytes(), source=source or str(path), url=url, filename=p.name)
