"""The article of an HTML page: found from its own text blocks, read whole from the DOM.

Article first: ``find_container`` locates the report's container from the page's
text blocks (the deepest element holding most paragraph CJK text, rules in
``[article]`` of chrome_rules.toml) and ``read_container`` reads ALL its lines in
DOM order, tables included. Only where that finds nothing does trafilatura
(deduplicate off, headings kept) run, on the same parsed tree: its paragraphs
anchor the container (``article_text_from_dom``), or are the text.
``parse_html`` parses a page once for all its readers.
"""
from __future__ import annotations

import re

from .rules import rules


def article_text(html: str, url: str | None, tree) -> tuple[str, list[str]]:
    """The article's text, and notes on how it was found (for ``PageText.removed``).

    ``tree``: the page parsed by ``parse_html`` (None: unparsable markup).
    """
    found = find_container(tree)
    if found is not None:
        return read_container(found), ["article container found from the page's text blocks"]
    import trafilatura

    notes: list[str] = []
    # trafilatura gets the parsed tree (it works on a copy): no second parse of the page.
    # From a string it refuses markup that does not name itself HTML in its first 50
    # characters and has one top element (a sitemap, a fragment); it checks no tree,
    # so such markup goes as the string, refused as before.
    doc = tree if tree is not None and ("html" in html[:50].lower() or len(tree) >= 2) else html
    # trafilatura's text only serves to find the article's container, which is then
    # read whole from the DOM, tables included; its paragraphs suffice for that, so the
    # first pass skips tables (cheaper). When it finds no container, the pass with
    # tables runs (on pages that have any) and, failing a container again, is the text.
    first = _trafilatura_text(doc, url, tables=False)
    dom_text = article_text_from_dom(html, first, tree=tree, tables_inside=True) if first else None
    if not dom_text:
        # Without a <table> on the page the full pass would return the same text.
        has_table = tree is None or next(tree.iter("table"), None) is not None
        body = _trafilatura_text(doc, url, tables=True) if has_table else first
        if not body:
            # trafilatura found no article (tiny or odd page): take all visible text.
            body = trafilatura.html2txt(doc) or ""
            notes.append("no article found: whole page text")
        # trafilatura's recovery pass collapses identical paragraphs ("170 |" twice in an
        # annex) and drops paragraphs repeated inside an earlier one; the article's own
        # container, read from the DOM in order, keeps every line.
        dom_text = article_text_from_dom(html, body, tree=tree)
    if dom_text:
        body = dom_text
        notes.append("article container re-read from the DOM")
    return body, notes


_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Elements whose own text is no paragraph text of the page: links (menus, lists of
# other documents), tables (read with their container, never located by), non-text.
_NOT_PARAGRAPH = frozenset({"a", "table", "script", "style", "noscript", "template", "textarea", "title", "head",
                            "select", "option", "button", "iframe", "object"})
# Elements that make a text block of their own text and that of their inline children.
_TEXT_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dd", "dt",
                          "section", "article", "main", "aside", "nav", "header", "footer", "blockquote", "pre",
                          "center", "form", "body", "html"})


def find_container(tree):
    """The report's container from the page's text blocks, or None (trafilatura decides).

    A text block is a block element's own text plus that of its inline children,
    outside links and tables; it is paragraph text from ``min_block_cjk`` CJK
    characters. The container is the deepest element holding ``share`` of the
    paragraph text (as ``article_text_from_dom`` does with trafilatura's lines). None
    when the page has too little paragraph text, when only the page itself holds
    it, or when a long table lies outside the container (it may be the article).
    """
    if tree is None:
        return None
    ar = rules().article
    owner: dict = {}  # element -> the block its .text belongs to (None: not paragraph text)
    pieces: dict = {}  # block -> the strings of its own text (counted at the end, once per block)
    # One walk in document order: a parent is always seen before its children. (Picking
    # the text nodes by XPath with an ancestor test is 5x slower.)
    for el in tree.iter():
        parent = el.getparent()
        up = owner.get(parent) if parent is not None else None
        tag = el.tag
        if parent is None:
            own = el if isinstance(tag, str) else None
        elif up is None or not isinstance(tag, str) or tag in _NOT_PARAGRAPH:
            own = None  # a comment, or inside a link, a table, a script …
        else:
            own = el if tag in _TEXT_BLOCKS else up  # an inline element's text is its block's
        owner[el] = own
        if own is not None and el.text:
            pieces.setdefault(own, []).append(el.text)
        if up is not None and el.tail:  # a tail is the parent's text
            pieces.setdefault(up, []).append(el.tail)
    drop = _NOT_CJK.sub  # counting what is left is 2x faster than _CJK.findall's list of characters
    cjk = {b: len(drop("", "".join(texts))) for b, texts in pieces.items()}  # block -> CJK characters of its own text
    blocks = [(b, n) for b, n in cjk.items() if n >= ar.min_block_cjk]
    total = sum(n for _, n in blocks)
    if len(blocks) < ar.min_blocks or total < ar.min_page_cjk:
        return None
    weight = _ancestor_weights(blocks)
    candidates = [a for a, n in weight.items() if n >= ar.share * total]
    if not candidates:
        return None
    found = max(candidates, key=lambda a: sum(1 for _ in a.iterancestors()))
    # A CMS article box below it holding cms_share of the text is the article itself. Such
    # boxes hold over half the text (rules.py checks), so they lie on one chain below
    # ``found``: only the elements that hold that much need a look.
    names, own = set(ar.cms_containers), dict(blocks)
    boxes = [b for b in weight.keys() | own.keys()
             if weight.get(b, 0) + own.get(b, 0) >= ar.cms_share * total and b is not found
             and (b.get("id") in names or not names.isdisjoint((b.get("class") or "").split()))
             and any(a is found for a in b.iterancestors())]
    if boxes:
        found = min(boxes, key=lambda b: sum(1 for _ in b.iterancestors()))  # the outermost
    if found.tag in ar.not_containers or _table_outside(tree, found):
        return None
    return found


def _trafilatura_text(doc, url: str | None, tables: bool) -> str | None:
    """trafilatura's text of ``doc`` (the parsed tree, or the markup it must check itself)."""
    import trafilatura

    return trafilatura.extract(
        doc,
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
    weight = _ancestor_weights(anchors)
    candidates = [a for a, w in weight.items() if w >= ANCHOR_SHARE * total]
    if not candidates:
        return None
    # Candidates hold most of the anchors, so they nest (one chain): take the deepest.
    found = max(candidates, key=lambda a: sum(1 for _ in a.iterancestors()))
    if tables_inside and _table_outside(tree, found):
        return None
    return read_container(found)


def read_container(found) -> str:
    """ALL the lines of the container, in DOM order: one per block, table rows as "a | b"."""
    from copy import deepcopy

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


def _ancestor_weights(items) -> dict:
    """Each ancestor of the (element, weight) items with the sum of the weights below it.
    Summed per parent first: siblings share one walk up the tree."""
    below: dict = {}
    for el, w in items:
        parent = el.getparent()
        if parent is not None:
            below[parent] = below.get(parent, 0) + w
    weight: dict = {}
    for parent, w in below.items():
        for anc in (parent, *parent.iterancestors()):
            weight[anc] = weight.get(anc, 0) + w
    return weight
