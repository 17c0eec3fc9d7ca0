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

from ..model import Stat
from . import registry as R
from .textnorm import EMPTY_CELLS, parse_number

_TITLE_RE = re.compile(r"^\s*(?:\(?[一二三四五六七八九十]+\)?\s*)?(?:附表|附件\s*\d*\s*[::]?.*统计表|.*情况统计表?|单位\s*[::])")
_UNIT_RE = re.compile(r"^(?:条|件|个|人次|宗次|宗|次|元|万元|份|项|人|批次)$")
_LABEL_PREFIX_RE = re.compile(r"^(?:其中\s*[::]?\s*)?(?:\(?\d{1,2}[.、)]\s*)?")
_ROWS = [(re.compile(p), key) for p, key in R.ANNEX_ROWS]


@dataclass
class Annex:
    start: int = -1
    end: int = -1
    stats: list[Stat] = field(default_factory=list)


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
