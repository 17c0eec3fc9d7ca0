"""Hanweb (大汉) JCMS lists: records in a ``<datastore>`` and the ``dataproxy.jsp`` paging API.

A JCMS column page keeps its first records out of the DOM, as CDATA inside an
XML island, and pages through the rest with the jpage plugin::

    <div id="5678"><script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1234
                           &unitid=5678&webname=…&permissiontype=0"></a>]]></nextgroup>
      <recordset><record><![CDATA[<li><a href='/art/2023/1/16/art_1234_567.html' title='…'>…</a></li>]]></record>…
    </recordset></datastore></script></div>
    <script>$('#5678').jpage({ dataStore: …, totalRecord: 48, perPage: 15, groupSize: 3,
                               proxyUrl: '/module/web/jpage/dataproxy.jsp', … })</script>

The plugin POSTs ``dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`` with the
form ``col, appid, webid, path, columnid, sourceContentType, unitid, webname,
permissiontype`` and gets the next group back in the same XML with
``<totalrecord>`` and ``<totalpage>``. (Shapes as public scrapers of Jiangsu,
Zhejiang and Inner Mongolia JCMS sites send and read them.) Nothing here runs
JavaScript.
"""
from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from ..navigation import Link, extract_links
from . import ApiAnswer, ApiRequest, ListSourceError

NAME = "jcms"
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
# Form fields of a dataproxy request, in the order the jpage plugin sends them.
FORM_FIELDS = ["col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype"]
FORM_DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
MAX_RECORDS = 20000  # a column claiming more is broken or hostile

_DATASTORE = re.compile(r"<datastore\b[^>]*>(.*?)</datastore>", re.S | re.I)
_RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>", re.S | re.I)
_JPAGE = re.compile(r"\.jpage\s*\(\s*\{")


def _records(xml: str) -> list[str]:
    return [(a if a is not None else htmllib.unescape(b or "")) for a, b in _RECORD.findall(xml)]


def _tag_int(xml: str, tag: str) -> int | None:
    m = re.search(rf"<{tag}\b[^>]*>\s*(\d+)\s*</{tag}>", xml, re.I)
    return int(m.group(1)) if m else None


def _links(records: list[str], url: str) -> list[Link]:
    out: list[Link] = []
    for rec in records:
        out.extend(extract_links(rec, url))
    return out


def inline_links(html: str, url: str) -> list[Link]:
    """The records of every datastore island on the page (invisible to //a[@href])."""
    records = []
    for store in _DATASTORE.findall(html or ""):
        records.extend(_records(store))
    return _links(records, url)


def _jpage_props(html: str) -> dict[str, str]:
    m = _JPAGE.search(html or "")
    if not m:
        return {}
    start, depth, i = m.end() - 1, 0, m.end() - 1
    while i < len(html):
        depth += {"{": 1, "}": -1}.get(html[i], 0)
        if depth == 0:
            break
        i += 1
    block = html[start : i + 1]
    props = {}
    for pm in re.finditer(r"""(?<![\w$])([A-Za-z_]\w*)\s*:\s*(?:'([^'\n]*)'|"([^"\n]*)"|(-?\d+))""", block):
        props[pm.group(1)] = next(g for g in pm.groups()[1:] if g is not None)
    return props


def find(html: str, url: str) -> dict | None:
    """The column's paging settings, or None when the page is not a JCMS datastore list."""
    stores = _DATASTORE.findall(html or "")
    props = _jpage_props(html)
    if not stores or not (props or any(_NEXTGROUP.search(s) for s in stores)):
        return None
    params: dict[str, str] = {}
    proxy = props.get("proxyUrl") or DEFAULT_PROXY
    for store in stores:
        ng = _NEXTGROUP.search(store)
        if ng:
            inner = ng.group(1) if ng.group(1) is not None else htmllib.unescape(ng.group(2) or "")
            hrefs = re.findall(r"""href\s*=\s*["']([^"']+)["']""", inner)
            if hrefs:
                target = urlsplit(htmllib.unescape(hrefs[0]))
                if target.path:
                    proxy = target.path if target.path.startswith("/") else urljoin(urlsplit(url).path, target.path)
                params.update({k: v for k, v in parse_qsl(target.query, keep_blank_values=True) if k in FORM_FIELDS})
    params.update({k: v for k, v in props.items() if k in FORM_FIELDS})
    if "columnid" not in params:
        return None  # the API cannot be asked about an unknown column
    static = sum(len(_records(s)) for s in stores)

    def num(key: str) -> int | None:
        v = props.get(key)
        return int(v) if v and v.lstrip("-").isdigit() else None

    per_page = num("perPage") or 15
    group = num("groupSize") or 3
    return {"proxy": proxy, "params": {k: params.get(k, FORM_DEFAULTS.get(k, "")) for k in FORM_FIELDS},
            "per_page": per_page, "group": group, "static": static, "total": num("totalRecord")}


def requests(cfg: dict, url: str) -> list[ApiRequest]:
    """POSTs for the records after the page's own, one jpage group each.

    Without a known total only the next group is asked for; its ``totalrecord``
    tells ``parse`` what else to ask.
    """
    chunk = max(1, cfg["per_page"] * cfg["group"])
    total = cfg.get("total")
    start = cfg["static"] + 1
    last = min(total, MAX_RECORDS) if total is not None else start + chunk - 1
    endpoint = urljoin(url, cfg["proxy"])
    body = urlencode(cfg["params"]).encode("ascii")
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "X-Requested-With": "XMLHttpRequest",
               "Accept": "application/xml, text/xml, */*; q=0.01", "Referer": url}
    out = []
    for s in range(start, last + 1, chunk):
        query = urlencode({"startrecord": s, "endrecord": s + chunk - 1, "perpage": cfg["per_page"]})
        out.append(ApiRequest(f"{endpoint}?{query}", "POST", body, dict(headers)))
    return out


def parse(body: bytes, cfg: dict, list_url: str) -> ApiAnswer:
    text = body.decode("utf-8", "replace")
    if "<datastore" not in text.lower():
        raise ListSourceError("dataproxy answer has no <datastore>")
    links = _links(_records(text), list_url)
    total = _tag_int(text, "totalrecord")
    if total is not None and cfg.get("total") is None:
        # The page did not say how many records there are: now we know, ask for the rest
        # (the group already asked for again is dropped by the dupefilter).
        cfg = dict(cfg, total=total)
        return ApiAnswer(links, requests(cfg, list_url), cfg)
    return ApiAnswer(links)
