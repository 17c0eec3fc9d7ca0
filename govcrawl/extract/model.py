"""The extractor's output types: one Document per input, with Stat and Check rows.

These are plain dataclasses so that the extractor runs without Scrapy and its
output can be stored, compared and serialised (``to_dict``) the same way by the
crawl pipelines, ``reparse``, ``import`` and ``govcrawl extract --jsonl``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Stat:
    key: str  # dotted metric key, see DESIGN.md (e.g. "apply.new.total")
    value: float | int
    unit: str | None = None  # 件, 条, 万元, 元, 人次 ...
    derived: bool = False  # computed by the extractor, never stated
    source: str = "table"  # "table" | "annex" | "prose" | "ocr" (a scan's table, confirmed by its identities)
    evidence: str = ""  # the label and cell, or the sentence it came from
    approx: bool = False  # "5000余条": a lower bound, not an exact figure
    # How the number was read, strongest first: "grid" (a table cell of an HTML/DOCX/PDF-ruled
    # grid), "text" (a table row of the text: PDF text layer, pipe or run-together rows),
    # "prose" (a sentence), "sum" (derived). A weaker reading never overrides a stronger one.
    read: str = ""


@dataclass
class Check:
    rule: str  # which identity or anomaly, e.g. "apply.total.natural_person"
    expected: float | int | None = None
    stated: float | int | None = None
    detail: str = ""


@dataclass
class Document:
    source: str | None = None
    kind: str = "html"  # "html" | "text" | "pdf" | "ocr" (a scanned PDF, OCR'd) | "docx" | "doc" (.doc/.wps) | "xls" | "xlsx" | "markdown" | "binary"
    title: str | None = None
    jurisdiction: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None  # YYYY-MM-DD
    format: str | None = None  # std-2021 | std-2019 | legacy-annex | legacy-prose
    breadcrumb: list[str] = field(default_factory=list)
    text: str = ""
    stats: list[Stat] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    is_report: bool = False
    skip_reason: str | None = None  # why this is not taken as a report
    error: str | None = None  # why extraction failed (bad input), if it did

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
