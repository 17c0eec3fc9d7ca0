"""Regenerate govcrawl/extract/mainland_words.txt: the words the Traditional conversion keeps.

OpenCC's tw2sp reads Taiwan phrasing back as mainland usage (規範性檔案 -> 规范性文件,
資訊 -> 信息), but also rewrites words mainland reports use as they are (建立 -> 创建,
程序 -> 进程, 文件 -> 文档). A Traditional page made from a mainland report character by
character (a site's 繁體 switch, a Big5 mirror) would lose its table labels. So: convert every
real Simplified report under tests/fixtures/corpus s2t -> tw2sp, find each phrase tw2sp
changed, and keep the phrase (read character by character) when the real reports use its
character reading more often than tw2sp's reading; a phrase kept as a rule is tried with one
more character on either side (档案馆 is kept although 档案 -> 文件 is right more often).

    .venv/bin/python bench/mainland_words.py > govcrawl/extract/mainland_words.txt
"""
from __future__ import annotations

import difflib
import re
import sys
from collections import Counter
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govcrawl.extract.normalize import is_traditional  # noqa: E402

s2t, tw2sp, t2s = (opencc.OpenCC(c) for c in ("s2t", "tw2sp", "t2s"))


def corpus() -> list[str]:
    base = ROOT / "tests" / "fixtures" / "corpus"
    texts = []
    for p in sorted(base.rglob("*")):
        if p.suffix.lower() in (".txt", ".html", ".htm") and "synthetic" not in p.parts:
            text = p.read_text(encoding="utf-8", errors="ignore")
            if not is_traditional(text):
                texts.append(re.sub(r"[^\u4e00-\u9fff]+", "\n", text))
    return texts


def changed_phrases(texts: list[str]) -> Counter:
    """Each smallest Traditional phrase whose tw2sp reading differs from its character reading."""
    found: Counter = Counter()
    for han in texts:
        trad = s2t.convert(han)
        out = tw2sp.convert(trad)
        for op, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, han, out, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            for size in range(max(1, i2 - i1), 6):
                wins = [trad[a:a + size] for a in range(max(0, i2 - size), min(i1, len(trad) - size) + 1)]
                hit = next((w for w in wins if "\n" not in w and tw2sp.convert(w) != t2s.convert(w)), None)
                if hit:
                    found[hit] += 1
                    break
            else:
                continue
    return found


def main() -> None:
    texts = corpus()
    joined = "\n".join(texts)
    keep = set()
    for phrase in changed_phrases(texts):
        if joined.count(t2s.convert(phrase)) > joined.count(tw2sp.convert(phrase)):
            keep.add(phrase)
            continue
        # tw2sp is right more often: keep the longer phrases where it is not (档案馆)
        for m in re.finditer(re.escape(t2s.convert(phrase)), joined):
            for a, b in ((m.start() - 1, m.end()), (m.start(), m.end() + 1)):
                longer = s2t.convert(joined[max(0, a):b])
                if "\n" in longer or len(longer) <= len(phrase):
                    continue
                if joined.count(t2s.convert(longer)) > joined.count(tw2sp.convert(longer)):
                    keep.add(longer)
    print("\n".join(sorted(keep)))


if __name__ == "__main__":
    main()
