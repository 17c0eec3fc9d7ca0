"""Redis key names, in one place (all under ``govcrawl:``)."""
from __future__ import annotations

PREFIX = "govcrawl"
STREAM_GROUP = "writer"
# Latest stored page per canonical URL, published by the writer after commit (revisit and dedup on workers).
PAGES = f"{PREFIX}:pages"
# Latest archived record per canonical URL, any status: the WARC revisit records' target.
ARCHIVED = f"{PREFIX}:archived"
# Every (URL, body sha256) stored, any status: "URL\tsha" -> {"status", "report"} (the dedup stage's question).
SEEN = f"{PREFIX}:seen"


def seen_field(canonical_url: str, sha256: str) -> str:
    return f"{canonical_url}\t{sha256}"
# Portals with a crawl under way (the writer's work list).
ACTIVE = f"{PREFIX}:active"


def portal_key(portal: str, what: str) -> str:
    return f"{PREFIX}:{portal}:{what}"


def requests(portal: str) -> str:
    return portal_key(portal, "requests")


def dupefilter(portal: str) -> str:
    return portal_key(portal, "dupefilter")


def run(portal: str) -> str:
    return portal_key(portal, "run")


def finished(portal: str) -> str:
    return portal_key(portal, "finished")


def inflight(portal: str, worker: str) -> str:
    return portal_key(portal, f"inflight:{worker}")


def inflight_pattern(portal: str) -> str:
    return portal_key(portal, "inflight:*")


def alive(portal: str, worker: str) -> str:
    return portal_key(portal, f"alive:{worker}")


def workers(portal: str) -> str:
    return portal_key(portal, "workers")


def items(portal: str) -> str:
    return portal_key(portal, "items")


def host_leases(host: str) -> str:
    # Per host, not per portal: two portals on one host share its politeness budget.
    return f"{PREFIX}:host:{host}:leases"


def host_next(host: str) -> str:
    return f"{PREFIX}:host:{host}:next"


def host_counts(portal: str) -> str:
    return portal_key(portal, "hosts")


def run_pages(portal: str, run_id: str) -> str:
    return portal_key(portal, f"runpages:{run_id}")
