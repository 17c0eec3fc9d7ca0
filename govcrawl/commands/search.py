"""`govcrawl search QUERY`: full-text search of current reports (queries under 3 characters use LIKE)."""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_DB  # the default DB path, set once


def register(sub) -> None:
    s = sub.add_parser("search", help="full-text search of current reports (queries under 3 characters use LIKE)")
    s.add_argument("query")
    s.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database to read (default: %(default)s)")
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..store.views import SHORT_QUERY, search

    from . import must_exist

    must_exist(args.db, "database")
    store = Store(args.db)
    try:
        how, cols, rows = search(store.db, args.query, args.limit)
    finally:
        store.close()
    if how == "like":
        print(f"govcrawl search: {args.query!r} is shorter than {SHORT_QUERY} characters, which the trigram index "
              "cannot match; searched titles and texts with LIKE instead (a full scan)", file=sys.stderr)
    for r in rows:
        print("\t".join("" if v is None else str(v) for v in r))
    print(f"{len(rows)} reports", file=sys.stderr)
    return 0
