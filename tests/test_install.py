"""govcrawl installed the ways an operator installs it, away from the checkout.

* A wheel built from the sources, installed into a fresh venv: `govcrawl demo` and
  `govcrawl extract` run from a folder outside the checkout (the test portal and every
  rule file come from package data).
* `scrapyd-deploy` to a real Scrapyd on 127.0.0.1: the egg is a zip, so every data file
  must be read through importlib.resources; the `portal` spider, scheduled over Scrapyd's
  HTTP API, crawls the test portal and its reports land in the DB.

Both work on one copy of the project's sources (builds write build/ and *.egg-info
beside the sources; the checkout stays untouched). Offline: the wheel is built without
build isolation and installed without dependencies; the fresh venv sees the test venv's
packages through a .pth line (the editable govcrawl there is not activated by it: .pth
files in a folder added that way are not run).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from govcrawl.testing.servers import free_port

from govcrawl.testing.testportal import TestPortal

from conftest import DEPRECATION

ROOT = Path(__file__).resolve().parent.parent
PORTAL_DIR = ROOT / "govcrawl" / "testing" / "portal"
BIN = Path(sys.executable).parent
REPORT_PAGE = PORTAL_DIR / "zwgk/zfxxgknb/2017/201803/t20180330_71001.html"  # a real report text in synthetic chrome


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """What an sdist holds: the package, its metadata, the Scrapy project file."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "govcrawl", src / "govcrawl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return src


def _run(cmd: list[str], cwd: Path, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_wheel_installs_and_runs_outside_the_checkout(sources, tmp_path):
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(sources)], cwd=tmp_path)
    wheel = next(dist.glob("govcrawl-*.whl"))
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    new_python = venv / "bin" / "python"
    site = Path(_run([str(new_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path).stdout.strip())
    (site / "test-venv-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(new_python), "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"  # no checkout, no tests/ beside it
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = _run([str(new_python), "-c", "import govcrawl; print(govcrawl.__path__[0])"], cwd=elsewhere, env=env).stdout.strip()
    assert Path(where).is_relative_to(site), where  # the wheel's copy, not the checkout's

    demo = subprocess.run([str(venv / "bin" / "govcrawl"), "demo", "--out", "demo"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert not DEPRECATION.search(demo.stderr), demo.stderr[-3000:]
    expected = json.loads((PORTAL_DIR / "expected.json").read_text(encoding="utf-8"))
    with sqlite3.connect(elsewhere / "demo" / "govcrawl.db") as db:
        urls = {u for (u,) in db.execute("select url from reports")}
    paths = {urllib.parse.urlsplit(u).path for u in urls}
    # The demo finds what the portal's ground truth lists (report pages with text, the attachment).
    assert {p["path"] for p in expected["report_pages"] if p["source"]} <= paths
    assert {a["path"] for a in expected["attachments"]} <= paths

    page = elsewhere / REPORT_PAGE.name
    shutil.copy2(REPORT_PAGE, page)
    installed = _run([str(venv / "bin" / "govcrawl"), "extract", "--jsonl", page.name], cwd=elsewhere, env=env).stdout
    checkout = _run([str(BIN / "govcrawl"), "extract", "--jsonl", str(page)], cwd=ROOT).stdout
    row = json.loads(installed)
    assert row["stats"], installed[:500]  # rule files (labels, chrome) were found in the wheel
    # Same extractor, same rules: the installed copy reads the page exactly as the checkout does.
    assert row == {**json.loads(checkout), "source": row["source"]}


def _get(url: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A real Scrapyd (from PyPI) on 127.0.0.1, polling its queue often so the test is quick."""
    exe = BIN / "scrapyd"
    assert exe.exists(), "scrapyd missing: pip install -e '.[test]' (it is a test dependency)"
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
                                       "max_proc = 1\nlogs_dir = logs\neggs_dir = eggs\ndbs_dir = dbs\n")
    log = open(home / "scrapyd.out", "w")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the crawl must import the deployed egg
    proc = subprocess.Popen([str(exe)], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(150):
            try:
                if _get(url + "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"scrapyd did not start:\n{(home / 'scrapyd.out').read_text()[-3000:]}")
        yield url, home
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # scrapyd and any crawl it launched
        proc.wait(timeout=20)
        log.close()


def test_scrapyd_deploy_and_schedule(sources, scrapyd, tmp_path):
    url, home = scrapyd
    with open(sources / "scrapy.cfg", "a", encoding="utf-8") as fh:
        fh.write(f"\n[deploy:test]\nurl = {url}\nproject = govcrawl\n")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    deployed = _run([str(BIN / "scrapyd-deploy"), "test", "--version", "t1"], cwd=sources, env=env)
    answer = json.loads(deployed.stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok" and answer["spiders"] == 1, deployed.stdout
    assert _get(url + "listspiders.json?project=govcrawl")["spiders"] == ["portal"]

    db, archive = tmp_path / "govcrawl.db", tmp_path / "archive"
    with TestPortal() as portal:
        job = _get(url + "schedule.json", {
            "project": "govcrawl", "spider": "portal", "portal": "testportal",
            "portals_file": str(PORTAL_DIR / "portal.toml"), "start_url": portal.base_url + "/index.html",
            "setting": [f"GOVCRAWL_DB={db}", f"GOVCRAWL_ARCHIVE={archive}"],
        })
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if any(j["id"] == job["jobid"] for j in _get(url + "listjobs.json?project=govcrawl")["finished"]):
                break
            time.sleep(0.5)
        else:
            raise AssertionError("the Scrapyd job did not finish within 240 s")
    log = (home / "logs" / "govcrawl" / "portal" / f"{job['jobid']}.log").read_text(encoding="utf-8")
    # The spider ran from the deployed egg (a zip), not from the checkout or an installed copy.
    assert ".egg/govcrawl" in next(line for line in log.splitlines() if "govcrawl 0" in line and " from " in line), log[-3000:]
    assert "Traceback" not in log, log[-5000:]
    # No remote consoles into a crawl: Scrapy's telnet console and its HTTP remote control stay off.
    extensions = log[log.index("Enabled extensions"):].split("]", 1)[0]
    assert "CoreStats" in extensions and "Telnet" not in extensions and "RemoteControl" not in extensions, extensions
    assert not DEPRECATION.search(log), DEPRECATION.search(log).group(0)
    expected = json.loads((PORTAL_DIR / "expected.json").read_text(encoding="utf-8"))
    with sqlite3.connect(db) as conn:
        paths = {urllib.parse.urlsplit(u).path for (u,) in conn.execute("select url from reports")}
        (status,) = conn.execute("select status from runs").fetchone()
        stats = conn.execute("select count(*) from stats").fetchone()[0]
    assert {p["path"] for p in expected["report_pages"] if p["source"]} <= paths
    assert {a["path"] for a in expected["attachments"]} <= paths
    assert stats > 0  # extraction ran inside the egg (label and chrome rules read from the zip)
    assert status == "partial"  # the portal's 404 distractors, as in every crawl of it
    assert any(archive.rglob("*.warc.gz"))
