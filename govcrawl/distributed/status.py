"""``govcrawl status --redis URL``: the state of distributed crawls, from Redis alone."""
from __future__ import annotations

import time

import redis

from . import keys


def crawl_status(redis_url: str) -> dict:
    server = redis.Redis.from_url(redis_url, socket_connect_timeout=10)
    portals = {k.decode().split(":")[1] for k in server.scan_iter(match=f"{keys.PREFIX}:*:run")}
    portals |= {p.decode() for p in server.smembers(keys.ACTIVE)}
    out = {}
    now = time.time()
    for portal in sorted(portals):
        workers = {}
        for worker, seen in server.hgetall(keys.workers(portal)).items():
            worker = worker.decode()
            workers[worker] = {"alive": bool(server.exists(keys.alive(portal, worker))),
                               "last_seen_s": round(now - float(seen), 1),
                               "in_flight": server.hlen(keys.inflight(portal, worker))}
        waiting = 0
        stream = keys.items(portal)
        if server.exists(stream):
            groups = {g["name"].decode(): g for g in server.xinfo_groups(stream)}
            g = groups.get(keys.STREAM_GROUP)
            waiting = (g["pending"] + (g.get("lag") or 0)) if g else server.xlen(stream)
        run = server.get(keys.run(portal))
        out[portal] = {
            "run": run.decode() if run else None,
            "queued": server.zcard(keys.requests(portal)),
            "seen_requests": server.scard(keys.dupefilter(portal)),
            "workers": workers,
            "waiting_for_writer": waiting,
            "requests_per_host": {h.decode(): int(n) for h, n in server.hgetall(keys.host_counts(portal)).items()},
        }
    return out


def print_status(status: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    if not status:
        console.print("no distributed crawl in this Redis")
        return
    for portal, s in status.items():
        table = Table(title=f"{portal}: run {s['run'] or '(none)'}", show_header=True)
        for col in ("queued", "seen requests", "waiting for writer", "workers alive", "in flight"):
            table.add_column(col, justify="right")
        alive = sum(1 for w in s["workers"].values() if w["alive"])
        table.add_row(str(s["queued"]), str(s["seen_requests"]), str(s["waiting_for_writer"]),
                      f"{alive}/{len(s['workers'])}", str(sum(w["in_flight"] for w in s["workers"].values())))
        console.print(table)
        for worker, w in sorted(s["workers"].items()):
            console.print(f"  worker {worker}: {'alive' if w['alive'] else 'gone'}, last seen {w['last_seen_s']} s ago, "
                          f"{w['in_flight']} in flight", markup=False)
        for host, n in sorted(s["requests_per_host"].items()):
            console.print(f"  {host}: {n} requests", markup=False)
