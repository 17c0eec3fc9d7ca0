"""What an HTML page says about itself in its markup: title, date, source, breadcrumb.

Meta-tag keys and the words that mark a breadcrumb or a metadata element are data
(``[html_meta]`` and ``[breadcrumb]`` in chrome_rules.toml).
"""
from __future__ import annotations

from functools import lru_cache

from .article import _parse_html
from .rules import PageText, capture_meta, find_date, is_title_line, parse_breadcrumb, rules, squeeze_title


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
    r = rules()
    for key in r.html_title_keys:
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
        parts = [p for p in r.title_site_sep.split(t.strip()) if p]
        info["title"] = squeeze_title(next((p for p in parts if is_title_line(p)), parts[0] if parts else "")) or None
    for key in r.html_date_keys:
        if metas.get(key) and find_date(metas[key]):
            info["published"] = find_date(metas[key])
            break
    for key in r.html_source_keys:
        if metas.get(key):
            info["source"] = metas[key]
            break
    info["breadcrumb"] = _html_breadcrumb(tree)
    if not info["published"] or not info["source"]:
        probe = PageText()
        for el in _elements_with_words(tree, "meta")[:10]:
            capture_meta(" ".join(el.text_content().split()), probe)
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

    r = rules()  # every word holds a candidate word (checked when the rules load)
    return {
        "crumb_candidates": etree.XPath(f"//*[{_contains_any(r.bc_candidates)}]"),
        "crumb_test": etree.XPath(f"boolean({_contains_any(r.bc_words)})"),
        "meta_candidates": etree.XPath(f"//*[{_contains_any(r.html_meta_candidates)}]"),
        "meta_test": etree.XPath(f"boolean({_contains_any(r.html_meta_words)})"),
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
