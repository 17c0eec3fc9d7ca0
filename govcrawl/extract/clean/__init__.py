"""Page → clean report text plus what the page says about itself.

Two entry points, one pipeline:

- ``clean_html``: the article (article.py: its container found from the page's text
  blocks, or by trafilatura where none is, read whole from the DOM, tables included),
  the page's own metadata
  (htmlmeta.py: meta tags, title, breadcrumb), then the line stages on that text.
- ``clean_plain_text``: archived text (seeds, another crawler's text dumps)
  and PDF text go straight to the line stages (lines.py).

The rules themselves are data in ``chrome_rules.toml``, loaded by rules.py.
"""
from __future__ import annotations

from ..normalize import normalize_text
from . import article
from .article import _table_row, article_text_from_dom, parse_html
from .htmlmeta import html_metadata
from .lines import clean_lines, take_header_block
from .rules import RULES_PATH, PageText, find_date, is_title_line, parse_breadcrumb, rules, squeeze_title

__all__ = [
    "RULES_PATH", "PageText", "article_text_from_dom", "clean_html", "clean_plain_text", "find_date",
    "html_metadata", "is_title_line", "parse_breadcrumb", "parse_html", "rules", "squeeze_title",
]


def clean_plain_text(text: str, from_pdf: bool = False) -> PageText:
    """Archived plain text or PDF text → PageText."""
    page = PageText()
    norm, page.traditional = normalize_text(text or "")
    lines = norm.split("\n") if norm else []
    lines = take_header_block(lines, page)
    return clean_lines(lines, page, from_pdf=from_pdf)


def clean_html(html: str, url: str | None = None, tree=None) -> PageText:
    """An HTML page → PageText (the article and the page's metadata read from one lxml tree).

    ``tree``: the page already parsed by ``parse_html`` (parsed here when not given).
    """
    page = PageText()
    if tree is None:
        tree = parse_html(html)[0]
    info = html_metadata(html, tree=tree)
    page.meta.update(info["meta"])
    body, notes = article.article_text(html, url, tree)
    page.removed.extend(notes)
    norm, page.traditional = normalize_text(body)
    if page.traditional:
        info = {k: (normalize_text(v, convert=True)[0] if isinstance(v, str) else v) for k, v in info.items()}
        info["breadcrumb"] = [normalize_text(b, convert=True)[0] for b in info["breadcrumb"]]
    page.title = info["title"]
    page.published = info["published"]
    page.source_line = info["source"]
    page.breadcrumb = info["breadcrumb"]
    lines = [_table_row(ln) for ln in norm.split("\n")] if norm else []
    return clean_lines(lines, page)
