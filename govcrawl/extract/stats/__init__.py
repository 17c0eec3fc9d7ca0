"""Statistics and accounting identities: every number a report states.

    extract_stats(text, html=None, year=None) -> (stats, checks, format)

format is "std-2021" / "std-2019" (the national template, version read from
its labels), "legacy-annex" (an older report with a 附表), "legacy-prose"
(older report, figures in sentences) or None (no report figures at all).

Every number carries how it was read (Stat.read), strongest first:
  grid   a cell of a table grid (HTML/DOCX table, a PDF's ruled table) whose row
         and column labels both matched;
  text   a table row of the text (PDF text layer, pipe or run-together rows): kept
         only when its reading is corroborated - a full row whose 总计 is the sum of
         its cells, a table 四 whose blocks all add up, or the only reading the
         identities leave (template.py); otherwise withheld with unreadable.*/ambiguous.*;
  prose  a sentence;
  sum    derived by the extractor (derived=True), never stated.
Corroboration gate: a key keeps the value of its strongest reading. A weaker reading
that states a different number is withheld (never stored) with a disagree.* check:
the text layer against the ruled grid of the same PDF, prose against a table value or
against the sum of the table cells it totals (e.g. the annex says 266 网上咨询 and the
prose 800余: the annex's 266 is kept).
"""
from __future__ import annotations

from ..model import Check, Stat
from . import registry as R
from . import template
from .annex import Annex, find_annex, find_indicator_table
from .grid import tables_text
from .prose import prose_figures
from ..normalize import is_traditional, match_form, to_simplified

__all__ = ["extract_stats"]


def _table_of(key: str) -> str | None:
    return next((t for t, prefixes in R.TEMPLATE_TABLES.items() if key.startswith(prefixes)), None)


def _merge(base: dict[str, Stat], new: list[Stat], checks: list[Check], label: str) -> None:
    for st in new:
        have = base.get(st.key)
        if have is None:
            base[st.key] = st
        elif have.derived and not st.derived:
            if abs(float(have.value) - float(st.value)) > 1e-9:
                # the table's own cells add up to another number: the weaker sentence is withheld
                checks.append(Check(rule=f"disagree.{st.key}", expected=have.value, stated=st.value,
                                    detail=f"sum of the table's cells {have.value} vs {label} {st.value}; "
                                           f"the {label} number is not stored: {st.evidence[:120]}"))
            else:
                base[st.key] = st  # stated, and the cells confirm it
        elif not have.derived and not st.derived and abs(float(have.value) - float(st.value)) > 1e-9:
            checks.append(Check(rule=f"disagree.{st.key}", expected=have.value, stated=st.value,
                                detail=f"{have.source} says {have.value}, {label} says {st.value}: {st.evidence[:120]}"))


def _against_tables(prose: list[Stat], stats: dict[str, Stat], checks: list[Check]) -> list[Stat]:
    """A table value always wins over prose: drop a prose total the table's cells contradict."""
    out = []
    for st in prose:
        parts = [stats.get(k) for k in R.PROSE_TABLE_SUMS.get(st.key, ())]
        if parts and all(p is not None and not p.derived and p.source == "table" for p in parts):
            total = sum(p.value for p in parts)
            if abs(float(total) - float(st.value)) > 1e-9:
                checks.append(Check(rule=f"disagree.{st.key}", expected=total, stated=st.value,
                                    detail=f"table says {total}, prose says {st.value}; the table is kept: {st.evidence[:120]}"))
                continue
        out.append(st)
    return out


def extract_stats(text: str, html: str | None = None, year: int | None = None, tree=None,
                  grids: list | None = None, table_text: str | None = None,
                  ruled: bool = False, traditional: bool | None = None) -> tuple[list[Stat], list[Check], str | None]:
    """Return (stats, checks, format) for a report's clean text (and raw HTML when there is one).

    ``tree``: ``lxml.html.fromstring(html)`` when the caller already parsed the page.
    ``grids``: tables already read as grids (a PDF's ruled tables, pdf.pdf_read); the
    text is then the same document's text layer, and where the two read the same
    cell differently the grid wins and a ``disagree.*`` check says so.
    ``table_text``: ``tables_text(html, tree, grids)`` computed earlier (the extractor's text
    stage caches it); ``ruled`` then says it came from ruled grids.
    ``traditional``: the document's flag (``normalize.normalize_text``'s) when ``text`` is the
    document's normalised text (the extractor: Simplified already); the tables read here from
    ``html``/``grids`` get the same conversion. None (a caller with a raw text): decided from the
    text, and the text converted, as the document normaliser does.
    """
    text = text or ""
    if traditional is None:
        traditional = is_traditional(text)
        if traditional:
            text = to_simplified(text)
    text = match_form(text)
    stats: dict[str, Stat] = {}
    checks: list[Check] = []

    ruled = ruled or bool(grids)
    grid_text = table_text if table_text is not None else tables_text(html, tree, grids, traditional)
    version = (template.detect_version(grid_text) or template.detect_version(text)
               or template.detect_version(template.labels_only(text)))
    fmt = None
    prose_text = text
    if version:
        fmt = version
        got = template.TableResult()
        if grid_text:
            got = template.read_template(grid_text, version, read="grid")
        grid_tables = {_table_of(s.key) for s in got.stats}
        from_text = template.read_template(text, version, read="text")
        for s in got.stats:
            stats[s.key] = s
        checks.extend(got.checks)
        # the text fills tables the HTML did not have (e.g. a table given as an image + text),
        # never cells of a table the grid read: there a blank cell is blank, and the flattened
        # text, which has lost the blanks, would read other numbers into it
        for s in from_text.stats:
            if _table_of(s.key) not in grid_tables:
                stats.setdefault(s.key, s)
            elif ruled and s.key in stats and abs(float(stats[s.key].value) - float(s.value)) > 1e-9:
                g = stats[s.key]
                checks.append(Check(rule=f"disagree.{s.key}", expected=g.value, stated=s.value,
                                    detail=f"ruled grid says {g.value}, text layer says {s.value}; the grid is kept: {s.evidence[:120]}"))
        if not got.found:
            checks.extend(from_text.checks)
        for s in template.derived_groups(list(stats.values()), version):
            stats.setdefault(s.key, s)
    else:
        # a page cut from a template report (no version marker on it): its table 四 and shared rows
        frag = template.read_fragment(grid_text, read="grid") if grid_text else template.TableResult()
        if not frag.found:
            frag = template.read_fragment(text)
        checks.extend(frag.checks)
        for s in frag.stats:
            stats[s.key] = s
        annex = find_annex(text) if not frag.stats else Annex()
        if not frag.stats and not annex.stats:
            annex = find_indicator_table(text)
        checks.extend(annex.checks)
        for s in annex.stats:
            s.read = "text"
        if annex.stats:
            fmt = "legacy-annex"
            for s in annex.stats:
                stats.setdefault(s.key, s)
            # what follows the annex is not this report (mirrors append previews)
            prose_text = text[: annex.end]
    prose, prose_checks = prose_figures(prose_text)
    for s in prose:
        s.read = "prose"
    checks.extend(prose_checks)
    prose = _against_tables(prose, stats, checks)
    _merge(stats, prose, checks, "prose")
    if fmt is None and prose:
        fmt = "legacy-prose"
    return list(stats.values()), checks, fmt
