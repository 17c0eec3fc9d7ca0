"""The portal spider's navigation decisions, on hand-made responses (no network).

The small HTML snippets here are synthetic; the end-to-end behaviour on the
fixture portal is in test_crawl.py.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from govcrawl.crawl import navigation as nav
from govcrawl.crawl.items import FetchedPage
from govcrawl.spiders.portal import PortalSpider

from conftest import FIXTURES, PORTAL_TOML


@pytest.fixture
def spider():
    crawler = get_crawler(PortalSpider, {"GOVCRAWL_PORTALS": str(PORTAL_TOML)})
    return PortalSpider.from_crawler(crawler, portal="testportal", start_url="http://127.0.0.1:8000/index.html")


def _html(url: str, body: str, **meta) -> HtmlResponse:
    req = Request(url, meta=meta)
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=req)


def _split(results):
    items = [r for r in results if isinstance(r, FetchedPage)]
    reqs = [r for r in results if isinstance(r, Request)]
    return items, reqs


LIST = """<html><body>
<ul>
 <li><a href="./201703/t20170310_61234.html">沈河区2016年度政府信息公开工作报告</a></li>
 <li><a href="/other/news.html">新闻动态</a></li>
 <li><a href="/xwzx/202301/t20230105_777.html">市领导调研重点工业企业</a></li>
 <li><a href="http://example.org/t20170310_1.html">外站年度报告</a></li>
 <li><a href="./files/report.pdf">附件</a></li>
</ul>
<script>createPageHTML(3, 0, "index", "html");</script>
<a href="list.html?page=2">2</a> <a href="list.html?page=2">下一页</a>
</body></html>"""


def test_list_page_yields_details_attachments_and_pages(spider):
    url = "http://127.0.0.1:8000/col/index.html"
    items, reqs = _split(list(spider.parse_list(_html(url, LIST))))
    assert [i.role for i in items] == ["list"]
    by_role = {}
    for r in reqs:
        by_role.setdefault(r.meta["role"], set()).add(r.url)
    assert by_role["detail"] == {"http://127.0.0.1:8000/col/201703/t20170310_61234.html"}
    assert by_role["attachment"] == {"http://127.0.0.1:8000/col/files/report.pdf"}
    assert by_role["list"] == {"http://127.0.0.1:8000/col/index_1.html", "http://127.0.0.1:8000/col/index_2.html",
                               "http://127.0.0.1:8000/col/list.html?page=2"}
    assert not any("example.org" in r.url for r in reqs), "off-domain link followed"
    assert not any("news.html" in r.url for r in reqs)
    assert not any("t20230105_777" in r.url for r in reqs), "a side-bar news item is not a report candidate"


def test_nav_level_matches_whole_link_text(spider):
    html = '<a href="/a">政务公开</a><a href="/b">政务公开专栏新闻稿件汇总</a><a href="/c">2016年</a>'
    links = nav.extract_links(html, "http://127.0.0.1:8000/")
    import re

    assert [l.url for l in nav.nav_links(links, re.compile("政务公开"))] == ["http://127.0.0.1:8000/a"]
    assert [l.url for l in nav.nav_links(links, re.compile(r"\d{4}年?"))] == ["http://127.0.0.1:8000/c"]


def test_trs_api_asks_for_more_pages_when_the_page_does_not_say(spider):
    """A list2.trsapi list without recordCount: the first answer's pageCount drives the rest."""
    cfg = {"channelid": "200210", "classsql": "chnlid=1813", "sortfield": "-docreltime", "prepage": 10,
           "recordCount": None, "maxStaticIndex": 1, "pageCount": None}
    list_url = "http://127.0.0.1:8000/zwgk/zfxxgk/zfxxgknb/"
    answer = {"data": [{"doctitle": "平潭县人民政府2011年政府信息公开工作年度报告", "docpuburl": list_url + "201204/t20120418_80716.htm",
                        "docreltime": "2012-04-18"}], "pageCount": 4}
    req = Request("http://127.0.0.1:8000/fjdzapp/search", method="POST", body=b"page=2",
                  meta={"role": "api", "list_url": list_url, "list_source": "trs-search", "source_cfg": cfg})
    resp = TextResponse(req.url, body=json.dumps(answer).encode(), encoding="utf-8", request=req)
    items, reqs = _split(list(spider.parse_api(resp)))
    assert [i.role for i in items] == ["api"]
    assert [r.url for r in reqs if r.meta["role"] == "detail"] == [list_url + "201204/t20120418_80716.htm"]
    pages = sorted(parse_qs(r.body.decode())["page"][0] for r in reqs if r.meta["role"] == "api")
    assert pages == ["2", "3", "4"]  # page 2 again is dropped by Scrapy's dupefilter


def test_error_responses_are_items_not_followed(spider):
    resp = HtmlResponse("http://127.0.0.1:8000/gone.html", status=404, body=b"<a href='/x/t20170310_1.html'>x</a>",
                        request=Request("http://127.0.0.1:8000/gone.html", meta={"role": "detail"}))
    items, reqs = _split(list(spider.parse_detail(resp)))
    assert items[0].status == 404 and reqs == []
