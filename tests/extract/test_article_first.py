"""Article first (issue 19): the report's container from the page's own text blocks.

Real material: tests/fixtures/corpus/real (pages copied from government sites, see the
READMEs there), the fixture portals under tests/fixtures (synthetic chrome around real
report texts, see their READMEs). Pages written here are marked SYNTHETIC.
"""
from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from govcrawl.extract import sniff_kind
from govcrawl.extract.clean import article, clean_html, parse_html
from govcrawl.extract.decode import decode_bytes

FIX = Path(__file__).resolve().parents[1] / "fixtures"
REAL_REPORT = "corpus/real/pingtan/2025-report.html"  # TRS page: the article in div.TRS_Editor
REAL_BARE = "corpus/real/shanghai-szfbgt/2019-report.html"  # the report's paragraphs straight in <body>


def _html_fixtures() -> list[Path]:
    pages = []
    for p in sorted(FIX.rglob("*")):
        if p.is_file() and p.suffix.lower() in (".html", ".htm", ".shtml") and sniff_kind(p.read_bytes(), None, p.name) == "html":
            pages.append(p)
    return pages


def _page(p: Path):
    html = decode_bytes(p.read_bytes(), "text/html", None)[0]
    return html, parse_html(html)[0]


def _squash(s: str) -> str:
    return "".join(s.split())


def test_the_container_holds_the_article_trafilatura_sees():
    """On every fixture page where the text blocks give a container, at least 90% of
    trafilatura's paragraph text (the former way of locating it) lies inside it."""
    found_on = []
    for p in _html_fixtures():
        html, tree = _page(p)
        found = article.find_container(tree)
        if found is None:
            continue
        found_on.append(p.relative_to(FIX).as_posix())
        inside = _squash(found.text_content())
        lines = [_squash(ln) for ln in (article._trafilatura_text(tree, None, tables=False) or "").splitlines()]
        lines = [ln for ln in lines if len(ln) >= 10 and not ln.startswith("|")]
        held = sum(len(ln) for ln in lines if ln in inside)
        assert held >= 0.9 * sum(len(ln) for ln in lines), p
    assert REAL_REPORT in found_on
    assert len(found_on) >= 15  # the report pages of the fixture portals, not a handful


def test_real_report_read_from_its_container_without_trafilatura():
    html, tree = _page(FIX / REAL_REPORT)
    assert article.find_container(tree).get("class") == "TRS_Editor"
    body, notes = article.article_text(html, None, tree)
    assert notes == ["article container found from the page's text blocks"]
    page = clean_html(html, tree=tree)
    assert "二、主动公开政府信息情况" in _squash(page.text)
    assert page.text.count(" | ") > 20  # the container is read with its tables


# SYNTHETIC: a CMS article box, and beside it (inside the same column) a block of
# recommended reading written as plain paragraphs, not links.
_BOXED = """<html><body><div class="header"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<div class="main"><h1>示例市2023年政府信息公开工作年度报告</h1>
<div class="{box}">{article}</div>
<div class="recommend"><h3>热门推荐</h3>{recommend}</div></div>
<div class="footer">版权所有：示例市人民政府办公室</div></body></html>"""


def _boxed(box: str) -> str:
    art = "".join(f"<p>第{i}段：本机关依照条例主动公开政府信息，及时回应社会关切，本段文字属于报告正文。</p>" for i in range(12))
    rec = "".join(f"<p>推荐第{i}条：其他栏目刊登的一段较长的说明文字，与本报告无关。</p>" for i in range(4))
    return _BOXED.format(box=box, article=art, recommend=rec)


def test_a_cms_box_inside_the_text_blocks_is_the_article():
    tree = parse_html(_boxed("TRS_Editor"))[0]
    assert article.find_container(tree).get("class") == "TRS_Editor"
    page = clean_html(_boxed("TRS_Editor"))
    assert "推荐第1条" not in page.text and "第11段" in page.text


def test_an_article_split_over_a_box_and_its_sibling_is_not_cut_to_the_box():
    # SYNTHETIC: the box holds 60% of the paragraph text (under cms_share), the rest of the
    # report follows in a sibling block: the column is read, nothing of the report is lost.
    first = "".join(f"<p>前半第{i}段：本机关依照条例主动公开政府信息，本段文字属于报告正文。</p>" for i in range(6))
    rest = "".join(f"<p>后半第{i}段：本年度收到政府信息公开申请若干件，本段文字属于报告正文。</p>" for i in range(4))
    html = f'<html><body><div class="main"><div class="zoom">{first}</div><div class="more">{rest}</div></div></body></html>'
    assert article.find_container(parse_html(html)[0]).get("class") == "main"
    assert "后半第3段" in clean_html(html).text


def test_without_a_known_cms_box_the_text_blocks_decide():
    # The same page whose box class is in no CMS list of chrome_rules.toml: the deepest
    # element holding 90% of the paragraph text is the column, recommendations included.
    assert "some_box" not in article.rules().article.cms_containers
    found = article.find_container(parse_html(_boxed("some_box"))[0])
    assert found.get("class") == "main"


# SYNTHETIC: a list page (every title a link) and a one-paragraph notice.
_LIST = "<html><body><ul>" + "".join(
    f'<li><a href="/t{i}.html">示例市{2010 + i}年政府信息公开工作年度报告</a></li>' for i in range(12)) + "</ul></body></html>"
_NOTICE = "<html><body><div><p>" + "本网站将于周末进行系统维护，届时暂停访问，敬请谅解。" * 12 + "</p></div></body></html>"


@pytest.mark.parametrize("html", [_LIST, _NOTICE], ids=["list of links", "one paragraph"])
def test_no_container_where_the_page_has_no_paragraph_text_of_its_own(html):
    assert article.find_container(parse_html(html)[0]) is None


def test_the_page_itself_is_no_container():
    # A real report whose paragraphs sit straight in <body>: trafilatura decides (and the
    # DOM re-read of what it anchors keeps the tables).
    html, tree = _page(FIX / REAL_BARE)
    assert article.find_container(tree) is None
    body, notes = article.article_text(html, None, tree)
    assert "article container re-read from the DOM" in notes and " | " in body


# SYNTHETIC: the article is one long data table; a sidebar of paragraphs beside it.
_TABLE_ARTICLE = ("<html><body><div class='sidebar'>"
                  + "".join(f"<p>侧栏第{i}条：本站其他栏目的一段较长的介绍文字，与本报告无关。</p>" for i in range(12))
                  + "</div><div class='article'><table>"
                  + "".join(f"<tr><td>第{i}项统计指标的名称写得比较长</td><td>{i * 7}</td></tr>" for i in range(20))
                  + "</table></div></body></html>")


def test_no_container_when_a_long_table_lies_outside_it():
    # The sidebar has enough paragraph text to be taken for the article; the table beside
    # it may be the article itself: trafilatura decides.
    tree = parse_html(_TABLE_ARTICLE)[0]
    assert article.find_container(tree) is None
    assert "第3项统计指标的名称写得比较长 | 21" in clean_html(_TABLE_ARTICLE).text.splitlines()


def test_trafilatura_reads_the_shared_tree_as_it_reads_the_page():
    """One parse per document: the fallback hands trafilatura the tree already parsed."""
    compared = 0
    for p in _html_fixtures():
        html, tree = _page(p)
        if tree is None or article.find_container(tree) is not None:
            continue
        before = lxml.html.tostring(tree)
        for tables in (False, True):
            assert article._trafilatura_text(tree, None, tables) == article._trafilatura_text(html, None, tables), p
        article.article_text(html, None, tree)
        assert lxml.html.tostring(tree) == before, p  # trafilatura works on a copy: the grid reader gets the page
        compared += 1
    assert compared >= 10


def test_markup_trafilatura_refuses_as_a_string_stays_refused():
    # A sitemap sniffed as markup: trafilatura refuses the string (not HTML, one top element);
    # the tree must not get a reading the string never had.
    xml = (FIX / "cms/sitemap/sitemap_index.xml").read_text(encoding="utf-8")
    body, notes = article.article_text(xml, None, parse_html(xml)[0])
    assert body.strip() == "" and notes == ["no article found: whole page text"]
