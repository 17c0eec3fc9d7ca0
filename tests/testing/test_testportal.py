"""The local test portal: serving, placeholders, routes, conditional requests, the TRS search API.

Every request goes to 127.0.0.1 (or its 'localhost' alias); nothing leaves the machine.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from govcrawl.crawl import trsapi
from govcrawl.testing.testportal import DEFAULT_ROOT, TestPortal

EXPECTED = json.loads((DEFAULT_ROOT / "expected.json").read_text(encoding="utf-8"))
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) without following redirects and without raising on 4xx/3xx."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def portal():
    with TestPortal() as p:
        yield p


def test_home_page_has_nav_and_placeholders_replaced(portal):
    status, headers, body = fetch(portal.base_url + "/index.html")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    for label in ("首页", "政务公开", "新闻中心", "互动交流"):
        assert f">{label}</a>" in text
    assert "{{" not in text
    assert f'href="{portal.offsite_url}/"' in text
    assert portal.served["/index.html"] == body
    # "/" is the same page
    assert fetch(portal.base_url + "/")[2] == body


def test_request_log_records_method_host_agent(portal):
    fetch(portal.base_url + "/zwgk/", headers={"User-Agent": "govcrawl-test/1"})
    rec = portal.requests_for("/zwgk/")[-1]
    assert rec.method == "GET"
    assert rec.host == f"127.0.0.1:{portal.port}"
    assert rec.user_agent == "govcrawl-test/1"
    assert rec.status == 200


def test_gbk_page_has_no_charset_anywhere(portal):
    page = next(p for p in EXPECTED["report_pages"] if p.get("encoding") == "gbk")
    status, headers, body = fetch(portal.base_url + page["path"])
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gb18030")
    assert page["title"] in text
    # the real text is inside, verbatim (non-GBK characters became character references)
    seed = (CORPUS / page["source"]).read_text(encoding="utf-8")
    line = next(ln for ln in seed.splitlines() if len(ln) > 40 and "\xa0" not in ln and "&" not in ln)
    assert line in text


def test_report_pages_wrap_their_real_texts_and_say_synthetic(portal):
    for page in EXPECTED["report_pages"]:
        status, _, body = fetch(portal.base_url + page["path"])
        assert status == 200, page["path"]
        text = body.decode("gb18030" if page.get("encoding") == "gbk" else "utf-8")
        assert "SYNTHETIC" in text or "ADAPTED REAL PAGE" in text, page["path"]
        assert page["title"] in text, page["path"]
        if page["source"] and page["source"].startswith("seeds/"):
            assert "当前位置：" in text and "打印" in text and "热门推荐" in text


def test_traditional_page_is_traditional(portal):
    page = next(p for p in EXPECTED["report_pages"] if p.get("traditional"))
    text = fetch(portal.base_url + page["path"])[2].decode("utf-8")
    assert "瀋陽市" in text and "政府信息公開" in text


def test_pdf_attachment_is_the_real_pdf_byte_for_byte(portal):
    att = EXPECTED["attachments"][0]
    status, headers, body = fetch(portal.base_url + att["path"])
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body == (CORPUS / att["source"]).read_bytes()
    linking = fetch(portal.base_url + att["linked_from"])[2].decode("utf-8")
    assert "附件：" in linking and Path(att["path"]).name in linking


def test_redirect_404_and_robots(portal):
    red = EXPECTED["redirects"][0]
    status, headers, _ = fetch(portal.base_url + red["from"])
    assert status == red["status"]
    assert headers["Location"] == portal.base_url + red["to"]
    for skip in EXPECTED["skipped"]:
        if skip["reason"] == "404":
            assert fetch(portal.base_url + skip["path"])[0] == 404
    robots = fetch(portal.base_url + "/robots.txt")[2].decode()
    assert "Disallow: /preview/" in robots
    robot_page = next(s["path"] for s in EXPECTED["skipped"] if s["reason"] == "robots")
    assert robot_page.startswith("/preview/")
    # the page exists (a crawler ignoring robots.txt would find it), it is just disallowed
    assert fetch(portal.base_url + robot_page)[0] == 200
    # build files are not pages
    assert fetch(portal.base_url + "/routes.toml")[0] == 404


def test_offsite_alias_is_logged_by_host(portal):
    status, _, body = fetch(portal.offsite_url + "/nt/zfxxgknb/201403/t20140320_1.html")
    assert status == 200 and b"outside" in body
    assert any(r.path == "/nt/zfxxgknb/201403/t20140320_1.html" for r in portal.offsite_requests())


def test_etag_and_last_modified_give_304(portal):
    url = portal.base_url + "/zwgk/zfxxgknb/2012/index.html"
    status, headers, body = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    status2, _, body2 = fetch(url, headers={"If-None-Match": headers["ETag"]})
    assert status2 == 304 and body2 == b""
    assert portal.requests_for("/zwgk/zfxxgknb/2012/index.html")[-1].if_none_match == headers["ETag"]
    assert fetch(url, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"other"'})[0] == 200


def test_set_page_and_remove_page_change_the_site_at_run_time():
    with TestPortal() as p:
        path = "/zwgk/zfxxgknb/2012/201303/t20130329_2201.html"
        status, headers, original = fetch(p.base_url + path)
        p.set_page(path, "<html><body>改版后的页面 {{BASE}}</body></html>".encode())
        status, headers2, changed = fetch(p.base_url + path)
        assert status == 200 and changed.decode() == f"<html><body>改版后的页面 {p.base_url}</body></html>"
        assert headers2["ETag"] != headers["ETag"]
        # the old validator no longer matches: a conditional crawl refetches
        assert fetch(p.base_url + path, headers={"If-None-Match": headers["ETag"]})[0] == 200
        p.remove_page(path)
        assert fetch(p.base_url + path)[0] == 404
        p.set_page("/new/page.html", b"new")
        assert fetch(p.base_url + "/new/page.html")[2] == b"new"


def test_list_pages_of_every_pagination_kind(portal):
    lists = EXPECTED["list_pages"]
    for kind, paths in lists.items():
        for path in paths:
            assert fetch(portal.base_url + path)[0] == 200, (kind, path)
    trs = [fetch(portal.base_url + p)[2].decode() for p in lists["trs_createPageHTML"]]
    for n, html in enumerate(trs):
        assert f'createPageHTML({len(trs)}, {n}, "index", "html")' in html
        assert "下一页" not in html  # TRS writes the page links from script only
    q1 = fetch(portal.base_url + lists["query_page"][0])[2].decode()
    assert 'href="?page=2"' in q1
    assert fetch(portal.base_url + "/zwgk/zfxxgknb/2017/list.html?page=3")[0] == 404
    first = fetch(portal.base_url + lists["next_anchor"][0])[2].decode()
    assert re.search(r'<a href="index_2.html">下一页</a>', first) and '<a href="index_2.html">尾页</a>' in first


def test_nav_path_reaches_every_year_column(portal):
    column = fetch(portal.base_url + "/zwgk/zfxxgknb/")[2].decode()
    for kind in ("single", "trs_createPageHTML", "next_anchor"):
        assert f'href="{EXPECTED["list_pages"][kind][0]}"' in column
    assert f'href="{EXPECTED["list_pages"]["query_page"][0]}"' in column
    assert f'href="{EXPECTED["trs_api"]["list_page"]}"' in column


def test_search_api_paginates_and_lists_the_ten_api_only_items(portal):
    api = EXPECTED["trs_api"]
    list_url = portal.base_url + api["list_page"]
    status, _, page = fetch(list_url)
    cfg = trsapi.find_list_config(page.decode("utf-8"))
    assert cfg["channelid"] == api["request"]["channelid"]
    specs = trsapi.build_requests(cfg, list_url)
    assert [re.search(rb"page=(\d+)&", s["body"]).group(1) for s in specs] == [b"2"]
    spec = specs[0]
    status, headers, body = fetch(spec["url"], method="POST", data=spec["body"], headers=spec["headers"])
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["pageCount"] == 2
    items = trsapi.parse_response(body, list_url)
    assert [portal_path(i["url"], portal) for i in items] == api["api_details"]
    logged = portal.requests_for("/fjdzapp/search", method="POST")[-1]
    assert logged.body == spec["body"]
    # page 1 of the API is the static page's ten items; an unknown channel answers nothing
    body1 = fetch(spec["url"], method="POST", data=spec["body"].replace(b"page=2", b"page=1"), headers=spec["headers"])[2]
    assert [portal_path(i["url"], portal) for i in trsapi.parse_response(body1, list_url)] == api["static_details"]
    empty = fetch(spec["url"], method="POST", data=b"channelid=1&page=1&prepage=10")[2]
    assert json.loads(empty) == {"data": [], "pageCount": 0}
    assert fetch(spec["url"], method="POST", data=b"channelid=200210&page=x")[0] == 400


def test_trs_detail_urls_served_or_404_as_documented(portal):
    api = EXPECTED["trs_api"]
    assert len(set(api["static_details"] + api["api_details"])) == 20
    for path in api["served_details"]:
        assert fetch(portal.base_url + path)[0] == 200, path
    for path in api["details_answering_404"]:
        assert fetch(portal.base_url + path)[0] == 404, path
    letter = next(s for s in EXPECTED["skipped"] if s["reason"] == "not-a-report" and s.get("source"))
    assert letter["path"] in api["served_details"]


def test_localised_pingtan_pages_never_point_at_real_hosts(portal):
    for path in (EXPECTED["trs_api"]["list_page"], EXPECTED["trs_api"]["served_details"][0]):
        html = fetch(portal.base_url + path)[2].decode("utf-8")
        hrefs = re.findall(r'(?:href|src|action)="(https?://[^"]+)"', html)
        assert hrefs, path
        assert all(h.startswith((portal.base_url, portal.offsite_url)) for h in hrefs), path


def portal_path(url: str, portal: TestPortal) -> str:
    assert url.startswith(portal.base_url)
    return url[len(portal.base_url):]


def test_in_flight_counts_a_sequential_client_once_and_overlapping_ones_together():
    """The politeness tests read max_in_flight, so it must neither over- nor under-count.

    A client in another process asks 50 times, one request after the other, while
    two threads keep this process busy (as a loaded test run does): the portal must
    never see it twice at once. Three clients overlapping on a slow answer: three.
    """
    import subprocess
    import sys
    import threading

    with TestPortal() as portal:
        url = portal.base_url + "/index.html"
        busy = threading.Event()

        def spin():
            while not busy.is_set():
                sum(range(1000))

        spinners = [threading.Thread(target=spin) for _ in range(2)]
        for t in spinners:
            t.start()
        try:
            client = f"import urllib.request\nfor _ in range(50): urllib.request.urlopen({url!r}).read()"
            subprocess.run([sys.executable, "-c", client], check=True, timeout=120)
        finally:
            busy.set()
            for t in spinners:
                t.join()
        assert portal.max_in_flight == {"127.0.0.1": 1}

        portal.latency = 0.5
        overlapping = [threading.Thread(target=fetch, args=(url,)) for _ in range(3)]
        for t in overlapping:
            t.start()
        for t in overlapping:
            t.join()
        assert portal.max_in_flight == {"127.0.0.1": 3}
        assert portal.in_flight == {"127.0.0.1": 0}
