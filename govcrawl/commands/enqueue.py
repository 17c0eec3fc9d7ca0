"""`govcrawl enqueue NAME… --redis URL`: seed distributed crawls (govcrawl/distributed/enqueue.py)."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    e = sub.add_parser("enqueue", help="queue the start of distributed crawls in Redis (workers then take from it)")
    e.add_argument("portal", nargs="+", metavar="NAME", help="portal name(s) from the registry")
    e.add_argument("--redis", required=True, metavar="URL", help="redis://HOST:6379/0")
    e.add_argument("--portals", help="portal registry TOML (default: the bundled registry)")
    e.add_argument("--start-url", help="override the start URL (one portal only)")
    e.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..distributed.enqueue import enqueue
    from ..portals import PortalConfigError

    if args.start_url and len(args.portal) > 1:
        print("govcrawl enqueue: --start-url goes with one portal", file=sys.stderr)
        return 2
    for name in args.portal:
        try:
            got = enqueue(name, args.redis, portals_file=args.portals, start_url=args.start_url)
        except PortalConfigError as exc:
            print(f"govcrawl enqueue: {exc}", file=sys.stderr)
            return 2
        print(f"{name}: run {got['run']}, {got['queued']} start requests queued"
              + (f", {got['already_seen']} already queued or fetched" if got["already_seen"] else ""))
    return 0
