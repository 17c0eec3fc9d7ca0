"""Build SYNTHETIC .docx files for tests: a minimal WordprocessingML package.

Not a real attachment: ``docx_from_html`` repackages the paragraphs and tables of a
page (e.g. a real report page from tests/fixtures/corpus) as a Word document, with
merged cells written the way Word writes them (``gridSpan`` for colspan; ``vMerge``
restart/continue for rowspan), so a test can check that a report read from a .docx
gives what the same report read from HTML gives.
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>')


def _p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def _tc(text: str, span: int = 1, vmerge: str | None = None) -> str:
    pr = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    pr += {"restart": '<w:vMerge w:val="restart"/>', "continue": "<w:vMerge/>"}.get(vmerge or "", "")
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{_p(text)}</w:tc>"


def _table(rows: list[list[tuple[str, int, int]]]) -> str:
    """rows of (text, colspan, rowspan) as HTML gives them -> w:tbl with vMerge continuations."""
    below: dict[int, tuple[int, int]] = {}  # grid column -> (rows still covered, colspan)
    out = []
    for row in rows:
        cells, col = [], 0
        pending = list(row)
        while pending or any(c >= col for c in below):
            if col in below:
                left, span = below[col]
                cells.append(_tc("", span, "continue"))
                below[col] = (left - 1, span)
                if left - 1 == 0:
                    del below[col]
                col += span
                continue
            if not pending:
                break
            text, span, rowspan = pending.pop(0)
            cells.append(_tc(text, span, "restart" if rowspan > 1 else None))
            if rowspan > 1:
                below[col] = (rowspan - 1, span)
            col += span
        out.append("<w:tr>" + "".join(cells) + "</w:tr>")
    return "<w:tbl>" + "".join(out) + "</w:tbl>"


def docx(blocks: list) -> bytes:
    """blocks: paragraph strings and tables (lists of rows of (text, colspan, rowspan))."""
    body = "".join(_p(b) if isinstance(b, str) else _table(b) for b in blocks)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def docx_from_html(html: str, container_xpath: str, title: str | None = None) -> bytes:
    """The paragraphs and tables under ``container_xpath``, in document order, as a .docx
    (``title``: a first paragraph, as a report document starts with its title)."""
    import lxml.html

    root = lxml.html.fromstring(html).xpath(container_xpath)[0]
    blocks: list = [title] if title else []
    for el in root.iter("p", "h1", "h2", "h3", "h4", "table"):
        if any(a.tag == "table" for a in el.iterancestors()):
            continue  # a table's own paragraphs are its cells
        if el.tag == "table":
            blocks.append([[(" ".join(td.text_content().split()), int(td.get("colspan", 1)), int(td.get("rowspan", 1)))
                            for td in tr if td.tag in ("td", "th")] for tr in el.iter("tr")])
        elif el.text_content().strip():
            blocks.append(" ".join(el.text_content().split()))
    return docx(blocks)
