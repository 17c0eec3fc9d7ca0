"""Is this document a 政府信息公开工作年度报告? If not, say why.

The crawler keeps only reports; everything else filed in a 年报 column (a 函,
a notice, the column's own list page) gets ``is_report = False`` and a
reason a person can read. The patterns are data in chrome_rules.toml
([classify]).
"""
from __future__ import annotations

import re

from .clean import is_title_line, rules, squeeze_title
from .model import Document
from .stats.registry import VERSION_MARKERS

# A list page names several reports, one per line ("- 平潭…2024年度…报告").
LIST_MIN_TITLES = 3
# Less text than this is not a report, whatever its title says.
MIN_TEXT_CHARS = 200


def _list_titles(text: str) -> list[str]:
    titles = []
    for ln in text.splitlines():
        ln = ln.strip().lstrip("-•·*").strip()
        if is_title_line(ln):
            titles.append(squeeze_title(ln))
    return titles


def not_report_reason(doc: Document) -> str | None:
    cfg = rules().data["classify"]
    report = re.compile(cfg["report"])
    title = squeeze_title(doc.title or "")
    text = doc.text or ""
    for rule in cfg.get("not_report_title", []):
        if re.search(rule["pattern"], title):
            return f"{rule['reason']}: title {title!r}"
    listed = set(_list_titles(text))
    if len(listed) >= LIST_MIN_TITLES:
        return f"a list page: it names {len(listed)} reports (e.g. {sorted(listed)[0]!r}) rather than being one"
    for word, kind in cfg["not_report_kinds"].items():
        if title.endswith(word) and not report.search(title):
            return f"{kind}, not an annual report: title {title!r}"
    if len(text) < MIN_TEXT_CHARS:
        return f"too little text for a report ({len(text)} characters)"
    # The national template's tables (stats found its version markers: 本年制发件数, 第二十条第(九)项…)
    # name the document as surely as a title does: a page cut from a report, a headless PDF
    # page, a bureau's "关于2022年度政府信息公开情况的报告".
    if not (report.search(title) or report.search(text[:400]) or doc.format in VERSION_MARKERS):
        return f"neither the title ({title or 'none'!r}) nor the opening names a 政府信息公开工作年度报告"
    if doc.year is None:
        return "no report year found in the title or the text"
    return None


def classify(doc: Document) -> None:
    if doc.error:
        doc.is_report = False
        doc.skip_reason = doc.skip_reason or doc.error
        return
    reason = not_report_reason(doc)
    doc.is_report = reason is None
    if reason:
        doc.skip_reason = reason
