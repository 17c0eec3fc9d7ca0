"""The `govcrawl` command line: crawl, extract, import, reparse, export, keys, search, datasette-metadata, report, demo."""
from __future__ import annotations

import argparse
import sys

from .commands import crawl, datasette_metadata, demo, export, extract, import_, ingest, keys, reparse, report, search, status

# One module per subcommand (govcrawl/commands/): each adds its parser and runs one library call.
COMMANDS = (extract, crawl, ingest, status, demo, export, keys, datasette_metadata, search, report, reparse, import_)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govcrawl", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from .store import SchemaError
    from .store.writelock import WriterBusy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except SchemaError as exc:  # an old/foreign DB: refused with a message, never modified
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    except WriterBusy as exc:  # a second writer on one DB or job dir: refused up front (govcrawl/store/writelock.py)
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
