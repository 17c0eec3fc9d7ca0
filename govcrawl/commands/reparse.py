"""`govcrawl reparse`: re-run the current extractor over the WARC archive (offline) and update the DB."""
from __future__ import annotations

import argparse

from ..settings import GOVCRAWL_ARCHIVE, GOVCRAWL_DB  # the default DB and archive paths, set once


def register(sub) -> None:
    r = sub.add_parser("reparse", help="re-run the current extractor over the WARC archive (offline) and update the DB")
    r.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database to update, created if missing (default: %(default)s)")
    r.add_argument("--archive", default=GOVCRAWL_ARCHIVE, help="WARC archive folder to read (default: %(default)s)")
    r.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    r.add_argument("--portals", help="portal registry TOML, for encoding hints and official hosts")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from . import must_exist
    from ..offline.reparse import print_summary, reparse
    from ..store.writelock import db_writer

    must_exist(args.archive, "archive folder")  # the DB may be new: reparse rebuilds one from an archive
    with db_writer(args.db, "reparse"):
        run_id, summary = reparse(args.db, args.archive, jobs=args.jobs, portals_file=args.portals, progress=not args.no_progress)
    print_summary(summary, run_id)
    from ..crawl.runstatus import EXIT_CODES

    return EXIT_CODES.get(summary.status, 1)  # a document not extracted: partial (3); none extracted: failed (1)
