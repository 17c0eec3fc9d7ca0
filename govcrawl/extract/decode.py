"""Bytes to text, the way Chinese government pages need it.

w3lib (Scrapy's own charset logic) reads the BOM, the HTTP header and the
<meta> declaration and already maps gb2312/gbk to gb18030. When nothing is
declared we try strict UTF-8 first and fall back to gb18030, which decodes every
GBK/GB2312 page; a wrong guess here would garble the whole report.
"""
from __future__ import annotations

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, read_bom, resolve_encoding

# Encodings that are subsets of gb18030: decode as gb18030 so rare characters survive.
_GB_FAMILY = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "ms936", "euc-cn", "gb18030", "hz-gb-2312"}


def _mostly_utf8(data: bytes) -> bool:
    # A UTF-8 page with a few corrupt bytes must stay UTF-8: read as GBK, every
    # character would be garbled. GBK text read as UTF-8 fails on nearly every
    # non-ASCII byte pair, so a small share of bad sequences tells them apart.
    high = len(data) - len(data.translate(None, bytes(range(0x80))))
    bad = data.decode("utf-8", errors="replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return high > 0 and bad * 50 <= high


def _auto_detect(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return "utf-8"
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        # Mostly GBK with a few bad bytes (truncated body): still the best reading.
        return "gb18030"


def normalise_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in _GB_FAMILY:
        return "gb18030"
    return resolve_encoding(name) or None


def decode_bytes(data: bytes, content_type: str | None = None, hint: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    ``hint`` is the portal's configured encoding; it wins over a missing header
    but not over a BOM. A header that contradicts the bytes (GBK served as
    UTF-8) is caught by checking that the declared codec decodes cleanly.
    """
    bom_enc, _ = read_bom(data)
    if bom_enc:
        enc, text = html_to_unicode(content_type, data, auto_detect_fun=_auto_detect)
        return text, enc
    header = content_type or ""
    if hint:
        header = f"text/html; charset={normalise_encoding(hint)}"
    enc, text = html_to_unicode(header or None, data, auto_detect_fun=_auto_detect)
    enc = normalise_encoding(enc) or enc
    # A wrong declaration (GBK bytes labelled utf-8) shows up as replacement chars.
    if "\ufffd" in text and enc != "gb18030":
        try:
            data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            guess = _auto_detect(data)
            if guess != enc:
                return data.decode(guess, errors="replace"), guess
    if enc == "gb18030" and "\ufffd" in text:
        # html_to_unicode may have used gbk; redo with the superset.
        text = data.decode("gb18030", errors="replace")
    return text, enc


def declared_encoding(data: bytes) -> str | None:
    return normalise_encoding(html_body_declared_encoding(data))
