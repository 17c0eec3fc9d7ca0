"""`govcrawl export TABLE`: the analysis views (or a wide table, or pages) as CSV, JSON Lines, Parquet or xlsx."""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_DB  # the default DB and archive paths, set once


def register(sub) -> None:
    x = sub.add_parser("export", help="export the analysis views (current reports, stats, checks, coverage) or a wide table")
    x.add_argument("table", choices=["reports", "stats", "checks", "coverage", "wide", "pages",
                                     "current_reports", "current_stats", "failed_checks"],
                   help="reports|stats|checks|coverage: the views current_reports, current_stats, failed_checks, "
                        "coverage; wide: one row per report, one column per metric key; pages: every fetch")
    x.add_argument("--db", default=GOVCRAWL_DB, help="SQLite database to read (default: %(default)s)")
    x.add_argument("--format", choices=["csv", "jsonl", "parquet", "xlsx"],
                   help="default: from the suffix of -o (.csv .jsonl .parquet .xlsx), else csv")
    x.add_argument("-o", "--output", help="file to write (default: stdout; required for parquet and xlsx)")
    x.add_argument("--excel", action="store_true", help="CSV with a UTF-8 BOM, so Excel reads the Chinese text")
    x.add_argument("--all-versions", action="store_true", help="include superseded report versions")
    x.add_argument("--with-duplicates", action="store_true", help="include duplicate copies (mirrors) of reports")
    x.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.formats import OutputError, resolve_format
    from ..analysis.export import FORMATS, export
    from . import must_exist

    must_exist(args.db, "database")
    try:
        fmt = resolve_format(args.format, args.output, FORMATS, "csv")
    except OutputError as exc:
        print(f"govcrawl export: {exc}", file=sys.stderr)
        return 2
    if args.excel and fmt != "csv":
        print(f"govcrawl export: --excel is for CSV (a UTF-8 BOM for Excel), not {fmt}", file=sys.stderr)
        return 2
    n, extra = export(args.db, args.table, fmt, args.output, all_versions=args.all_versions,
                      with_duplicates=args.with_duplicates, excel=args.excel)
    print(f"exported {n} rows from {args.table} to {args.output or 'stdout'} ({fmt})"
          + "".join(f"; labels in {p}" for p in extra), file=sys.stderr)
    return 0
