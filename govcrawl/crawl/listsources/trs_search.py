"""TRS "list2.trsapi" search-API lists (Fujian TRS sites): the list source around govcrawl.crawl.trsapi."""
from __future__ import annotations

from .. import trsapi
from ..navigation import Link
from . import ApiAnswer, ApiRequest, ListSourceError

NAME = "trs-search"


def inline_links(html: str, url: str) -> list[Link]:
    return []  # the static items are ordinary <a> links


def find(html: str, url: str) -> dict | None:
    return trsapi.find_list_config(html)


def requests(cfg: dict, url: str, page_count: int | None = None) -> list[ApiRequest]:
    return [ApiRequest(s["url"], s.get("method", "POST"), s.get("body"), s.get("headers") or {})
            for s in trsapi.build_requests(cfg, url, page_count=page_count)]


def parse(body: bytes, cfg: dict, list_url: str) -> ApiAnswer:
    try:
        entries = trsapi.parse_response(body, list_url)
        total = trsapi.response_page_count(body)
    except trsapi.TrsApiError as exc:
        raise ListSourceError(str(exc)) from exc
    links = [Link(e["url"], e["title"]) for e in entries]
    # The page may not say how many pages there are; the first answer does.
    if total and cfg.get("pageCount") is None:
        cfg = dict(cfg, pageCount=total)
        return ApiAnswer(links, requests(cfg, list_url, page_count=total), cfg)
    return ApiAnswer(links)
