"""Decoding Chinese pages: GBK/GB2312 with and without a declaration, always read as gb18030.

The HTML snippets are synthetic; the sentence is from seed 004 (real).
"""
from __future__ import annotations

import pytest

from govcrawl.extract.decode import decode_bytes

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
