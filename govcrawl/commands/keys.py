"""`govcrawl keys`: the data dictionary, every metric key with its Chinese label, table, unit, identities."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    k = sub.add_parser("keys", help="the data dictionary: every metric key with its Chinese label, table, unit, identities")
    k.add_argument("--format", choices=["csv", "jsonl", "parquet", "xlsx"], help="default: from -o's suffix, else csv")
    k.add_argument("-o", "--output", help="file to write (default: stdout)")
    k.add_argument("--markdown", action="store_true", help="write docs/metric-keys.md's text instead")
    k.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis import formats
    from ..analysis.keys import markdown, metric_keys

    if args.markdown:
        text = markdown()
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        return 0
    try:
        fmt = formats.resolve_format(args.format, args.output, ("csv", "jsonl", "parquet", "xlsx"), "csv")
    except formats.OutputError as exc:
        print(f"govcrawl keys: {exc}", file=sys.stderr)
        return 2
    rows = [k.as_row() for k in metric_keys()]
    cols = list(rows[0])
    formats.write(fmt, cols, ([r[c] for c in cols] for r in rows), args.output, sheet="keys")
    return 0
