"""Clean text: every line of the report, nothing of the site.

Built on real pages copied from ../shared/corpus into tests/fixtures/corpus/
(byte-for-byte; see /work/shared/corpus/README.md). One test per chrome family.
Synthetic snippets are marked SYNTHETIC where used.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from govcrawl.extract import extract, extract_file
from govcrawl.extract.clean import clean_html, clean_plain_text

FIX = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = FIX / "corpus"
PORTAL = FIX / "portal"


@lru_cache(maxsize=None)
def doc(rel: str):
    return extract_file(CORPUS / rel)


def sq(s: str) -> str:
    """Compare like ../shared/tools/score.py: NFKC, no white space."""
    return "".join(unicodedata.normalize("NFKC", s).split())


def text(rel: str) -> str:
    return sq(doc(rel).text)


S000, S001, S002, S003, S004 = (
    "seeds/000_ce613ae3d38fe476.txt",
    "seeds/001_e8c90e1f83533eb4.txt",
    "seeds/002_8661693cc3ee7730.txt",
    "seeds/003_d88f63d2808b134a.txt",
    "seeds/004_d665514035f4539e.txt",
)
PT_HTML = "real/pingtan/2025-report.html"
PT_2021 = "real/pingtan/2021-report.txt"


def test_breadcrumb_line_removed_and_parsed():
    t = text(S004)
    assert "首页->" not in t
    assert doc(S004).breadcrumb == ["首页", "政务公开", "政府信息公开年报", "2016年", "各区县市政府信息公开工作年度报告"]
    assert t.startswith(sq("2016年,沈河区继续坚持以务实、创新为己任"))


def test_breadcrumb_inline_span_of_archived_one_line_page_removed():
    t = text(PT_2021)
    for chrome in ("当前位置", "QQ空间", "全真版", "文字版", "附件下载", "相关链接"):
        assert chrome not in t
    assert t.startswith(sq("根据《中华人民共和国政府信息公开条例》"))


def test_html_breadcrumb_from_the_dom():
    assert doc(PT_HTML).breadcrumb == ["首页", "政务公开", "政府信息公开", "政府信息公开年报"]


def test_source_date_counter_font_line_removed():
    t = text(S002)
    assert "累计次数" not in t and "字体:[" not in t and "来源:" not in t
    assert doc(S002).published == "2014-03-25"


def test_font_print_toolbar_removed():
    t = text(S004)
    assert "[字体" not in t and "打印" not in t
    assert "沈河区2017年03月10日" not in t  # the place+date line under the title


def test_share_and_qr_code_chrome_removed_from_html():
    t = text(PT_HTML)
    for chrome in ("扫一扫", "QQ空间", "全真版", "网站地图", "闽ICP备", "当前位置"):
        assert chrome not in t


def test_archived_header_block_read_and_dropped():
    t = text(PT_2021)
    for chrome in ("原文链接", "本地目录", "links.tsv", "栏目:", "===="):
        assert chrome not in t
    d = doc(PT_2021)
    assert d.title == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert d.published == "2022-02-08"


def test_baike_infobox_and_footer_removed():
    t = text(S000)
    for chrome in ("基本介绍", "中文名:", "类型:工作报告", "相关词条", "热门词条", "联络我们"):
        assert chrome not in t
    assert t.endswith(sq("不断提高政府信息公开工作队伍和人员的整体水平。"))


def test_aggregator_banner_abstract_byline_and_footer_removed():
    t = text(S001)
    for chrome in ("造价通", "热门搜词", "反馈意见", "导读", "作者:佚名", "文章为作者独立观点", "关注微信公众号",
                   "热门推荐", "相关阅读", "简介"):
        assert chrome not in t
    assert t.startswith(sq("本报告根据《中华人民共和国政府信息公开条例》"))
    assert t.endswith(sq("促进政务公开工作再上新台阶。"))


def test_previews_of_other_documents_after_the_report_cut():
    t = text(S003)
    for other in ("番禺区建设局", "广州市协作办公室", "首先要明确", "政府采购法", "杭州市", "汕头"):
        assert other not in t
    assert t.endswith(sq("其中:对本单位首次处理不满意的行政申诉数 |\n0 |"))


def test_annex_cells_kept_one_per_line():
    lines = doc(S003).text.splitlines()
    # 附表1: 主动公开信息数 170, 全文电子化 170 – repeated short cells survive.
    i = lines.index("主动公开信息数 |")
    assert lines[i : i + 4] == ["主动公开信息数 |", "170 |", "其中:全文电子化的主动公开信息数 |", "170 |"]
    assert "|" in lines  # the blank cell of 申请总数 is kept as a blank cell


def test_html_keeps_headings_and_table_rows():
    d = doc(PT_HTML)
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert heading in d.text.splitlines()
    assert "行政规范性文件 | 58 | 45 | 546" in d.text.splitlines()
    assert sq(d.text).endswith(sq("2025年，无收取信息处理费情况。"))


def test_archived_one_line_body_split_at_section_headings():
    lines = doc(PT_2021).text.splitlines()
    assert any(ln.startswith("六、其他需要报告的事项") for ln in lines)
    assert len(lines) >= 5


def test_pdf_page_numbers_dropped_and_wrapped_title_joined():
    d = doc("real/huaian/2024-report.pdf")
    assert "- 1 -" not in d.text and "- 5 -" not in d.text
    assert d.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert sq(d.text).startswith(sq("本报告由淮安市人民政府办公室根据"))


def test_same_page_twice_gives_same_text():
    data = (CORPUS / PT_HTML).read_bytes()
    first, second = extract(data, filename="a.html"), extract(data, filename="a.html")
    assert first.text and first.text == second.text


def test_entities_decoded():
    assert "&bull;" not in doc(S004).text
    assert sq("5•15政务公开日") in text(S004)


def test_traditional_page_converted_with_taiwan_phrasing():
    t = text(S000)
    assert "瀋陽" not in t and "報告" not in t and "資訊" not in t
    assert sq("截至2009年12月31日,全市各类公开主体共发布信息328947条") in t
    assert "部门文件" in t  # the mirror's 部門檔案 comes back as mainland usage


def test_plain_text_title_restated_in_body_is_not_text():
    t = doc("real/pingtan/2019-report.txt").text
    assert not t.startswith("平潭综合实验区2019年")


@pytest.mark.parametrize(
    "seed, page",
    [
        (S004, "zwgk/zfxxgknb/2016/201703/t20170310_61234.html"),
        (S002, "zwgk/zfxxgknb/2013/201403/t20140325_3001.html"),
        (S003, "zwgk/zfxxgknb/2012/201303/t20130329_2201.html"),
        (S000, "zwgk/zfxxgknb/2009/201003/t20100331_2101.html"),
        (S001, "zwgk/zfxxgknb/2017/202207/t20220716_71002.html"),
        (PT_2021, "zwgk/zfxxgk/zfxxgknb/202202/t20220208_80613.htm"),
    ],
)
def test_test_portal_html_and_wrapped_plain_text_agree(seed, page):
    p = PORTAL / page
    if not p.exists():
        pytest.skip(f"test portal page {page} not built")
    assert extract_file(p).text == doc(seed).text


def test_clean_html_survives_pages_without_an_article():
    # SYNTHETIC: a near-empty page; cleaning must not raise.
    page = clean_html("<html><head><title>x</title></head><body><p>无</p></body></html>")
    assert page.text in ("", "无")
    assert clean_plain_text("").text == ""


# SYNTHETIC: an article that is one long data table, beside a sidebar of paragraphs.
_TABLE_ARTICLE = """<html><body>
<div class="sidebar">{sidebar}</div>
<div class="article"><table>{rows}</table></div>
</body></html>"""


def _table_article_page() -> str:
    sidebar = "".join(f"<p>侧栏第{i}条：本站其他栏目的一段较长的介绍文字，与本报告无关。</p>" for i in range(5))
    rows = "".join(f"<tr><td>第{i}项统计指标的名称写得比较长</td><td>{i * 7}</td></tr>" for i in range(20))
    return _TABLE_ARTICLE.format(sidebar=sidebar, rows=rows)


def test_container_found_without_tables_is_refused_when_a_long_table_lies_outside():
    from govcrawl.extract.clean import article_text_from_dom, parse_html

    html = _table_article_page()
    tree = parse_html(html)[0]
    anchors = "\n".join(p.text_content() for p in tree.iter("p"))  # as a tables-off pass would find
    assert article_text_from_dom(html, anchors, tree=tree) is not None  # the sidebar, on its own
    assert article_text_from_dom(html, anchors, tree=tree, tables_inside=True) is None


def test_table_article_keeps_its_rows_whatever_the_first_pass_found():
    page = clean_html(_table_article_page())
    assert "第3项统计指标的名称写得比较长 | 21" in page.text.splitlines()


def test_first_pass_text_reused_only_on_pages_without_tables(monkeypatch):
    from govcrawl.extract.clean import article

    calls = []
    real = article._trafilatura_text
    monkeypatch.setattr(article, "_trafilatura_text", lambda html, url, tables: calls.append(tables) or real(html, url, tables))
    clean_html("<html><body><p>" + "一段没有表格的页面文字。" * 30 + "</p></body></html>")
    assert calls == [False]  # no container (one paragraph), no table: the first pass stands
    calls.clear()
    clean_html(_table_article_page())
    assert calls == [False, True]  # refused container, tables on the page: the full pass runs
