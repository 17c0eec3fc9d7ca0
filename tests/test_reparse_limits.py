"""Reparse under the crawl's per-document limits (issue 20): one hostile record among good ones.

An archive made by `govcrawl import` holds two real report texts (tests/fixtures/corpus) and two
SYNTHETIC hostile files (made here, as in test_hostile_files): a 20 MB single-line table (runs
past its time limit) and a PDF flate bomb (past its memory limit). `govcrawl reparse` into a new
DB must write every good document, record each hostile one's reason on its record, not stall,
and end `partial` (exit 3).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import sqlite_utils

from conftest import FIXTURES, ROOT
from test_hostile_files import flate_bomb_pdf

GOOD = ["real/pingtan/2021-report.txt", "real/pingtan/2019-report.txt"]
SECONDS, MEMORY_MB = 4, 300


def _run(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcrawl", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_hostile_records_stopped_by_their_limits_the_good_ones_written(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, rel in enumerate(GOOD):
        shutil.copy(FIXTURES / "corpus" / rel, folder / f"good{i}.txt")
    (folder / "table.txt").write_bytes(("|" + "|".join(str(i % 1000) for i in range(5_000_000)) + "|").encode()[: 20 * 1024 * 1024])
    (folder / "bomb.pdf").write_bytes(flate_bomb_pdf())
    env = dict(os.environ, PYTHONPATH=str(ROOT), GOVCRAWL_DOC_SECONDS=str(SECONDS), GOVCRAWL_DOC_MEMORY_MB=str(MEMORY_MB))
    archive = tmp_path / "archive"
    imported = _run("import", str(folder), "--db", str(tmp_path / "import.db"), "--archive", str(archive), env=env)
    assert imported.returncode == 0, imported.stderr[-3000:]

    db = tmp_path / "reparsed.db"
    started = time.monotonic()
    proc = _run("reparse", "--db", str(db), "--archive", str(archive), "-j", "1", "--no-progress", env=env)
    took = time.monotonic() - started
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 3, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])  # partial
    d = sqlite_utils.Database(db)
    reports = sorted(r["url"].rsplit("/", 1)[-1] for r in d.query("select url from reports"))
    assert reports == ["good0.txt", "good1.txt"]  # every good document written
    assert all(r["stats_count"] > 0 for r in d.query("select stats_count from reports"))
    reasons = {r["canonical_url"].rsplit("/", 1)[-1]: r["skip_reason"]
               for r in d.query("select canonical_url, skip_reason from reparse_state where skip_reason is not null")}
    assert reasons["table.txt"] == f"extraction stopped: took longer than {SECONDS} s", reasons
    assert reasons["bomb.pdf"].startswith("extraction stopped:"), reasons  # memory (or time): its own reason
    (run,) = d.query("select status, counts from runs where kind = 'reparse'")
    counts = json.loads(run["counts"])
    assert run["status"] == "partial" and counts["failed"] == 2 and counts["new"] == 2, run
    assert "run: partial" in proc.stdout and "extraction stopped: took longer than" in proc.stdout
    assert took < 120, took  # two documents stopped at their limits, not a stalled run
    print(f"reparse with two hostile records: {took:.1f} s; reasons {reasons}")
