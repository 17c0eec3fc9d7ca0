"""The 2019 and 2021 national template tables (二, 三, 四) from text.

Works on any text rendering of the tables: HTML grids rendered by grid.py,
PDF text (whitespace-separated numbers, labels broken across lines), pipe
rows, and archived text whose cells run together with no separator.

How a table is read:
  1. find its region by the template's own words (第二十条 / 本年新收 / 行政复议);
  2. cut the region into label text and *groups* of numbers;
  3. give each group the template row whose label (registry.py) appears last in
     the text just before it, never going back in template order;
  4. read the group as the row's n cells: directly when the text separates
     cells, through readings.py when digits run together - then only the
     reading the identities leave, or none (recorded as a Check).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Check, Stat
from . import registry as R
from .readings import choose, count_readings, readings, readings_where
from .textnorm import compact

_NUMTOK = r"(?:\d+(?:\.\d+)?|[-/—–])"
# A run glued to "-<digits>" ("行政事业性收费35-15": 35 and -15, a 2019 本年增/减
# cell) is not read: where one cell ends is unknown, and 3|5 would be wrong.
_GROUP_RE = re.compile(rf"(?<![\d.]){_NUMTOK}(?:[ \t\r\n|]+{_NUMTOK})*(?![\d]|-\d)")
_NUMTOK_RE = re.compile(_NUMTOK)
# The "+" of a cell of its own signed with it (table 二's 本年增/减: "行政许可 | 21 | +19 | 40"); a
# "+" glued to the digits before it is no cell boundary anyone can see, and stays unread.
_PLUS_CELL = re.compile(r"(?<=[ \t|\n])\+(?=\d)")
_MONEY_HEADER_UNIT = re.compile(R.MONEY_HEADER_UNIT)
_NOTE_WHOLE = re.compile(r"\([^()]*\)")
# A mirror's pinyin gloss after a character ("規(guī)章", "數(shù)量"): not part of the label.
_PINYIN_GLOSS = re.compile(r"\([a-z]*[\u00e0-\u01dc][a-z\u00e0-\u01dc]*\)")
# A label wrapped around its row's numbers (PDF -layout centres the numbers on a two-line label:
# "行政规范性文\n   58  45  546\n件"): the label's last line is put back before the numbers.
_WRAPPED_LABEL = re.compile(r"([^\n]*[\u4e00-\u9fff])[ \t]*\n([ \t]*(?:\d+(?:\.\d+)?|[-/—–])(?:[ \t]+(?:\d+(?:\.\d+)?|[-/—–]))*[ \t]*)"
                            r"\n[ \t]*([\u4e00-\u9fff]{1,4})[ \t]*(?=\n|$)")
_CJK_BREAK = re.compile(r"(?<=[\u4e00-\u9fff])[ \t]*\n[ \t\n]*(?=[\u4e00-\u9fff])")
_LABEL_NOTE = re.compile(r"\([^()\n|]*[\u4e00-\u9fff][^()\n|]*\)")
_NOTE_OPEN = re.compile(r"\([^()]*$")
_NOTE_CLOSE = re.compile(r"^[^()]*\)")
# "1." / "2、" numbering a sub-row label; in run-together text it is glued to
# the previous row's digits ("00000004.保护第三方"), so exactly one digit is taken.
_ITEM_NO_RE = re.compile(r"\d[.、](?=[ \t]*[\u4e00-\u9fff“\"‘(])")


@dataclass
class Group:
    start: int
    end: int
    raw: str
    tokens: list[str]


@dataclass
class TableResult:
    stats: list[Stat] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    found: bool = False
    separated: bool = True  # table 三's text separates cells (tables 二 and 四 are read alike)


def detect_version(text: str) -> str | None:
    for version, markers in R.VERSION_MARKERS.items():
        if any(re.search(m, text) for m in markers):
            return version
    if all(re.search(m, text) for m in R.TEMPLATE_MARKERS):
        # no table 二 markers: tell the versions apart by table 三's 其他处理 rows
        return next((v for v, clue in R.VERSION_CLUES.items() if re.search(clue, text)), R.VERSION_DEFAULT)
    return None


# A row's worth of numbers (three or more, space-separated) printed inside a label: PDF text
# breaks a label around its numbers ("本年新 0 0 0 0 0 0 0\n收政府…"), hiding the template's words.
# ((?:\d+(?:\.\d+)?[ \t]+){2,}\d+(?:\.\d+)?, written to open with one digit: re then scans for digits)
_ROW_NUMBERS = re.compile(r"\d\d*(?:\.\d+)?[ \t]+(?:\d+(?:\.\d+)?[ \t]+)+\d+(?:\.\d+)?")


def labels_only(text: str) -> str:
    """The text with rows of numbers taken out and white space closed up, for telling the version."""
    return compact(_ROW_NUMBERS.sub("", text)) if _ROW_NUMBERS.search(text) else ""


def _cells(tokens: list[str]) -> tuple:
    """Tokens of a row whose text separates cells -> values ("-": an empty cell, None)."""
    return tuple(None if t == "-" else (float(t) if "." in t else int(t)) for t in tokens)


# An empty cell in " | "-joined rows ("258 | 12 | | | 1 | 1 |"): between two pipes, or
# after the last pipe of a row that does not open with one (a row that does,
# "| a | b |", is markdown and its last pipe only closes it).
_PIPE_EMPTY_INNER = re.compile(r"\|(?=[ \t]*\|)")
_PIPE_EMPTY_LAST = re.compile(r"^([^|\n][^\n]*\|)[ \t]*$", re.M)


_DIGIT = re.compile(r"\d")


def _fill_pipe_blanks(text: str) -> str:
    """Write empty pipe cells as "-", as grid.py does: a blank cell is a cell, not nothing."""
    if "|" not in text:
        return text
    lines = text.split("\n")
    # Label-only rows (headers: no digit) tell the convention: when most of them end
    # with a pipe ("信息内容 | 本年制发件数 | … |"), a final pipe closes every row
    # ("规章 | 0 | 0 | 0 |"), it does not open an empty last cell, or every row would
    # gain a cell on the right and a row's 总计 would be read as its last applicant
    # column. Number rows cannot tell: "258 | 12 | | | 1 | 1 |" may end in a blank 总计.
    heads = [ln.rstrip() for ln in lines if "|" in ln and not ln.lstrip().startswith("|") and not _DIGIT.search(ln)]
    if heads and sum(ln.endswith("|") for ln in heads) * 2 > len(heads):
        # (a row that opens with a pipe, "| a | b |", is markdown: handled below as before)
        text = "\n".join(ln.rstrip()[:-1] if ln.rstrip().endswith("|") and not ln.lstrip().startswith("|") else ln
                         for ln in lines)
    text = _PIPE_EMPTY_LAST.sub(r"\1 -", text)
    return _PIPE_EMPTY_INNER.sub("| -", text)


# One cell per line: a line that is one cell and its closing pipe ("规章 |", "0 |", a bare
# "|" for a blank cell), optionally followed by more pipes ("0 | ||", "||"): the copies a
# colspan leaves at the end of its row, so they close the row.
_CELL_LINE = re.compile(r"^[ \t]*([^|\n]*?)[ \t]*\|([ \t|]*)$")
_VALUE_CELL = re.compile(r"(?:\d+(?:\.\d+)?|[-/—–])")
_MIN_CELL_RUN = 8  # lines; fewer is a stray pipe line, not a table


def _cell_rows(run: list[tuple[str, int]]) -> list[str]:
    """One run of cell lines -> one " | "-joined line per table row.

    A row is its label cells followed by its value cells; a label after value cells
    opens the next row, and a trailer of span copies closes the row. Some pages open
    every row with a bare pipe ("|" then "规章 |" …): when every label that follows
    values has a bare pipe just before it, that pipe is the row mark, not a blank cell.
    """
    kinds = []
    for content, extra in run:
        if not content:
            kinds.append("blank" if extra == 0 else "trailer")
        elif _VALUE_CELL.fullmatch(content.replace(",", "")):
            kinds.append("value")
        else:
            kinds.append("label")
    starts = [i for i in range(1, len(run)) if kinds[i] == "label" and kinds[i - 1] != "label"]
    marked = kinds[0] == "blank" and len(starts) >= 3 and all(kinds[i - 1] == "blank" for i in starts)
    rows: list[list[str]] = []
    cur: list[str] = []
    has_values = False
    for i, ((content, extra), kind) in enumerate(zip(run, kinds)):
        if kind == "blank" and marked and i + 1 < len(run) and kinds[i + 1] == "label":
            kind = "trailer"  # the row mark before the next row
        if kind == "label":
            if has_values:
                rows.append(cur)
                cur, has_values = [], False
            cur.append(content)
        elif kind in ("value", "blank"):
            cur.append(content.replace(",", "") if kind == "value" else "-")
            has_values = True
        if extra or kind == "trailer":
            if cur:
                rows.append(cur)
            cur, has_values = [], False
    if cur:
        rows.append(cur)
    return [" | ".join(r) for r in rows]


def join_cell_lines(text: str) -> str:
    """Rewrite tables given one cell per line as one line per row (other text unchanged)."""
    if "|\n" not in text:
        return text
    lines = text.split("\n")
    parsed = []
    for ln in lines:
        m = _CELL_LINE.match(ln) if ln.rstrip().endswith("|") else None
        parsed.append((m.group(1).strip(), m.group(2).count("|")) if m else None)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if parsed[i] is None:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and parsed[j] is not None:
            j += 1
        if j - i >= _MIN_CELL_RUN:
            out.extend(_cell_rows(parsed[i:j]))
        else:
            out.extend(lines[i:j])
        i = j
    return "\n".join(out)


def _prepare(region: str) -> str:
    return _ITEM_NO_RE.sub(" ", _fill_pipe_blanks(region))


# Placeholders on the lines after a group's numbers: the empty label cells that
# open the next row of a grid ("769\n- | 法提供 | ..."), not cells of this row.
_PLACEHOLDER_TAIL = re.compile(r"(?:[ \t|]*\n[ \t|\n]*[-/—–](?:[ \t|]+[-/—–])*)+[ \t|]*$")


def _groups(text: str) -> list[Group]:
    out = []
    for m in _GROUP_RE.finditer(text):
        raw = m.group(0)
        tail = _PLACEHOLDER_TAIL.search(raw) if "\n" in raw else None
        if tail:
            raw = raw[: tail.start()]
        tokens = _NUMTOK_RE.findall(raw)
        if all(t in "-/—–" for t in tokens):
            continue  # placeholders alone: a header's empty cells, not a row
        tokens = ["-" if t in "-/—–" else t for t in tokens]
        out.append(Group(m.start(), m.start() + len(raw), raw, tokens))
    return out


def _separated(groups: list[Group], n: int) -> bool:
    """Does this text separate cells? (most rows show exactly n tokens)"""
    if not groups:
        return True
    exact = sum(1 for g in groups if len(_trim(g.tokens, n)) == n)
    return exact * 2 >= len(groups)


def _trim(tokens: list[str], n: int) -> list[str]:
    """Drop the empty cells that are layout, not values, when a row has more cells than n.

    An empty label cell rendered before the numbers, or the empty cells a flattened
    colspan leaves after them ("| 行政许可 | 0 | ||"). Only when the surplus can be
    only at one end; with blanks at both ends the leading ones go (an empty label
    column between the label and the numbers, as grids and markdown render it).
    """
    extra = len(tokens) - n
    if extra <= 0:
        return tokens
    lead = next((i for i, t in enumerate(tokens) if t != "-"), len(tokens))
    tail = next((i for i, t in enumerate(reversed(tokens)) if t != "-"), len(tokens))
    if lead >= extra:
        return tokens[extra:]
    if tail >= extra:
        return tokens[: len(tokens) - extra]
    return tokens


def _snip(text: str, width: int = 40) -> str:
    s = compact(text).strip("|-— ")
    return s[-width:]


def _stat(key, value, unit, evidence, read="text") -> Stat:
    return Stat(key=key, value=value, unit=unit, derived=False, source="table", evidence=evidence, read=read)


# ------------------------------------------------------------------ regions
def regions(text: str) -> dict[str, tuple[int, int]]:
    """Where tables 二 (t2), 三 (t3) and 四 (t4) are in ``text``: (start, end) each, found ones only."""
    out: dict[str, tuple[int, int]] = {}
    m3 = re.search(R.TABLE3_START, text)
    t3_start = m3.start() if m3 else None
    m2 = re.search(R.PROACTIVE_START, text)
    if m2 and (t3_start is None or m2.start() < t3_start):
        out["t2"] = (m2.start(), t3_start if t3_start is not None else min(len(text), m2.start() + 3000))
    if t3_start is not None:
        m4 = re.compile(R.TABLE4_START).search(text, t3_start)
        t3_end = m4.start() if m4 else min(len(text), t3_start + 8000)
        out["t3"] = (t3_start, t3_end)
        if m4:
            m5 = re.compile(R.TABLE4_END).search(text, m4.end())
            out["t4"] = (m4.start(), m5.start() if m5 else min(len(text), m4.start() + 3000))
    return out


# ------------------------------------------------------------------ table 三
def _drop_notes(label: str) -> str:
    """Remove parenthetical notes: "(区分处理的,只计这一情形,不计其他情形)" must not read as 其他.

    A note broken by the numbers (PDF) is open at the end of one label and
    closed at the start of the next; both halves go.
    """
    if "(" not in label and ")" not in label:
        return label
    label = _NOTE_WHOLE.sub(" ", label)
    label = _NOTE_OPEN.sub(" ", label)
    return _NOTE_CLOSE.sub(" ", label)


def _assign_rows(text: str, groups: list[Group], rows: list[tuple[str, str]], n: int | None = None):
    """[(row index, group, label text)] in template order.

    When the region holds exactly one group per template row and each row's
    label is found around its group, the order alone decides (PDF labels are
    often broken around the numbers). Otherwise each group takes the row whose
    label appears last in the text before it, never going back; a row with a
    generic label (其他, 总计) is only taken as the very next row, so a
    stray "其他" cannot jump the reader ahead.
    """
    exact = [g for g in groups if n is not None and len(_trim(g.tokens, n)) == n]
    for cand in (exact, groups):  # separated text, then run-together text
        if len(cand) != len(rows):
            continue
        out, ok = [], True
        for i, g in enumerate(cand):
            lo = cand[i - 1].end if i else 0
            hi = cand[i + 1].start if i + 1 < len(cand) else len(text)
            before = text[lo : g.start]
            # a label broken around its numbers reads whole again when the two halves meet
            window = compact(_drop_notes(before)) + compact(_drop_notes(text[g.end : hi]))
            if not re.search(rows[i][1], window):
                ok = False
                break
            out.append((i, g, before))
        if ok:
            return out
    out = []
    p = 0
    carry = 0
    where: list[int] = []  # the index in ``groups`` of each row taken
    skipped = 0  # row-like groups passed over since the last row was taken
    separated = len(exact) * 2 >= len(groups)
    for gi, g in enumerate(groups):
        if p >= len(rows):
            break
        before = text[carry : g.start]
        label = compact(_drop_notes(before))  # a label wrapped over lines reads whole
        best, best_pos = None, -1
        # each skipped row-like group stands for a row whose label was not found:
        # the label text before this group may be that row's tail, so it is not reused
        first = p + skipped
        for j in range(first, len(rows)):
            if j > first and rows[j][0] in R.GENERIC_ROWS:
                numbered = R.GENERIC_NUMBERED.get(rows[j][0])
                if not (numbered and re.search(numbered, compact(before))):
                    continue
            last = None
            for m in re.finditer(rows[j][1], label):
                last = m.start()
            if last is not None and last > best_pos:
                best, best_pos = j, last
        if best is None:
            if not separated or (n is not None and len(_trim(g.tokens, n)) == n):
                skipped += 1
            continue  # its text carries over to the next group
        k = len(g.tokens) // n if n and len(g.tokens) % n == 0 else 1
        firsts = _label_run(label, rows, best, k, first) if k > 1 else None
        if firsts:
            # several rows' cells in one run after their labels (PDF text: labels first, then the
            # values of both rows): one row per label, in the order both are printed
            for r, j in enumerate(firsts):
                part = g.tokens[r * n : (r + 1) * n]
                out.append((j, Group(g.start, g.end, g.raw, part), before))
                where.append(gi)
        else:
            out.append((best, g, before))
            where.append(gi)
        p = best + 1
        carry = g.end
        skipped = 0
    if n is None:
        return out
    # rows placed by their neighbours, after the exact matching, so they never move an exact row
    out = _pinned_runs(groups, rows, n, out, where)
    return _loose_rows(text, groups, rows, n, out, where)


def _pinned_runs(groups, rows, n, out, where):
    """Split a run of k rows' cells that follows one row's label ("二、上年结转… 34 … 34 1288 … 1362
    447 … 454", the other labels printed elsewhere) when the exactly matched rows before and after
    it pin the run to rows j … j+k-1: the previous row is j-1 and the next is j+k."""
    res, res_where = [], []
    for a, (j, g, before) in enumerate(out):
        k = len(g.tokens) // n if len(g.tokens) % n == 0 else 1
        prev_ok = (a == 0 and j == 0) or (a > 0 and out[a - 1][0] == j - 1 and out[a - 1][1] is not g)
        if (k > 1 and prev_ok and a + 1 < len(out) and out[a + 1][0] == j + k
                and where[a + 1] == where[a] + 1 and j + k <= len(rows)):
            for r in range(k):
                res.append((j + r, Group(g.start, g.end, g.raw, g.tokens[r * n : (r + 1) * n]), before))
                res_where.append(where[a])
            continue
        res.append((j, g, before))
        res_where.append(where[a])
    where[:] = res_where
    return res


def _loose_rows(text, groups, rows, n, out, where):
    """Add the rows whose printed label matches no pattern (a misprint, "2.其他法律行政止公开"):
    one row-like group alone between the groups of two exactly matched rows j-1 and j+1 is row j
    when its label is like the template's (``_like``). Done after the exact matching, so a loose
    guess never moves an exactly matched row."""
    add = []
    for a in range(len(out) - 1):
        (ja, ga, _), (jb, gb, _) = out[a], out[a + 1]
        ia, ib = where[a], where[a + 1]
        if jb != ja + 2 or ib != ia + 2:
            continue
        g = groups[ia + 1]
        if len(_trim(g.tokens, n)) == n and _like(text[ga.end : g.start], text[g.end : gb.start], rows[ja + 1][0]):
            add.append((a + 1, (ja + 1, g, text[ga.end : g.start])))
    for k, item in reversed(add):
        out.insert(k, item)
    return out


def _lcs(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


_NUMBERING = re.compile(r"\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|\d+[.、]|[-|\s]")


def _like(before: str, after: str, key: str) -> bool:
    """Is this label text the template's label of row ``key`` printed with a typo or a missing word?

    Tolerant comparison against the registry's printed label (APPLY_LABELS) of the text before
    the row's numbers, or around them (a PDF prints a wrapped label on both sides of its numbers): numbering, notes and
    blanks removed, at least LOOSE_LABEL_SHARE of its characters in order, and not much longer
    (a paragraph is no label). Short labels (予以公开, 总计, 其他) are never matched loosely.
    """
    want = R.APPLY_LABELS.get(key)
    if not want or len(want) < R.LOOSE_LABEL_MIN:
        return False
    for text in (before, before + after):
        got = _NUMBERING.sub("", compact(_drop_notes(text)))
        if got and len(got) <= 3 * len(want) and _lcs(want, got) >= R.LOOSE_LABEL_SHARE * len(want):
            return True
    return False


def _label_run(label: str, rows, last: int, k: int, first: int) -> list[int] | None:
    """The k rows ending at ``last`` when their labels are all in ``label``, in template order."""
    js = list(range(last - k + 1, last + 1))
    if js[0] < first:
        return None
    pos = -1
    for j in js:
        m = re.compile(rows[j][1]).search(label, pos + 1)
        if not m:
            return None
        pos = m.start()
    return js


def _join_split_groups(text: str, groups: list[Group], rows, n: int) -> list[Group]:
    """Join a row's cells cut in two by the tail of its wrapped label ("…相关政府信 49 息 1 0 0 0 0 50").

    Only when the two parts make exactly n cells and the few characters between them are
    no row's label (nor a number): then they are one row's cells in order.
    """
    out: list[Group] = []
    for g in groups:
        prev = out[-1] if out else None
        if prev is not None and len(prev.tokens) < n and len(prev.tokens) + len(g.tokens) == n:
            between = compact(text[prev.end : g.start])
            if len(between) <= 12 and not _DIGIT.search(between) and not any(re.search(pat, between) for _, pat in rows):
                out[-1] = Group(prev.start, g.end, text[prev.start : g.end], prev.tokens + g.tokens)
                continue
        out.append(g)
    return out


def read_apply(text: str, version: str, reg: tuple[int, int] | None, read: str = "text") -> TableResult:
    """Table 三 in ``text[reg]`` (``regions(text)["t3"]``)."""
    res = TableResult()
    if not reg:
        return res
    region = _prepare(text[reg[0] : reg[1]])
    rows = R.APPLY_ROWS[version]
    cols = R.APPLY_COLS
    n = len(cols)
    groups = _join_split_groups(region, _groups(region), rows, n)
    assigned = _assign_rows(region, groups, rows, n)
    if not assigned:
        return res
    res.found = True
    separated = res.separated = _separated([g for _, g, _ in assigned], n)
    keys = [rows[j][0] for j, _, _ in assigned]

    def row_ok(reading) -> bool:
        vals = reading[:-1]
        if any(v is None for v in reading):
            return True
        return abs(sum(vals) - reading[-1]) < 1e-9

    candidates: list[list[tuple]] = []
    for (j, g, _before), key in zip(assigned, keys):
        tokens = _trim(g.tokens, n)
        # a row whose cells are pipe-separated is never re-cut: "258" is one cell, not 2|5|8
        if separated or "|" in g.raw:
            cand = [_cells(tokens)] if len(tokens) == n else []
            if not cand:
                res.checks.append(Check(rule=f"unreadable.apply.{key}", detail=f"{len(tokens)} cells where the template has {n}: {g.raw.strip()[:80]}"))
        else:
            cand = readings(tokens, n)
            if cand is None:
                res.checks.append(Check(rule=f"ambiguous.apply.{key}", detail=f"too many readings of {g.raw.strip()[:80]}"))
                cand = []
            elif len(cand) > 1:
                cand = [c for c in cand if row_ok(c)]
            if not cand:
                res.checks.append(Check(rule=f"ambiguous.apply.{key}", detail=f"no reading of {g.raw.strip()[:80]} satisfies the row total"))
        candidates.append(cand)

    index = {k: i for i, k in enumerate(keys)}
    outcome_idx = [index[k] for k, _ in rows if k in index and k not in R.APPLY_SUMMARY_ROWS]

    def consistent(choice) -> bool:
        def col(i, c):
            r = choice[i]
            return None if r is None else r[c]

        for c in range(n):
            need = [index.get(k) for k in R.APPLY_SUMMARY_ROWS]
            if None not in need:
                v = [col(i, c) for i in need]
                if None not in v and abs(v[0] + v[1] - v[2] - v[3]) > 1e-9:
                    return False
            if "handled" in index and len(outcome_idx) == len(rows) - len(R.APPLY_SUMMARY_ROWS):
                parts = [col(i, c) for i in outcome_idx]
                h = col(index["handled"], c)
                if h is not None and None not in parts and abs(sum(parts) - h) > 1e-9:
                    return False
        return True

    chosen = choose(candidates, consistent)
    ambiguous_open = [i for i, c in enumerate(candidates) if len(c) > 1]
    values: dict[str, tuple] = {}
    for i, ((j, g, before), key) in enumerate(zip(assigned, keys)):
        reading = chosen[i]
        if reading is None:
            if len(candidates[i]) > 1:
                res.checks.append(Check(rule=f"ambiguous.apply.{key}", detail=f"{len(candidates[i])} readings of {g.raw.strip()[:80]}; the identities leave more than one"))
            continue
        if read != "grid" and None not in reading and not row_ok(reading):
            # Corroboration gate: a row read from text whose 总计 is not the sum of its six
            # cells is not known to be this row's cells in this order (a PDF value per line,
            # a run cut into digits, blank cells lost): none of it is stated. A grid row is
            # kept as printed, with the failed identity recorded (apply.row.*).
            res.checks.append(Check(rule=f"unreadable.apply.{key}", expected=sum(reading[:-1]), stated=reading[-1],
                                    detail=f"text reading {reading} breaks 总计 = sum of the applicant columns; no value taken: {g.raw.strip()[:80]}"))
            continue
        values[key] = reading
        label = _snip(before)
        note = " (cells run together; the only reading the identities allow)" if i in ambiguous_open else ""
        for c, v in zip(cols, reading):
            if v is None:
                continue
            res.stats.append(_stat(f"apply.{key}.{c}", v, "件", f"表三 {label} | {c} = {v} [{g.raw.strip()}]{note}", read))
    res.checks.extend(apply_identities(values, [k for k, _ in rows]))
    first_label = re.search(rows[0][1], compact(region))
    lead = next((g for g in groups if len(g.tokens) >= n), None)
    if (read != "grid" and res.stats and first_label and lead is not None
            and len(compact(region[: lead.start])) < first_label.start()
            and not _label_begun(compact(region[: lead.start]))):
        # A row's worth of numbers printed before the first row's label: this text layer does not
        # keep numbers after their labels (a PDF that centres numbers on wrapped labels shifts them
        # by a line), so no row of it is known to be the row its label says
        res.checks.append(Check(rule="unreadable.apply", detail=f"text layer prints {len(lead.tokens)} numbers "
                                f"before the first row's label ({lead.raw.strip()[:40]}): rows not read from it"))
        res.stats = []
    return res


def _label_begun(before: str) -> bool:
    """Does ``before`` end with the beginning of table 三's first row label ("一", "一、本年新")?"""
    for label in R.APPLY_FIRST_ROW:
        if any(before.endswith(label[:k]) for k in range(1, len(label) + 1)):
            return True
    return False


def apply_identities(values: dict[str, tuple], row_keys: list[str]) -> list[Check]:
    cols = R.APPLY_COLS
    out = []
    for key, r in values.items():
        if None not in r and abs(sum(r[:-1]) - r[-1]) > 1e-9:
            out.append(Check(rule=f"apply.row.{key}", expected=sum(r[:-1]), stated=r[-1], detail=f"{key}: total column vs sum of the six applicant columns"))
    outcome = [k for k in row_keys if k not in R.APPLY_SUMMARY_ROWS]
    for c, name in enumerate(cols):
        if all(k in values and values[k][c] is not None for k in R.APPLY_SUMMARY_ROWS):
            a = values["new"][c] + values["carried_in"][c]
            b = values["handled"][c] + values["carried_out"][c]
            if abs(a - b) > 1e-9:
                out.append(Check(rule=f"apply.balance.{name}", expected=a, stated=b, detail="一+二 (new + carried_in) vs (七)总计 + 四 (handled + carried_out)"))
        if "handled" in values and values["handled"][c] is not None and all(k in values and values[k][c] is not None for k in outcome):
            s = sum(values[k][c] for k in outcome)
            if abs(s - values["handled"][c]) > 1e-9:
                out.append(Check(rule=f"apply.handled.{name}", expected=s, stated=values["handled"][c], detail="(七)总计 vs the sum of outcome rows (一)-(六)"))
    return out


def derived_groups(stats: list[Stat], version: str | None) -> list[Stat]:
    """Group totals (不予公开 / 无法提供 / 不予处理) summed from their numbered rows of the
    report's template ``version``, flagged derived; none for a report without a template."""
    by_key = {s.key: s.value for s in stats}
    out = []
    rows = [k for k, _ in R.APPLY_ROWS.get(version, ())]
    for group in R.APPLY_DERIVED_GROUPS.get(version, ()):
        reasons = [k for k in rows if k.startswith(group + ".")]
        vals = [by_key.get(f"apply.{k}.total") for k in reasons]
        if vals and None not in vals:
            out.append(Stat(key=f"apply.{group}.total", value=sum(vals), unit="件", derived=True, source="table", read="sum",
                            evidence=f"sum of {len(vals)} rows of {group} (total column)"))
    return out


# ------------------------------------------------------------------ table 四
def read_review(text: str, reg: tuple[int, int] | None, separated_hint: bool | None = None, read: str = "text") -> TableResult:
    """Table 四 in ``text[reg]`` (``regions(text)["t4"]``)."""
    res = TableResult()
    if not reg:
        return res
    region = _fill_pipe_blanks(text[reg[0] : reg[1]])
    groups = _groups(region)
    if not groups:
        return res
    n = len(R.REVIEW_BLOCKS) * len(R.REVIEW_COLS)
    full = [g for g in groups if len(_trim(g.tokens, n)) == n]
    if full:
        g = full[0]
        cand = [_cells(_trim(g.tokens, n))]
        raw, note = g.raw, ""
    else:
        if separated_hint:
            return res  # the text separates cells but no row has 15: do not guess
        tokens = [t for g in groups for t in g.tokens]
        raw = " ".join(g.raw.strip() for g in groups)

        def block_ok(blk) -> bool:  # 总计 = 维持+纠正+其他+尚未审结, unless a cell is blank
            return None in blk or abs(sum(blk[:4]) - blk[4]) <= 1e-9

        # one reading is kept as it is; of several, those whose every block adds up (made without
        # the others: readings_where)
        if count_readings(tokens, n) == 1:
            cand = readings(tokens, n)
        else:
            cand = readings_where(tokens, n, len(R.REVIEW_COLS), block_ok) or []
        note = " (cells run together; the only reading the block totals allow)"
        if len(cand) != 1:
            res.found = True
            res.checks.append(Check(rule="ambiguous.review", detail=f"{len(cand)} readings of {raw[:80]} satisfy the block totals; no value taken"))
            return res
    res.found = True
    reading = cand[0]
    from_grid = read == "grid" or "|" in raw  # a grid or pipe row: each cell is where the table put it
    broken = [b for b in range(len(R.REVIEW_BLOCKS))
              if None not in reading[b * 5 : b * 5 + 5] and abs(sum(reading[b * 5 : b * 5 + 4]) - reading[b * 5 + 4]) > 1e-9]
    for b, block in enumerate(R.REVIEW_BLOCKS):
        blk = reading[b * 5 : b * 5 + 5]
        if not from_grid and broken:
            # Corroboration gate: read from flowing text, where cells can come out of order
            # (a PDF's one value per line), a block whose total does not add up shows the
            # order is not the table's; a cell moved within another block keeps that block's
            # sum, so no block of this reading is stated
            res.checks.append(Check(rule=f"unreadable.{block}", expected=sum(blk[:4]) if None not in blk else None,
                                    stated=blk[4], detail=f"text reading {reading} breaks 总计 = 维持+纠正+其他+尚未审结 "
                                    f"in block(s) {', '.join(R.REVIEW_BLOCKS[i] for i in broken)}; no value taken"))
            continue
        for c, v in zip(R.REVIEW_COLS, blk):
            if v is not None:
                res.stats.append(_stat(f"{block}.{c}", v, "件", f"表四 {block} | {c} = {v} [{raw.strip()[:120]}]{note}", read))
        if None not in blk and abs(sum(blk[:4]) - blk[4]) > 1e-9:
            res.checks.append(Check(rule=f"review.{block}", expected=sum(blk[:4]), stated=blk[4], detail="总计 vs 维持+纠正+其他+尚未审结"))
    return res


# ------------------------------------------------------------------ table 二
def read_proactive(text: str, version: str, separated: bool, reg: tuple[int, int] | None, read: str = "text") -> TableResult:
    """Table 二 in ``text[reg]`` (``regions(text)["t2"]``)."""
    res = TableResult()
    if not reg:
        return res
    region = _prepare(text[reg[0] : reg[1]])
    region = _PLUS_CELL.sub("", region)  # "+19" in its own cell is 19
    unit_wan = re.search(r"单位[::]?\s*万元", region)
    header_unit = _MONEY_HEADER_UNIT.search(region)  # "采购总金额(万元)": the column's own header
    # a label's printed annotation is not part of it: "规章(设区的市…应提供相关数据) | 0 | 0 | 0",
    # "上一年项目数量(指2019年事项数)" (whose 2019 is no cell)
    region = _LABEL_NOTE.sub("", region)
    # a label wrapped over lines (PDF text: "行政规范性文\n件") is one label again; its cells may
    # follow on the next lines, one per line
    patterns = [re.compile(row[0]) for row in R.PROACTIVE_ROWS[version]]

    def unwrap(m):
        # only a label that is none until its last line is put back ("行政处罚 / 644 / 行政强制" stays)
        head, tail = m.group(1), m.group(3)
        if any(p.search(head) for p in patterns) or not any(p.search(head + tail) for p in patterns):
            return m.group(0)
        return f"{head}{tail}\n{m.group(2)}"

    region = _CJK_BREAK.sub("", _WRAPPED_LABEL.sub(unwrap, region))
    for pattern, prefix, cols, unit in R.PROACTIVE_ROWS[version]:
        m = re.search(rf"(?:{pattern})[ \t|\r\n]*(?={_NUMTOK})", region)
        if not m:
            continue
        g = next((g for g in _groups(region[m.end() :]) if g.start == 0), None)
        if g is None:
            continue
        res.found = True
        n = len(cols)
        tokens = _trim(g.tokens, n)
        tail = region[m.end() + g.end : m.end() + g.end + 2]
        if separated:
            cand = [_cells(tokens)] if len(tokens) == n else []
        else:
            cand = readings(tokens, n) or []
        if len(cand) != 1:
            res.checks.append(Check(rule=f"ambiguous.{prefix}", detail=f"{len(cand)} readings of {m.group(0).strip()}{g.raw.strip()} as {n} cells and no identity to decide; no value taken"))
            continue
        for c, v in zip(cols, cand[0]):
            if v is None:
                continue
            u = R.COLUMN_UNITS.get((prefix, c), unit)
            stated = R.STATED_MONEY_UNITS.get((prefix, c))
            if stated:
                if stated == "region":
                    u = "万元" if unit_wan else "元"
                else:  # a 万 after the number, else the header's unit
                    u = "万元" if "万" in tail else (header_unit.group(1) if header_unit else "元")
            res.stats.append(_stat(f"{prefix}.{c}", v, u, f"表二 {m.group(0).strip(' |')} | {c} = {v} [{g.raw.strip()}]", read))
    return res


def read_fragment(text: str, read: str = "text") -> TableResult:
    """A page cut from a report (no version marker): table 四 and the table 三 rows of both versions.

    Only when table 四's own column header is there; its region starts at the first 行政复议,
    table 三's (no header of its own on the page) at the text's start. Table 四 is read only
    from a row of all 15 cells; a table 三 row only with its label, its 7 cells and, from
    text, 总计 = the sum of the applicant columns (read_apply's gate).
    """
    res = TableResult()
    text = _PINYIN_GLOSS.sub("", text)
    if read != "grid":
        text = join_cell_lines(text)
    m4 = re.search(R.TABLE4_START, text)
    if not m4 or not re.search(R.TABLE4_HEADER, text[m4.start():]):
        return res
    m5 = re.compile(R.TABLE4_END).search(text, m4.end())
    t4 = read_review(text, (m4.start(), m5.start() if m5 else min(len(text), m4.start() + 3000)),
                     separated_hint=True, read=read)
    shared = {k for k, _ in R.APPLY_ROWS["std-2019"]} & {k for k, _ in R.APPLY_ROWS["std-2021"]}
    t3 = read_apply(text, R.VERSION_DEFAULT, (0, m4.start()), read)
    for part in (t3, t4):
        res.stats.extend(s for s in part.stats if not s.key.startswith("apply.") or s.key.split(".")[1] in shared)
        res.checks.extend(part.checks)
        res.found = res.found or part.found
    return res


def table_version(text: str, reg: tuple[int, int] | None, table: str, version: str) -> str:
    """The version of one table, from its own region's markers (reports mix the two templates)."""
    if not reg:
        return version
    part = compact(text[reg[0] : reg[1]])
    return next((v for v, pat in R.TABLE_VERSION_MARKERS[table].items() if re.search(pat, part)), version)


def read_template(text: str, version: str, read: str = "text") -> TableResult:
    """All three tables from one text; found=True when any of them was there.

    ``read``: "grid" when the text is rendered table grids (grid.py), "text" otherwise;
    it goes into every Stat.read and decides the corroboration gate (text readings
    that break a row or block identity are withheld).
    """
    res = TableResult()
    text = _PINYIN_GLOSS.sub("", text)
    if read != "grid":
        text = join_cell_lines(text)
    where = regions(text)  # once per text: the three readers share it
    t3 = read_apply(text, table_version(text, where.get("t3"), "t3", version), where.get("t3"), read)
    t4 = read_review(text, where.get("t4"), separated_hint=t3.separated if "t3" in where else None, read=read)
    t2 = read_proactive(text, table_version(text, where.get("t2"), "t2", version), t3.separated, where.get("t2"), read)
    for part in (t2, t3, t4):
        res.stats.extend(part.stats)
        res.checks.extend(part.checks)
        res.found = res.found or part.found
    return res
