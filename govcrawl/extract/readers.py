"""One reader per sniffed kind: bytes → a cleaned page plus what the statistics stage needs.

``READERS`` maps each kind ``sniff_kind`` returns (but "binary", which is refused) to its
reader. A reader may raise: ``extract`` records the reason in ``Document.error``.
Add a format here: one function and one table entry.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import clean, guards
from .clean import PageText


@dataclass
class Source:
    """What is known of the bytes besides themselves."""

    kind: str
    url: str | None = None
    content_type: str | None = None
    filename: str | None = None
    encoding_hint: str | None = None


@dataclass
class Read:
    """A reader's result."""

    page: PageText
    html: str | None = None  # markup for the stats grid reader
    tree: object = None  # ``html`` parsed once, shared with the grid reader (None: it parses it itself)
    grids: list | None = None  # a PDF's ruled tables, read as grids
    note: str | None = None  # damage found while reading, recorded even when the report is usable
    weak_note: str | None = None  # minor damage (replaced bytes): recorded when nothing else is
    no_figures: bool = False  # the tables were torn (antiword's text): no number may come from it
    ocr: object = None  # a scanned PDF's OCR result (ocr.OcrRead)
    damaged: bool = False  # the parser reported data loss: only identity-confirmed numbers are kept
    kind: str | None = None  # what the input turned out to be, when the sniffed kind says less ("markdown")


def html_page(text: str, url: str | None) -> Read:
    """Markup (a web page, or the HTML a .docx/.doc/sheet/OCR reader made) read like a web page."""
    tree, strict = clean.parse_html(text)
    lost = guards.lost_text(text, tree)  # the parser's recovery dropped text: numbers need their identities
    capped = guards.cap_tables(tree)
    if capped:  # the readers below get the cut page, and the note says what was cut
        import lxml.html

        text = lxml.html.tostring(tree, encoding="unicode")
    page = clean.clean_html(text, url=url, tree=tree)
    # A page lxml refused as str is read from its bytes: the grid reader refuses it itself.
    read = Read(page, html=text, tree=tree if strict else None, note="; ".join(n for n in (lost, capped) if n) or None,
                damaged=lost is not None)
    depth = guards.nesting_depth(text) if len(page.text.strip()) < 200 else 0
    if depth > guards.PARSER_MAX_DEPTH:
        # The parser built an empty tree: read the page as tag-stripped text instead.
        read = Read(clean.clean_plain_text(guards.html_to_plain_text(text)),
                    note=f"HTML nested {depth} levels deep (parser limit {guards.PARSER_MAX_DEPTH}): read as plain text")
    return read


def _decode(data: bytes, src: Source) -> tuple[str, str | None]:
    from .decode import decode_bytes

    text, enc = decode_bytes(data, src.content_type, src.encoding_hint)
    replaced = guards.replaced_sequences(data, text)
    return text, (f"{replaced} undecodable byte sequence(s) in {enc} input replaced with U+FFFD" if replaced else None)


def read_text(data: bytes, src: Source) -> Read:
    from . import markdown

    text, weak = _decode(data, src)
    if markdown.is_markdown(src.filename, src.content_type):
        # pipe tables and pandoc's raw-HTML tables become <table>s: read as grids
        read = html_page(markdown.markdown_html(text), src.url)
        read.weak_note, read.kind = weak, "markdown"
        return read
    return Read(clean.clean_plain_text(text), weak_note=weak)


def read_html(data: bytes, src: Source) -> Read:
    text, weak = _decode(data, src)
    read = html_page(text, src.url)
    read.weak_note = weak
    return read


def read_pdf(data: bytes, src: Source) -> Read:
    """Text layer and ruled tables (pdfplumber); a scan without text goes to OCR."""
    from .pdf import pdf_read

    try:
        content = pdf_read(data)
    except ValueError as exc:
        if "no text layer" not in str(exc):
            raise
        from .ocr import ocr_pdf

        ocr_read = ocr_pdf(data)  # a scan: Tesseract, tables cell by cell (ValueError says how to install it)
        read = html_page(ocr_read.html, src.url)
        read.ocr = ocr_read
        return read
    return Read(clean.clean_plain_text(content.text, from_pdf=True), grids=content.grids, note=content.note,
                damaged=content.damaged)


def read_docx(data: bytes, src: Source) -> Read:
    from .docx import docx_html

    return html_page(docx_html(data.lstrip()), src.url)  # mammoth's HTML, tables as grids


def read_office(data: bytes, src: Source) -> Read:
    """.doc/.wps and .xls/.xlsx/.et: LibreOffice/openpyxl/xlrd HTML, or antiword's plain text."""
    from .office import read_office as office_html

    text, plain, note = office_html(data.lstrip(), src.kind, src.filename)
    if plain is not None:
        return Read(clean.clean_plain_text(plain), note=note, no_figures=True)
    read = html_page(text, src.url)
    read.note = "; ".join(n for n in (note, read.note) if n) or None
    return read


READERS = {
    "html": read_html,
    "text": read_text,
    "pdf": read_pdf,  # and scanned PDFs (OCR)
    "docx": read_docx,
    "doc": read_office,  # .doc/.wps
    "xls": read_office,  # .xls/.et
    "xlsx": read_office,
}
