"""Run the portal spider from Python (what `govcrawl crawl` and `govcrawl demo` call)."""
from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from ..extract.pool import fewer_collections
from ..pipelines.extract import start_workers_early
from ..portals import get_portal
from ..store import Store, new_run_id


def crawl_settings(db: str, archive: str, portals_file: str | None = None, job_dir: str | None = None,
                   run_id: str | None = None, overrides: dict | None = None, log_level: str = "INFO") -> Settings:
    settings = Settings()
    settings.setmodule("govcrawl.settings", priority="project")
    settings.set("GOVCRAWL_DB", db)
    settings.set("GOVCRAWL_ARCHIVE", archive)
    settings.set("GOVCRAWL_PORTALS", portals_file)
    settings.set("GOVCRAWL_RUN_ID", run_id)
    settings.set("LOG_LEVEL", log_level)
    if job_dir:
        settings.set("JOBDIR", job_dir)
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    from ..pipelines.extract import extract_workers

    extract_workers(settings)  # refused settings stop here, before a run starts, with their reason
    return settings


def resolve_run_id(job_dir: str | None, db: str | None = None) -> str:
    """A resumed job keeps its run id, so its pages and reports stay one run (govcrawl/crawl/resume.py)."""
    if not job_dir:
        return new_run_id()
    from .resume import prepare_job_dir

    return prepare_job_dir(job_dir, db)[0]


def run_crawls(portals: list[str], *, db: str, archive: str, portals_file: str | None = None, job_dir: str | None = None,
               overrides: dict | None = None, log_level: str = "INFO", parallel: int = 4) -> list[tuple[str, str]]:
    """Crawl several portals in one process (blocking); returns (portal, run id) per portal.

    Each portal is its own Scrapy crawler: its own spider, settings, downloader slots
    (per-host politeness) and `runs` row. At most ``parallel`` run at once, so a long
    registry does not start one extraction pool per portal at the same time.
    """
    from scrapy.crawler import Crawler
    from twisted.internet.defer import DeferredList, DeferredSemaphore

    for name in portals:
        get_portal(name, portals_file)  # every name checked before anything starts
    Store(db).close()
    settings = crawl_settings(db, archive, portals_file, None, None, overrides, log_level)
    start_workers_early(settings)
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(log_level)
    spidercls = process.spider_loader.load("portal")
    semaphore = DeferredSemaphore(max(1, parallel))
    runs, waits = [], []
    for i, name in enumerate(portals):
        portal_job = str(Path(job_dir) / name) if job_dir else None  # one resumable job folder per portal
        run_id = resolve_run_id(portal_job, db)
        settings = crawl_settings(db, archive, portals_file, portal_job, run_id, overrides, log_level)
        crawler = Crawler(spidercls, settings, init_reactor=i == 0)
        runs.append((name, run_id))
        # run_id also as a spider argument: the per-crawler GOVCRAWL_RUN_ID setting does not reach
        # crawler.settings here, and the summary and exit code look the runs up by these ids.
        waits.append(semaphore.run(process.crawl, crawler, portal=name, portals_file=portals_file, run_id=run_id))
    DeferredList(waits, consumeErrors=True).addBoth(process._stop_reactor)
    fewer_collections()
    process.start(stop_after_crawl=False)
    return runs


def run_crawl(portal: str, *, db: str, archive: str, portals_file: str | None = None, start_url: str | None = None,
              job_dir: str | None = None, overrides: dict | None = None, log_level: str = "INFO") -> str:
    """Crawl one portal to completion (blocking); returns the run id."""
    get_portal(portal, portals_file)  # fail fast, with the config error, before Scrapy starts
    Store(db).close()  # likewise for a DB we must not touch (SchemaError), and migrate an old one now
    run_id = resolve_run_id(job_dir, db)
    start_portal_spider(crawl_settings(db, archive, portals_file, job_dir, run_id, overrides, log_level),
                        portal, portals_file, start_url, log_level)
    return run_id


def start_portal_spider(settings: Settings, portal: str, portals_file: str | None, start_url: str | None,
                        log_level: str) -> None:
    """Run the portal spider in this process until it closes (a local crawl or a distributed worker)."""
    start_workers_early(settings)  # the extraction workers' fork server loads while Scrapy starts
    process = CrawlerProcess(settings)  # LOG_INSTALL_ROOT_HANDLER is on by default
    logging.getLogger("scrapy").setLevel(log_level)
    kwargs = {"portal": portal, "portals_file": portals_file}
    if start_url:
        kwargs["start_url"] = start_url
    process.crawl("portal", **kwargs)
    fewer_collections()
    process.start()
