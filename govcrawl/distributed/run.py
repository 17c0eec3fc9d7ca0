"""Start a worker: the portal spider with the distributed settings (``govcrawl crawl NAME --redis URL --worker``)."""
from __future__ import annotations

import os
import socket

from govcrawl.portals import get_portal

from .settings import worker_overrides


def default_worker_id() -> str:
    # Unique on this machine; give a stable --worker-id (e.g. the systemd instance) so a
    # restarted worker takes back its own held requests at once rather than after the heartbeat TTL.
    host = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:30] or "worker"
    return f"{host}.{os.getpid()}"


def run_worker(portal: str, *, redis_url: str, archive: str, worker_id: str | None = None, portals_file: str | None = None,
               start_url: str | None = None, overrides: dict | None = None, log_level: str = "INFO") -> str:
    """Run one worker until the crawl is done (queue empty, nothing held anywhere); returns its worker id."""
    from govcrawl.crawl.runner import crawl_settings, start_portal_spider

    get_portal(portal, portals_file)  # a config error before anything starts
    worker_id = worker_id or default_worker_id()
    settings = crawl_settings(None, archive, portals_file, None, None, None, log_level)
    for k, v in worker_overrides(settings, redis_url, worker_id).items():
        settings.set(k, v, priority="cmdline")
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    start_portal_spider(settings, portal, portals_file, start_url, log_level)
    return worker_id
