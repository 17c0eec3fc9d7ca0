"""Markdown input (.md / .markdown): rendered to HTML, then read like a web page.

PDF-to-Markdown converters and pandoc write the report's tables as pipe tables
("| 行政许可 | 0 |" under a "|---|---|" line) or, for merged cells, as raw HTML
<table>s. markdown-it-py (CommonMark + the GFM table rule, raw HTML kept) turns
both into <table> elements, so the tables reach the same grid reader as an HTML
page's (stats/grid.py) and their numbers are read as grid cells, with blank cells
kept in place; "# 标题" headings become <h1> for the title finder.
"""
from __future__ import annotations

from functools import lru_cache

SUFFIXES = (".md", ".markdown")


def is_markdown(filename: str | None, content_type: str | None = None) -> bool:
    return (filename or "").lower().endswith(SUFFIXES) or "markdown" in (content_type or "").lower()


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    # commonmark keeps raw HTML (pandoc writes merged-cell tables as <table>); "table" is GFM's pipe table
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def markdown_html(text: str) -> str:
    """The document as one HTML page (UTF-8 declared, so the HTML reader does not guess)."""
    body = _parser().render(text)
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'
