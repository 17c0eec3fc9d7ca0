"""PLACEHOLDER (to be replaced by the clean-text work, issue 3): page -> clean text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import trafilatura


@dataclass
class PageText:
    """What cleaning found on the page, before report metadata is decided."""

    text: str = ""
    title: str | None = None  # the page's own title (h1/<title>/header block)
    breadcrumb: list[str] = field(default_factory=list)
    published: str | None = None  # raw date string found in 发布时间/日期/meta
    source_line: str | None = None  # 来源: ...
    meta: dict = field(default_factory=dict)  # anything else (meta tags, header block)


def clean_html(html: str, url: str | None = None) -> PageText:
    text = trafilatura.extract(html, deduplicate=False, include_tables=True, favor_recall=True) or ""
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    return PageText(text=text, title=m.group(1).strip() if m else None)


def clean_plain_text(text: str, from_pdf: bool = False) -> PageText:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return PageText(text="\n".join(lines), title=lines[0] if lines else None)
