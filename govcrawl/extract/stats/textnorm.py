"""Text normalisation for number extraction: one form for every source.

Traditional (and Taiwan-phrase) text goes through OpenCC t2s, then NFKC turns
full-width digits and punctuation into ASCII ("（" -> "(", "，" -> ","), so the
label registry and prose patterns are written once, in simplified Chinese with
ASCII punctuation.
"""
from __future__ import annotations

import html as _html
import re
import unicodedata
from functools import lru_cache

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

# Placeholders that mean "no value" in a table cell.
EMPTY_CELLS = {"", "/", "-", "—", "--", "——", "–", "－", "\\", "无数据"}

# Page furniture printed by PDF writers and flipbooks ("- 4 -", "— 1 —", "第 3 页 共 6 页",
# "4/6", "Page 8", "P. 8"): the one pattern, for lines (PAGE_MARKER_RE, never a table
# cell or a paragraph) and for a title's prefix (PAGE_PREFIX_RE: "Page 8 - 威海市…报告").
PAGE_FURNITURE = (r"(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,，/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?"
                  r"|\d{1,3}[ \t]*/[ \t]*\d{1,3}|(?:Page|P\.)[ \t]*\d{1,3})")
PAGE_MARKER_RE = re.compile(rf"^[ \t]*{PAGE_FURNITURE}[ \t]*$", re.M)
PAGE_PREFIX_RE = re.compile(rf"^[ \t]*{PAGE_FURNITURE}[ \t]*[-—–:|][ \t]*")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Simplified Chinese, ASCII digits/punctuation, entities decoded, no page markers."""
    if not text:
        return ""
    if text.isascii() and "&" not in text:  # number cells: OpenCC and NFKC leave ASCII alone
        return PAGE_MARKER_RE.sub("", text)
    text = _html.unescape(text)
    text = _t2s().convert(text)
    # t2s maps the Taiwan form 檔案 to 档案; the mainland term in these reports is 文件.
    text = text.replace("规范性档案", "规范性文件")
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = PAGE_MARKER_RE.sub("", text)
    return text


_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")
_SPACE_RUN = re.compile(r"\s+")


def compact(text: str) -> str:
    """Remove white space except between two digits (PDF lines break mid-sentence)."""
    text = _SPACE_BETWEEN_DIGITS.sub("\x00", text)
    text = _SPACE_RUN.sub("", text)
    return text.replace("\x00", " ")


def cn_to_int(s: str) -> int | None:
    """Chinese numeral ("二十三", "一百零五", "三千") -> int; None if it is not one."""
    if not s:
        return None
    if all(ch in _CN_DIGITS for ch in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))  # 二〇一二 style
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit if digit is not None else 1) * _CN_UNITS[ch]
            digit = None
        elif ch == "万":
            section += digit or 0
            total += section * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def parse_number(s: str) -> float | int | None:
    """"3119" -> 3119, "96171.6" -> 96171.6, "二十" -> 20; None otherwise."""
    s = s.strip().replace(",", "")
    if re.fullmatch(r"\d+", s):
        return int(s)
    if re.fullmatch(r"\d+\.\d+", s):
        return float(s)
    return cn_to_int(s)
