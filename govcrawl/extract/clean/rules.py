"""chrome_rules.toml compiled once, PageText, and the small readers built on the rules.

The rules themselves (what a breadcrumb, a toolbar, a footer or a preview of
another document looks like) are data in ``chrome_rules.toml``; the other
modules of this package only say in which order and where in the page they apply.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ..numerals import YEAR_RE
from ..precheck import guarded

RULES_PATH = resources.files("govcrawl.extract").joinpath("chrome_rules.toml")  # package data, zip-safe

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?!\d)")
_YEAR = YEAR_RE
# a title line that needs the issuer from the line above it ("2024年政府信息公开工作年度报告")
_OPENS_WITH_YEAR = re.compile(rf"^\s*(?:关于)?\s*(?:{YEAR_RE.pattern})\s*年")
# A space after or before a non-ASCII character (a digit's space before one is of the second kind).
# Written to start with the space: re then scans for spaces instead of trying a look-behind at
# every character (~400x faster on a long line without spaces).
_SPACE_NEXT_TO_CJK = re.compile(r" (?:(?<=[^\x00-\x7f] )|(?=[^\x00-\x7f]))")


@dataclass
class PageText:
    """What cleaning found on the page, before report metadata is decided."""

    text: str = ""
    title: str | None = None  # the page's own title (h1/<title>/header block)
    breadcrumb: list[str] = field(default_factory=list)
    published: str | None = None  # raw date string found in 发布时间/日期/meta
    source_line: str | None = None  # 来源: ...
    meta: dict = field(default_factory=dict)  # anything else (meta tags, header block)
    traditional: bool = False  # the input was Traditional Chinese (converted)
    removed: list[str] = field(default_factory=list)  # which chrome families fired


def _words_within(words: list[str], candidates: list[str], table: str) -> None:
    """The HTML search pre-filters on ``candidates``: a word holding none of them would never be found."""
    lost = [w for w in words if not any(c in w for c in candidates)]
    if lost:
        raise ValueError(f"chrome_rules.toml [{table}]: words {lost} hold none of candidate_words {candidates}")


@dataclass(frozen=True)
class ArticleRules:
    """``[article]``: how the report's container is found from the page's text blocks (clean/article.py)."""

    min_block_cjk: int
    min_blocks: int
    min_page_cjk: int
    share: float
    not_containers: list
    cms_share: float
    cms_containers: list

    def __post_init__(self):
        if not 0.5 < self.cms_share <= 1:
            raise ValueError("chrome_rules.toml [article]: cms_share must be over 0.5 (boxes holding it nest)")


class Rules:
    """chrome_rules.toml, compiled once."""

    def __init__(self, data: dict):
        self.data = data
        c = re.compile
        hb = data["header_block"]
        self.header_keys = set(hb["keys"])
        self.header_notes = [c(p) for p in hb["notes"]]
        self.header_sep = c(hb["separator"])
        bc = data["breadcrumb"]
        self.bc_words, self.bc_candidates = list(bc["words"]), list(bc["candidate_words"])
        _words_within(self.bc_words, self.bc_candidates, "breadcrumb")
        self.bc_prefix = c(bc["prefix"].replace("{words}", "|".join(map(re.escape, self.bc_words))))
        self.bc_home, self.bc_sep = c(bc["home_start"]), c(bc["separators"])
        self.spans = [
            (s["name"], c(s["start"]), [c(e) for e in s["end"]], int(s["max_chars"])) for s in data["inline_span"]
        ]
        # applied to every line: each first checks the characters a match needs
        self.suffixes = [guarded(p) for p in data["inline_suffix"]["patterns"]]
        self.drop = [guarded(p) for p in data["drop_line"]["patterns"]]
        self.footer = [guarded(p) for p in data["footer"]["patterns"]]
        ml = data["meta_line"]
        self.meta_label = c(r"(?:%s)\s*[:：]" % "|".join(map(re.escape, ml["labels"])))
        self.date_only = c(ml["date_only"])
        self.meta_source, self.meta_date, self.meta_date_lead = c(ml["source"]), c(ml["date_label"]), c(ml["date_lead"])
        self.meta_info_box_date = c(ml["info_box_date"])
        hm = data["html_meta"]
        self.html_title_keys, self.html_date_keys = list(hm["title_keys"]), list(hm["date_keys"])
        self.html_source_keys = list(hm["source_keys"])
        self.html_meta_words, self.html_meta_candidates = list(hm["words"]), list(hm["candidate_words"])
        _words_within(self.html_meta_words, self.html_meta_candidates, "html_meta")
        self.infobox_start, self.infobox_item = c(data["infobox"]["start"]), c(data["infobox"]["item"])
        pv = data["preview"]
        self.previews = [(name, c(pv[name])) for name in ("snippet", "pdf_preview", "other_opening")]
        t = data["title"]
        self.title = c(t["pattern"])
        self.title_from_abstract = c(t["from_abstract"])
        self.title_tail = c(t["tail"])
        self.title_site_sep = c(t["site_separators"])
        self.title_leading = c(t["leading"])
        self.title_info_box, self.title_label, self.title_in_sentence = c(t["info_box"]), c(t["label"]), c(t["in_sentence"])
        self.section_top = c(data["section"]["top"])
        self.article = ArticleRules(**data["article"])


@lru_cache(maxsize=1)
def rules() -> Rules:
    with RULES_PATH.open("rb") as f:
        return Rules(tomllib.load(f))


def find_date(s: str) -> str | None:
    """The first date in ``s`` as YYYY-MM-DD, or None."""
    m = _DATE.search(s or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def squeeze_title(s: str) -> str:
    """Titles wrap and space oddly ("淮安市人民政府 2024 年…"): drop inner spaces next to CJK."""
    from ..normalize import PAGE_PREFIX_RE

    # white space runs to one space, ends stripped (str.split's white space is re's \s: tested)
    s = PAGE_PREFIX_RE.sub("", " ".join(s.split()))  # a flipbook page's "Page 8 - " header
    return _SPACE_NEXT_TO_CJK.sub("", s) if " " in s else s


def is_title_line(line: str) -> bool:
    return bool(rules().title.match(line)) and bool(_YEAR.search(line))


def parse_breadcrumb(line: str) -> list[str]:
    r = rules()
    rest = r.bc_prefix.sub("", line, count=1).strip()
    parts = [p.strip() for p in r.bc_sep.split(rest)]
    return [p for p in parts if p]


def capture_meta(line: str, page: PageText) -> None:
    """Read 来源 / 发布时间 out of a metadata line into ``page``."""
    r = rules()
    m = r.meta_source.search(line)
    if m and not page.source_line:
        page.source_line = m.group(1).strip() or None
    if not page.published:
        m = r.meta_date.search(line)
        d = find_date(m.group(1)) if m else None
        if d is None and (r.date_only.match(line) or r.meta_date_lead.match(line)):
            d = find_date(line)
        if d:
            page.published = d
