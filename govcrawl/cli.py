"""The `govcrawl` command line: crawl, extract, import, reparse, export, keys, search, datasette-metadata, report, demo."""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import crawl, datasette_metadata, demo, enqueue, export, extract, import_, ingest, keys, reparse, report, search, status

# One module per subcommand (govcrawl/commands/): each adds its parser and runs one library call.
COMMANDS = (extract, crawl, enqueue, ingest, status, demo, export, keys, datasette_metadata, search, report, reparse, import_)


EXIT_HELP = """exit codes: 0 finished; 3 partial (some pages failed: see the run's summary);
1 failed (nothing fetched, start URLs unreachable, robots.txt disallowed everything,
every extraction failed) or interrupted; 2 usage error (bad arguments, a missing
DB or archive, a foreign or newer DB)."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govcrawl", description=__doc__, epilog=EXIT_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"govcrawl {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from .commands import UsageError
    from .store import SchemaError
    from .store.writelock import WriterBusy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (SchemaError, UsageError) as exc:  # an old/foreign DB, a missing path: refused, nothing touched
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    except WriterBusy as exc:  # a second writer on one DB or job dir: refused up front (govcrawl/store/writelock.py)
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `govcrawl export ... | head`: the reader is gone; that is not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout at exit: point it somewhere harmless
        return 0


if __name__ == "__main__":
    sys.exit(main())
