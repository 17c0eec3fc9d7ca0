"""Decoding Chinese pages: GBK/GB2312 with and without a declaration, always read as gb18030.

The HTML snippets are synthetic; the sentence is from seed 004 (real).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract.decode import decode_bytes

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

SENTENCE = "2016年,沈河区继续坚持以务实、创新为己任,努力拓展公开内容"


def _page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>沈河区2016年度政府信息公开工作报告</title></head><body><p>{SENTENCE}</p></body></html>"


@pytest.mark.parametrize("content_type, meta", [
    ("text/html; charset=gb2312", ""),               # header only
    ("text/html", '<meta charset="gb2312">'),          # <meta> only
    ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=GBK">'),
    ("text/html", ""),                                 # nothing declared at all
    (None, ""),
])
def test_gbk_decoded_as_gb18030(content_type, meta):
    text, enc = decode_bytes(_page(meta).encode("gbk"), content_type)
    assert SENTENCE in text and enc == "gb18030"


def test_gbk_labelled_utf8_is_caught():
    text, enc = decode_bytes(_page().encode("gbk"), "text/html; charset=utf-8")
    assert SENTENCE in text and enc == "gb18030"


def test_characters_outside_gb2312_survive_a_gb2312_label():
    # 䶮 (U+4DAE) exists only in GB18030; pages labelled gb2312 do carry such names.
    name = "刘䶮"
    text, _ = decode_bytes(_page('<meta charset="gb2312">').replace("沈河区", name).encode("gb18030"), "text/html")
    assert name in text


def test_utf8_page_left_alone():
    text, enc = decode_bytes(_page().encode("utf-8"), "text/html")
    assert SENTENCE in text and enc == "utf-8"


def test_portal_hint_beats_a_wrong_header():
    text, enc = decode_bytes(_page().encode("gbk"), "text/html; charset=iso-8859-1", hint="gbk")
    assert SENTENCE in text and enc == "gb18030"


# -- issue 20: UTF-16/32 with a BOM is text; a declared charset is checked against the alternatives --
_REPORT = (FIXTURES_DIR / "corpus" / "real" / "pingtan" / "2021-report.txt").read_text(encoding="utf-8")
_PAGE = (FIXTURES_DIR / "corpus" / "real" / "pingtan" / "2025-report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_32_with_bom_is_text_not_binary(encoding):
    from govcrawl.extract import extract, sniff_kind

    bom = "\ufeff".encode(encoding)
    text_bytes = bom + _REPORT.encode(encoding)
    assert sniff_kind(text_bytes, None, "r.txt") == "text"
    plain = extract(_REPORT.encode("utf-8"), filename="r.txt")
    doc = extract(text_bytes, filename="r.txt")
    assert doc.error is None and doc.is_report
    assert (doc.text, doc.year, [(s.key, s.value) for s in doc.stats]) == \
        (plain.text, plain.year, [(s.key, s.value) for s in plain.stats])
    page = bom + _PAGE.encode(encoding)
    assert sniff_kind(page, None, "a.html") == "html"
    web = extract(page, url="http://x/a.html")
    assert web.is_report and web.title == extract(_PAGE.encode("utf-8"), url="http://x/a.html").title


def _declared(charset: str) -> str:
    import re

    html = re.sub(r"<meta[^>]*charset[^>]*>", "", _PAGE, flags=re.I)
    return html.replace("<head>", f'<head><meta http-equiv="Content-Type" content="text/html; charset={charset}">', 1)


@pytest.mark.parametrize("where", ["meta", "header"])
def test_utf8_page_declared_gbk_is_read_as_utf8(where):
    from govcrawl.extract import extract

    data = _declared("gbk").encode("utf-8")
    ctype = "text/html; charset=gbk" if where == "header" else None
    text, enc = decode_bytes(data, ctype)
    assert enc == "utf-8" and "\ufffd" not in text
    doc = extract(data, url="http://x/a.html", content_type=ctype)
    assert doc.is_report and doc.error is None
    assert doc.title == extract(_PAGE.encode("utf-8"), url="http://x/a.html").title


def test_gbk_page_declared_gbk_stays_gbk_even_with_a_bad_byte():
    data = _declared("gbk").encode("gb18030")
    cut = len(data) // 2
    damaged = data[:cut] + b"\xff" + data[cut:]
    for body in (data, damaged):
        text, enc = decode_bytes(body)
        assert enc == "gb18030" and "平潭" in text
        assert text.count("\ufffd") == (body is damaged)
