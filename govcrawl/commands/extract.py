"""`govcrawl extract FILE...`: run the extractor on local files and print the result."""
from __future__ import annotations

import argparse
import json
import os
import sys


def register(sub) -> None:
    e = sub.add_parser("extract", help="run the extractor on local files and print the result")
    g = e.add_mutually_exclusive_group()
    g.add_argument("--jsonl", action="store_true", help="one JSON object per file (default)")
    g.add_argument("--text", action="store_true", help="print the clean text for a person to read")
    e.add_argument("--format", choices=["jsonl", "text"], help="jsonl (default) or text; inferred from -o's suffix (.jsonl, .txt)")
    e.add_argument("-o", "--output", help="file to write (default: stdout)")
    e.add_argument("paths", nargs="+")
    e.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis.formats import OutputError, resolve_format
    from ..extract.limits import InputRefused, LimitExceeded, Sandbox, display_name, extract_bytes, read_input

    flag = "text" if args.text else "jsonl" if args.jsonl else None
    if flag and args.format and flag != args.format:
        print(f"govcrawl extract: --{flag} and --format {args.format} disagree", file=sys.stderr)
        return 2
    try:
        fmt = resolve_format(flag or args.format, args.output, ("jsonl", "text"), "jsonl")
    except OutputError as exc:
        print(f"govcrawl extract: {exc}", file=sys.stderr)
        return 2
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    rc = 0
    sandbox = Sandbox()
    try:
        for path in args.paths:
            try:  # a regular file, capped, extracted under a time and memory limit (govcrawl/extract/limits.py)
                doc = sandbox.run(extract_bytes, read_input(path), path, os.path.basename(path))
            except (InputRefused, LimitExceeded) as exc:  # say so, go on with the rest
                print(f"govcrawl extract: {display_name(path)}: {exc}", file=sys.stderr)
                rc = 1
                continue
            if fmt == "text":
                if len(args.paths) > 1:
                    print(f"==> {path} <==", file=out)
                print(doc.text, file=out)
            else:
                print(json.dumps(doc.to_dict(), ensure_ascii=False), file=out)
    finally:
        sandbox.close()
        if args.output:
            out.close()
    return rc
