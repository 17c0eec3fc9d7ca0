"""TRS "list2.trsapi" lists: list pages whose static HTML shows only the first page(s).

Fujian's TRS sites (www.pingtan.gov.cn and others) render a column's first
page statically and load the rest in the browser with

    require(["list2.trsapi", "tools"], function(listModel, tools) {
        listModel({
            quickMode: "动静结合", maxStaticIndex: 1,
            listArgs: {channelid: SiteInfo.searchId, classsql: "" || "chnlid=1813",
                       sortfield: "-docorderpri,-docreltime"},
            pagebar: {prepage: 10, recordCount: '20', ...}
        });
    });

which POSTs form fields ``channelid, sortfield, classsql, page, prepage`` to
``/fjdzapp/search`` on the same host and gets JSON back:
``{"data": [{"doctitle", "docpuburl", "chnldocurl", "docreltime", ...}], "pageCount": N}``.
The field names are those the page's own script and template use
(``el.chnldocurl``, ``el.doctitle``, ``el.docreltime``) and that public
crawlers of these sites send; nothing here runs JavaScript.

Pure functions, no Scrapy: the spider calls them.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urljoin

SEARCH_PATH = "/fjdzapp/search"
_CHINA = timezone(timedelta(hours=8))  # epoch timestamps from these sites are dates in Beijing time

_REQUIRE_RE = re.compile(r"""require\(\s*\[\s*["']list2\.trsapi["']""")
_LISTMODEL_RE = re.compile(r"listModel\s*\(\s*\{")
_STRING_RE = re.compile(r"""'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)\"""")


class TrsApiError(ValueError):
    """A TRS search-API response that cannot be read (the message says why)."""


def find_list_config(html_text: str) -> dict | None:
    """Return the list's API settings, or None when the page has no list2.trsapi list.

    Keys: channelid, classsql, sortfield (str); prepage, recordCount, maxStaticIndex,
    pageCount (int or None when the page does not say); quickMode (str or None).
    """
    if not html_text or not _REQUIRE_RE.search(html_text):
        return None
    call = _LISTMODEL_RE.search(html_text)
    if not call:
        return None
    block = _balanced_object(html_text, call.end() - 1)
    site_info = _site_info(html_text)

    def value(key: str):
        return _js_value(_js_property(block, key), site_info)

    channelid = value("channelid")
    if channelid in (None, ""):
        return None  # without a channel the API cannot be asked anything
    prepage = _as_int(value("prepage"))
    record_count = _as_int(value("recordCount"))
    page_count = -(-record_count // prepage) if record_count is not None and prepage else None
    return {
        "channelid": str(channelid),
        "classsql": str(value("classsql") or ""),
        "sortfield": str(value("sortfield") or ""),
        "prepage": prepage,
        "recordCount": record_count,
        "maxStaticIndex": _as_int(value("maxStaticIndex")),
        "pageCount": page_count,
        "quickMode": value("quickMode"),
    }


def build_requests(cfg: dict, page_url: str, page_count: int | None = None) -> list[dict]:
    """POST requests for every result page the static HTML does not show.

    ``page_count`` overrides the page's own count (e.g. the ``pageCount`` of an API
    answer). When neither is known, only the first non-static page is requested;
    its answer's pageCount tells the caller whether to ask for more.
    """
    prepage = cfg.get("prepage") or 10
    first = (cfg.get("maxStaticIndex") or 0) + 1  # pages 1..maxStaticIndex are static HTML
    last = page_count if page_count is not None else cfg.get("pageCount")
    if last is None:
        last = first
    url = urljoin(page_url, SEARCH_PATH)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "X-Requested-With": "XMLHttpRequest",
        "Accept": "application/json, text/javascript, */*; q=0.01",
        "Referer": page_url,
    }
    out = []
    for page in range(first, last + 1):
        form = {
            "channelid": cfg["channelid"],
            "sortfield": cfg.get("sortfield", ""),
            "classsql": cfg.get("classsql", ""),
            "page": str(page),
            "prepage": str(prepage),
        }
        out.append({"url": url, "method": "POST", "body": urlencode(form).encode("ascii"), "headers": dict(headers)})
    return out


def parse_response(body: bytes, page_url: str) -> list[dict]:
    """Items ``{url, title, date}`` of one API answer; URLs absolute, dates ``YYYY-MM-DD`` or None."""
    data = _load(body)
    rows = data.get("data")
    if rows is None:
        rows = data.get("docs", [])  # some TRS deployments name the list "docs"
    if not isinstance(rows, list):
        raise TrsApiError("TRS search API answer: 'data' is not a list")
    items = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        link = row.get("docpuburl") or row.get("chnldocurl") or row.get("url")
        if not link:
            continue
        items.append({
            "url": urljoin(page_url, str(link).strip()),
            "title": _plain(row.get("doctitle") or row.get("title") or ""),
            "date": _date(row.get("docreltime") or row.get("pubdate")),
        })
    return items


def response_page_count(body: bytes) -> int | None:
    """The answer's ``pageCount`` (total result pages), if it states one."""
    return _as_int(_load(body).get("pageCount"))


# -- helpers -------------------------------------------------------------------------------------

def _load(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrsApiError(f"TRS search API answer is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TrsApiError("TRS search API answer is not a JSON object")
    return data


def _balanced_object(text: str, start: int) -> str:
    """The ``{...}`` literal opening at ``start`` (strings respected), or the rest of the text if unbalanced."""
    depth, i, quote = 0, start, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1
    return text[start:]


def _strip_line_comments(block: str) -> str:
    # Only whole-line // comments: a // inside a value is usually a URL.
    return "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("//"))


def _js_property(block: str, key: str) -> str | None:
    """Raw source of ``key: <expr>`` in an object literal, up to the next comma/newline/brace."""
    value = r"""((?:'[^'\n]*'|"[^"\n]*"|[^,\n}'"])+)"""  # quoted commas do not end the value
    m = re.search(rf"(?<![\w$.]){re.escape(key)}\s*:\s*" + value, _strip_line_comments(block))
    return m.group(1).strip() if m else None


def _site_info(text: str) -> dict:
    m = re.search(r"\bSiteInfo\s*=\s*\{", text)
    if not m:
        return {}
    block = _balanced_object(text, m.end() - 1)
    return {"searchId": _js_value(_js_property(block, "searchId"), {})}


def _js_value(expr: str | None, site_info: dict):
    """Evaluate the small JS expressions these configs use: literals, ``"" || "x"``, ``SiteInfo.key``."""
    if expr is None:
        return None
    for alternative in expr.split("||"):  # JS ||: the first truthy operand wins
        alternative = alternative.strip()
        s = _STRING_RE.fullmatch(alternative)
        if s:
            val = s.group(1) if s.group(1) is not None else s.group(2)
            if val:
                return val
            continue
        if re.fullmatch(r"-?\d+", alternative):
            if int(alternative):
                return int(alternative)
            continue
        ref = re.fullmatch(r"SiteInfo\.(\w+)", alternative)
        if ref:
            val = site_info.get(ref.group(1))
            if val not in (None, "", 0):
                return val
            continue
    # Every operand falsy: JS yields the last one; "" and 0 both mean "not set" here.
    last = expr.split("||")[-1].strip()
    return 0 if last == "0" else ("" if _STRING_RE.fullmatch(last) else None)


def _as_int(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _plain(title: str) -> str:
    # The template renders doctitle with |html: it may hold tags (search highlights) and entities.
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", str(title))).split())


def _date(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or re.fullmatch(r"\d{10,13}", str(value)):
        stamp = int(value)
        if stamp > 10**11:  # milliseconds
            stamp //= 1000
        return datetime.fromtimestamp(stamp, tz=_CHINA).strftime("%Y-%m-%d")
    m = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", str(value))
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
