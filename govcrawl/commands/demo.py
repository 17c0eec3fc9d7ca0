"""`govcrawl demo`: serve the bundled test portal on loopback, crawl it, print a summary.

The portal (govcrawl/testing/portal, shipped as package data so the demo runs from
an installed wheel) wraps real report texts in synthetic site chrome; nothing leaves
127.0.0.1.
"""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_ARCHIVE, GOVCRAWL_DB  # the default DB and archive paths, set once


def register(sub) -> None:
    d = sub.add_parser("demo", help="serve the bundled test portal on 127.0.0.1, crawl it, print a summary")
    d.add_argument("--out", default="demo-out", help="folder for the demo DB and archive (default: %(default)s)")
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_demo(args.out)


MARKER = ".govcrawl-demo"  # a folder holding it was made by the demo, which may empty it again


def run_demo(out: str = "demo-out") -> int:
    # Imported here, not at the top: cli.py imports every command module, and the other
    # commands (reparse's forked workers above all) must not pay for Scrapy and rich.
    from ..crawl.runner import run_crawl
    from ..testing.testportal import TestPortal
    from .summary import print_run_summary

    from .safety import UnsafePath, clear_claimed

    try:
        # A demo starts from nothing (its counts are a first crawl's), but it only ever
        # empties a folder it created itself: --out . or a folder of yours is refused.
        out_dir = clear_claimed(out, MARKER, "govcrawl demo")
    except UnsafePath as exc:
        print(f"govcrawl demo: {exc}", file=sys.stderr)
        return 2
    db, archive = str(out_dir / GOVCRAWL_DB), str(out_dir / GOVCRAWL_ARCHIVE)
    with TestPortal() as portal:
        print(f"test portal serving on {portal.base_url} (pages: {portal.root})")
        run_id = run_crawl("testportal", db=db, archive=archive, portals_file=str(portal.root / "portal.toml"),
                           start_url=portal.base_url + "/index.html", log_level="WARNING")
    print()
    status = print_run_summary(db, run_id, archive)["status"]
    print(f"\nexplore it: sqlite3 {db} 'select year, jurisdiction, title from current_reports'"
          f"\n            govcrawl report --db {db} -o report.html   (or: govcrawl datasette-metadata --db {db})")
    # The portal's 404 distractors make its crawl "partial" by design: that is the demo working.
    return 0 if status in ("finished", "partial") else 1
