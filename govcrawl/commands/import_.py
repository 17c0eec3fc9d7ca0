"""`govcrawl import PATH...`: archive local files (or folders) and extract them into the DB.

(The module is ``import_``: ``import`` is a Python keyword.)
"""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_ARCHIVE, GOVCRAWL_DB  # the default DB and archive paths, set once


def register(sub) -> None:
    i = sub.add_parser("import", help="archive local .html/.txt/.md/.pdf/.docx files (or folders) and extract them into the DB")
    i.add_argument("paths", nargs="+")
    i.add_argument("--source-url", help="the URL the (single) file was published at")
    i.add_argument("--urls", metavar="CSV", help="where many files were published: CSV rows path,url "
                   "(paths relative to the CSV's folder); files not listed get a file: URI")
    i.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database (default: %(default)s)")
    i.add_argument("--archive", default=GOVCRAWL_ARCHIVE, help="WARC archive folder (default: %(default)s)")
    i.add_argument("--portals", help="portal registry TOML: its hosts count as official for near-duplicate links")
    i.add_argument("--no-progress", action="store_true", help="no progress bar (it is shown only when stderr is a terminal)")
    i.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..offline.importer import ImportArgsError, import_paths
    from ..store.writelock import db_writer

    try:
        with db_writer(args.db, "import"):
            _, counts = import_paths(args.paths, db_path=args.db, archive_root=args.archive, source_url=args.source_url,
                                     url_manifest=args.urls, portals_file=args.portals,
                                     progress=not args.no_progress)
    except ImportArgsError as exc:
        print(f"govcrawl import: {exc}", file=sys.stderr)
        return 2
    return 1 if counts["files"] == 0 else 0
