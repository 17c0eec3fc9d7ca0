"""Shared fixtures: the local test portal and crawls of it, the fault crawl (all on 127.0.0.1)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
PROGRESS_BAR = re.compile(r"[━╸╺]\s+[\d.]+/[\d.]+")  # rich's bar, then "done/total"
DEPRECATION = re.compile(r"^.*\b\w*(?:DeprecationWarning|FutureWarning)\b.*$", re.M)
FIXTURES = ROOT / "tests" / "fixtures"
PORTAL_DIR = ROOT / "govcrawl" / "testing" / "portal"  # package data (tests/fixtures/portal links here)
PORTAL_TOML = PORTAL_DIR / "portal.toml"


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((PORTAL_DIR / "expected.json").read_text(encoding="utf-8"))


def run_govcrawl(*args: str, timeout: int = 180, env: dict | None = None, check: bool = True,
                 ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process (Scrapy's reactor runs once per process); ``check``: exit code in ``ok``."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "govcrawl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
    if check and proc.returncode not in ok:
        raise AssertionError(f"govcrawl {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    # Every command run by the suite: no deprecation warnings printed (ours, Scrapy's, a library's),
    # and no progress bar where no one watches (stderr is a pipe here).
    assert not DEPRECATION.search(proc.stderr), DEPRECATION.search(proc.stderr).group(0)
    assert not PROGRESS_BAR.search(proc.stderr), proc.stderr[-2000:]
    return proc


def crawl_portal(portal, out: Path, *extra: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Crawl the test portal. Its 404 distractors make every crawl of it ``partial``: exit code 3."""
    return run_govcrawl("crawl", "testportal", "--portals", str(PORTAL_TOML), "--db", str(out / "govcrawl.db"),
                        "--archive", str(out / "archive"), "--start-url", portal.base_url + "/index.html",
                        "--log-level", "WARNING", *extra, check=check, ok=(3,), env=env)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A demo-style DB for the analysis tests: a real crawl of the local test portal (as `govcrawl demo`)
    plus an import of the real fixture reports (more jurisdictions and years, mirror copies)."""
    from govcrawl.testing.testportal import TestPortal

    out = tmp_path_factory.mktemp("demo")
    with TestPortal() as portal:
        crawl_portal(portal, out)
    corpus = FIXTURES / "corpus"
    run_govcrawl("import", str(corpus / "seeds"), str(corpus / "real"), "--db", str(out / "govcrawl.db"),
                 "--archive", str(out / "archive"))
    return out / "govcrawl.db"


# -- the fault crawl: one crawl of tests/faultserver.py's site per session ----------------
TIMEOUT = 2  # DOWNLOAD_TIMEOUT for the test crawl; every slow case lasts longer
RETRY_AFTER_MAX = 3  # the longest Retry-After the test crawl honours (the fault server asks for 3600 s once)


def fault_portal_toml(path, ports=()) -> str:
    path.write_text(
        "# synthetic portal for tests/faultserver.py (written by tests/conftest.py)\n"
        "[[portal]]\n"
        'name = "faultportal"\n'
        'start_urls = ["http://127.0.0.1/list.html"]\n'
        'allowed_domains = ["127.0.0.1"]\n'
        "detail_url_patterns = ['\\.html$']\n"
        "max_depth = 0\n"
        "allow_private = true\n"
        # listener B is a second port of the same host: ports beyond the start URL's are listed
        f"allowed_ports = {list(ports)}\n"
        "[portal.politeness]\n"
        "download_delay = 0\n"
        "autothrottle = false\n"
        "concurrent_requests_per_domain = 16\n",
        encoding="utf-8",
    )
    return str(path)


def crawl_faults(server, out) -> tuple[object, float]:
    started = time.monotonic()
    proc = run_govcrawl(
        "crawl", "faultportal", "--portals", fault_portal_toml(out / "portals.toml", [int(server.base_url_b.rsplit(":", 1)[1])]),
        "--db", str(out / "govcrawl.db"), "--archive", str(out / "archive"),
        "--start-url", server.base_url + "/list.html", "--log-level", "WARNING",
        "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}", "-s", "RETRY_TIMES=2", "-s", "CONCURRENT_REQUESTS=32",
        "-s", f"GOVCRAWL_RETRY_AFTER_MAX={RETRY_AFTER_MAX}",
        timeout=300, check=False,  # a hang bound, not a speed target; the exit code (3, partial) is asserted by the tests
    )
    return proc, time.monotonic() - started


_CRAWLED: dict = {}  # one crawl per session, shared by tests/crawl/test_faults.py, test_bad_input.py, test_scope.py


@pytest.fixture(scope="session")
def fault_crawl(tmp_path_factory):
    from faultserver import CASES, FaultServer

    if _CRAWLED:
        return _CRAWLED
    out = tmp_path_factory.mktemp("faults")
    with FaultServer() as server:
        proc, seconds = crawl_faults(server, out)
        requests = list(server.requests)
        hits = dict(server.hits)
        times = {k: list(v) for k, v in server.times.items()}
        urls = {c.path: server.full_url(c) for c in CASES}
        hosts = server.hosts()
    db = sqlite_utils.Database(out / "govcrawl.db")
    _CRAWLED.update({"db": db, "proc": proc, "seconds": seconds, "requests": requests, "hits": hits, "times": times, "urls": urls,
                     "hosts": hosts, "out": out})
    return _CRAWLED
