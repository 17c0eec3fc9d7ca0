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
