"""`govcrawl datasette-metadata`: write Datasette metadata (descriptions, facets, canned queries) beside the DB."""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_DB  # the default DB path, set once


def register(sub) -> None:
    m = sub.add_parser("datasette-metadata", help="write Datasette metadata (descriptions, facets, canned queries) beside the DB")
    m.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database to read (default: %(default)s)")
    m.add_argument("-o", "--output", help="where to write it (default: metadata.json beside the DB)")
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.datasette import command, write_metadata
    from ..store import Store

    from . import must_exist

    must_exist(args.db, "database")
    Store(args.db).close()  # views, foreign keys and metric_keys in place (migrates an older DB)
    path = write_metadata(args.db, args.output)
    print(f"wrote {path}\nbrowse: {command(args.db, path)}", file=sys.stderr)
    return 0
