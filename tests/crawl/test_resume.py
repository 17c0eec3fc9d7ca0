"""Crash-safe resume: a crawl killed (SIGKILL) at six different points and stopped once with
Ctrl-C, resumed each time from its job directory, ends with exactly the report set of an
uninterrupted crawl; the WARC files pass `warcio check` and the DB is consistent.

The kills are deterministic: tests/killswitch.py (test-only) is plugged into the crawl with
-s settings and fires at the Nth response / archived item / stored item.
"""
from __future__ import annotations

import hashlib
from collections import Counter
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from govcrawl import settings as project_settings
from govcrawl.archive import RecordLocation, iter_records, read_record
from govcrawl.testing.testportal import TestPortal
from govcrawl.archive import complete_prefix

from conftest import PORTAL_TOML, ROOT

TESTS = ROOT / "tests"
PIPELINES = dict(project_settings.ITEM_PIPELINES, **{"killswitch.KillAfterArchive": 250, "killswitch.KillAfterStore": 450})
MIDDLEWARES = dict(project_settings.DOWNLOADER_MIDDLEWARES, **{"killswitch.KillOnResponse": 60})

# (kill point, what the process must end with)
KILLS = [
    ("stored:5", -signal.SIGKILL),     # between items, after a commit
    ("torn:3", -signal.SIGKILL),       # mid-write: half a WARC record on disk
    ("archived:3", -signal.SIGKILL),   # archived but neither extracted nor stored
    ("response:2", -signal.SIGKILL),   # report responses in flight, Scrapy queues mid-state
    ("stored:4", -signal.SIGKILL),
    ("archived:1", -signal.SIGKILL),
    ("sigint:2", None),                # Ctrl-C: graceful stop (exit code is Scrapy's)
]


def _crawl(portal, out: Path, job: Path | None, kill: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(TESTS)]), GOVCRAWL_TEST_KILL=kill or "")
    args = [sys.executable, "-m", "govcrawl", "crawl", "testportal", "--portals", str(PORTAL_TOML),
            "--db", str(out / "govcrawl.db"), "--archive", str(out / "archive"),
            "--start-url", portal.base_url + "/index.html", "--log-level", "WARNING",
            "-s", "ITEM_PIPELINES=" + json.dumps(PIPELINES), "-s", "DOWNLOADER_MIDDLEWARES=" + json.dumps(MIDDLEWARES)]
    if job:
        args += ["--job-dir", str(job)]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _report_set(db, base: str) -> list[tuple[str, str]]:
    return sorted((r["canonical_url"].replace(base, ""), r["text_sha256"]) for r in db.query("select canonical_url, text_sha256 from reports"))


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    clean_out = tmp_path_factory.mktemp("uninterrupted")
    out = tmp_path_factory.mktemp("resumed")
    job = out / "job"
    history = []
    with TestPortal() as portal:
        proc = _crawl(portal, clean_out, None, None)
        assert proc.returncode == 3, proc.stderr[-3000:]  # partial: the portal's 404 distractors
        for kill, expect_rc in KILLS:
            proc = _crawl(portal, out, job, kill)
            if expect_rc is not None:
                assert proc.returncode == expect_rc, f"{kill}: did not fire (rc {proc.returncode})\n{proc.stderr[-3000:]}"
            opens = sorted((out / "archive").rglob("*.open"))
            history.append({"kill": kill, "rc": proc.returncode,
                            "open_files": [(p.name, complete_prefix(p).clean) for p in opens]})
        final = _crawl(portal, out, job, None)
        assert final.returncode == 3, final.stderr[-3000:]
        base = portal.base_url
    return {"out": out, "clean": clean_out, "base": base, "history": history, "job": job}


def test_kills_really_happened_mid_crawl(resumed):
    hist = resumed["history"]
    assert len([h for h in hist if h["rc"] == -signal.SIGKILL]) >= 5
    # The torn write left an .open file whose tail is not a complete record ...
    torn = next(h for h in hist if h["kill"].startswith("torn"))
    assert any(not clean for _, clean in torn["open_files"]), torn
    # ... and it was repaired, not left behind.
    assert not list((resumed["out"] / "archive").rglob("*.open"))


def test_same_reports_as_uninterrupted_crawl(resumed):
    base = resumed["base"]
    db = sqlite_utils.Database(resumed["out"] / "govcrawl.db")
    clean = sqlite_utils.Database(resumed["clean"] / "govcrawl.db")
    got, want = _report_set(db, base), _report_set(clean, base)
    assert len(want) == 11
    assert got == want  # none missing, none twice (a list, so a duplicate would show)
    assert db.execute("select count(*) from reports where superseded_by is not null or version != 1").fetchone()[0] == 0


def test_one_run_finished(resumed):
    db = sqlite_utils.Database(resumed["out"] / "govcrawl.db")
    runs = list(db.query("select id, status from runs where kind = 'crawl'"))
    assert len(runs) == 1 and runs[0]["status"] == "partial"  # (404 distractors) the resumes continued the same run
    assert runs[0]["id"] == (resumed["job"] / "govcrawl_run_id").read_text().strip()


def test_warc_clean_and_db_consistent(resumed):
    out = resumed["out"]
    archive = out / "archive"
    files = sorted(archive.rglob("*.warc.gz"))
    assert len(files) >= len(KILLS)
    for f in files:
        check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, (f.name, check.stdout + check.stderr)
    problems = []
    records = list(iter_records(archive, problems=problems))
    assert problems == []
    db = sqlite_utils.Database(out / "govcrawl.db")
    # Every stored page points at a readable record with the same bytes.
    rows = list(db.query("select url, sha256, warc_file, warc_offset, warc_length from pages where warc_file is not null"))
    for row in rows:
        rec = read_record(archive, RecordLocation(row["warc_file"], row["warc_offset"], row["warc_length"]))
        assert rec.url == row["url"] and hashlib.sha256(rec.body).hexdigest() == row["sha256"]
    # No fetch stored twice; every report has its page.
    dup = db.execute("select canonical_url, sha256, count(*) from pages where warc_file is not null group by 1, 2 having count(*) > 1").fetchall()
    assert dup == []
    assert db.execute("select count(*) from reports r where not exists (select 1 from pages p where p.report_id = r.id)").fetchone()[0] == 0
    # Records archived by a killed process but never stored are the only extra records.
    assert len(records) >= len(rows)


def test_resume_archives_nothing_twice(resumed):
    """Each resume re-walks the lists: what a killed process archived comes back as a revisit record
    pointing at that copy, never as a second full copy of the same body."""
    archive = resumed["out"] / "archive"
    responses = list(iter_records(archive, types=("response",)))
    copies = Counter((r.url, r.warc_headers["WARC-Payload-Digest"]) for r in responses)
    assert [k for k, n in copies.items() if n > 1] == []
    by_id = {r.warc_headers["WARC-Record-ID"]: r for r in responses}
    revisits = list(iter_records(archive, types=("revisit",)))
    assert len(revisits) >= len(KILLS)  # at least the start page, once per resume
    for r in revisits:
        assert r.warc_headers["WARC-Profile"].endswith("/identical-payload-digest")
        target = by_id[r.warc_headers["WARC-Refers-To"]]
        assert (target.url, target.warc_headers["WARC-Payload-Digest"]) == (r.url, r.warc_headers["WARC-Payload-Digest"])
    # ... archived by an earlier (killed) process of the run.
    assert any(by_id[r.warc_headers["WARC-Refers-To"]].file != r.file for r in revisits)
    # Every exchange still has its request record.
    assert len(list(iter_records(archive, types=("request",)))) == len(responses) + len(revisits)


def test_an_item_leaves_the_store_stage_only_once_committed(tmp_path):
    """A kill right after the Nth item passed the store stage (the next pipeline,
    killswitch.KillAfterStore) finds those N fetches in the DB: the stage lets an item go only
    once its transaction is committed (what any batching of its writes must keep)."""
    with TestPortal() as portal:
        proc = _crawl(portal, tmp_path, None, "stored:6")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    db = sqlite_utils.Database(tmp_path / "govcrawl.db")
    assert db.execute("select count(*) from pages").fetchone()[0] >= 6
