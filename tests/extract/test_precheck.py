"""The regex pre-checks never change a result: they only answer "certainly no match"."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from govcrawl.extract import clean
from govcrawl.extract.precheck import guarded, required_chars
from govcrawl.extract.stats import registry as R


def test_required_chars():
    assert required_chars("行政复议(?:案件)?数") == frozenset("行政复议数")
    assert required_chars("复议|诉讼") == frozenset()  # no character common to both
    assert required_chars("(?:打印)?关闭") == frozenset("关闭")
    assert required_chars("a{0,3}b") == frozenset("b")
    assert required_chars("(?i)abc") == frozenset()  # case-insensitive: no safe pre-check


def _patterns() -> list[str]:
    pats = [p for _k, p, _u, _r in R.PROSE_FIGURES]
    pats = [p.replace("NUM", r"(?P<n>\d+)") for p in pats]
    rules = clean.rules()
    pats += [g.pattern for g in rules.drop + rules.footer + rules.suffixes]
    return pats


PATTERNS = _patterns()
ALPHABET = sorted({ch for p in PATTERNS for ch in p if "\u4e00" <= ch <= "\u9fff"} | set("0123456789 :：,。|-"))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.lists(st.sampled_from(ALPHABET), max_size=40))
def test_guarded_search_equals_plain_search(pattern, chars):
    s = "".join(chars)
    plain = re.compile(pattern)
    fast = guarded(pattern)
    a, b = plain.search(s), fast.search(s)
    assert (a and a.group(0)) == (b and b.group(0))
    assert plain.sub("", s) == fast.sub("", s)


def test_guarded_on_real_lines():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
    lines = [ln for f in sorted(root.rglob("*.txt")) for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) > 300
    for pattern in PATTERNS:
        plain, fast = re.compile(pattern), guarded(pattern)
        for ln in lines:
            assert bool(plain.search(ln)) == bool(fast.search(ln)), (pattern, ln)
