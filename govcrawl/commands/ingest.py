"""`govcrawl ingest --redis URL`: the one DB writer of a distributed crawl (govcrawl/distributed/ingest.py)."""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_DB  # the default DB path, set once


def register(sub) -> None:
    i = sub.add_parser("ingest", help="the one DB writer of a distributed crawl: Redis stream -> SQLite")
    i.add_argument("--redis", required=True, metavar="URL", help="redis://HOST:6379/0")
    i.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database (default: %(default)s)")
    i.add_argument("--portals", help="portal registry TOML (for official hosts in near-duplicate links)")
    i.add_argument("--until-done", action="store_true", help="exit once the crawls under way have finished "
                   "(default: run until stopped)")
    i.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..distributed.ingest import ingest
    from ..store.writelock import db_writer

    with db_writer(args.db, "ingest", args.redis):
        counts = ingest(args.redis, args.db, portals_file=args.portals, until_done=args.until_done)
    print(f"ingest: {counts.get('pages', 0)} pages written, {counts.get('already_stored', 0)} already stored, "
          f"{counts.get('runs_finished', 0)} crawls finished", file=sys.stderr)
    return 0
