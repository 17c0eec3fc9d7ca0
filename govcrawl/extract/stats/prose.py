"""Figures stated in sentences: "受理政府信息公开申请201件", "未发生行政复议".

Patterns come from registry.PROSE_FIGURES. For each key the first statement
in the text is taken; an approximate figure ("5500余条") is never stored as an
exact one: it is recorded as a Check instead (the scorer and analysts treat a
stat row as a stated number). An explicit zero (未发生 / 没有发生 / 未收到 /
为零 / 无收取…费) is 0.
"""
from __future__ import annotations

import re

from ..model import Check, Stat
from . import registry as R
from .textnorm import compact, parse_number

_NUM = r"(?P<n>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)(?P<approx>余|多)?"
_FIGURES = [(key, re.compile(pat.replace("NUM", _NUM)), unit, re.compile(req) if req else None) for key, pat, unit, req in R.PROSE_FIGURES]
_SENT_RE = re.compile(r"[^。;!?]+[。;!?]?")
_CLAUSE_RE = re.compile(r"[^,;。]+")
_ZERO_NEG = re.compile(R.ZERO_NEGATIONS)
_ZERO_AFTER = re.compile(R.ZERO_AFTER)
_FEES_ZERO = re.compile(R.FEES_ZERO)


def sentences(text: str) -> list[str]:
    return [s for s in (m.group(0).strip() for m in _SENT_RE.finditer(compact(text))) if s]


def _zero_keys(sentence: str) -> list[tuple[str, str]]:
    """Keys a sentence states as zero, with the clause that says so."""
    out = []
    for clause in _CLAUSE_RE.findall(sentence):
        if re.search(r"\d+(?:件|起|宗|条|人次)", clause):
            continue  # a clause with a count is not a zero statement
        neg = _ZERO_NEG.search(clause)
        after = _ZERO_AFTER.search(clause)
        for key, word, not_near in R.ZERO_METRICS:
            m = None
            if neg:
                m = re.compile(word).search(clause, neg.end())
            if m is None and after:
                m = re.search(word, clause[: after.start()])
            if m is None:
                continue
            if not_near and re.search(not_near, clause):
                continue
            out.append((key, clause))
    return out


def prose_figures(text: str) -> tuple[list[Stat], list[Check]]:
    stats: dict[str, Stat] = {}
    checks: list[Check] = []
    for sent in sentences(text):
        found: list[tuple[int, Stat]] = []
        for key, rx, unit, req in _FIGURES:
            if req is not None and not req.search(sent):
                continue
            for m in rx.finditer(sent):
                v = parse_number(m.group("n"))
                if v is None:
                    continue
                before = sent[max(0, m.start("n") - 1) : m.start("n")]
                if m.group("approx") or before in ("约", "近", "逾", "超"):
                    if key not in stats:
                        checks.append(Check(rule=f"approximate.{key}", stated=v, detail=f"approximate figure not stored: {m.group(0)}"))
                    continue
                found.append((m.start(), Stat(key=key, value=v, unit=unit, source="prose", evidence=sent[:200])))
                break
        for key, clause in _zero_keys(sent):
            found.append((sent.find(clause), Stat(key=key, value=0, unit="件", source="prose", evidence=sent[:200])))
        m = _FEES_ZERO.search(sent)
        if m and not re.search(r"\d+(?:\.\d+)?元", sent):
            found.append((m.start(), Stat(key="fees.total", value=0, unit="元", source="prose", evidence=sent[:200])))
        for _pos, st in sorted(found, key=lambda x: x[0]):
            stats.setdefault(st.key, st)
    return list(stats.values()), checks
