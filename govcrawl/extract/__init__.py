"""The one shared extractor: raw bytes in, a Document out.

Used by the crawl's extract pipeline, ``govcrawl reparse``, ``govcrawl import``
and ``govcrawl extract``: the same bytes always give the same Document. It has
no hidden state (no trafilatura dedup cache), never raises on bad input (the
reason goes into ``Document.error``) and never invents a number.

Stages, each in its own module:
  sniff (here) -> the kind's reader (readers.py: decode.py, pdf.py, ocr.py, docx.py, office.py)
  -> clean text + page metadata (clean/)
  -> report metadata (meta.py) -> statistics + identities (stats/)
  -> is it a report at all? (classify.py)
"""
from __future__ import annotations

import hashlib
from importlib import resources
from dataclasses import asdict
from pathlib import Path

from .model import Check, Document, Stat

__all__ = ["extract", "extract_staged", "extract_file", "Document", "Stat", "Check", "EXTRACTOR_VERSION", "sniff_kind"]


def _source_hash() -> str:
    # The version changes whenever the extractor's code or label registry changes,
    # so `reparse` re-runs exactly when the output could differ.
    # Walked through importlib.resources, so a zipped egg (Scrapyd) hashes the same files.
    h = hashlib.sha256()
    for rel, item in sorted(_package_files(resources.files(__package__), "")):
        h.update(rel.encode())
        h.update(item.read_bytes())
    return h.hexdigest()[:12]


def _package_files(folder, prefix: str):
    for item in folder.iterdir():
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _package_files(item, f"{prefix}{item.name}/")
        elif item.name.rsplit(".", 1)[-1] in {"py", "toml", "json", "txt"}:
            yield f"{prefix}{item.name}", item


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


_HTML_STARTS = ("<!doctype", "<html", "<?xml", "<head", "<meta", "<body", "<div", "<table")
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),  # UTF-32 first: it starts like UTF-16 LE
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _utf16_32_bom(data: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), None)


def sniff_kind(data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
    """Return "pdf", "docx", "html", "text" or "binary" from the bytes first, then the label."""
    bom = _utf16_32_bom(data)
    if bom:  # UTF-16/32 text (NUL bytes everywhere: not binary); html or text by what it says
        head16 = data[:4096].decode(bom, errors="ignore").lstrip("\ufeff \t\r\n").lower()
        return "html" if head16.startswith(_HTML_STARTS) or "<html" in head16[:512] else "text"
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
    if lowered.startswith(tuple(s.encode() for s in _HTML_STARTS)) or b"<html" in lowered:
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
    return extract_staged(data, source=source, url=url, content_type=content_type, filename=filename,
                          encoding_hint=encoding_hint)[0]


def extract_staged(
    data: bytes,
    *,
    source: str | None = None,
    url: str | None = None,
    content_type: str | None = None,
    filename: str | None = None,
    encoding_hint: str | None = None,
    versions=None,
) -> tuple[Document, "stages.TextStage | None"]:
    """``extract``, also returning the text stage's output (stages.py) for the stage cache:
    None when the input never reached the later stages (empty, binary, failed to read)."""
    from . import guards, stages
    from .stats.grid import tables_text

    kind = sniff_kind(data, content_type, filename)
    doc = Document(source=source, kind=kind)
    stage = None
    try:
        if not data or not data.strip():
            doc.error = "empty document"
            doc.skip_reason = "empty document"
            return doc, None
        too_big = guards.too_large(data)
        if too_big:
            doc.error = doc.skip_reason = too_big
            return doc, None
        if kind == "binary":
            magic = next((v for k, v in _BINARY_MAGIC.items() if data.lstrip()[:8].startswith(k)), "binary data")
            doc.error = f"not a text document: {magic}"
            doc.skip_reason = doc.error
            return doc, None
        from .readers import READERS, Source

        label_note = None  # damage worth recording even when extraction succeeds
        if kind != "pdf" and ((filename or "").lower().endswith(".pdf") or "application/pdf" in (content_type or "").lower()):
            # Often an HTML error page behind a .pdf link: say so, then read what it is.
            label_note = f"not a PDF: labelled as PDF but the bytes are {kind}"
        read = READERS[kind](data, Source(kind, url, content_type, filename, encoding_hint))
        if read.kind:
            doc.kind = read.kind  # e.g. "markdown": a .md file read through the HTML grid reader
        # What the input is comes first (the reason a user filters on), then what reading it found.
        note = "; ".join(n for n in (label_note, read.note) if n) or read.weak_note
        stage = stages.TextStage(
            kind=doc.kind, page=asdict(read.page), table_text=tables_text(read.html, read.tree, read.grids, read.page.traditional),
            ruled=bool(read.grids), no_figures=read.no_figures, damaged=read.damaged, note=note,
            ocr=None if read.ocr is None else {"pages": read.ocr.pages, "cells": read.ocr.cells, "seconds": read.ocr.seconds})
        stages.finish(doc, stage, url, versions)
    except Exception as exc:  # bad input must not lose the rest of a run
        stages.fail(doc, exc)
    return doc, stage


def extract_file(path: str | Path, *, source: str | None = None, url: str | None = None) -> Document:
    p = Path(path)
    return extract(p.read_bytes(), source=source or str(path), url=url, filename=p.name)
