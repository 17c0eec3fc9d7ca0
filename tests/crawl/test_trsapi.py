"""govcrawl.crawl.trsapi on the real Pingtan list page (tests/fixtures/corpus/real/pingtan/list-index.html)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from parsel import Selector

from govcrawl.crawl import trsapi
from govcrawl.testing.testportal import DEFAULT_ROOT

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
PORTAL = DEFAULT_ROOT
LIST_URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"
LIST_HTML = (CORPUS / "real" / "pingtan" / "list-index.html").read_text(encoding="utf-8")


def static_detail_urls(html: str, page_url: str) -> list[str]:
    sel = Selector(text=html)
    return [page_url + href[2:] for href in sel.css("div.rules_tabs_01 dd a::attr(href)").getall() if href.startswith("./")]


def synthetic_answer(page: int, prepage: int = 10) -> bytes:
    """An answer as the portal's synthetic API gives it, with real-site absolute URLs."""
    docs = json.loads((PORTAL / "fjdzapp" / "search.json").read_text(encoding="utf-8"))["channels"]["200210"]
    for d in docs:
        d["docpuburl"] = d["chnldocurl"] = d["docpuburl"].replace("{{BASE}}", "https://www.pingtan.gov.cn")
    chunk = docs[(page - 1) * prepage : page * prepage]
    return json.dumps({"data": chunk, "pageCount": -(-len(docs) // prepage)}, ensure_ascii=False).encode()


def test_config_found_on_the_real_page():
    cfg = trsapi.find_list_config(LIST_HTML)
    assert cfg == {
        "channelid": "200210",  # SiteInfo.searchId, resolved
        "classsql": "chnlid=1813",  # "" || "chnlid=1813"
        "sortfield": "-docorderpri,-docreltime",
        "prepage": 10,
        "recordCount": 20,
        "maxStaticIndex": 1,
        "pageCount": 2,
        "quickMode": "动静结合",
    }


def test_no_config_on_pages_without_the_list():
    assert trsapi.find_list_config("<html><body><a href='t20200101_1.html'>x</a></body></html>") is None
    assert trsapi.find_list_config("") is None
    report = (CORPUS / "real" / "pingtan" / "2025-report.html").read_text(encoding="utf-8")
    assert trsapi.find_list_config(report) is None


def test_commented_out_siteinfo_keys_are_ignored():
    html = """<script>var SiteInfo = {
        // searchId: 111,
        searchId: 222, // the live one
    };</script>
    <script>require(["list2.trsapi"], function(listModel) { listModel({
        maxStaticIndex: 2, listArgs: {channelid: SiteInfo.searchId, classsql: 'chnlid=9', sortfield: "-docreltime"},
        pagebar: {prepage: 15, recordCount: '100'} }); });</script>"""
    cfg = trsapi.find_list_config(html)
    assert cfg["channelid"] == "222"
    assert cfg["pageCount"] == 7 and cfg["maxStaticIndex"] == 2


def test_requests_cover_only_the_non_static_pages():
    cfg = trsapi.find_list_config(LIST_HTML)
    reqs = trsapi.build_requests(cfg, LIST_URL)
    assert len(reqs) == 1
    req = reqs[0]
    assert req["url"] == "https://www.pingtan.gov.cn/fjdzapp/search"
    assert req["method"] == "POST"
    assert req["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert req["headers"]["Referer"] == LIST_URL
    form = {k: v[0] for k, v in parse_qs(req["body"].decode("ascii")).items()}
    assert form == {"channelid": "200210", "sortfield": "-docorderpri,-docreltime", "classsql": "chnlid=1813",
                    "page": "2", "prepage": "10"}
    # an answer's pageCount can extend the range
    assert [parse_qs(r["body"].decode())["page"][0] for r in trsapi.build_requests(cfg, LIST_URL, page_count=4)] == ["2", "3", "4"]


def test_unknown_record_count_asks_for_one_page_then_follows_page_count():
    cfg = {"channelid": "5", "classsql": "", "sortfield": "", "prepage": 10, "recordCount": None,
           "maxStaticIndex": 1, "pageCount": None}
    assert len(trsapi.build_requests(cfg, LIST_URL)) == 1
    assert trsapi.response_page_count(synthetic_answer(2)) == 2


def test_response_parsed_to_the_ten_api_items_and_twenty_in_all():
    items = trsapi.parse_response(synthetic_answer(2), LIST_URL)
    assert len(items) == 10
    assert items[0] == {"url": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201603/t20160328_80801.htm",
                        "title": "平潭综合实验区2015年度政府信息公开工作年度报告", "date": "2016-03-28"}
    assert {"url": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201412/t20141210_80787.htm",
            "title": "关于2014年政府信息公开工作要点落实情况的函", "date": "2014-12-10"} in items
    static = static_detail_urls(LIST_HTML, LIST_URL)
    assert len(static) == 10
    assert len(set(static) | {i["url"] for i in items}) == 20


def test_relative_urls_html_titles_and_timestamps():
    body = json.dumps({"docs": [
        {"chnldocurl": "./202001/t20200120_1.htm", "doctitle": "<em>年度</em>报告&amp;附表", "docreltime": 1579449600000},
        {"doctitle": "no url"},
    ]}).encode()
    assert trsapi.parse_response(body, LIST_URL) == [
        {"url": LIST_URL + "202001/t20200120_1.htm", "title": "年度报告&附表", "date": "2020-01-20"}]


@pytest.mark.parametrize("body", [b"<html>error</html>", b"[1, 2]", b'{"data": "x"}', b"\xff\xfe"])
def test_bad_answers_raise_a_clear_error(body):
    with pytest.raises(trsapi.TrsApiError):
        trsapi.parse_response(body, LIST_URL)
