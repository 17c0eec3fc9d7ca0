"""Shared fixtures: the local test portal and crawls of it (all on 127.0.0.1)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PORTAL_DIR = FIXTURES / "portal"
PORTAL_TOML = PORTAL_DIR / "portal.toml"


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads((PORTAL_DIR / "expected.json").read_text(encoding="utf-8"))


def run_govcrawl(*args: str, timeout: int = 180, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process (Scrapy's reactor runs once per process)."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    proc = subprocess.run([sys.executable, "-m", "govcrawl", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
    if check and proc.returncode != 0:
        raise AssertionError(f"govcrawl {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def crawl_portal(portal, out: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_govcrawl("crawl", "testportal", "--portals", str(PORTAL_TOML), "--db", str(out / "govcrawl.db"),
                        "--archive", str(out / "archive"), "--start-url", portal.base_url + "/index.html",
                        "--log-level", "WARNING", *extra, check=check)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A demo-style DB for the analysis tests: a real crawl of the local test portal (as `govcrawl demo`)
    plus an import of the real fixture reports (more jurisdictions and years, mirror copies)."""
    from govcrawl.testportal import TestPortal

    out = tmp_path_factory.mktemp("demo")
    with TestPortal() as portal:
        crawl_portal(portal, out)
    corpus = FIXTURES / "corpus"
    run_govcrawl("import", str(corpus / "seeds"), str(corpus / "real"), "--db", str(out / "govcrawl.db"),
                 "--archive", str(out / "archive"))
    return out / "govcrawl.db"
