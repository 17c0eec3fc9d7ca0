"""Link and pagination rules for 年报 columns, as pure functions (no Scrapy).

The portal spider asks these functions what a page links to: navigation
links matching a level of the nav path, report (detail) links, attachments
and the next list pages. Patterns are data at the top of the module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from parsel import Selector
from w3lib.url import canonicalize_url, safe_url_string

from ..extract.numerals import YEAR
from ..portals import host_in_domains

# Report (detail) URLs of the CMSs Chinese portals run on.
DETAIL_URL_PATTERNS = [
    r"/t\d{8}_\d+\.s?html?$",  # TRS WCM: .../202202/t20220208_80613.htm
    r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$",  # Hanweb JCMS
    r"/\d{6}/[0-9a-f]{16,40}\.s?html?$",  # date folder + hash id
    r"/content_\d+\.s?html?$",  # Gov.cn style
    r"/\d{4}-\d{2}/\d{2}/content_\d+",
    r"[?&](?:id|articleId|docid|infoid)=\w+",  # query-string detail pages
]
# Link text of a report in a list.
REPORT_TEXT = re.compile(r"(政府信息公开|政务公开|信息公开).{0,20}(年度报告|年报|工作报告)|年度报告|公开年报")
# Text of a list item that may be a report (or a distractor filed with them).
ITEM_HINT = re.compile(rf"{YEAR}|年报|年度|报告|公开")
ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".zip", ".rar")
NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|尾页|末页|最后一页|>|>>|›|»)$")
PAGE_PARAM = re.compile(r"^(page|pageNo|pageNum|pageIndex|curPage|currentPage|p|pn|pageno)$", re.I)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def _clean_text(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def extract_links(html: str, base_url: str) -> list[Link]:
    """Every <a href> with its visible text (or title attribute), absolute, fragment-free."""
    sel = Selector(text=html or "<html></html>")
    base = sel.xpath("//base/@href").get()
    base_url = urljoin(base_url, base) if base else base_url
    out, seen = [], set()
    for a in sel.xpath("//a[@href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = safe_url_string(urljoin(base_url, href)).split("#", 1)[0]
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = _clean_text("".join(a.xpath(".//text()").getall())) or _clean_text(a.attrib.get("title", ""))
        title = _clean_text(a.attrib.get("title", ""))
        if title and len(title) > len(text):
            text = title  # lists often truncate the text and keep the full title attribute
        key = (url, text)
        if key not in seen:
            seen.add(key)
            out.append(Link(url, text))
    return out


def host_allowed(url: str, allowed_domains: list[str]) -> bool:
    return host_in_domains(urlsplit(url).hostname, allowed_domains)


def nav_links(links: list[Link], pattern: re.Pattern) -> list[Link]:
    """Links for one level of the nav path.

    The pattern must match the whole link text; if no link does, short links
    (menu items, ≤ 20 characters) that merely contain it are taken instead.
    """
    whole = [l for l in links if pattern.fullmatch(l.text)]
    if whole:
        return whole
    return [l for l in links if len(l.text) <= 20 and pattern.search(l.text)]


def matches_any(url: str, patterns: list[str]) -> bool:
    return any(re.search(p, url) for p in patterns)


def is_attachment(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXT)


def is_detail(link: Link, extra_patterns: list[str] | None = None) -> bool:
    """Is this link a report candidate on a list page?

    A portal's own detail patterns are trusted as they are. The built-in CMS
    patterns also match the news items in a page's side bars, so those links
    must also read like a 年报 item (a year, 年报/年度/报告/公开).
    """
    if is_attachment(link.url):
        return False
    if any(re.search(p, link.url) for p in extra_patterns or []):
        return True
    from .discovery import is_column_name

    if is_column_name(link.text):
        return False  # a menu link named like the column (政府信息公开年报) leads to the column, not a report
    if REPORT_TEXT.search(link.text) and len(link.text) >= 8:
        return True
    return any(re.search(p, link.url) for p in DETAIL_URL_PATTERNS) and bool(ITEM_HINT.search(link.text))


def looks_like_column(link: Link, patterns: list[str]) -> bool:
    """Discovery: does this link lead to a 年报 column (by text or URL)?"""
    return any(re.search(p, link.text) or re.search(p, urlsplit(link.url).path, re.I) for p in patterns) and not is_attachment(link.url)


def trs_pages(html: str, url: str) -> list[str]:
    """Every other list page a page's inline pager script announces (govcrawl/crawl/pagers.py)."""
    from .pagers import script_pages

    return script_pages(html, url)


def next_pages(links: list[Link], url: str) -> list[str]:
    """下一页/尾页 anchors and ?page=N links of the same list."""
    here = urlsplit(url)
    out = []
    for l in links:
        target = urlsplit(l.url)
        if NEXT_TEXT.match(l.text):
            out.append(l.url)
            continue
        # Numbered page links: same path, only a page-like query parameter differs.
        if target.netloc == here.netloc and target.path == here.path and target.query:
            params = dict(parse_qsl(target.query))
            if any(PAGE_PARAM.match(k) for k in params) and (l.text.isdigit() or NEXT_TEXT.match(l.text)):
                out.append(l.url)
    return list(dict.fromkeys(out))


def site_root(url: str) -> str:
    """scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def is_web_url(url: str) -> bool:
    """An http(s) URL, as opposed to a ``file:`` name given to an imported file."""
    return url.startswith(("http://", "https://"))


def canonical(url: str) -> str:
    """The URL identity used for dedup: sorted query, no fragment, normalised escapes."""
    return canonicalize_url(url)
