"""The item every fetch becomes: one FetchedPage per response (or failure).

A plain dataclass (Scrapy handles dataclass items through itemadapter), so the
pipelines' logic can be exercised without a crawl.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FetchedPage:
    url: str  # final URL (after redirects)
    role: str  # "nav" | "list" | "api" | "detail" | "attachment"
    portal: str
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str = ""  # HTTP reason phrase
    method: str = "GET"
    request_url: str | None = None  # first URL requested, when redirected
    referer: str | None = None
    depth: int = 0
    fetched_at: str | None = None
    error: str | None = None  # a fetch that failed: why
    encoding_hint: str | None = None
    note: str | None = None  # why a page that answered fine led nowhere (a nav path step matching no link): its skip_reason
    # Filled by the pipelines:
    canonical_url: str | None = None
    sha256: str | None = None
    warc: tuple[str, int, int] | None = None  # (file, offset, length)
    doc: Any = None  # govcrawl.extract.Document for detail/attachment pages
    fingerprint: str | None = None  # the doc's output fingerprint, computed beside it (store/fingerprint.py)
    stage: tuple | None = None  # the doc's stage cache entry (extract/stages.py), stored for reparse
    signature: Any = None  # a report's MinHash (store/neardup.py), computed in the extraction worker
    # A distributed crawl sends items to its writer without the body (govcrawl/distributed):
    size: int | None = None  # the body's length, when the body is not carried
    fetch_key: str | None = None  # run + request fingerprint: the writer stores each fetch once

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")
