"""Broken HTML the parser recovers from without a word (issue 20: parser data-loss warnings).

libxml2 2.14 (lxml's HTML parser) tokenises as HTML5 does and logs nothing when it recovers: a
comment, <title> or <script> never closed swallows markup, an attribute quote never closed turns
page markup into an attribute value. guards.lost_text measures it; the reason goes to
reports.error and, as for a damaged PDF, only numbers their table's identities confirm are kept.

The damaged pages are SYNTHETIC: the real pingtan 2025 report page (tests/fixtures/corpus/real/
pingtan, see the README there) with one piece of markup broken, as each test says.
"""
from __future__ import annotations

import copy
from pathlib import Path

import lxml.html

from govcrawl.extract import extract
from govcrawl.extract.guards import lost_text
from govcrawl.extract.ocr import confirmed

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "pingtan" / "2025-report.html"


def _page() -> str:
    return REAL.read_text(encoding="utf-8")


def test_unclosed_comment_recorded_and_unconfirmed_numbers_withheld():
    raw = _page()
    whole = extract(raw.encode("utf-8"), filename=REAL.name)
    assert whole.error is None and whole.is_report
    # "<!-- 旧版 " opened before section 五 and never closed: it runs to the end of the footer's comment
    cut = raw.rindex("<p", 0, raw.index("五、存在的主要问题"))
    doc = extract((raw[:cut] + "<!-- 旧版 " + raw[cut:]).encode("utf-8"), filename=REAL.name)
    assert doc.is_report  # the report is kept, its damage said
    assert doc.error.startswith("HTML parser recovered from broken markup: a comment never closed holds markup"), doc.error
    want, dropped = confirmed(copy.deepcopy(whole.stats), mark=None, version=whole.format)
    # the comment also swallowed section 五's prose figure: one number fewer to withhold
    assert dropped > 0 and f"{dropped - 1} number(s) no identity confirms withheld" in doc.error
    assert sorted((s.key, s.value) for s in doc.stats) == sorted((s.key, s.value) for s in want)
    assert any(c.rule == "damaged.unconfirmed" for c in doc.checks)


def test_unclosed_title_swallows_the_page_and_says_so():
    doc = extract(_page().replace("</title>", "", 1).encode("utf-8"), filename=REAL.name)
    assert doc.stats == []  # no number of the page is read as text …
    assert doc.error.startswith("HTML parser recovered from broken markup: a <title> never closed")  # … and why


def test_unclosed_attribute_quote_swallowing_markup_is_named():
    # the closing quote of the class of table 三's first label cell's paragraph dropped, and the
    # next quote three cells on: the cells between become one attribute value
    raw = _page()
    at = raw.index('<p style="text-indent: 0em;">1.属于国家秘密')
    broken = raw[:at] + '<p style="text-indent: 0em;>' + raw[at + len('<p style="text-indent: 0em;">'):]
    note = lost_text(broken, lxml.html.fromstring(broken))
    assert note and "an attribute quote never closed swallowed" in note, note


def test_intact_pages_have_no_note():
    for rel in ("real/pingtan/2025-report.html", "real/shanghai-szfbgt/2019-report.html"):
        html = (REAL.parents[2] / rel).read_text(encoding="utf-8")
        assert lost_text(html, lxml.html.fromstring(html)) is None, rel
    legit = "<html><body><!-- 页脚 <div>旧</div> --><p>正文正文</p><a title='a<b'>链接</a></body></html>"
    assert lost_text(legit, lxml.html.fromstring(legit)) is None


def _lost_text_by_string(html: str, tree) -> str | None:
    """lost_text as first written (the whole tree serialised as str, Han characters counted by
    regex, every attribute searched): the cheaper one must decide and say the same."""
    import re

    import lxml.etree

    from govcrawl.extract import guards

    not_han = re.compile(r"[^\u4e00-\u9fff]+")
    root = tree.getroottree().getroot()
    notes = []
    swallowed = [str(v) for v in root.xpath('//@*[contains(., "</")]')]
    if swallowed:
        notes.append(f"an attribute quote never closed swallowed {sum(v.count('</') for v in swallowed)} closing tag(s) "
                     f"and the text between ({sum(len(not_han.sub('', v)) for v in swallowed)} Chinese characters)")
    for node in root.iter(lxml.etree.Comment, *guards._RAW_TEXT):
        if not node.text:
            continue
        comment = node.tag is lxml.etree.Comment
        if guards._PAGE_END.search(node.text) or (comment and "<!--" in node.text and "</" in node.text):
            what = "a comment" if comment else f"a <{node.tag}>"
            notes.append(f"{what} never closed holds markup of the page ({len(not_han.sub('', node.text))} Chinese characters)")
            break
    have = len(not_han.sub("", html))
    if have >= guards.LOST_TEXT_MIN:
        dropped = have - len(not_han.sub("", lxml.etree.tostring(root, encoding="unicode")))
        if dropped >= guards.LOST_TEXT_MIN:
            notes.append(f"{dropped} of {have} Chinese characters of the markup not in the parsed page")
    return ("HTML parser recovered from broken markup: " + "; ".join(notes)) if notes else None


def test_lost_text_says_what_the_string_count_says():
    raw = _page()
    at = raw.index('<p style="text-indent: 0em;">1.属于国家秘密')
    cut = raw.rindex("<p", 0, raw.index("五、存在的主要问题"))
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REAL.parents[2].rglob("*.htm*"))]
    pages += [raw[:at] + '<p style="text-indent: 0em;>' + raw[at + len('<p style="text-indent: 0em;">'):],
              raw[:cut] + "<!-- 旧版 " + raw[cut:], raw.replace("</title>", "", 1), raw[: len(raw) // 2],
              raw.replace("<p", "<p title='注</p>'", 3), raw.replace("正文", "&lt;/p&gt;正文"),
              "<html><body><p>" + "\u4dff\u4e00\u9fff\ua000\U00020000中文" * 30 + "</p></body></html>"]
    notes = 0
    for html in pages:
        tree = lxml.html.fromstring(html)
        assert lost_text(html, tree) == _lost_text_by_string(html, tree)
        notes += lost_text(html, tree) is not None
    assert notes >= 4


def test_han_count_is_the_regex_count():
    import re

    from govcrawl.extract.guards import han_count

    not_han = re.compile(r"[^\u4e00-\u9fff]+")
    texts = ["", "abc", "\u3fff\u4000\u4dbf\u4dff\u4e00\u4fff\u5000\u9fff\ua000\uf900\U00020000\U0002ffff",
             "一丁" * 5 + "\ud800" + "中", _page()]
    for t in texts:
        assert han_count(t) == len(not_han.sub("", t)), t[:20]
    assert han_count(_page().encode("utf-8")) == len(not_han.sub("", _page())) > 1000
