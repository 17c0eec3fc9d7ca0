"""Hot helpers rewritten for speed give what they gave before (bench/NOTES.md, 2026-12-06 i-x).

Each reference below is the helper as it was; the rewrite must agree on every line of the real
corpus (tests/fixtures/corpus) and on random strings drawn from the characters these helpers
treat specially (ASCII and Unicode white space and line ends, digits of several scripts, CJK,
full-width forms, NUL, which compact() uses as a marker).
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

from govcrawl.extract.clean.rules import squeeze_title
from govcrawl.extract.normalize import _NFKC, PAGE_PREFIX_RE, _SPACES, _SPACES_ANY, collapse_whitespace, nfkc
from govcrawl.extract.stats import readings
from govcrawl.extract.stats.textnorm import compact

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
PALETTE = (" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2007\u200b\u2028\u3000\ufeff\x00"
           "0123456789\u0660\u0966\uff10\uff19\u2460"
           "aZ-—–.:|/,，。；、Page P.第页共"
           "年度报告政府信息公开淮安市沈阳覆盖¥€\U00020000")


def _squeeze_title_by_regex(s: str) -> str:
    s = PAGE_PREFIX_RE.sub("", re.sub(r"\s+", " ", s).strip())
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])|(?<=\d) (?=[^\x00-\x7f])", "", s) if " " in s else s


def _compact_by_regex(text: str) -> str:
    text = re.sub(r"(?<=\d)\s+(?=\d)", "\x00", text)
    text = re.sub(r"\s+", "", text)
    return text.replace("\x00", " ")


def _collapse_whitespace_by_lines(text: str) -> str:
    if _SPACES_ANY.search(text):
        text = text.translate(_SPACES)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in text.splitlines())
    return "\n".join(ln for ln in lines if ln)


def _samples() -> list[str]:
    lines = []
    for p in sorted(CORPUS.rglob("*")):
        if p.suffix in (".txt", ".html", ".md"):
            text = p.read_text(encoding="utf-8", errors="replace")
            lines += text.splitlines()
            lines.append(text[:5000])  # several lines at once
    rng = random.Random(19)
    lines += ["".join(rng.choice(PALETTE) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    return lines


SAMPLES = _samples()


def test_str_white_space_is_re_white_space():
    # the rewrites use str.split() where the regexes used \s
    assert [c for c in range(sys.maxunicode + 1) if chr(c).isspace() != bool(re.fullmatch(r"\s", chr(c)))] == []


def _nfkc_by_unicodedata(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("fn, ref", [(squeeze_title, _squeeze_title_by_regex), (compact, _compact_by_regex),
                                     (collapse_whitespace, _collapse_whitespace_by_lines), (nfkc, _nfkc_by_unicodedata)])
def test_rewrite_gives_what_the_regex_gave(fn, ref):
    changed = 0
    for s in SAMPLES:
        want = ref(s)
        assert fn(s) == want, repr(s)
        changed += want != s
    assert changed > 1000  # the samples exercise the rewriting, not only the no-op


def _splits_general(run: str, k: int) -> tuple:
    """readings._splits without its digits-only path (the general loop, no memo)."""
    out = []
    if k == 1:
        if readings._valid(run):
            out.append((readings._num(run),))
    else:
        for i in range(1, len(run) - k + 2):
            head = run[:i]
            if not readings._valid(head):
                if head.startswith("0") and head != "0":
                    break
                continue
            out += [(readings._num(head),) + rest for rest in _splits_general(run[i:], k - 1)]
    return tuple(out)


def test_digit_runs_split_as_the_general_loop_splits_them():
    rng = random.Random(7)
    runs = ["", "0", "00", "07", "10", "100", "0100", "1.5", "0.5", "12.30", "1..2", ".5"]
    runs += ["".join(rng.choice("0000123456789.") for _ in range(rng.randint(1, 9))) for _ in range(400)]
    cut = 0
    for run in runs:
        for k in range(1, len(run) + 2):
            want = _splits_general(run, k)
            assert readings._splits(run, k, {}) == want, (run, k)
            cut += len(want) > 1
    assert cut > 500


def test_nfkc_where_replacing_characters_is_not_enough():
    import unicodedata

    rng = random.Random(11)
    # marks that compose with what a replaced character becomes (Ａ + ́ -> Á), compatibility jamo
    # that compose into syllables, marks out of canonical order, unlisted (astral) characters
    tricky = "Ａａｅ\u0301\u0308\u0323\u0327ㄱㅏㅎㅣ\u1100\u1161\u11a8ﬁ①㈱\U0001d400\u212b\u0041\u030a，（）：中文"
    texts = ["".join(rng.choice(tricky) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    texts += ["".join(chr(c) for c in range(lo, hi)) for lo, hi in ((0xA0, 0x100), (0x2000, 0x2500), (0x3000, 0x3400),
                                                                  (0xF900, 0xFB00), (0xFE30, 0xFE70), (0xFF00, 0xFFF0))]
    assert len(_NFKC) > 1000
    slow = 0
    for t in texts:
        assert nfkc(t) == unicodedata.normalize("NFKC", t), repr(t)
        slow += not unicodedata.is_normalized("NFKC", t.translate({ord(k): v for k, v in _NFKC.items()}))
    assert slow > 1000  # the fallback is exercised too


@pytest.mark.parametrize("old, new", [
    (r"(?:\d+(?:\.\d+)?[ \t]+){2,}\d+(?:\.\d+)?", "govcrawl.extract.stats.template._ROW_NUMBERS"),
    (r"(?<=\d)[－—–](?=\d)", "govcrawl.extract.normalize._NUM_RANGE"),
    (r"(?<=\d)\s+(?=\d)", "govcrawl.extract.stats.textnorm._SPACE_BETWEEN_DIGITS"),
    (r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])|(?<=\d) (?=[^\x00-\x7f])", "govcrawl.extract.clean.rules._SPACE_NEXT_TO_CJK"),
])
def test_pattern_reordered_to_open_with_a_character_matches_the_same(old, new):
    """Patterns rewritten to open with the character they need (re scans for it) match the same spans."""
    import importlib

    module, name = new.rsplit(".", 1)
    old_rx, new_rx = re.compile(old), getattr(importlib.import_module(module), name)
    rng = random.Random(3)
    texts = SAMPLES + ["".join(rng.choice("0123456789. \t\n—－–a中") for _ in range(rng.randint(0, 30))) for _ in range(20000)]
    found = 0
    for t in texts:
        spans = [m.span() for m in old_rx.finditer(t)]
        assert [m.span() for m in new_rx.finditer(t)] == spans, repr(t)
        found += bool(spans)
    assert found > 500
