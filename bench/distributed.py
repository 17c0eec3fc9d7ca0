"""Distributed crawl throughput: 1, 2 and 3 scrapy-redis workers plus the one writer
(`govcrawl ingest`) against the single-process crawl, same portal, same run.

Every process here is timed by wall clock only (no memory sampler beside any of
them, so no side pays for being watched). The portal is the SYNTHETIC bench
portal (bench/gen_portal.py) served on 127.0.0.1; Redis is a real redis-server
started for the measurement. On one machine the workers share its cores with the
writer and the portal server, so the figure says what the distribution costs or
gives here, not what several machines would reach.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOVCRAWL = [sys.executable, "-m", "govcrawl"]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def _check(proc: subprocess.Popen, what: str, ok=(0,), timeout: float = 3600) -> None:
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode not in ok:
        raise RuntimeError(f"{what} exited {proc.returncode}\n{out[-3000:]}")


def _reports(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("select count(*) from reports").fetchone()[0]
    finally:
        con.close()


def single_crawl(portal_dir: Path, base_url: str, out: Path) -> dict:
    cmd = [*GOVCRAWL, "crawl", "benchportal", "--portals", str(portal_dir / "portal.toml"), "--db", str(out / "govcrawl.db"),
           "--archive", str(out / "archive"), "--start-url", base_url + "/index.html", "--log-level", "WARNING"]
    t0 = time.perf_counter()
    _check(subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
           "single-process crawl", ok=(0, 3))
    return {"wall": time.perf_counter() - t0, "reports": _reports(out / "govcrawl.db")}


def distributed_crawl(portal_dir: Path, base_url: str, redis_url: str, out: Path, workers: int) -> dict:
    """Writer and workers started together; the wall time ends when the writer has stored the last item."""
    import redis

    redis.Redis.from_url(redis_url).flushall()
    db, archive = out / "govcrawl.db", out / "archive"
    t0 = time.perf_counter()
    writer = subprocess.Popen([*GOVCRAWL, "ingest", "--redis", redis_url, "--db", str(db), "--until-done"],
                              cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    procs = [subprocess.Popen([*GOVCRAWL, "crawl", "benchportal", "--portals", str(portal_dir / "portal.toml"),
                               "--start-url", base_url + "/index.html", "--redis", redis_url, "--worker",
                               "--worker-id", f"b{i}", "--archive", str(archive), "--log-level", "WARNING"],
                              cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for i in range(workers)]
    for i, p in enumerate(procs):
        _check(p, f"worker b{i}")
    _check(writer, "writer")
    return {"wall": time.perf_counter() - t0, "reports": _reports(db)}


def bench_distributed(portal_dir: Path, n_reports: int, out_root: Path, fresh, Row) -> list:
    """Rows for 1, 2, 3 workers (+ writer) vs the single-process crawl, on the portal in ``portal_dir``."""
    from govcrawl.testing.servers import RedisServer
    from govcrawl.testing.testportal import TestPortal

    rows = []
    with TestPortal(root=portal_dir) as portal, RedisServer(fresh(out_root / "redis")) as redis_url:
        base = single_crawl(portal_dir, portal.base_url, fresh(out_root / "dist-single"))
        base_rate = base["reports"] / base["wall"] * 60
        for n in (1, 2, 3):
            got = distributed_crawl(portal_dir, portal.base_url, redis_url, fresh(out_root / f"dist-{n}"), n)
            rate = got["reports"] / got["wall"] * 60
            note = "" if got["reports"] == n_reports else f"WARNING: {got['reports']} reports stored, {n_reports} expected"
            rows.append(Row(f"6. distributed crawl, {n} worker{'s' if n > 1 else ''} + 1 writer ({n_reports} synthetic reports)",
                            f"{rate:,.0f} reports/min ({got['wall']:.1f} s)",
                            f"{base_rate:,.0f} reports/min (one process, {base['wall']:.1f} s)",
                            f"{rate / base_rate:.2f}x", "(info)", None, note=note))
    return rows
