"""The `govcrawl` command line: crawl, extract, import, reparse, export, demo."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_extract(args: argparse.Namespace) -> int:
    from .extract import extract_file

    rc = 0
    for path in args.paths:
        try:
            doc = extract_file(path, source=path)
        except OSError as exc:  # unreadable file: say so, go on with the rest
            print(f"govcrawl extract: {path}: {exc}", file=sys.stderr)
            rc = 1
            continue
        if args.text:
            if len(args.paths) > 1:
                print(f"==> {path} <==")
            print(doc.text)
        else:
            print(json.dumps(doc.to_dict(), ensure_ascii=False))
    return rc


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govcrawl", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("extract", help="run the extractor on local files and print the result")
    g = e.add_mutually_exclusive_group()
    g.add_argument("--jsonl", action="store_true", help="one JSON object per file (default)")
    g.add_argument("--text", action="store_true", help="print the clean text for a person to read")
    e.add_argument("paths", nargs="+")
    e.set_defaults(func=_cmd_extract)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
