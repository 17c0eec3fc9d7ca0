"""Guards against hostile or broken input, used by the extractor orchestrator.

Each guard turns a kind of bad input into a recorded reason instead of a crash
or a silent loss: oversized input, HTML nested deeper than the parser goes,
bytes that did not decode.
"""
from __future__ import annotations

import os
import re

# Same ceiling as the crawl's DOWNLOAD_MAXSIZE: larger inputs are junk, and
# parsing them would take minutes and gigabytes.
MAX_INPUT_BYTES = 30 * 1024 * 1024

# libxml2 (under lxml, trafilatura and parsel) stops building the tree at 256
# levels unless XML_PARSE_HUGE is set; deeper content comes out empty.
PARSER_MAX_DEPTH = 255

# Input caps (environment variables override): real report tables have a few dozen cells per
# row and a few hundred rows; a row of 200,000 cells sends trafilatura's table handling into
# quadratic time. What a cap cuts is named in Document.error.
MAX_CELLS_PER_ROW = int(os.environ.get("GOVCRAWL_MAX_CELLS_PER_ROW", "1000"))
MAX_ROWS_PER_TABLE = int(os.environ.get("GOVCRAWL_MAX_ROWS_PER_TABLE", "5000"))

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "param", "source", "track", "wbr"}
_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_BLOCK_BREAK = re.compile(r"<(?:/?(?:p|div|tr|li|h[1-6]|table|section|article)|br)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^>]*>")


def too_large(data: bytes) -> str | None:
    if len(data) > MAX_INPUT_BYTES:
        return f"input too large: {len(data)} bytes (limit {MAX_INPUT_BYTES})"
    return None


def cap_tables(tree) -> str | None:
    """Cut, in the parsed page, rows beyond MAX_ROWS_PER_TABLE and cells beyond MAX_CELLS_PER_ROW;
    returns what was cut (for Document.error), None when nothing was."""
    if tree is None:
        return None
    cut_rows, cut_cells, widest, longest = 0, 0, 0, 0
    for table in tree.iter("table"):
        rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
        if len(rows) > MAX_ROWS_PER_TABLE:
            longest = max(longest, len(rows))
            for tr in rows[MAX_ROWS_PER_TABLE:]:
                tr.getparent().remove(tr)
                cut_rows += 1
    for tr in tree.iter("tr"):
        if len(tr) > MAX_CELLS_PER_ROW:  # children: cells (and stray markup, counted alike)
            widest = max(widest, len(tr))
            cut_cells += len(tr) - MAX_CELLS_PER_ROW
            del tr[MAX_CELLS_PER_ROW:]
    notes = []
    if cut_cells:
        notes.append(f"a table row of {widest} cells cut to {MAX_CELLS_PER_ROW} (cells-per-row cap; {cut_cells} cells not read)")
    if cut_rows:
        notes.append(f"a table of {longest} rows cut to {MAX_ROWS_PER_TABLE} (rows-per-table cap; {cut_rows} rows not read)")
    return "; ".join(notes) or None


def nesting_depth(html: str) -> int:
    """Deepest element nesting, counted from the tags (no parser: works at any depth)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(html):
        if name.lower() in _VOID or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def html_to_plain_text(html: str) -> str:
    """Tag-stripped text of an HTML page, paragraph breaks kept; for trees no parser can build."""
    import html as html_lib

    text = _SCRIPT_STYLE.sub(" ", html)
    text = _BLOCK_BREAK.sub("\n", text)
    text = _ANY_TAG.sub("", text)
    return html_lib.unescape(text)


def replaced_sequences(data: bytes, text: str) -> int:
    """How many U+FFFD the decoder introduced (not counting any the input itself contained)."""
    return max(0, text.count("\ufffd") - data.count("\ufffd".encode("utf-8")))
