"""Legacy (2008-2018) 附表 / 指标统计表 annexes.

Archived text renders these tables as cell lines: one cell per line ending in
" |" (seed 003) or whole rows "| 指标 | 单位 | 数量 |". The annex is the first
run of such lines (with its 附表N titles); it ends at the first line of prose,
so previews of other reports that some mirrors append are not read.
A label is followed by an optional unit cell and its value; an empty,
"/", "-" or "—" value is no value (and a later table cannot fill it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Check, Stat
from ..numerals import parse_number
from . import registry as R
from .readings import choose, readings
from .textnorm import EMPTY_CELLS

_TITLE_RE = re.compile(r"^\s*(?:\(?[一二三四五六七八九十]+\)?\s*)?(?:附表|附件\s*\d*\s*[::]?.*统计表|.*情况统计表?|单位\s*[::])")
_UNIT_RE = re.compile(r"^(?:%s)$" % "|".join(R.UNITS))
# "其中:", then a section or row ordinal: "(一)" / "一、" (the 2015-2018 national
# 统计表 numbers its rows so) or "1." / "(1)" / "1、".
_LABEL_PREFIX_RE = re.compile(r"^(?:其中\s*[::]?\s*)?(?:\(?[一二三四五六七八九十]{1,3}[)、]\s*)?(?:\(?\d{1,2}[.、)]\s*)?")
_ROWS = [(re.compile(p), key) for p, key in R.ANNEX_ROWS]


@dataclass
class Annex:
    start: int = -1
    end: int = -1
    stats: list[Stat] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def find_annex(text: str) -> Annex:
    annex = Annex()
    lines = text.split("\n")
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    i = 0
    while i < len(lines):
        if _TITLE_RE.match(lines[i]) and i + 1 < len(lines) and "|" in lines[i + 1]:
            break
        i += 1
    else:
        return annex
    annex.start = offsets[i]
    cells_seq: list[str | None] = []  # None marks a new table (title line)
    j = i
    while j < len(lines):
        ln = lines[j]
        if "|" in ln:
            cells_seq.extend(_cells(ln))
        elif _TITLE_RE.match(ln) or not ln.strip():
            cells_seq.append(None)
        else:
            break
        j += 1
    annex.end = offsets[j] if j < len(lines) else len(text)

    seen: set[str] = set()
    key, label = None, ""
    for cell in cells_seq:
        if cell is None:
            key = None
            continue
        compact = re.sub(r"\s+", "", cell)
        if key is not None:
            if _UNIT_RE.match(compact):
                continue
            if compact in EMPTY_CELLS or parse_number(compact) is not None and re.fullmatch(r"\d+(?:\.\d+)?", compact):
                if key not in seen:
                    seen.add(key)
                    if compact not in EMPTY_CELLS:
                        annex.stats.append(Stat(key=key, value=parse_number(compact), source="annex", evidence=f"附表 {label} | {compact}"))
                key = None
                continue
            key = None  # a label without a value cell: read this cell as a label
        if re.search(r"[\u4e00-\u9fff]", compact):
            label = compact
            name = _LABEL_PREFIX_RE.sub("", compact)
            key = next((k for rx, k in _ROWS if rx.match(name)), None)
    return annex


# ------------------------------------------------ 指标名称/计量单位/本年度/历年累计
_HEADER_RE = re.compile(R.INDICATOR_HEADER)
# "1." / "2、" numbering a row label; glued to the previous row's digits in
# run-together text ("条41815092.政府公报公开"), so exactly one digit is taken.
_ORDINAL_RE = re.compile(r"\d[.、](?=[ \t]*[\u4e00-\u9fff])")
_CELL = r"(?:\d+(?:\.\d+)?|[-/—–])"
# a row: short label (no digits, no sentence end: prose after the table is not a
# row), unit, cells
_ROW_RE = re.compile(
    rf"\s*(?P<label>[^\d§。;!?]{{0,12}}?§*[^\d§。;!?]{{1,30}}?)\s*(?P<unit>{R.INDICATOR_UNITS})\s*(?P<cells>{_CELL}(?:[ \t]*{_CELL})*)"
)


@dataclass
class _Row:
    label: str
    numbered: bool  # had a "1." / "2、" ordinal: a sub-row of the row above its 其中
    cells: str
    end: int


def _cell_readings(cells: str) -> list[tuple]:
    """Possible (本年度, 历年累计) pairs of a row's cells."""
    tokens = cells.split()
    if len(tokens) == 2:
        return [tuple(None if t in EMPTY_CELLS else parse_number(t) for t in tokens)]
    if len(tokens) != 1 or not re.fullmatch(r"\d+", tokens[0]):
        return []  # one value where there are two cells, or a broken cell: which one it is is unknown
    # no report prints "07"; a running total includes this year's value
    return [(year, total) for year, total in readings(tokens, 2) or [] if total >= year]


def find_indicator_table(text: str) -> Annex:
    """The old provincial 统计表, printed as label / unit / 本年度 / 历年累计 rows.

    Archived text may run a row's two numbers together ("主动公开信息数条4251516").
    Such a row gets a value only when one reading is left: the running total is
    at least this year's value, and a "其中" row's parts add up to it
    (网站公开 418 + 政府公报公开 7 = 主动公开 425). Otherwise it gets none.
    """
    annex = Annex()
    head = _HEADER_RE.search(text)
    if not head:
        return annex
    # ordinals become "§§" (same length, so offsets in body are offsets in text)
    body = _ORDINAL_RE.sub(lambda o: "§" * len(o.group(0)), text[head.end() :])
    rows: list[_Row] = []
    pos = 0
    while True:
        m = _ROW_RE.match(body, pos)
        if not m or "\n" in m.group("label").strip():
            break
        rows.append(_Row(label=re.sub(r"\s+", "", m.group("label")), numbered="§" in m.group("label"),
                         cells=m.group("cells"), end=m.end()))
        pos = m.end()
    if not rows:
        return annex
    annex.start = head.start()
    annex.end = head.end() + rows[-1].end

    candidates = [_cell_readings(r.cells) for r in rows]
    # a row the numbers alone leave open is decided by its 其中 group, in both
    # columns (a group whose parts never add up, as some reports print, decides nothing)
    chosen: list[tuple | None] = [c[0] if len(c) == 1 else None for c in candidates]
    for i in range(len(rows) - 1):
        if not rows[i + 1].label.startswith("其中"):
            continue
        members = [i, i + 1]
        while members[-1] + 1 < len(rows) and rows[members[-1] + 1].numbered and not rows[members[-1] + 1].label.startswith("其中"):
            members.append(members[-1] + 1)

        def adds_up(choice) -> bool:
            if any(r is None for r in choice):
                return True
            for col in (0, 1):
                vals = [r[col] for r in choice]
                if None not in vals and abs(vals[0] - sum(vals[1:])) > 1e-9:
                    return False
            return True

        picked = choose([candidates[m] for m in members], adds_up)
        for m, reading in zip(members, picked):
            if chosen[m] is None:
                chosen[m] = reading

    seen: set[str] = set()
    for r, reading, cand in zip(rows, chosen, candidates):
        name = _LABEL_PREFIX_RE.sub("", r.label.replace("§", ""))
        key = next((k for rx, k in _ROWS if rx.match(name)), None)
        if key is None or key in seen:
            continue
        seen.add(key)  # the first row with this label is the one; a later one cannot fill it
        if reading is None or reading[0] is None:
            if len(cand) > 1:
                annex.checks.append(Check(rule=f"ambiguous.{key}", detail=f"统计表 {r.label.replace('§', '')} {r.cells.strip()}: "
                                          f"{len(cand)} readings and its 其中 rows do not leave one; no value taken"))
            continue
        annex.stats.append(Stat(key=key, value=reading[0], source="annex",
                                evidence=f"统计表 {r.label.replace('§', '')} | {r.cells.strip()}"))
    return annex
