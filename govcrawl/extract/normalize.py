"""Text normalisation shared by every input kind.

- HTML entities decoded (plain-text archives keep some, e.g. ``5&bull;15``),
- Traditional → Simplified with OpenCC, decided per document (a Simplified
  page is left alone), using ``tw2sp`` so Taiwan phrasing that mirror sites
  produce comes back to mainland usage (規範性檔案 → 规范性文件), except the
  words mainland reports use as they are (``mainland_words.txt``: 建立, 程序, 文件,
  查詢 … are read character by character, not as 创建, 进程, 文档, 查找),
- full-width digits/letters → ASCII, full-width punctuation inside numbers
  (``１，２３４．５％``) → ASCII; Chinese punctuation in prose is kept,
- white space collapsed inside lines, blank lines dropped.

``match_form`` is the form the statistics readers match labels in (table cells,
PDF grids and the document text alike): NFKC (all full-width punctuation ASCII), page
furniture removed, and for a Traditional document's cells the same conversion as its
text (the document's flag is passed in: one decision, one converter).
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Full-width ASCII block (！ to ～) and the ideographic space.
_FULLWIDTH_ALNUM = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF41, 0xFF5B)})
_SPACES = {c: " " for c in (0x3000, 0x00A0, 0x2002, 0x2003, 0x2009, 0x200B, 0xFEFF, 0x202F, 0x2007)}
_SPACES[0x200B] = ""  # zero-width space
_SPACES[0xFEFF] = ""
# str.translate walks every character through the dict: look for the few it maps first.
_FULLWIDTH_ANY = re.compile("[%s]" % "".join(map(chr, _FULLWIDTH_ALNUM)))
_SPACES_ANY = re.compile("[%s]" % "".join(map(chr, _SPACES)))

# Punctuation that is part of a number: 3．5, 50％, 1，234 (thousands only).
_NUM_DOT = re.compile(r"(?<=\d)．(?=\d)")
_NUM_PERCENT = re.compile(r"(?<=\d)\s*％")
_NUM_THOUSANDS = re.compile(r"(?<!\d)(\d{1,3}(?:，\d{3})+)(?![\d，])")
_HAS_THOUSANDS = re.compile(r"\d，\d")  # cheap test before the full pattern
# 2021－2035 inside numbers/dates ((?<=\d)[－—–](?=\d), opening with the dash: re scans for dashes)
_NUM_RANGE = re.compile(r"[－—–](?<=\d[－—–])(?=\d)")
# Runs of spaces and tabs, but a single space (which would stay itself). \r \f \v end lines
# (str.splitlines), so no run spans a line end: one pass over the whole text.
_SPACE_TAB_RUN = re.compile(r"\t[ \t]*| [ \t]+")

# A document counts as Traditional when t2s changes at least this share of its
# Han characters. Simplified text changes at ~0%, Traditional at 15-30%.
TRADITIONAL_RATIO = 0.03
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
# What t2s changes in U+4E00-U+9FFF, read from OpenCC's dictionaries by bench/t2s_changes.py:
# characters, and phrases whose changed characters are not among them (回覆; 覆 alone stays).
# A text with neither is Simplified without running the conversion (most pages).
T2S_CHANGES = resources.files("govcrawl.extract").joinpath("t2s_changes.txt")


def _t2s_changes() -> tuple[str, list[str]]:
    parts: dict[str, list[str]] = {}
    for ln in T2S_CHANGES.read_text(encoding="utf-8").splitlines():
        if ln.startswith("## "):
            section = parts.setdefault(ln.split()[1], [])
        elif ln and not ln.startswith("#"):
            section.append(ln)
    return "".join(parts["characters"]), parts["phrases"]


_T2S_CHARS, _phrases = _t2s_changes()
_T2S_CHAR = re.compile("[%s]" % _T2S_CHARS)
# Each phrase is looked for around one of its characters (the one most phrases share: 沈, 覆 …).
_share = {c: sum(c in p for p in _phrases) for c in set("".join(_phrases))}
_T2S_PHRASES: dict[str, dict[tuple[int, int], set[str]]] = {}  # anchor -> (its place, length) -> phrases
for _p in _phrases:
    _at = max(range(len(_p)), key=lambda i: (_share[_p[i]], -i))
    _T2S_PHRASES.setdefault(_p[_at], {}).setdefault((_at, len(_p)), set()).add(_p)
_T2S_ANCHOR = re.compile("[%s]" % "".join(_T2S_PHRASES))
_REACH = max(map(len, _phrases)) - 1  # Han characters a phrase reaches from its anchor
_WINDOW = 16


def _t2s_may_change(text: str) -> bool:
    """False when t2s leaves the Han characters of ``text`` (joined, as traditional_share samples them) as they are."""
    if _T2S_CHAR.search(text):
        return True
    for m in _T2S_ANCHOR.finditer(text):
        i = m.start()
        before = _NOT_HAN.sub("", text[max(0, i - _WINDOW) : i])[-_REACH:]
        after = _NOT_HAN.sub("", text[i + 1 : i + 1 + _WINDOW])[:_REACH]
        if (len(before) < _REACH and i > _WINDOW) or (len(after) < _REACH and i + 1 + _WINDOW < len(text)):
            return True  # a long run without Han characters: the conversion decides
        near, b = before + m.group() + after, len(before)
        if any(b >= at and near[b - at : b - at + n] in phrases for (at, n), phrases in _T2S_PHRASES[m.group()].items()):
            return True
    return False


@lru_cache(maxsize=None)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def decode_entities(text: str) -> str:
    # Twice: archived pages sometimes carry double-escaped entities (&amp;bull;).
    once = html.unescape(text)
    return html.unescape(once) if "&" in once else once


def traditional_share(text: str) -> float:
    """Share of Han characters that t2s would change (0.0 for Simplified text)."""
    if not _t2s_may_change(text):
        return 0.0
    sample = _NOT_HAN.sub("", text)[:20000]  # the first 20,000 Han characters
    if not sample:
        return 0.0
    converted = _converter("t2s").convert(sample)
    if converted == sample:  # Simplified text: nothing to count
        return 0.0
    changed = sum(1 for a, b in zip(sample, converted) if a != b)
    return changed / len(sample)


def is_traditional(text: str) -> bool:
    return traditional_share(text) >= TRADITIONAL_RATIO


# tw2sp also rewrites words mainland reports use as they are, which a page converted character
# by character (a site's 繁體 switch, a Big5 mirror) still has: those phrases, listed in
# mainland_words.txt (bench/mainland_words.py derives them from the real Simplified reports),
# are matched first and read character by character. The longest phrase wins (檔案館 is kept,
# 規範性檔案 still becomes 规范性文件).
MAINLAND_WORDS = resources.files("govcrawl.extract").joinpath("mainland_words.txt")  # package data, zip-safe (Scrapyd egg)


@lru_cache(maxsize=1)
def _traditional_converter():
    import json
    import os
    import tempfile

    import opencc

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    config = json.loads((share / "tw2sp.json").read_text(encoding="utf-8"))

    def absolute(node):  # OpenCC looks for dictionaries beside the config only
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                node["file"] = str(share / node["file"])
            for v in node.values():
                absolute(v)
        elif isinstance(node, list):
            for v in node:
                absolute(v)

    absolute(config)
    words = [w for w in MAINLAND_WORDS.read_text(encoding="utf-8").split() if w]
    with tempfile.TemporaryDirectory(prefix="govcrawl-opencc-") as tmp:
        keep = os.path.join(tmp, "keep.txt")
        Path(keep).write_text("".join(f"{w}\t{w}\n" for w in words), encoding="utf-8")
        config["conversion_chain"][0]["dict"]["dicts"].insert(0, {"type": "text", "file": keep})
        path = os.path.join(tmp, "tw2cn.json")
        Path(path).write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        return opencc.OpenCC(path)  # dictionaries are read now: the files may go


def to_simplified(text: str) -> str:
    """Traditional (incl. Taiwan phrasing) → Simplified mainland usage."""
    return _traditional_converter().convert(text)


def fix_numbers(text: str) -> str:
    # Each rewrite runs only when its character is there at all (most pages have none).
    if _FULLWIDTH_ANY.search(text):
        text = text.translate(_FULLWIDTH_ALNUM)
    if "．" in text:
        text = _NUM_DOT.sub(".", text)
    if "％" in text:
        text = _NUM_PERCENT.sub("%", text)
    if _HAS_THOUSANDS.search(text):
        text = _NUM_THOUSANDS.sub(lambda m: m.group(1).replace("，", ","), text)
    if "－" in text or "—" in text or "–" in text:
        text = _NUM_RANGE.sub("-", text)
    return text


def collapse_whitespace(text: str) -> str:
    """One line per paragraph: spaces collapsed, lines stripped, blank lines dropped."""
    if _SPACES_ANY.search(text):
        text = text.translate(_SPACES)
    lines = map(str.strip, _SPACE_TAB_RUN.sub(" ", text).splitlines())
    return "\n".join(ln for ln in lines if ln)


def normalize_text(text: str, *, convert: bool | None = None) -> tuple[str, bool]:
    """Normalise a whole document. Returns ``(text, was_traditional)``.

    ``convert`` forces the OpenCC decision (None = decide from the text).
    """
    text = decode_entities(text)
    traditional = is_traditional(text) if convert is None else convert
    if traditional:
        text = to_simplified(text)
    text = fix_numbers(text)
    return collapse_whitespace(text), traditional


# NFKC, fast on CJK text: its compatibility characters are mostly full-width punctuation, which
# unicodedata's NFKC walks the whole text for (0.3-1.7 ms per report). Replacing each character
# by its own NFKC keeps the text's NFKD (a text's NFKD is its characters' decompositions, put in
# canonical order); so when the result is NFKC-normalised it IS the text's NFKC, and otherwise
# (a mark composing with a replaced letter, a character not listed) unicodedata does it all.
# Listed: the blocks Chinese pages draw such characters from (Latin-1, punctuation, letter-like,
# number forms, circled numbers, CJK symbols and compatibility, full-width and half-width forms).
_NFKC_BLOCKS = ((0xA0, 0x100), (0x2000, 0x2500), (0x3000, 0x3400), (0xF900, 0xFB00), (0xFE30, 0xFE70), (0xFF00, 0xFFF0))
_NFKC = {chr(c): n for lo, hi in _NFKC_BLOCKS for c in range(lo, hi)
         if (n := unicodedata.normalize("NFKC", chr(c))) != chr(c)}
_NFKC_ANY = re.compile("[%s]" % "".join(map(re.escape, _NFKC)))


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``."""
    if unicodedata.is_normalized("NFKC", text):  # most table cells; stops at the first character to change
        return text
    out = text
    for c in set(_NFKC_ANY.findall(text)):
        out = out.replace(c, _NFKC[c])
    return out if unicodedata.is_normalized("NFKC", out) else unicodedata.normalize("NFKC", text)


# Page furniture printed by PDF writers and flipbooks ("- 4 -", "— 1 —", "第 3 页 共 6 页",
# "4/6", "Page 8", "P. 8"): the one pattern, for lines (PAGE_MARKER_RE, never a table
# cell or a paragraph) and for a title's prefix (PAGE_PREFIX_RE: "Page 8 - 威海市…报告").
PAGE_FURNITURE = (r"(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页(?:[ \t]*[,，/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?"
                  r"|\d{1,3}[ \t]*/[ \t]*\d{1,3}|(?:Page|P\.)[ \t]*\d{1,3})")
PAGE_MARKER_RE = re.compile(rf"^[ \t]*{PAGE_FURNITURE}[ \t]*$", re.M)
PAGE_PREFIX_RE = re.compile(rf"^[ \t]*{PAGE_FURNITURE}[ \t]*[-—–:|][ \t]*")



def match_form(text: str, traditional: bool = False) -> str:
    """Entities decoded, ASCII digits/punctuation (NFKC), no page markers: the form the
    statistics readers match labels in (table cells, PDF grids and the document text).

    ``traditional`` is the document's flag (``normalize_text``'s, PageText.traditional):
    a cell of a Traditional document gets the same conversion as its text (``to_simplified``);
    nothing else is converted — the text the stats get is the document's, converted already,
    and on Simplified text a conversion could only rewrite mainland words.
    """
    if not text:
        return ""
    if text.isascii() and "&" not in text:  # number cells: conversion and NFKC leave ASCII alone
        return PAGE_MARKER_RE.sub("", text)
    text = html.unescape(text)
    if traditional:
        text = to_simplified(text)
    text = nfkc(text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    return PAGE_MARKER_RE.sub("", text)
