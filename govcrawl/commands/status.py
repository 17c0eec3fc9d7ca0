"""`govcrawl status --redis URL`: distributed crawls' queue, workers and items waiting for the writer."""
from __future__ import annotations

import argparse
import json


def register(sub) -> None:
    s = sub.add_parser("status", help="distributed crawls: queue, workers, items waiting for the writer")
    s.add_argument("--redis", required=True, metavar="URL")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..distributed.status import crawl_status, print_status

    status = crawl_status(args.redis)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=1))
    else:
        print_status(status)
    return 0
