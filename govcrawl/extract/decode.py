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
    but not over a BOM (UTF-8/16/32). A declaration that contradicts the bytes
    (GBK served as UTF-8, UTF-8 with a gbk meta) is caught by checking that the
    declared codec decodes cleanly, and if not, the alternatives.
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
    if enc == "gb18030" and "\ufffd" in text:
        # html_to_unicode may have used gbk; redo with the superset.
        text = data.decode("gb18030", errors="replace")
    # A declaration is a claim: when the declared codec does not decode cleanly (GBK bytes
    # labelled utf-8, a UTF-8 page whose meta says gbk), the alternatives are tried and the
    # reading with the fewest undecodable sequences wins (the declared one on a tie).
    own = data.count("\ufffd".encode("utf-8"))
    if text.count("\ufffd") > own:
        best_bad, best = text.count("\ufffd") - own, (text, enc)
        for alt in ("utf-8", "gb18030"):
            if alt == enc:
                continue
            alt_text = data.decode(alt, errors="replace")
            bad = alt_text.count("\ufffd") - (own if alt == "utf-8" else 0)
            if bad < best_bad:
                best_bad, best = bad, (alt_text, alt)
        return best
    return text, enc


def declared_encoding(data: bytes) -> str | None:
    return normalise_encoding(html_body_declared_encoding(data))
