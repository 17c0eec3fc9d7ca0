"""Page → clean report text plus what the page says about itself.

Two entry points, one pipeline:

- ``clean_html``: trafilatura finds the article (deduplicate off, headings
  kept), the article's container is read whole from the DOM (tables included),
  lxml reads the page's own metadata (meta tags, title, breadcrumb), then the
  plain-text rules below run on that text.
- ``clean_plain_text``: archived text (seeds, another crawler's text dumps)
  and PDF text go straight to the rules.

The rules themselves (what a breadcrumb, a toolbar, a footer or a preview of
another document looks like) are data in ``chrome_rules.toml``; this module
only says in which order and where in the page they apply.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .normalize import normalize_text
from .precheck import guarded

RULES_PATH = Path(__file__).with_name("chrome_rules.toml")

# How far into a page the "head" (title, breadcrumb, article metadata) may reach.
HEAD_LINES = 30
# A footer/preview line only closes the report once this share of the text
# has gone by, so a menu at the top can never swallow the report.
MIN_BODY_SHARE = 0.3
# Archived pages put the whole article on one line; lines longer than this
# are split at section headings (一、二、…) into paragraphs.
LONG_LINE = 300

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?!\d)")
_YEAR = re.compile(r"(?:19|20)\d{2}|[〇零一二三四五六七八九○Ｏ]{4}")
_SPACE_RUN = re.compile(r"\s+")
_SPACE_NEXT_TO_CJK = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])|(?<=\d) (?=[^\x00-\x7f])")
_SENTENCE_PUNCT = re.compile(r"[。；，,]")


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
        self.bc_prefix, self.bc_home, self.bc_sep = c(bc["prefix"]), c(bc["home_start"]), c(bc["separators"])
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
        self.infobox_start, self.infobox_item = c(data["infobox"]["start"]), c(data["infobox"]["item"])
        pv = data["preview"]
        self.previews = [(name, c(pv[name])) for name in ("snippet", "pdf_preview", "other_opening")]
        t = data["title"]
        self.title = c(t["pattern"])
        self.title_from_abstract = c(t["from_abstract"])
        self.title_site_sep = c(t["site_separators"])
        self.title_leading = c(t["leading"])
        self.section_top = c(data["section"]["top"])


@lru_cache(maxsize=1)
def rules() -> Rules:
    with open(RULES_PATH, "rb") as f:
        return Rules(tomllib.load(f))


# ---------------------------------------------------------------------------
# small helpers


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
    from .stats.textnorm import PAGE_PREFIX_RE

    s = PAGE_PREFIX_RE.sub("", _SPACE_RUN.sub(" ", s).strip())  # a flipbook page's "Page 8 - " header
    return _SPACE_NEXT_TO_CJK.sub("", s) if " " in s else s


def is_title_line(line: str) -> bool:
    return bool(rules().title.match(line)) and bool(_YEAR.search(line))


def _body_like(line: str) -> bool:
    """A line of running report text (not a label, menu item or metadata)."""
    return len(line) >= 40 and bool(_SENTENCE_PUNCT.search(line))


def parse_breadcrumb(line: str) -> list[str]:
    r = rules()
    rest = r.bc_prefix.sub("", line, count=1).strip()
    parts = [p.strip() for p in r.bc_sep.split(rest)]
    return [p for p in parts if p]


def _capture_meta(line: str, page: PageText) -> None:
    """Read 来源 / 发布时间 out of a metadata line into ``page``."""
    m = re.search(r"(?:信息)?来源\s*[:：]\s*(.+?)(?=\s+\S{1,6}\s*[:：]|\s*(?:发布|时间|日期|浏览|点击|累计|\[|【)|$)", line)
    if m and not page.source_line:
        page.source_line = m.group(1).strip() or None
    if not page.published:
        m = re.search(r"(?:发布时间|发布日期|成文日期|时间|日期)\s*[:：]\s*(.{8,25})", line)
        d = find_date(m.group(1)) if m else None
        if d is None and (rules().date_only.match(line) or re.match(r"^\s*\d{4}年\d{1,2}月\d{1,2}日\s*(?:来源|发布)", line)):
            d = find_date(line)
        if d:
            page.published = d


# ---------------------------------------------------------------------------
# the stages, each taking and returning a list of lines


def _take_header_block(lines: list[str], page: PageText) -> list[str]:
    """Another crawler's "标题: … / 发布时间: … / ==== 正文 ====" block → page.meta."""
    r = rules()
    block: dict[str, str] = {}
    i = 0
    while i < len(lines) and i < 25:
        ln = lines[i]
        m = re.match(r"^([^\s:：]{1,8})\s*[:：]\s?(.*)$", ln)
        if m and m.group(1) in r.header_keys:
            block[m.group(1)] = m.group(2).strip()
        elif any(p.search(ln) for p in r.header_notes):
            pass
        elif r.header_sep.match(ln):
            i += 1
            break
        else:
            break
        i += 1
    # Two known keys at least, or it is just a report that opens with "来源：".
    if len(block) < 2:
        return lines
    page.meta["header"] = block
    page.removed.append("header block")
    if block.get("标题"):
        page.title = block["标题"]
    date = find_date(block.get("发布时间", "") or block.get("发布日期", "") or block.get("成文日期", ""))
    if date:
        page.published = date
    src = block.get("发布机构") or block.get("来源")
    if src:
        page.source_line = src
    if block.get("栏目"):
        page.meta["column"] = block["栏目"]
    for key in ("原文链接", "网址", "URL", "url"):
        if block.get(key):
            page.meta["url"] = block[key]
    return lines[i:]


def _strip_inline(lines: list[str], page: PageText) -> list[str]:
    """Remove breadcrumb/toolbar spans and trailing chrome glued into lines."""
    r = rules()
    out = []
    for ln in lines:
        for name, start, ends, max_chars in r.spans:
            m = start.search(ln)
            if not m:
                continue
            window = ln[m.start() : m.start() + max_chars]
            stop = max((e.end() for pat in ends for e in pat.finditer(window)), default=0)
            if not stop:
                continue
            span = window[:stop]
            _capture_meta(span, page)
            crumb = parse_breadcrumb(re.split(r"\s", r.bc_prefix.sub("", span, count=1).strip(), maxsplit=1)[0])
            if crumb and not page.breadcrumb:
                page.breadcrumb = crumb
            ln = (ln[: m.start()] + " " + ln[m.start() + stop :]).strip()
            page.removed.append(name)
        for suf in r.suffixes:
            new = suf.sub("", ln)
            if new != ln:
                page.removed.append("trailing chrome")
                ln = new
        if ln:
            out.append(ln)
    return out


def _split_long_lines(lines: list[str]) -> list[str]:
    """Archived one-line bodies: a new paragraph before each 一、二、… heading."""
    r = rules()
    out = []
    for ln in lines:
        if len(ln) > LONG_LINE:
            out.extend(p.strip() for p in r.section_top.split(ln) if p.strip())
        else:
            out.append(ln)
    return out


def _drop_pdf_furniture(lines: list[str]) -> list[str]:
    """Page numbers ("- 1 -", "第 2 页", "3/6", "Page 8") on their own line."""
    from .stats.textnorm import PAGE_MARKER_RE

    return [ln for ln in lines if not PAGE_MARKER_RE.fullmatch(ln)]


def _drop_chrome_lines(lines: list[str], page: PageText) -> list[str]:
    """Breadcrumb lines, toolbar/banner lines and infoboxes, wherever they are."""
    r = rules()
    out = []
    in_infobox = False
    for i, ln in enumerate(lines):
        if in_infobox:
            if r.infobox_item.match(ln):
                continue
            in_infobox = False
        if i < HEAD_LINES and (r.bc_prefix.match(ln) or r.bc_home.match(ln)):
            if not page.breadcrumb:
                page.breadcrumb = parse_breadcrumb(ln)
            page.removed.append("breadcrumb")
            continue
        if r.infobox_start.match(ln):
            in_infobox = True
            page.removed.append("infobox")
            continue
        if any(p.search(ln) for p in r.drop):
            if r.meta_label.search(ln):
                _capture_meta(ln, page)
            page.removed.append("toolbar/banner line")
            continue
        out.append(ln)
    return out


def _find_title(lines: list[str], page: PageText) -> list[str]:
    """Locate the report's title line in the head; drop it and what comes before it.

    Everything above the title (search boxes, aggregator abstracts, "简介"
    lines) is page chrome; its dates and sources are read first.
    """
    r = rules()
    total = sum(len(ln) for ln in lines) or 1
    known = page.title  # from the header block or the HTML page's metadata
    seen = 0
    for i, ln in enumerate(lines[:HEAD_LINES]):
        title, span = None, 1
        # A title may wrap over two or three lines (PDF cover: agency / year+title).
        for k in (1, 2, 3):
            joined = squeeze_title("".join(lines[i : i + k]))
            # Only a short, year-less piece (an agency name) continues on the next line.
            if k > 1 and any(len(x) > 20 or _YEAR.search(x) for x in lines[i : i + k - 1]):
                break
            if is_title_line(joined):
                title, span = joined, k
                break
        if title is None:
            m = r.title_leading.match(ln)
            if m and is_title_line(m.group("title")) and i < 5:
                title = squeeze_title(m.group("title"))
                lines = lines[:i] + [title, m.group("rest")] + lines[i + 1 :]
        if title is not None and known and not _same_report(title, known):
            title = None  # a list item or a related link, not this page's title
        if title is not None:
            if seen / total > MIN_BODY_SHARE:
                return lines
            for before in lines[:i]:
                _capture_meta(before, page)
            if i:
                page.removed.append("text before the title")
            page.meta["title_in_text"] = title
            if not page.title:
                page.title = title
            rest = lines[i + span :]
            # The same title again right below (h1 + header block) is not text either.
            while rest and squeeze_title(rest[0]) in (title, squeeze_title(page.title or "")):
                rest = rest[1:]
            return rest
        seen += len(ln)
    return lines


def _same_report(a: str, b: str) -> bool:
    """Does title line ``a`` name the report the page says it is (``b``)?"""
    a, b = squeeze_title(a), squeeze_title(b)
    if a in b or b in a:
        return True
    ya, yb = _YEAR.findall(a), _YEAR.findall(b)
    return bool(ya) and ya[:1] == yb[:1]


def _drop_head_meta(lines: list[str], page: PageText) -> list[str]:
    """Metadata lines under the title (来源/发布时间/字体, date lines), up to the first text."""
    r = rules()
    i = 0
    while i < len(lines) and i < 10:
        ln = lines[i]
        if len(ln) < 150 and (r.meta_label.search(ln) or r.date_only.match(ln)) and not _body_like(ln):
            _capture_meta(ln, page)
            page.removed.append("article metadata line")
            i += 1
            continue
        break
    return lines[i:]


def _cut_tail(lines: list[str], page: PageText) -> list[str]:
    """Footers, and previews of other documents appended after the report."""
    r = rules()
    total = sum(len(ln) for ln in lines) or 1
    own = {squeeze_title(t) for t in (page.title, page.meta.get("title_in_text")) if t}
    seen = 0
    for i, ln in enumerate(lines):
        if i and seen / total >= MIN_BODY_SHARE:
            reason = None
            if any(p.search(ln) for p in r.footer):
                reason = "site footer"
            else:
                for name, pat in r.previews:
                    if pat.search(ln):
                        reason = f"preview of another document ({name})"
                        break
                # Another report's title ends this one; on a page that is not itself
                # a report (a list page), report titles are the content.
                if reason is None and is_title_line(ln) and squeeze_title(ln) not in own and any(map(is_title_line, own)):
                    reason = "preview of another document (title)"
            if reason:
                page.removed.append(reason)
                page.meta["cut_at"] = ln[:80]
                return lines[:i]
        seen += len(ln)
    return lines


def _clean_lines(lines: list[str], page: PageText, from_pdf: bool = False) -> PageText:
    if from_pdf:
        lines = _drop_pdf_furniture(lines)
    lines = _strip_inline(lines, page)
    lines = _split_long_lines(lines)
    lines = _drop_chrome_lines(lines, page)
    lines = _find_title(lines, page)
    lines = _drop_head_meta(lines, page)
    lines = _cut_tail(lines, page)
    if not page.title and lines:
        m = rules().title_from_abstract.match(lines[0])
        if m:
            page.title = squeeze_title(m.group("title"))
    page.text = "\n".join(lines)
    return page


# ---------------------------------------------------------------------------
# entry points


def clean_plain_text(text: str, from_pdf: bool = False) -> PageText:
    """Archived plain text or PDF text → PageText."""
    page = PageText()
    norm, page.traditional = normalize_text(text or "")
    lines = norm.split("\n") if norm else []
    lines = _take_header_block(lines, page)
    return _clean_lines(lines, page, from_pdf=from_pdf)


def clean_html(html: str, url: str | None = None, tree=None) -> PageText:
    """An HTML page → PageText (trafilatura for the article, lxml for the page's metadata).

    ``tree``: the page already parsed by ``parse_html`` (parsed here when not given).
    """
    import trafilatura

    page = PageText()
    if tree is None:
        tree = _parse_html(html)
    info = html_metadata(html, tree=tree)
    page.meta.update(info["meta"])
    # trafilatura's text only serves to find the article's container, which is then
    # read whole from the DOM, tables included; its paragraphs suffice for that, so the
    # first pass skips tables (cheaper). When it finds no container, the pass with
    # tables runs (on pages that have any) and, failing a container again, is the text.
    first = _trafilatura_text(html, url, tables=False)
    dom_text = article_text_from_dom(html, first, tree=tree, tables_inside=True) if first else None
    if not dom_text:
        # Without a <table> on the page the full pass would return the same text.
        has_table = tree is None or next(tree.iter("table"), None) is not None
        body = _trafilatura_text(html, url, tables=True) if has_table else first
        if not body:
            # trafilatura found no article (tiny or odd page): take all visible text.
            body = trafilatura.html2txt(html) or ""
            page.removed.append("no article found: whole page text")
        # trafilatura's recovery pass collapses identical paragraphs ("170 |" twice in an
        # annex) and drops paragraphs repeated inside an earlier one; the article's own
        # container, read from the DOM in order, keeps every line.
        dom_text = article_text_from_dom(html, body, tree=tree)
    if dom_text:
        body = dom_text
        page.removed.append("article container re-read from the DOM")
    norm, page.traditional = normalize_text(body)
    if page.traditional:
        info = {k: (normalize_text(v, convert=True)[0] if isinstance(v, str) else v) for k, v in info.items()}
        info["breadcrumb"] = [normalize_text(b, convert=True)[0] for b in info["breadcrumb"]]
    page.title = info["title"]
    page.published = info["published"]
    page.source_line = info["source"]
    page.breadcrumb = info["breadcrumb"]
    lines = [_table_row(ln) for ln in norm.split("\n")] if norm else []
    return _clean_lines(lines, page)


def _trafilatura_text(html: str, url: str | None, tables: bool) -> str | None:
    import trafilatura

    return trafilatura.extract(
        html,
        url=url,
        deduplicate=False,  # with it on, a page seen before comes back empty
        include_tables=tables,
        include_comments=False,
        favor_recall=True,  # standard mode drops the h1 and 二、/三、 headings of these pages
        output_format="txt",
    )


_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tbody", "thead",
               "section", "article", "blockquote", "pre", "dd", "dt", "dl", "center", "form", "header", "footer"}
_ANCHOR_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "div", "span", "font", "strong", "b"}
# The container must hold this share of the anchored text (a stray "扫一扫" line
# outside the article must not widen it to the whole page).
ANCHOR_SHARE = 0.9
MIN_ANCHORS = 3
# A table this long (non-space characters) outside the container found without
# tables may be the article itself (see article_text_from_dom).
OUTSIDE_TABLE_CHARS = 200


def _squash(s: str) -> str:
    return "".join(s.split())


def article_text_from_dom(html: str, extracted: str, tree=None, tables_inside: bool = False) -> str | None:
    """Find the element holding trafilatura's paragraphs and return ALL its lines in DOM order.

    Anchors are trafilatura's output lines found verbatim as an element's text;
    the container is the deepest element holding ``ANCHOR_SHARE`` of them.
    Returns None when too few anchors are found (trafilatura's text is used).

    ``tables_inside``: the anchors came from a pass that ignored tables, which may
    have missed an article made mostly of tables; refuse (None) when a table with
    ``OUTSIDE_TABLE_CHARS`` of text lies outside the container and does not hold it.
    """
    from copy import deepcopy

    if tree is None:
        tree = _parse_html(html)
    if tree is None or not extracted:
        return None
    wanted = {_squash(ln) for ln in extracted.splitlines() if len(_squash(ln)) >= 10 and not ln.lstrip().startswith("|")}
    if not wanted:
        return None  # no anchor can be found: fewer than MIN_ANCHORS
    anchors = []
    # iter(*tags) filters in C, in document order: no Python proxy for the other elements.
    for el in tree.iter(*_ANCHOR_TAGS):
        if not isinstance(el.tag, str) or el.tag not in _ANCHOR_TAGS:
            continue
        # A childless element's text is its .text (text_content() runs an XPath per call).
        raw = el.text_content() if len(el) else (el.text or "")
        if len(raw) < 10:
            continue  # every wanted line has 10+ non-space characters
        t = _squash(raw)
        if t in wanted:
            anchors.append((el, len(t)))
            wanted.discard(t)
    if len(anchors) < MIN_ANCHORS:
        return None
    total = sum(w for _, w in anchors)
    # Sum the anchors per parent first: siblings share one walk up the tree.
    below: dict = {}
    for el, w in anchors:
        parent = el.getparent()
        if parent is not None:
            below[parent] = below.get(parent, 0) + w
    weight: dict = {}
    for parent, w in below.items():
        for anc in (parent, *parent.iterancestors()):
            weight[anc] = weight.get(anc, 0) + w
    candidates = [a for a, w in weight.items() if w >= ANCHOR_SHARE * total]
    if not candidates:
        return None
    # Candidates hold most of the anchors, so they nest (one chain): take the deepest.
    found = max(candidates, key=lambda a: sum(1 for _ in a.iterancestors()))
    if tables_inside and _table_outside(tree, found):
        return None
    container = deepcopy(found)
    for bad in container.xpath(".//script|.//style|.//noscript|.//template"):
        bad.drop_tree()
    for tr in container.xpath(".//tr"):
        cells = [" ".join(td.text_content().split()) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
        for child in list(tr):
            tr.remove(child)
        tr.text = " | ".join(cells)
        tr.tail = "\n" + (tr.tail or "")
    for el in container.iter("br", *_BLOCK_TAGS):
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _BLOCK_TAGS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
    return container.text_content()


def _table_outside(tree, container) -> bool:
    """Is there a table with real text that is neither inside ``container`` nor around it?"""
    around = set(container.iterancestors("table"))
    for table in tree.iter("table"):
        if table in around or any(a is container for a in table.iterancestors()):
            continue
        if len("".join(table.text_content().split())) >= OUTSIDE_TABLE_CHARS:
            return True
    return False


def parse_html(html: str) -> tuple[object | None, bool]:
    """Parse a page once for all its readers: ``(tree, strict)``.

    ``tree`` is None for unparsable markup. ``strict`` is False when lxml refused
    the str (an XML encoding declaration) and the UTF-8 bytes were parsed instead:
    the stats grid reader reads no tables from such a page, so it must not get
    that tree.
    """
    import lxml.html

    try:
        return lxml.html.fromstring(html), True
    except ValueError:  # a str with an XML encoding declaration
        return lxml.html.fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")), False
    except Exception:  # unparsable markup: the caller falls back to text only
        return None, False


def _parse_html(html: str):
    return parse_html(html)[0]


def _table_row(line: str) -> str:
    """trafilatura writes rows as "| a | b | "; keep " | " between cells, no empty edges."""
    if line.startswith("|") and line.count("|") >= 2:  # a lone "|" is an empty annex cell: keep
        return line.strip().strip("|").strip()
    return line


def html_metadata(html: str, tree=None) -> dict:
    """Title, publication date, source and breadcrumb from the page's own markup."""
    info: dict = {"title": None, "published": None, "source": None, "breadcrumb": [], "meta": {}}
    if tree is None:
        tree = _parse_html(html)
    if tree is None:  # unparsable markup: no metadata, the text path still runs
        return info
    metas = {}
    for m in tree.iter("meta"):
        key = (m.get("name") or m.get("property") or "").strip().lower()
        if key and m.get("content"):
            metas.setdefault(key, m.get("content").strip())
    info["meta"] = {"html_meta": metas}
    for key in ("articletitle", "og:title", "dc.title", "title"):
        if metas.get(key):
            info["title"] = squeeze_title(metas[key])
            break
    if not info["title"]:
        for h in tree.xpath("//h1|//*[contains(@class,'title')]"):
            t = squeeze_title(h.text_content())
            if is_title_line(t):
                info["title"] = t
                break
    if not info["title"]:
        t = tree.findtext(".//title") or ""
        parts = [p for p in rules().title_site_sep.split(t.strip()) if p]
        info["title"] = squeeze_title(next((p for p in parts if is_title_line(p)), parts[0] if parts else "")) or None
    for key in ("pubdate", "publishdate", "firstpublishedtime", "dc.date", "article:published_time", "published_time"):
        if metas.get(key) and find_date(metas[key]):
            info["published"] = find_date(metas[key])
            break
    for key in ("contentsource", "source", "author"):
        if metas.get(key):
            info["source"] = metas[key]
            break
    info["breadcrumb"] = _html_breadcrumb(tree)
    if not info["published"] or not info["source"]:
        probe = PageText()
        for el in _elements_with_words(tree, "meta")[:10]:
            _capture_meta(" ".join(el.text_content().split()), probe)
        info["published"] = info["published"] or probe.published
        info["source"] = info["source"] or probe.source_line
    return info


def _contains_any(words) -> str:
    return " or ".join(f"contains(text(),'{w}')" for w in words)


@lru_cache(maxsize=1)
def _xpaths() -> dict:
    """XPaths that look for words in an element's text, compiled once.

    Each search is two steps with the same result as the one-step
    ``//*[contains(text(),w1) or contains(text(),w2) …]``: a short condition that
    every wanted element meets picks the few candidates, the full condition is
    then tested on those alone (libxml2 converts text() once per contains()).
    """
    from lxml import etree

    crumb = ("当前位置", "您的位置", "你的位置", "您现在的位置", "你现在的位置", "您当前的位置", "所在位置")
    meta = ("发布时间", "时间：", "来源：", "发布日期")
    return {
        "crumb_candidates": etree.XPath(f"//*[{_contains_any(['位置'])}]"),  # every crumb word has 位置
        "crumb_test": etree.XPath(f"boolean({_contains_any(crumb)})"),
        "meta_candidates": etree.XPath(f"//*[{_contains_any(['时间', '来源', '发布日期'])}]"),
        "meta_test": etree.XPath(f"boolean({_contains_any(meta)})"),
    }


def _elements_with_words(tree, name: str) -> list:
    x = _xpaths()
    test = x[name + "_test"]
    return [el for el in x[name + "_candidates"](tree) if test(el)]


def _html_breadcrumb(tree) -> list[str]:
    """The links of the "当前位置" element (or its nearest ancestor that has links)."""
    for el in _elements_with_words(tree, "crumb"):
        node = el
        for _ in range(4):
            links = [" ".join(a.text_content().split()) for a in node.iter("a")]
            links = [x for x in links if x]
            if len(links) >= 2:
                return links
            if node.getparent() is None:
                break
            node = node.getparent()
        crumb = parse_breadcrumb(" ".join(el.text_content().split()))
        if crumb:
            return crumb
    return []
