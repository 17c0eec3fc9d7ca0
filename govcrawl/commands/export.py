"""`govcrawl export TABLE`: the analysis views (or a wide table, or pages) as CSV, JSON Lines, Parquet or xlsx."""
from __future__ import annotations

import argparse
import sys

from ..settings import GOVCRAWL_ARCHIVE, GOVCRAWL_DB  # the default DB and archive paths, set once


def register(sub) -> None:
    x = sub.add_parser("export", help="export the analysis views (current reports, stats, checks, coverage), a wide table, "
                                      "or the WARC archive as a WACZ")
    x.add_argument("table", choices=["reports", "stats", "checks", "coverage", "wide", "pages",
                                     "current_reports", "current_stats", "failed_checks", "wacz"],
                   help="reports|stats|checks|coverage: the views current_reports, current_stats, failed_checks, "
                        "coverage; wide: one row per report, one column per metric key; pages: every fetch; "
                        "wacz: the WARC archive as one WACZ file (ReplayWeb.page, pywb), -o FILE.wacz")
    x.add_argument("--archive", default=GOVCRAWL_ARCHIVE, help="WARC archive folder, for wacz (default: %(default)s)")
    x.add_argument("--portal", action="append", help="wacz: only this portal's WARC files (repeatable)")
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

    if args.table == "wacz":
        return _wacz(args)
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


def _wacz(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..archive.wacz import WaczError, export_wacz
    from . import must_exist

    must_exist(args.archive, "archive folder")
    if not args.output or Path(args.output).suffix != ".wacz":
        print("govcrawl export wacz: give the file to write with -o NAME.wacz", file=sys.stderr)
        return 2
    if args.format:
        print("govcrawl export wacz: --format is for the tables (a WACZ is a WACZ)", file=sys.stderr)
        return 2
    try:
        got = export_wacz(args.archive, args.output, db_path=args.db, portals=args.portal)
    except WaczError as exc:
        print(f"govcrawl export wacz: {exc}", file=sys.stderr)
        return 1
    pages = f"{got['pages']} report pages listed" if got["pages"] else "pages detected by py-wacz (no DB)"
    print(f"exported {got['warcs']} WARC files to {args.output} ({pages})", file=sys.stderr)
    return 0
