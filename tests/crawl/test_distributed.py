"""Distributed crawl: scrapy-redis workers and one writer, against a real Redis on 127.0.0.1.

The portal is the SYNTHETIC benchmark portal (bench/gen_portal.py: real report
wording, fictional jurisdictions, changed numbers), 500 reports, served by the
test portal server, which counts the requests it is answering at once.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from govcrawl.archive import iter_records
from govcrawl.testing.servers import RedisServer
from govcrawl.testing.testportal import TestPortal

from conftest import PORTAL_TOML, ROOT
from systools import require

sys.path.insert(0, str(ROOT / "bench"))
import gen_portal  # noqa: E402  (bench/ is not a package)

N_REPORTS = 500
PER_HOST = 2  # the portal's concurrent_requests_per_domain: all workers together must keep to it


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with RedisServer(tmp_path_factory.mktemp("redis"), exe=require("redis-server")) as url:
        yield url


@pytest.fixture(scope="module")
def portal_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("benchportal")
    gen_portal.write_portal(out, N_REPORTS)
    toml = (out / "portal.toml").read_text(encoding="utf-8")
    toml = toml.replace("concurrent_requests_per_domain = 16", f"concurrent_requests_per_domain = {PER_HOST}")
    assert f"concurrent_requests_per_domain = {PER_HOST}" in toml
    (out / "portal.toml").write_text(toml, encoding="utf-8")
    return out


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def _worker(portal_dir: Path, base_url: str, redis_url: str, archive: Path, worker_id: str,
            name: str = "benchportal", toml: Path | None = None, ttl: float = 2) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "govcrawl", "crawl", name, "--portals", str(toml or portal_dir / "portal.toml"),
           "--start-url", base_url + "/index.html", "--redis", redis_url, "--worker", "--worker-id", worker_id,
           "--archive", str(archive), "--log-level", "WARNING",
           # Fast liveness where a test kills workers: a dead worker's requests are given back after
           # ``ttl`` s. Too short a TTL on a loaded machine declares a busy worker dead and its
           # requests are fetched twice (stored once, archived twice): tests without kills use 30 s.
           "-s", f"GOVCRAWL_WORKER_HEARTBEAT_TTL={ttl}", "-s", "GOVCRAWL_EXTRACT_WORKERS=1"]
    return subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _writer(redis_url: str, db: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "govcrawl", "ingest", "--redis", redis_url, "--db", str(db), "--until-done"]
    return subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(proc: subprocess.Popen, timeout: float = 300) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out[-4000:]}"
    return out


def _check_db(db: Path, archive: Path) -> dict:
    conn = sqlite3.connect(db)
    q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    reports = q("select count(*), count(distinct canonical_url) from reports")[0]
    dup_fetches = q("select fetch_key, count(*) from pages where fetch_key is not null group by 1 having count(*) > 1")
    dup_pages = q("select canonical_url, method, count(*) from pages where role in ('detail', 'list', 'nav') "
                  "group by 1, 2 having count(*) > 1")
    archived_rows = q("select count(*) from pages where warc_file is not null")[0][0]
    no_fetch_key = q("select count(*) from pages where fetch_key is null")[0][0]
    runs = q("select status, counts from runs")
    conn.close()
    responses = sum(1 for r in iter_records(archive) if r.record_type == "response")
    warc_names = sorted(p.name for p in archive.rglob("*.warc.gz"))
    return {"reports": reports, "dup_fetches": dup_fetches, "dup_pages": dup_pages, "archived_rows": archived_rows,
            "responses": responses, "no_fetch_key": no_fetch_key, "runs": runs, "warc_names": warc_names}


def _until(condition, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out waiting for the crawl to get that far"
        time.sleep(0.05)


def _pages(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("select count(*) from pages").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet
        return 0


def test_three_workers_one_writer(redis_url, portal_dir, tmp_path):
    redis.Redis.from_url(redis_url).flushall()
    archive, db = tmp_path / "archive", tmp_path / "govcrawl.db"
    with TestPortal(portal_dir) as portal:
        portal.latency = 0.01
        writer = _writer(redis_url, db)
        workers = [_worker(portal_dir, portal.base_url, redis_url, archive, f"w{i}", ttl=30) for i in range(3)]
        for w in workers:
            _wait(w)
        _wait(writer, timeout=120)
        max_at_once = portal.max_in_flight.get("127.0.0.1")
    got = _check_db(db, archive)
    assert got["reports"] == (N_REPORTS, N_REPORTS), got["reports"]  # every report, exactly once
    assert got["dup_fetches"] == [] and got["dup_pages"] == []
    assert got["no_fetch_key"] == 0
    assert got["responses"] == got["archived_rows"]  # every archived exchange has its pages row, and back
    assert [s for s, _ in got["runs"]] == ["finished"]
    # each worker wrote its own WARC files, named with its id
    assert {n.split("-")[-2] for n in got["warc_names"]} == {"w0", "w1", "w2"}
    assert max_at_once is not None and 1 <= max_at_once <= PER_HOST, max_at_once


def test_killed_worker_and_writer_lose_and_duplicate_nothing(redis_url, portal_dir, tmp_path):
    redis.Redis.from_url(redis_url).flushall()
    rng = random.Random(18)
    archive, db = tmp_path / "archive", tmp_path / "govcrawl.db"
    with TestPortal(portal_dir) as portal:
        portal.latency = 0.01
        writer = _writer(redis_url, db)
        workers = {f"w{i}": _worker(portal_dir, portal.base_url, redis_url, archive, f"w{i}") for i in range(3)}
        server = redis.Redis.from_url(redis_url)
        # SIGKILL one worker once items flow (a random moment past the first 100), then restart it.
        _until(lambda: server.exists("govcrawl:benchportal:items") and server.xlen("govcrawl:benchportal:items") >= 100 + rng.randrange(100))
        assert workers["w1"].poll() is None, "the crawl ended before the kill: make the portal larger"
        workers["w1"].send_signal(signal.SIGKILL)
        workers["w1"].wait()
        # SIGKILL the writer mid-way through what it has to write, and restart it.
        _until(lambda: _pages(db) >= 150 + rng.randrange(100))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        killed_at = _pages(db)
        assert killed_at < N_REPORTS, "the writer finished before the kill"
        writer = _writer(redis_url, db)
        workers["w1"] = _worker(portal_dir, portal.base_url, redis_url, archive, "w1")
        for w in workers.values():
            _wait(w)
        _wait(writer, timeout=120)
    got = _check_db(db, archive)
    assert got["reports"] == (N_REPORTS, N_REPORTS), got["reports"]
    assert got["dup_fetches"] == [] and got["dup_pages"] == []
    assert [s for s, _ in got["runs"]] == ["finished"]


def test_status_reports_queue_workers_and_waiting_items(redis_url, portal_dir, tmp_path):
    from govcrawl.distributed.status import crawl_status

    redis.Redis.from_url(redis_url).flushall()
    archive = tmp_path / "archive"
    with TestPortal(portal_dir) as portal:
        portal.latency = 0.01
        worker = _worker(portal_dir, portal.base_url, redis_url, archive, "solo")
        deadline = time.time() + 60
        status = {}
        while time.time() < deadline:  # no writer yet: items pile up in the stream
            status = crawl_status(redis_url).get("benchportal", {})
            if status.get("waiting_for_writer", 0) >= 20:
                break
            time.sleep(0.3)
        assert status.get("run"), status
        assert status["workers"]["solo"]["alive"] is True
        assert status["waiting_for_writer"] >= 20
        assert status["requests_per_host"].get("127.0.0.1", 0) >= 20
        worker.kill()
        worker.wait()


def test_revisit_conditional_gets_and_versions(redis_url, tmp_path):
    """A second distributed crawl asks with the validators the writer published (no DB on the
    workers): unchanged report pages answer 304 and are not archived or stored again; the one
    changed page becomes version 2. Same rules as the single-machine crawl (test_incremental)."""
    redis.Redis.from_url(redis_url).flushall()
    archive, db = tmp_path / "archive", tmp_path / "govcrawl.db"
    changed = "/zwgk/zfxxgknb/2012/201303/t20130329_2201.html"
    old, new = "主动公开政府信息170条".encode(), "主动公开政府信息171条".encode()

    def crawl(portal, n_workers: int) -> None:
        writer = _writer(redis_url, db)
        workers = [_worker(PORTAL_TOML.parent, portal.base_url, redis_url, archive, f"r{i}", "testportal", PORTAL_TOML, 30)
                   for i in range(n_workers)]
        for w in workers:
            _wait(w)
        _wait(writer, timeout=120)

    with TestPortal() as portal:
        crawl(portal, 1)
        portal.set_page(changed, portal.served[changed].replace(old, new))
        portal.clear_log()
        crawl(portal, 2)
        second = list(portal.requests)
        base = portal.base_url

    conn = sqlite3.connect(db)
    runs = [r[0] for r in conn.execute("select id from runs order by started_at, id")]
    assert len(runs) == 2
    # The run is judged as a local crawl's: the portal's deliberate 404s make both partial.
    assert [r[0] for r in conn.execute("select status from runs order by started_at, id")] == ["partial", "partial"]
    versions = conn.execute("select id, version, superseded_by, previous_version_id, text from reports where url = ? "
                            "order by id", [base + changed]).fetchall()
    assert [(v[1]) for v in versions] == [1, 2]
    assert versions[0][2] == versions[1][0] and versions[1][3] == versions[0][0]
    assert "170条" in versions[0][4] and "171条" in versions[1][4]
    current = conn.execute("select count(*) from reports where superseded_by is null").fetchone()[0]
    assert current == conn.execute("select count(distinct url) from reports").fetchone()[0] == 11
    # Report pages were asked for conditionally; the unchanged ones answered 304, the changed one 200.
    conditional = [r for r in second if r.if_none_match]
    assert len(conditional) >= 10 and sum(r.status == 304 for r in second) >= 10
    assert [r.status for r in second if r.path == changed] == [200]
    # Nothing but the changed report page was archived again by the second run (an unchanged
    # body is a revisit record; redirects have no pages row to compare with, as in a local crawl).
    roles = ("detail", "attachment")
    again = [r for r in iter_records(archive) if runs[1] in r.file and r.record_type == "response"
             and not 300 <= r.status < 400 and r.warc_headers.get("WARC-Govcrawl-Role") in roles]
    assert [r.url.endswith(changed) for r in again] == [True], [(r.url, r.status) for r in again]
    conn.close()


def test_enqueue_seeds_the_crawl_that_workers_then_run(redis_url, tmp_path):
    from govcrawl.distributed.status import crawl_status

    redis.Redis.from_url(redis_url).flushall()
    archive, db = tmp_path / "archive", tmp_path / "govcrawl.db"
    with TestPortal() as portal:
        args = [sys.executable, "-m", "govcrawl", "enqueue", "testportal", "--portals", str(PORTAL_TOML),
                "--start-url", portal.base_url + "/index.html", "--redis", redis_url]
        first = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "2 start requests queued" in first.stdout  # robots.txt and the start URL
        status = crawl_status(redis_url)["testportal"]
        assert status["queued"] == 2 and status["run"] and status["workers"] == {}
        assert portal.requests == []  # enqueue fetches nothing
        again = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and "0 start requests queued, 2 already queued or fetched" in again.stdout, again.stdout
        writer = _writer(redis_url, db)
        worker = _worker(PORTAL_TOML.parent, portal.base_url, redis_url, archive, "e0", "testportal", PORTAL_TOML, 30)
        _wait(worker)
        _wait(writer, timeout=120)
        assert sum(r.path == "/index.html" for r in portal.requests) == 1  # the seeded start URL, fetched once
    conn = sqlite3.connect(db)
    assert conn.execute("select id from runs").fetchall() == [(status["run"],)]  # the run enqueue opened
    assert conn.execute("select count(distinct url) from reports").fetchone()[0] == 11
    conn.close()
    bad = subprocess.run([sys.executable, "-m", "govcrawl", "enqueue", "no-such-portal", "--redis", redis_url],
                         cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no-such-portal" in bad.stderr
