"""The line stages of cleaning: each takes and returns a list of lines, recording in a PageText.

Order (``clean_lines``): PDF page numbers -> inline chrome spans -> long lines split
-> chrome lines -> the title -> head metadata -> footer / previews of other documents.
"""
from __future__ import annotations

import re

from .rules import _OPENS_WITH_YEAR, _YEAR, PageText, capture_meta, find_date, is_title_line, parse_breadcrumb, rules, squeeze_title

# How far into a page the "head" (title, breadcrumb, article metadata) may reach.
HEAD_LINES = 30
# A footer/preview line only closes the report once this share of the text
# has gone by, so a menu at the top can never swallow the report.
MIN_BODY_SHARE = 0.3
# Archived pages put the whole article on one line; lines longer than this
# are split at section headings (一、二、…) into paragraphs.
LONG_LINE = 300

_SENTENCE_PUNCT = re.compile(r"[。；，,]")


def _body_like(line: str) -> bool:
    """A line of running report text (not a label, menu item or metadata)."""
    return len(line) >= 40 and bool(_SENTENCE_PUNCT.search(line))



def take_header_block(lines: list[str], page: PageText) -> list[str]:
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
    for ln in lines[:i] if not date else ():  # a pipe info box read as "key: value" lines:
        m = r.meta_info_box_date.search(ln)  # "文号: | 公开日期: | 2024-01-26 | |"
        if m and find_date(m.group(1)):
            date = find_date(m.group(1))
            break
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
            capture_meta(span, page)
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
    from ..normalize import PAGE_MARKER_RE

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
                capture_meta(ln, page)
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
            piece = lines[i : i + k]
            if any(r.title_info_box.search(x) for x in piece):
                break  # an info-box row ("索引号 | …"), not a title
            joined = squeeze_title(r.title_label.sub("", "".join(piece)))
            # Only a short, year-less piece (an agency name) continues on the next line,
            # and only onto a line that needs it: one opening with the year ("2017年…报告").
            # A line naming its issuer before the year is whole; what is above it is chrome
            # ("登录 注册", a column name "政府信息公开"). The title's own end may wrap onto
            # one more line ("…2022年政府信息公开" / "工作年度报告"): a tail, after the year's line.
            tail = len(piece) > 1 and bool(r.title_tail.match(squeeze_title(piece[-1])))
            core = piece[:-1] if tail else piece
            if tail and (not _YEAR.search(core[-1]) or len(core[-1]) > 40 or _SENTENCE_PUNCT.search(core[-1])):
                break
            if len(core) > 1 and any(len(x) > 20 or _YEAR.search(x) for x in core[:-1]):
                break
            if len(core) > 1 and not _OPENS_WITH_YEAR.match(r.title_label.sub("", core[-1])):
                break
            if is_title_line(joined):
                title, span = joined, k
                break
        if title is None:
            m = r.title_leading.match(ln)
            if m and is_title_line(m.group("title")) and i < 5 and not r.title_info_box.search(m.group("title")):
                title = squeeze_title(m.group("title"))
                lines = lines[:i] + [title, m.group("rest")] + lines[i + 1 :]
        if title is not None and known and not _same_report(title, known):
            title = None  # a list item or a related link, not this page's title
        if title is not None:
            if seen / total > MIN_BODY_SHARE:
                return lines
            for before in lines[:i]:
                capture_meta(before, page)
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
            capture_meta(ln, page)
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


def _info_box_date(lines: list[str], page: PageText) -> None:
    """The publication date from an info box row above the text (its cells are not "key: value")."""
    if page.published:
        return
    for ln in lines[:HEAD_LINES]:
        if rules().title_info_box.search(ln):
            m = rules().meta_info_box_date.search(ln)  # chrome_rules.toml [meta_line] info_box_date
            if m and find_date(m.group(1)):
                page.published = find_date(m.group(1))
                return


def clean_lines(lines: list[str], page: PageText, from_pdf: bool = False) -> PageText:
    if from_pdf:
        lines = _drop_pdf_furniture(lines)
    lines = _strip_inline(lines, page)
    lines = _split_long_lines(lines)
    lines = _drop_chrome_lines(lines, page)
    _info_box_date(lines, page)
    lines = _find_title(lines, page)
    lines = _drop_head_meta(lines, page)
    lines = _cut_tail(lines, page)
    if not page.title and lines:
        m = rules().title_from_abstract.match(lines[0])
        if m:
            page.title = squeeze_title(m.group("title"))
    if not page.title:
        # last resort: the report names itself in its first sentences ("现公布XX年度报告");
        # "现公布我局2022年…" or "…区统计局2023年…" names no place: not taken as a title
        place = re.compile("(?:%(unit)s)|(?:%(township)s)" % rules().data["jurisdiction"])  # 泰州市…, 龙口镇2022年…
        for ln in lines[:6]:
            m = rules().title_in_sentence.search(ln)
            if m and is_title_line(squeeze_title(m.group("title"))) and place.match(m.group("title")):
                page.title = squeeze_title(m.group("title"))
                break
    page.text = "\n".join(lines)
    return page
