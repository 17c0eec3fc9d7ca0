"""Text from pages, files and servers, made safe to show on a console.

Page text is data. rich reads ``[...]`` in a printed string as markup (a title with
``[/b]`` ended a crawl with MarkupError) and ``:name:`` as an emoji code; a terminal obeys
escape sequences; bidi controls reorder what a reader sees. ``shown()`` makes any value
printable as itself: control and bidi characters become visible ``\\xNN``/``\\uNNNN``
escapes, overlong values are cut with an ellipsis, and rich markup is escaped. Callers
print with ``emoji=False`` (``say()`` does both).
"""
from __future__ import annotations

import re

from rich.markup import escape

# C0 controls but tab and newline, DEL, C1 controls; bidi embeddings/overrides/isolates and marks;
# lone surrogates (undecodable file-name bytes), which no console encoding can print.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _visible(m: re.Match) -> str:
    c = ord(m.group(0))
    if 0xDC80 <= c <= 0xDCFF:  # a byte of a non-UTF-8 file name (surrogateescape): show the byte
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(value, limit: int | None = 300, oneline: bool = False) -> str:
    """``value`` as plain text that cannot act on a terminal (no markup escaping)."""
    s = _UNSAFE.sub(_visible, str(value))
    if oneline:
        s = s.replace("\n", "\\n").replace("\t", " ")
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def shown(value, limit: int | None = 300, oneline: bool = True) -> str:
    """``value`` for an f-string passed to rich: cleaned and markup-escaped."""
    return escape(clean(value, limit, oneline))


def say(console, template: str, *values, limit: int | None = 300) -> None:
    """Print ``template`` (trusted markup, ``{}`` placeholders) with ``values`` shown as data."""
    console.print(template.format(*(shown(v, limit) for v in values)), emoji=False)
