"""`govcrawl report`: one self-contained HTML page about the corpus (govcrawl.analysis.report)."""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_DB  # the default DB path, set once


def register(sub) -> None:
    h = sub.add_parser("report", help="one self-contained HTML page: coverage, applications, reviews, failures, per-report tables")
    h.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database to read (default: %(default)s)")
    h.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: %(default)s)")
    h.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.report import write_report

    size = write_report(args.db, args.output)
    print(f"wrote {args.output} ({size // 1024} KB): open it in a browser, no network needed", file=sys.stderr)
    return 0
