"""Inline-script pagers (govcrawl/crawl/pagers.toml), list sources and discovery rules, without a crawl.

Script shapes follow real TRS templates (CSRC/MOF `var countPage = N//共多少页` with
document.write, createPageHTML in its argument orders); the variants with other
variable names and URL schemes are the ones pagers.toml lists. All markup synthetic.
"""
from __future__ import annotations

import pytest

from govcrawl.crawl import discovery
from govcrawl.crawl.listsources import jcms
from govcrawl.crawl.navigation import Link, is_detail
from govcrawl.crawl.pagers import MAX_LIST_PAGES, find_pager

TRS_DOCWRITE = """<script>var currentPage = 0;//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = 4//共多少页
document.write("共"+countPage+"页&nbsp;&nbsp;");
if(countPage>1&&currentPage!=(countPage-1))
 document.write("<a href=\\"index"+"_" + nextPage + "."+"htm\\" >下一页</a>&nbsp;<a href=\\"index_" + (countPage-1) + ".htm\\">尾页</a>");
</script>"""

CASES = [
    (TRS_DOCWRITE, "http://x/zwgk/nb/", ["http://x/zwgk/nb/index_1.htm", "http://x/zwgk/nb/index_2.htm", "http://x/zwgk/nb/index_3.htm"]),
    ("<script>var countPage = 3; var currentPage = 0; for(var i=1;i<countPage;i++){document.write(\"<a href='index_\"+i+\".shtml'>\"+(i+1)+\"</a>\");}</script>",
     "http://x/a/index.shtml", ["http://x/a/index_1.shtml", "http://x/a/index_2.shtml"]),
    ("<script>var _PAGE_COUNT = 3;var _PAGE_INDEX=0; document.write('<a href=\"index_'+(_PAGE_INDEX+1)+'.jhtml\">next</a>')</script>",
     "http://x/a/index.jhtml", ["http://x/a/index_1.jhtml", "http://x/a/index_2.jhtml"]),
    ("<script>var pageCount = 3; var currentPage = 1; for (var i = 1; i <= pageCount; i++) document.write(\"<a href='?page=\" + i + \"'>\" + i + \"</a>\");</script>",
     "http://x/a/list.jsp?col=3", ["http://x/a/list.jsp?col=3&page=2", "http://x/a/list.jsp?col=3&page=3"]),
    ("<script>var countnum = 3; var currentPage=1; document.write(\"<a href='list_\" + (currentPage+1) + \".html'>下一页</a>\");</script>",
     "http://x/a/list.html", ["http://x/a/list_2.html", "http://x/a/list_3.html"]),
    ("<script>var countPage = 3; var currentPage = 0; var u = \"_\" + (currentPage+1) + \".html\";</script>",
     "http://x/a/zfxxgknb.html", ["http://x/a/zfxxgknb_1.html", "http://x/a/zfxxgknb_2.html"]),
    ("<script>createPageHTML('page_div',3, 0,'index','shtml',25);</script>", "http://x/a/", ["http://x/a/index_1.shtml", "http://x/a/index_2.shtml"]),
    ('<script>var countPage = 3;var currentPage = 0;createPageHTML(countPage, currentPage, "index", "htm");</script>',
     "http://x/a/", ["http://x/a/index_1.htm", "http://x/a/index_2.htm"]),
    ("<script>var countPage = 2//共多少页</script>", "http://x/a/index.htm", ["http://x/a/index_1.htm"]),  # no scheme: TRS default
]


@pytest.mark.parametrize("html,url,pages", CASES)
def test_script_pagers(html, url, pages):
    assert list(find_pager(html, url).urls) == pages


def test_only_the_first_page_expands_and_counts_are_capped():
    assert find_pager('<script>createPageHTML(3, 1, "index", "html");</script>', "http://x/a/index_1.html").urls == ()
    assert find_pager("<p>no pager</p>", "http://x/a/") is None
    assert len(find_pager("<script>var countPage = 99999</script>", "http://x/a/").urls) == MAX_LIST_PAGES - 1


JCMS_PAGE = """<div id="6345"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=7&path=/&columnid=123&unitid=6345&webname=示例&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href='/art/2024/1/10/art_123_1.html' title='示例市2023年政府信息公开工作年度报告'>x</a></li>]]></record></recordset>
</datastore></script></div><script>$('#6345').jpage({ totalRecord: 7, perPage: 2, groupSize: 2, proxyUrl: '/module/web/jpage/dataproxy.jsp' });</script>"""


def test_jcms_records_and_requests():
    url = "http://x/col/col123/index.html"
    assert [l.url for l in jcms.inline_links(JCMS_PAGE, url)] == ["http://x/art/2024/1/10/art_123_1.html"]
    cfg = jcms.find(JCMS_PAGE, url)
    assert cfg["params"]["webid"] == "7" and cfg["params"]["columnid"] == "123" and cfg["static"] == 1
    reqs = jcms.requests(cfg, url)
    assert [r.url.split("?")[1] for r in reqs] == ["startrecord=2&endrecord=5&perpage=2", "startrecord=6&endrecord=9&perpage=2"]
    assert all(r.method == "POST" and b"columnid=123" in r.body and b"unitid=6345" in r.body for r in reqs)


def test_jcms_answer_without_a_known_total_asks_for_the_rest():
    cfg = dict(jcms.find(JCMS_PAGE, "http://x/col/col123/index.html"), total=None)
    answer = jcms.parse(b"<datastore><totalrecord>9</totalrecord><totalpage>5</totalpage><recordset>"
                        b"<record><![CDATA[<li><a href='/art/2024/1/11/art_123_2.html'>2023\xe5\xb9\xb4\xe6\x8a\xa5\xe5\x91\x8a</a></li>]]></record>"
                        b"</recordset></datastore>", cfg, "http://x/col/col123/index.html")
    assert [l.url for l in answer.links] == ["http://x/art/2024/1/11/art_123_2.html"]
    assert len(answer.more) == 2 and answer.cfg["total"] == 9


@pytest.mark.parametrize("text,url,column", [
    ("政府信息公开年报", "http://x/zwgk/nb/", True),
    ("政府信息公开工作年度报告", "http://x/a/", True),
    ("关于调整部分收费项目的通知", "http://x/zwgk/xxgknb/202009/t20200903_5501.html", False),  # column folder in a detail URL
    ("示例市2023年政府信息公开工作年度报告", "http://x/xxgknb/report2023.html", False),  # a report title
    ("政策解读", "http://x/zwgk/zcjd/", False),
])
def test_column_links(text, url, column):
    assert discovery.is_column(Link(url, text), ["年报", "年度报告", "zfxxgknb", "xxgknb"]) is column


def test_column_name_is_never_a_report_link_and_sections_score():
    assert not is_detail(Link("http://x/zwgk/zfxxgknb/", "政府信息公开工作年度报告"))
    assert discovery.section_score(Link("http://x/zwgk/zfxxgk/", "政府信息公开")) > discovery.section_score(Link("http://x/zwgk/", "政务公开")) > 0
    assert discovery.section_score(Link("http://x/zwgk/zcjd/", "政策解读")) == 0
    assert discovery.sitemap_kind("http://x/zwgk/zfxxgknb/202401/t20240115_1.html", ["zfxxgknb"]) == "detail"
    assert discovery.sitemap_kind("http://x/xwzx/202401/t20240115_1.html", ["zfxxgknb"]) is None
