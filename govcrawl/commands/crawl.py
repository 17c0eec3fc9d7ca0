"""`govcrawl crawl PORTAL... | --all`: crawl portals from the registry into the archive and the DB."""
from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext

from ..settings import GOVCRAWL_ARCHIVE, GOVCRAWL_DB  # the default DB and archive paths, set once
from . import LOG_LEVELS


def register(sub) -> None:
    c = sub.add_parser("crawl", help="crawl portals from the registry into the archive and the DB")
    c.add_argument("portal", nargs="*", help="portal name(s) in the registry")
    c.add_argument("--all", action="store_true", help="crawl every portal of the registry in one run")
    c.add_argument("--parallel", type=int, default=4, help="portals crawled at the same time (default: %(default)s)")
    c.add_argument("--portals", help="portal registry TOML (default: the bundled govcrawl/portals.toml)")
    c.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database (default: %(default)s)")
    c.add_argument("--archive", default=GOVCRAWL_ARCHIVE, help="WARC archive folder (default: %(default)s)")
    c.add_argument("--start-url", help="override the portal's start URL(s) (comma-separated)")
    c.add_argument("--job-dir", help="Scrapy JOBDIR: a crawl stopped with Ctrl-C or killed resumes from here "
                   "(several portals: one sub-folder each)")
    c.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")
    c.add_argument("--log-level", default="INFO", choices=LOG_LEVELS, type=str.upper,
                   help="Scrapy log level (default: %(default)s)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar (it is shown only when stderr is a terminal)")
    c.add_argument("--redis", metavar="URL", help="with --worker: the Redis of a distributed crawl (redis://HOST:6379/0)")
    c.add_argument("--worker", action="store_true", help="join a distributed crawl as a worker: fetch, archive and "
                   "extract here, send items to the writer (govcrawl ingest); no DB on this machine")
    c.add_argument("--worker-id", help="this worker's stable name (default: HOST.PID); a restarted worker with the "
                   "same name takes back the requests its previous process held")
    c.set_defaults(func=run)


def overrides(args: argparse.Namespace) -> dict:
    """-s NAME=VALUE settings, and the progress bar when a person watches (stderr is a terminal)."""
    out = parse_sets(args.set)
    if not args.no_progress and sys.stderr.isatty():
        out.setdefault("GOVCRAWL_PROGRESS", True)
    return out


def parse_sets(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"govcrawl: -s wants NAME=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        out[k] = v
    return out


def _job_lock(job_dir: str | None, names: list[str]):
    from ..store.writelock import job_dir_lock

    return job_dir_lock(job_dir, " ".join(names)) if job_dir else nullcontext()


def run_worker(args: argparse.Namespace) -> int:
    from ..distributed.run import run_worker as start
    from ..distributed.settings import check_worker_id
    from ..portals import PortalConfigError

    if not (args.worker and args.redis):
        print("govcrawl crawl: --worker and --redis go together (a worker of a distributed crawl)", file=sys.stderr)
        return 2
    if args.job_dir or args.all or len(args.portal) != 1:
        print("govcrawl crawl: a worker crawls one portal and keeps its state in Redis (no --job-dir, no --all)", file=sys.stderr)
        return 2
    try:
        if args.worker_id:
            check_worker_id(args.worker_id)
        worker = start(args.portal[0], redis_url=args.redis, archive=args.archive, worker_id=args.worker_id,
                       portals_file=args.portals, start_url=args.start_url, overrides=overrides(args),
                       log_level=args.log_level)
    except (PortalConfigError, ValueError) as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    print(f"worker {worker} done; the writer (govcrawl ingest) stores what it sent")
    return 0


def run(args: argparse.Namespace) -> int:
    from ..crawl.runner import run_crawl, run_crawls

    if args.worker or args.redis:
        return run_worker(args)
    from ..pipelines.extract import ExtractSettingError
    from ..portals import PortalConfigError, load_portals
    from ..store.writelock import db_writer
    from .summary import print_combined_summary, print_run_summary

    try:
        names = list(load_portals(args.portals)) if args.all else list(dict.fromkeys(args.portal))
    except PortalConfigError as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    if not names or (args.all and args.portal):
        print("govcrawl crawl: give portal names or --all (not both)", file=sys.stderr)
        return 2
    if len(names) > 1 or args.all:
        if args.start_url:
            print("govcrawl crawl: --start-url needs exactly one portal", file=sys.stderr)
            return 2
        try:
            with db_writer(args.db, "crawl", " ".join(names)), _job_lock(args.job_dir, names):
                runs = run_crawls(names, db=args.db, archive=args.archive, portals_file=args.portals, job_dir=args.job_dir,
                                  overrides=overrides(args), log_level=args.log_level, parallel=args.parallel)
        except (PortalConfigError, ExtractSettingError) as exc:
            print(f"govcrawl: {exc}", file=sys.stderr)
            return 2
        from ..crawl.runstatus import combined_exit_code

        return combined_exit_code(print_combined_summary(args.db, runs, args.archive)["statuses"])
    try:
        with db_writer(args.db, "crawl", names[0]), _job_lock(args.job_dir, names):
            run_id = run_crawl(names[0], db=args.db, archive=args.archive, portals_file=args.portals,
                               start_url=args.start_url, job_dir=args.job_dir, overrides=overrides(args),
                               log_level=args.log_level)
    except (PortalConfigError, ExtractSettingError) as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    from ..crawl.runstatus import EXIT_CODES

    return EXIT_CODES.get(print_run_summary(args.db, run_id, args.archive)["status"], 1)
