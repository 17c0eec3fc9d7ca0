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


# libxml2 (2.14: HTML5 tokenising) recovers from broken markup without a word in lxml's error
# log: an attribute quote never closed turns the rest of the page into one attribute value, or
# at the end of the input drops it. So what the markup has that the parsed tree does not hold as
# text is counted, in Han characters (what a report's text and labels are written in).
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
# Counted in UTF-8 without building a string of them: U+5000-U+9FFF are the 3-byte sequences led
# by E5-E9 (bytes no other position holds); E4 leads U+4000-U+4FFF, of which U+4000-U+4DFF
# (second byte 80-B7) are not counted.
_NOT_HAN_LEAD = bytes(b for b in range(256) if not 0xE4 <= b <= 0xE9)
_BELOW_HAN = re.compile(rb"\xe4[\x80-\xb7]")


def han_count(text: str | bytes) -> int:
    """Han characters (U+4E00-U+9FFF) in ``text`` (bytes: UTF-8), as ``len(_NOT_HAN.sub("", text))``."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return len(data.translate(None, _NOT_HAN_LEAD)) - len(_BELOW_HAN.findall(data))


LOST_TEXT_MIN = 20  # Han characters: fewer is a stray title attribute, not lost content


# Elements whose content the parser keeps as raw text (and comments): one never closed holds
# the rest of the page, which is then not page text.
_RAW_TEXT = ("script", "style", "title", "textarea", "xmp", "noembed", "noframes", "iframe", "plaintext")
_PAGE_END = re.compile(r"</(?:body|html)\b", re.I)


def lost_text(html: str, tree) -> str | None:
    """Why the parsed page lacks text its markup has (for Document.error), None when it does not."""
    if tree is None or not html:
        return None
    import lxml.etree

    root = tree.getroottree().getroot()  # the whole document, also when the parser gave a fragment
    markup = lxml.etree.tostring(root, encoding="utf-8")  # XML: "<" in an attribute value is written "&lt;"
    notes = []
    # a closing tag inside an attribute value: a quote never closed swallowed markup and its text
    # (none where the serialised tree has no "&lt;/": only then are the attributes searched)
    swallowed = [str(v) for v in root.xpath('//@*[contains(., "</")]')] if b"&lt;/" in markup else []
    if swallowed:
        notes.append(f"an attribute quote never closed swallowed {sum(v.count('</') for v in swallowed)} closing tag(s) "
                     f"and the text between ({sum(len(_NOT_HAN.sub('', v)) for v in swallowed)} Chinese characters)")
    # a comment, <title>, <script> … never closed: it holds the page's end, or (a comment) the
    # markup up to the end of the next comment, whose start it then contains
    for node in root.iter(lxml.etree.Comment, *_RAW_TEXT):
        if not node.text:
            continue
        comment = node.tag is lxml.etree.Comment
        if _PAGE_END.search(node.text) or (comment and "<!--" in node.text and "</" in node.text):
            what = "a comment" if comment else f"a <{node.tag}>"
            notes.append(f"{what} never closed holds markup of the page ({len(_NOT_HAN.sub('', node.text))} Chinese characters)")
            break
    have = han_count(html)
    if have >= LOST_TEXT_MIN:  # whatever the tree does not have at all (text, attributes, comments) was dropped
        dropped = have - han_count(markup)
        if dropped >= LOST_TEXT_MIN:
            notes.append(f"{dropped} of {have} Chinese characters of the markup not in the parsed page")
    return ("HTML parser recovered from broken markup: " + "; ".join(notes)) if notes else None


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
    if "\ufffd" not in text:  # most pages: no need to search the bytes
        return 0
    return max(0, text.count("\ufffd") - data.count("\ufffd".encode("utf-8")))
