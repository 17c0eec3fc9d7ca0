"""Datasette metadata for a govcrawl DB: descriptions, default facets, labels, sorts, canned queries.

    govcrawl datasette-metadata --db govcrawl.db        # writes metadata.json beside the DB
    datasette govcrawl.db -m metadata.json --setting truncate_cells_html 200

Datasette links ids through the foreign keys declared in the schema (stats.report_id,
reports.duplicate_of/superseded_by/previous_version_id/page_id, pages.report_id) and shows
each report by its title (label_column). The report ``text`` is cut short in table views
by the ``truncate_cells_html`` setting and shown whole on the row page. The data
dictionary (metric_keys) is both a table in the DB and listed in the metadata.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from ..store.views import CANNED_QUERIES, SHORT_QUERY
from .keys import metric_keys, table_labels

# Datasette's setting that cuts long cells in table views only; the row page shows the whole text.
TRUNCATE_CELLS = 200

_REPORT_COLUMNS = {
    "id": "report id (links from stats, checks and pages)",
    "url": "where the report was published (for imported files: the URL given, or a file: URI)",
    "title": "report title as printed",
    "jurisdiction": "行政区划 the report is about, e.g. 沈阳市沈河区",
    "agency": "the agency that published it, when not the government itself",
    "year": "the year reported on (a 2016 report is published in 2017)",
    "published": "publication date (YYYY-MM-DD) when the page states one",
    "format": "std-2021 / std-2019 (national template, version read from its labels), legacy-annex (附表), legacy-prose",
    "kind": "how it was read: html, text, pdf, docx, import …",
    "version": "1 for the first content seen at this URL; a changed page gets a new version",
    "duplicate_of": "the preferred copy when this is a mirror (exact or near duplicate)",
    "duplicate_kind": "exact (same clean text) or near (MinHash Jaccard >= 0.5)",
    "superseded_by": "the newer version of the same URL, when there is one",
    "previous_version_id": "the version this one replaced",
    "stats_count": "numbers extracted", "checks_count": "failed identities and anomalies",
    "text": "the clean text (shortened in table views; whole on the row page)",
}
_STATS_COLUMNS = {
    "report_id": "the report (latest version, no duplicates in the views)",
    "key": "metric key: see the metric_keys table / docs/metric-keys.md",
    "label": "the key's Chinese label (template row — column)",
    "value": "the number; an integer where the unit counts things",
    "unit": "件, 条, 人次, 元, 万元 …",
    "source": "table (template), annex (附表) or prose (a sentence)",
    "read": "how it was read: grid (a table cell), text (a table row of the text layer), prose, sum (derived)",
    "derived": "1 = summed by the extractor from stated rows, never stated itself",
    "approx": "1 = stated as approximate (…余), a lower bound",
    "evidence": "the label and cells, or the sentence, the number was read from",
}
_CHECK_COLUMNS = {
    "kind": "identity (勾稽关系 failed), ambiguous (cells run together; no value taken), unreadable, disagree, approximate",
    "rule": "which identity or anomaly (docs/metric-keys.md lists them)",
    "expected": "what the identity computes from the other cells", "stated": "what the report states",
}


def _dictionary_html() -> str:
    rows = "".join(f"<tr><td><code>{html.escape(k.key)}</code></td><td>{html.escape(k.label)}</td>"
                   f"<td>{html.escape(k.unit or '')}</td><td>{html.escape(', '.join(k.identities))}</td></tr>"
                   for k in metric_keys())
    return ("<details><summary>Metric keys (data dictionary)</summary><table><tr><th>key</th><th>label</th>"
            f"<th>unit</th><th>identities</th></tr>{rows}</table></details>")


def metadata(db_name: str = "govcrawl") -> dict:
    tl = table_labels()
    short = (f"Searches shorter than {SHORT_QUERY} characters (复议, 诉讼) find nothing in this search box: the full-text "
             "index is a trigram index. Use the canned query “search”, which falls back to a LIKE scan and says so.")
    tables = {
        "current_reports": {
            "description": "Reports to analyse: the latest version of each, duplicate copies (mirrors) left out.",
            "facets": ["year", "jurisdiction", "format"], "sort_desc": "year", "columns": _REPORT_COLUMNS},
        "current_stats": {
            "description_html": ("<p>One row per current report × metric key, with year, jurisdiction, agency and format. "
                                 "Sum these, not <code>stats</code>: superseded versions and mirrors are left out.</p>"
                                 + _dictionary_html()),
            "facets": ["year", "jurisdiction", "format", "key"], "sort_desc": "year", "columns": _STATS_COLUMNS},
        "failed_checks": {
            "description": "Failed accounting identities (勾稽关系) and anomalies of current reports, with report context.",
            "facets": ["kind", "rule", "year", "jurisdiction"], "sort_desc": "year", "columns": _CHECK_COLUMNS},
        "coverage": {
            "description": ("Per jurisdiction × year: current reports, reports with statistics, identities checked "
                            "(template reports), passed and failed."),
            "facets": ["year", "jurisdiction"], "sort": "jurisdiction"},
        "metric_keys": {
            "description": ("The data dictionary: every metric key with its Chinese label, template table ("
                            + "; ".join(f"{k} = {v}" for k, v in tl.items()) + "), row, column, unit and identities."),
            "facets": ["table", "unit", "formats"], "sort": "position", "label_column": "label"},
        "reports": {
            "description": ("Every report version and copy, as stored. For analysis use current_reports. " + short),
            "facets": ["year", "jurisdiction", "format"], "sort_desc": "year", "label_column": "title",
            "columns": _REPORT_COLUMNS},
        "stats": {
            "description": "Every extracted number of every version and copy. Sum current_stats instead.",
            "facets": ["key", "source"], "columns": _STATS_COLUMNS},
        "checks": {"description": "Failed identities and anomalies of every version and copy (see failed_checks).",
                   "facets": ["rule"], "columns": _CHECK_COLUMNS},
        "pages": {"description": "Every fetch (or failed fetch) of a crawl, with its WARC record and why it was skipped.",
                  "facets": ["role", "status", "portal"], "sort_desc": "id", "label_column": "url"},
        "runs": {"description": "Crawl, reparse and import runs with their counts.", "facets": ["kind", "status"],
                 "sort_desc": "started_at"},
        "count_units": {"hidden": True},
        "meta": {"hidden": True},
    }
    return {
        "title": "govcrawl: 政府信息公开工作年度报告",
        "description": ("Chinese government information-disclosure annual reports: metadata, every statistic they state, "
                        "and failed accounting identities. Start with current_reports, current_stats, coverage "
                        "and the canned queries."),
        "databases": {db_name: {"tables": tables, "queries": CANNED_QUERIES}},
    }


def write_metadata(db_path: str, output: str | None = None) -> Path:
    """Write metadata.json (beside the DB unless ``output`` says where); return its path."""
    db = Path(db_path)
    out = Path(output) if output else db.parent / "metadata.json"
    out.write_text(json.dumps(metadata(db.stem), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def command(db_path: str, metadata_path: Path) -> str:
    return f"datasette {db_path} -m {metadata_path} --setting truncate_cells_html {TRUNCATE_CELLS}"
