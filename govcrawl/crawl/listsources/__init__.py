"""List sources: where a 年报 column's items come from when they are not plain <a href> links.

A list source is one module with three pure functions (no Scrapy):

    inline_links(html, url) -> list[Link]          items embedded in the page itself, not as <a> tags
    find(html, url) -> dict | None                 the page's API settings, or None
    requests(cfg, url) -> list[ApiRequest]         the API requests the page would make
    parse(body, cfg, list_url) -> ApiAnswer        one answer: its items, and any requests it calls for

The spider asks every source (``sources()``, registered in ``_sources``) about every list page. A new CMS is a
new module here plus a fixture portal, not changes across the spider.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

from ..navigation import Link


@dataclass
class ApiRequest:
    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class ApiAnswer:
    links: list[Link]  # items of the list (report candidates and attachments)
    more: list[ApiRequest] = field(default_factory=list)  # further requests this answer calls for
    cfg: dict | None = None  # updated settings for those requests


class ListSourceError(ValueError):
    """An API answer that cannot be read (the message says why)."""


def _sources() -> list[ModuleType]:
    from . import jcms, trs_search

    return [trs_search, jcms]


SOURCES_BY_NAME: dict[str, ModuleType] = {}


def sources() -> list[ModuleType]:
    if not SOURCES_BY_NAME:
        for mod in _sources():
            SOURCES_BY_NAME[mod.NAME] = mod
    return list(SOURCES_BY_NAME.values())


def source(name: str) -> ModuleType:
    sources()
    return SOURCES_BY_NAME[name]
