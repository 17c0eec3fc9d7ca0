"""Discovery of a portal's 年报 column from its home page, as pure functions (no Scrapy).

Rules are data in discovery.toml: which link texts name the column, which
sections lead to it (政务公开, 信息公开, 法定主动公开内容 … and zwgk/xxgk URL forms),
their scores, and the request budget.
"""
from __future__ import annotations

import re
import tomllib
from importlib import resources
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from .navigation import DETAIL_URL_PATTERNS, REPORT_TEXT, Link, is_attachment

RULES_FILE = resources.files(__package__).joinpath("discovery.toml")  # package data, zip-safe
COLUMN_SCORE = 100


@lru_cache(maxsize=1)
def rules() -> dict:
    with RULES_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    data["column_name_re"] = re.compile(data["column_name"])
    data["year_column_re"] = re.compile(data["year_column"])
    for s in data["section"]:
        s["text_re"] = re.compile(s["text"]) if "text" in s else None
        s["url_re"] = re.compile(s["url"], re.I) if "url" in s else None
    return data


def is_column_name(text: str) -> bool:
    """A link whose whole text is the column's name (政府信息公开年报, 政府信息公开工作年度报告 …)."""
    return bool(rules()["column_name_re"].fullmatch(text or ""))


def is_detail_url(url: str, extra: list[str] | None = None) -> bool:
    return any(re.search(p, url) for p in [*DETAIL_URL_PATTERNS, *(extra or [])])


def is_column(link: Link, patterns: list[str], detail_patterns: list[str] | None = None) -> bool:
    """Does this link lead to a 年报 column?

    By its text (a column name, or a short menu text with 年报/年度报告), or by a
    URL folder (zfxxgknb, ndbg …) — but a report page filed in that folder
    (``/xxgknb/202009/t20200903_1.html``) is not the column.
    """
    if is_attachment(link.url):
        return False
    if is_column_name(link.text):
        return True
    if is_detail_url(link.url, detail_patterns) or (REPORT_TEXT.search(link.text) and re.search(r"(?:19|20)\d{2}", link.text)):
        return False  # a report (page or titled link) filed in the column, not the column
    by_text = len(link.text) <= 16 and any(re.search(p, link.text) for p in patterns)
    path = urlsplit(link.url).path
    folders = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    by_url = any(re.search(p, folders, re.I) for p in patterns if p.isascii())
    return by_text or by_url


def is_report_title(link: Link) -> bool:
    """A link that reads like one report's title (not the column's name): a candidate wherever it is."""
    return len(link.text) >= 8 and bool(REPORT_TEXT.search(link.text)) and not is_column_name(link.text)


def is_year_column(link: Link) -> bool:
    return bool(rules()["year_column_re"].fullmatch(link.text or ""))


def section_score(link: Link) -> int:
    """How strongly a link looks like a section on the way to the column (0: not at all)."""
    best = 0
    for s in rules()["section"]:
        if s["text_re"] is not None and s["text_re"].fullmatch(link.text or ""):
            best = max(best, s["score"])
        if s["url_re"] is not None and s["url_re"].search(urlsplit(link.url).path):
            best = max(best, s["score"])
    return best


@dataclass(order=True)
class Candidate:
    """A page to visit while looking for the column (a heap entry: best score, then first seen)."""

    neg_score: int
    seq: int
    url: str
    hops: int


def sitemap_kind(url: str, patterns: list[str], detail_patterns: list[str] | None = None) -> str | None:
    """What a sitemap <loc> is to us: "detail" (a report page in a 年报 folder), "attachment",
    "column" (the 年报 column's own page), or None (the rest of the site, not fetched).

    A sitemap has no link texts: only URLs inside a 年报 folder (zfxxgknb, ndbg …) count.
    """
    path = urlsplit(url).path
    in_column = any(re.search(p, path, re.I) for p in patterns if p.isascii())
    if not in_column:
        return None
    if is_attachment(url):
        return "attachment"
    if is_detail_url(url, detail_patterns):
        return "detail"
    return "column" if re.search(r"/(?:index(?:_\d+)?\.\w+)?$", path) else None
