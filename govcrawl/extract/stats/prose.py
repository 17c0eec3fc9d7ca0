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
from ..precheck import guarded, may_match, required_chars
from ..numerals import NUMERAL_CHARS, parse_number
from .textnorm import compact

_CN_NUMERALS = NUMERAL_CHARS
_NUM = r"(?P<n>\d+(?:\.\d+)?|[%s]+)(?P<approx>余|多)?" % _CN_NUMERALS
# (key, regex, unit, regex the sentence must also match, characters every match of both needs)
_FIGURES = [
    (key, rx, unit, req_rx, required_chars(rx) | (required_chars(req_rx) if req_rx else frozenset()))
    for key, rx, unit, req_rx in (
        (key, re.compile(pat.replace("NUM", _NUM)), unit, re.compile(req) if req else None)
        for key, pat, unit, req in R.PROSE_FIGURES
    )
]


def _unit_after_num(patterns: list[str]) -> re.Pattern | None:
    """One regex every figure sentence must match: a number, then a unit its pattern allows.

    Read from the registry: the (mandatory) group or literal right after NUM in
    each pattern. None (no pre-check) when a pattern does not have that shape.
    """
    units = []
    for pat in patterns:
        m = re.search(r"NUM(\(\?:[^()\\\[]*\)|[^\\()\[\]?*+{}|.^$]+)", pat)
        if not m or pat[m.end() : m.end() + 1] in ("?", "*", "{", "+"):
            return None
        units.append(m.group(1))
    return re.compile(r"(?:\d|[%s])(?:余|多)?(?:%s)" % (_CN_NUMERALS, "|".join(dict.fromkeys(units))))


# Sentences without "<number><unit>" skip every figure pattern.
_ANY_FIGURE = _unit_after_num([pat for _key, pat, _unit, _req in R.PROSE_FIGURES])
_SENT_RE = re.compile(r"[^。;!?]+[。;!?]?")
_CLAUSE_RE = re.compile(r"[^,;。]+")
_ZERO_NEG = re.compile(R.ZERO_NEGATIONS)
_ZERO_AFTER = guarded(R.ZERO_AFTER)  # its optional words lead: no literal prefix scan, so the "为" it needs is checked first
_ZERO_HEAD = re.compile(R.ZERO_HEAD_AFTER)
_FEES_ZERO = re.compile(R.FEES_ZERO)
_FEES_ZERO_CHARS = required_chars(_FEES_ZERO)
_FEES_STATED = re.compile(r"\d+(?:\.\d+)?元")
_COUNT_IN_CLAUSE = re.compile(r"\d+(?:件|起|宗|条|人次)")
_ZERO_METRICS = [(key, re.compile(word), re.compile(not_near) if not_near else None) for key, word, not_near in R.ZERO_METRICS]
_LIST_SIBLING = re.compile(R.LIST_SIBLING_AFTER)
_PART_OPENING = re.compile(R.PART_OPENING)
_RUNNING_TOTAL = re.compile(R.RUNNING_TOTAL)


# A line opening with a section number ("(一)主动公开…", "二、", "3.") starts a new
# sentence even when the line before has no end mark (a page cut mid-sentence, a
# heading): a figure must not take its context from another section.
_HEADING_LINE = re.compile(r"\n(?=[ \t]*(?:[(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[、.](?!\d)))")


def sentences(text: str) -> list[str]:
    text = _HEADING_LINE.sub("。\n", text)
    return [s for s in (m.group(0).strip() for m in _SENT_RE.finditer(compact(text))) if s]


def _zero_keys(sentence: str) -> list[tuple[str, str]]:
    """Keys a sentence states as zero, with the clause that says so."""
    out = []
    # No clause can say "zero" when the whole sentence has neither form.
    if not (_ZERO_NEG.search(sentence) or _ZERO_AFTER.search(sentence)):
        return out
    for clause in _CLAUSE_RE.findall(sentence):
        if _COUNT_IN_CLAUSE.search(clause):
            continue  # a clause with a count is not a zero statement
        neg = _ZERO_NEG.search(clause)
        after = _ZERO_AFTER.search(clause)
        for key, word, not_near in _ZERO_METRICS:
            m = None
            if neg:
                m = word.search(clause, neg.end())
                if m and not _ZERO_HEAD.match(clause, m.end()):
                    m = None  # the negation is of a narrower phrase ("复议纠错")
            if m is None and after:
                m = word.search(clause[: after.start()])
                if m and not _ZERO_HEAD.match(clause[: after.start()], m.end()):
                    m = None
            if m is None:
                continue
            if not_near and not_near.search(clause):
                continue
            out.append((key, clause))
    return out


def prose_figures(text: str) -> tuple[list[Stat], list[Check]]:
    stats: dict[str, Stat] = {}
    checks: list[Check] = []
    period = 0  # which 。-sentence: ";"-clauses of one sentence share it
    where: dict[str, int] = {}  # key -> the period its stated figure is in
    parallel: dict[str, Stat] = {}
    for sent in sentences(text):
        found: list[tuple[int, Stat]] = []
        figures = _FIGURES if _ANY_FIGURE is None or _ANY_FIGURE.search(sent) else ()
        for key, rx, unit, req, chars in figures:
            if not may_match(chars, sent):
                continue  # a word of the pattern is missing: it cannot match
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
                if key in R.PROSE_NOT_LIST_ITEM and _LIST_SIBLING.match(sent, m.end()):
                    continue  # the first item of an enumeration, not the total
                clause = sent.rfind(",", 0, m.start("n")) + 1  # the number's clause (a sentence ends at ;。)
                if _RUNNING_TOTAL.search(sent, clause, m.start("n")):
                    continue  # a running total since the agency began, not the year's figure
                found.append((m.start("n"), Stat(key=key, value=v, unit=unit, source="prose", evidence=sent[:200])))
                break
        for key, clause in _zero_keys(sent):
            found.append((sent.find(clause), Stat(key=key, value=0, unit="件", source="prose", evidence=sent[:200])))
        m = _FEES_ZERO.search(sent) if may_match(_FEES_ZERO_CHARS, sent) else None
        if m and not _FEES_STATED.search(sent):
            found.append((m.start(), Stat(key="fees.total", value=0, unit="元", source="prose", evidence=sent[:200])))
        for _pos, st in sorted(found, key=lambda x: x[0]):
            if st.key not in stats:
                stats[st.key] = st
                where[st.key] = period
            elif (st.key.startswith(R.PARALLEL_PART_KEYS) and where[st.key] == period
                  and abs(float(stats[st.key].value) - float(st.value)) > 1e-9 and not _PART_OPENING.match(sent)):
                # parallel ";"-clauses state the metric per unit ("政府…予以公开2件;部门…予以公开1件"):
                # each is a part, the whole is not stated
                parallel.setdefault(st.key, st)
        if not sent.endswith(";"):
            period += 1
    for key, other in parallel.items():
        first = stats.pop(key)
        checks.append(Check(rule=f"ambiguous.{key}", expected=first.value, stated=other.value,
                            detail=f"parallel clauses state {first.value} and {other.value} (parts); none stored: "
                                   f"{first.evidence[:80]}"))
    return list(stats.values()), checks
