"""`govcrawl reparse`: offline, idempotent, updates exactly the rows an extractor change affects."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import sqlite_utils
from warcio.warcwriter import WARCWriter

from govcrawl.archive import iter_records
from govcrawl.extract import extract
from govcrawl.offline.reparse import reparse
from govcrawl.testing.testportal import TestPortal

from conftest import ROOT, crawl_portal

# Runs the CLI with every socket connection and name lookup refused (an audit hook sees
# them all, in the workers too: they are forked from this process).
OFFLINE = """
import socket, sys
def deny(event, args):
    # (a Unix socket is not the network: the fork server that starts the workers listens on one)
    if event in ("socket.connect", "socket.bind") and getattr(args[0], "family", None) == socket.AF_UNIX:
        return
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.bind"):
        raise RuntimeError("network disabled in this test: " + event)
sys.addaudithook(deny)
from govcrawl.cli import main
sys.exit(main(sys.argv[1:]))
"""


def changed_extract(data, **kw):
    """A stand-in for an extractor change that affects only the 2016 reports."""
    doc = extract(data, **kw)
    if doc.year == 2016:
        doc.title = (doc.title or "") + "（改）"
    return doc


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    out = tmp_path_factory.mktemp("reparse")
    with TestPortal() as portal:
        crawl_portal(portal, out)
    return out


def _dump(db_path: Path) -> dict:
    db = sqlite_utils.Database(db_path)
    return {t: sorted(map(repr, db[t].rows)) for t in ("reports", "stats", "checks", "pages")}


def _rows(db_path: Path) -> dict[int, dict]:
    return {r["id"]: r for r in sqlite_utils.Database(db_path).query("select * from reports")}


def test_reparse_after_crawl_changes_nothing(crawled, tmp_path):
    db, archive = tmp_path / "g.db", crawled / "archive"
    shutil.copy(crawled / "govcrawl.db", db)
    before = _dump(db)
    _, first = reparse(str(db), str(archive), jobs=1, progress=False)
    assert first.documents == 14 and first.failed == 0  # 11 reports + 3 candidate pages that are not reports
    assert first.new == first.changed == 0
    # Recorded by the crawl with this very extractor (the one write path keeps reparse state for
    # reports and non-reports alike): not even extracted.
    assert first.skipped == 14
    _, second = reparse(str(db), str(archive), jobs=1, progress=False)
    assert second.skipped == second.documents == 14
    assert _dump(db) == before


def test_extractor_change_updates_exactly_the_affected_rows(crawled, tmp_path):
    db, archive = tmp_path / "g.db", crawled / "archive"
    shutil.copy(crawled / "govcrawl.db", db)
    before = _rows(db)
    affected = {rid for rid, r in before.items() if r["year"] == 2016}
    assert affected
    stats_before = _dump(db)["stats"]
    _, s = reparse(str(db), str(archive), jobs=1, progress=False, extract_fn=changed_extract, version="test-change")
    assert s.changed == len(affected) and s.new == 0 and s.failed == 0
    after = _rows(db)
    assert set(after) == set(before)
    for rid in before:
        if rid in affected:
            assert after[rid]["title"].endswith("（改）") and after[rid]["extractor_version"] == "test-change"
        else:
            assert after[rid] == before[rid], rid  # untouched, down to updated_at
    # Stats of unaffected reports are the very same rows.
    unaffected_stats = [r for r in stats_before if not any(f"'report_id': {rid}," in r for rid in affected)]
    assert set(unaffected_stats) <= set(_dump(db)["stats"])
    # Twice = no change.
    snapshot = _dump(db)
    _, again = reparse(str(db), str(archive), jobs=1, progress=False, extract_fn=changed_extract, version="test-change")
    assert again.changed == again.new == 0 and again.skipped == again.documents
    assert _dump(db) == snapshot


def test_reparse_cli_offline_parallel_and_recorded(crawled, tmp_path):
    db, archive = tmp_path / "g.db", crawled / "archive"
    shutil.copy(crawled / "govcrawl.db", db)
    # Make the stored rows stale, as if written by an older extractor, so the workers have work.
    old = sqlite_utils.Database(db)
    old.execute("update reports set extractor_version = 'old', title = title || ' (old)'")
    old.execute("update reparse_state set extractor_version = 'old'")
    old.conn.commit()
    proc = subprocess.run([sys.executable, "-c", OFFLINE, "reparse", "--db", str(db), "--archive", str(archive), "-j", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "network disabled" not in proc.stdout + proc.stderr
    assert "changed: 11" in proc.stdout and "failed: 0" in proc.stdout
    d = sqlite_utils.Database(db)
    assert d.execute("select count(*) from reports where title like '% (old)'").fetchone()[0] == 0
    run = list(d.query("select kind, status, counts from runs where kind = 'reparse'"))
    assert len(run) == 1 and run[0]["status"] == "finished" and '"changed": 11' in run[0]["counts"]


def test_audit_hook_really_blocks_the_network(tmp_path):
    code = OFFLINE.replace("from govcrawl.cli import main\nsys.exit(main(sys.argv[1:]))",
                           "import socket\nsocket.create_connection(('127.0.0.1', 9))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0 and "network disabled" in proc.stderr


def test_truncated_last_record_is_skipped_and_reported(crawled, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(crawled / "archive", archive)
    db = tmp_path / "g.db"
    shutil.copy(crawled / "govcrawl.db", db)
    warc = sorted(archive.rglob("*.warc.gz"))[-1]
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    w.write_record(w.create_warc_record("http://example.invalid/x", "resource", payload=io.BytesIO(b"y" * 4000),
                                        warc_content_type="text/plain"))
    with open(warc, "ab") as fh:  # a crash mid-write, in a file nobody repaired
        fh.write(buf.getvalue()[:200])
    _, s = reparse(str(db), str(archive), jobs=1, progress=False)
    assert len(s.problems) == 1 and "truncated" in s.problems[0].reason
    assert s.documents == 14 and s.failed == 0


def _interrupted_at_fourth(calls, data, **kw):
    """changed_extract, but the 4th document raises KeyboardInterrupt (Ctrl-C mid-run); counted in the
    file ``calls``: it runs in a worker process."""
    with open(calls, "a+") as fh:
        fh.write("1")
        fh.seek(0)
        if len(fh.read()) == 4:
            raise KeyboardInterrupt
    return changed_extract(data, **kw)


def test_reparse_interrupted_mid_batch_is_completed_by_a_rerun(crawled, tmp_path, monkeypatch):
    """Ctrl-C after a few documents: the open batch is rolled back, and a rerun ends where an uninterrupted run ends."""
    clean, db, archive = tmp_path / "clean.db", tmp_path / "g.db", crawled / "archive"
    reparse(str(clean), str(archive), jobs=1, progress=False, extract_fn=changed_extract, version="test-v2")
    with pytest.raises(KeyboardInterrupt):
        reparse(str(db), str(archive), jobs=1, progress=False, extract_fn=partial(_interrupted_at_fourth, str(tmp_path / "calls")),
                version="test-v2")
    _, rerun = reparse(str(db), str(archive), jobs=1, progress=False, extract_fn=changed_extract, version="test-v2")
    assert rerun.failed == 0 and rerun.skipped == 0  # the interrupted batch left nothing behind
    strip = lambda rows: sorted((r["canonical_url"], r["text_sha256"], r["title"], r["duplicate_of"]) for r in rows.values())  # noqa: E731
    assert strip(_rows(db)) == strip(_rows(clean))


def _extract_noting_worker(pids, data, **kw):
    """The real extractor; also notes which process ran it (in the file ``pids``)."""
    import os

    with open(pids, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return extract(data, **kw)


def test_workers_are_recycled_without_changing_the_output(crawled, tmp_path, monkeypatch):
    import govcrawl.offline.reparse as rp

    archive = crawled / "archive"
    reparse(str(tmp_path / "one.db"), str(archive), jobs=1, progress=False)
    pids = tmp_path / "pids.txt"
    monkeypatch.setattr(rp, "RECYCLE_AFTER", 2)  # a fresh pair of workers every 4 documents
    _, s = reparse(str(tmp_path / "two.db"), str(archive), jobs=2, progress=False, extract_fn=partial(_extract_noting_worker, str(pids)))
    assert s.new == 11 and s.failed == 0
    assert len(set(pids.read_text().split())) >= 4  # 14 documents: at least 4 pools of 2 workers

    def content(db_path):
        db = sqlite_utils.Database(db_path)
        return sorted(db.execute("select canonical_url, title, text_sha256, stats_count, checks_count, duplicate_of is null "
                                 "from reports").fetchall())
    assert content(tmp_path / "two.db") == content(tmp_path / "one.db")



def test_in_flight_window_paces_the_run_without_changing_its_rows(crawled, tmp_path, monkeypatch):
    """Documents in flight are bounded by count (reparse.INFLIGHT per worker) and by bytes
    (INFLIGHT_BYTES): with a byte bound of 1 every task is settled before the next is handed
    over, and the rows are those of the default window."""
    import govcrawl.offline.reparse as rp

    archive = crawled / "archive"
    _, wide = reparse(str(tmp_path / "wide.db"), str(archive), jobs=2, progress=False)
    held, real_drain = [], rp._drain_one

    def drain(inflight, *a):
        held.append(len(inflight))  # tasks in flight when the oldest is settled
        return real_drain(inflight, *a)

    monkeypatch.setattr(rp, "_drain_one", drain)
    monkeypatch.setattr(rp, "INFLIGHT_BYTES", 1)
    _, narrow = reparse(str(tmp_path / "narrow.db"), str(archive), jobs=2, progress=False)
    assert held and max(held) == 1 and narrow.counts() == wide.counts()

    def content(db_path):
        return sorted(sqlite_utils.Database(db_path).execute(
            "select canonical_url, title, text_sha256, stats_count, checks_count, duplicate_of is null from reports").fetchall())
    assert content(tmp_path / "narrow.db") == content(tmp_path / "wide.db") != []


def _extract_failing_2016(data, **kw):
    """The real extractor, made to raise on the 2016 reports (a stand-in for a crash on some inputs)."""
    doc = extract(data, **kw)
    if doc.year == 2016:
        raise ValueError("synthetic failure on a 2016 report")
    return doc


def test_a_document_failing_in_a_worker_costs_only_itself(crawled, tmp_path, monkeypatch):
    """Workers get several documents per task (reparse.CHUNK): one that raises is recorded as failed,
    the others of its task are stored as without it."""
    import govcrawl.offline.reparse as rp

    archive = crawled / "archive"
    _, whole = reparse(str(tmp_path / "one.db"), str(archive), jobs=1, progress=False)
    monkeypatch.setattr(rp, "CHUNK", 4)  # 14 documents: the failing ones share tasks with others
    _, s = reparse(str(tmp_path / "two.db"), str(archive), jobs=2, progress=False, extract_fn=_extract_failing_2016)
    assert s.failed >= 1 and s.failures == {"worker failed: ValueError: synthetic failure on a 2016 report": s.failed}
    assert s.documents == whole.documents and s.new + s.unchanged + s.failed == s.documents

    def content(db_path):
        return sorted(sqlite_utils.Database(db_path).execute(
            "select canonical_url, year, title, text_sha256, stats_count, checks_count from reports").fetchall())
    assert content(tmp_path / "two.db") == [r for r in content(tmp_path / "one.db") if r[1] != 2016]
    assert len(content(tmp_path / "two.db")) == whole.new - 1  # one 2016 report in the test portal


# -- one write path: the crawl, reparse and import write the same rows for the same document ------------
_OUTPUT_COLUMNS = ("url", "canonical_url", "title", "jurisdiction", "agency", "year", "published", "breadcrumb", "format",
                   "text", "text_sha256", "input_sha256", "extractor_version", "error", "version", "previous_version_id",
                   "superseded_by", "stats_count", "checks_count")


def _document_rows(db_path: Path, canonical_url: str) -> dict:
    db = sqlite_utils.Database(db_path)
    (r,) = db.query("select * from reports where canonical_url = ?", [canonical_url])
    rows = {"report": {c: r[c] for c in _OUTPUT_COLUMNS}}
    for table, cols in (("stats", "key, value, unit, source, evidence, derived, approx"),
                        ("checks", "rule, expected, stated, detail")):
        rows[table] = sorted(map(repr, db.query(f"select {cols} from {table} where report_id = ?", [r["id"]])))
    rows["state"] = _state(db_path, canonical_url)
    return rows


def _state(db_path: Path, canonical_url: str) -> list[dict]:
    return list(sqlite_utils.Database(db_path).query(
        "select canonical_url, input_sha256, extractor_version, output_sha256, skip_reason from reparse_state "
        "where canonical_url = ?", [canonical_url]))


def test_crawl_reparse_and_import_write_identical_rows(crawled, tmp_path):
    """All three go through Store.record_document: same report row, stats, checks and reparse state."""
    from govcrawl.offline.importer import import_paths

    crawl_db, archive = crawled / "govcrawl.db", crawled / "archive"
    crawl = sqlite_utils.Database(crawl_db)
    report = next(crawl.query(
        "select r.url, r.canonical_url from reports r join pages p on p.id = r.page_id where r.duplicate_of is null "
        "and r.version = 1 and r.superseded_by is null and p.content_type like 'text/html%utf-8%' and r.stats_count > 0 "
        "order by r.id limit 1"))
    not_report = next(crawl.query("select canonical_url from reparse_state where report_id is null and skip_reason is not null "
                                  "order by canonical_url limit 1"))["canonical_url"]
    reparsed = tmp_path / "reparsed.db"
    reparse(str(reparsed), str(archive), jobs=1, progress=False)
    body = next(rec.body for rec in iter_records(archive) if rec.url == report["url"] and rec.record_type == "response")
    page = tmp_path / "files" / report["url"].rsplit("/", 1)[-1]
    page.parent.mkdir()
    page.write_bytes(body)
    imported = tmp_path / "imported.db"
    import_paths([str(page)], db_path=str(imported), archive_root=str(tmp_path / "import-archive"), source_url=report["url"])

    expected = _document_rows(crawl_db, report["canonical_url"])
    assert expected["stats"] and len(expected["state"]) == 1
    assert _document_rows(reparsed, report["canonical_url"]) == expected
    assert _document_rows(imported, report["canonical_url"]) == expected
    # A candidate that is not a report: the same reason recorded by the crawl and by reparse.
    assert _state(reparsed, not_report) == _state(crawl_db, not_report) != []


# -- stage cache: only the stages whose version changed run again ------------------------------------------
_RUN_TIME_COLUMNS = {"updated_at", "created_at"}


def _all_rows(db_path: Path) -> dict:
    db = sqlite_utils.Database(db_path)
    out = {}
    for t in ("reports", "stats", "checks", "pages", "reparse_state"):
        cols = [c.name for c in db[t].columns if c.name not in _RUN_TIME_COLUMNS]
        out[t] = [tuple(r) for r in db.execute(f"select {', '.join(cols)} from {t} order by rowid").fetchall()]
    return out


# A statistics rule change, as a program that makes it: the change is made when the program's
# main module is imported, so also in the workers (the fork server that starts them imports the
# main module first, as multiprocessing does), then both reparses run with the bumped versions.
_STATS_CHANGE = """
import json, sys
from govcrawl.extract import stats

_real = stats.extract_stats


def _changed_stats(*a, **kw):  # the 2016 reports lose their 依申请 figures
    got, checks, fmt = _real(*a, **kw)
    return [s for s in got if not (kw.get("year") == 2016 and s.key.startswith("apply."))], checks, fmt


stats.extract_stats = _changed_stats

if __name__ == "__main__":
    from govcrawl.extract.stages import current_versions
    from govcrawl.offline.reparse import reparse

    newer = current_versions().bumped("meta", "test-meta").bumped("stats", "test-stats")
    print(json.dumps([reparse(db, sys.argv[1], jobs=1, progress=False, versions=newer)[1].counts() for db in sys.argv[2:]]))
"""


def test_stage_cache_gives_the_rows_of_a_full_run(crawled, tmp_path):
    """A metadata-only, then a statistics-only extractor change: reparse rebuilds every document from the
    crawl's stored text stage (no decode, no cleaning) and writes exactly the rows a full run writes."""
    from govcrawl.extract.stages import current_versions

    archive, v = crawled / "archive", current_versions()
    cached, full = tmp_path / "cached.db", tmp_path / "full.db"
    shutil.copy(crawled / "govcrawl.db", cached)
    shutil.copy(crawled / "govcrawl.db", full)
    assert sqlite_utils.Database(cached)["stage_cache"].count == 14  # the crawl stored every candidate's text stage
    program = tmp_path / "stats_change.py"
    program.write_text(_STATS_CHANGE, encoding="utf-8")

    for newer in (v.bumped("meta", "test-meta"), v.bumped("meta", "test-meta").bumped("stats", "test-stats")):
        with sqlite_utils.Database(full).conn as conn:
            conn.execute("delete from stage_cache")  # this one reads every document again
        if "test-stats" in newer.stats:
            proc = subprocess.run([sys.executable, str(program), str(archive), str(cached), str(full)], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            assert proc.returncode == 0, proc.stderr[-3000:]
            c, f = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            c, f = (reparse(str(db), str(archive), jobs=1, progress=False, versions=newer)[1].counts() for db in (cached, full))
        assert (c["from_cache"], c["skipped"], c["failed"]) == (14, 0, 0)
        assert f["from_cache"] == 0 and f["failed"] == 0
        assert _all_rows(cached) == _all_rows(full)
        assert sqlite_utils.Database(cached).execute(
            "select count(*) from reparse_state where extractor_version = ?", [newer.full]).fetchone()[0] == 14
        assert c["changed"] == f["changed"] == (0 if "test-stats" not in newer.stats else 1)  # one 2016 report has them
    assert not sqlite_utils.Database(cached).execute(
        "select count(*) from stats s join reports r on r.id = s.report_id where r.year = 2016 and s.key like 'apply.%'").fetchone()[0]
    # the metadata change was stored with the text stage: the statistics-only run reused it
    metas = {r[0] for r in sqlite_utils.Database(cached).execute("select distinct meta_version from stage_cache")}
    assert metas == {v.meta + "+test-meta"}


def test_archive_listing_spares_rereading_the_warcs(crawled, tmp_path, monkeypatch):
    """A WARC file read whole once is not read again while it is unchanged: reparse takes its report
    candidates from the listing the DB keeps, and reads a body by its location only to extract it from
    scratch; the outputs are those of a scan. A changed file (here: its modification time) is read again."""
    import os

    import govcrawl.offline.reparse as rp
    from govcrawl.extract.stages import current_versions

    archive = tmp_path / "archive"
    shutil.copytree(crawled / "archive", archive)
    scanned, listed = tmp_path / "scanned.db", tmp_path / "listed.db"
    for db in (scanned, listed):
        shutil.copy(crawled / "govcrawl.db", db)
    files = sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*.warc.gz"))
    _, first = reparse(str(listed), str(archive), jobs=1, progress=False, versions=current_versions().bumped("text", "a"))
    assert first.documents == 14 and first.failed == 0
    kept = sqlite_utils.Database(listed).execute("select file from archive_listing order by file").fetchall()
    assert [f for (f,) in kept] == files

    reads = []
    real_iter = rp.iter_records
    monkeypatch.setattr(rp, "iter_records", lambda root, files=None, **kw: (reads.append(files), real_iter(root, files=files, **kw))[1])
    bumped = current_versions().bumped("text", "b")  # every document extracted from its bytes again
    _, from_listing = reparse(str(listed), str(archive), jobs=1, progress=False, versions=bumped)
    assert reads == []
    _, from_scan = reparse(str(scanned), str(archive), jobs=1, progress=False, versions=bumped)
    assert reads == [[f] for f in files]
    for s in (from_listing, from_scan):
        assert (s.documents, s.failed, s.from_cache, s.skipped) == (14, 0, 0, 0) and s.unchanged == 14
    state = "select canonical_url, input_sha256, extractor_version, output_sha256, report_id, skip_reason from reparse_state order by 1, 2"
    assert sqlite_utils.Database(listed).execute(state).fetchall() == sqlite_utils.Database(scanned).execute(state).fetchall()

    reads.clear()
    touched = archive / files[0]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    _, again = reparse(str(listed), str(archive), jobs=1, progress=False, versions=current_versions().bumped("text", "c"))
    assert reads == [[files[0]]] and again.documents == 14 and again.failed == 0


def test_a_worker_that_finds_the_stored_output_sends_no_document(crawled, tmp_path):
    """After a statistics-only change most workers find the stored output (``Store.stored_output``) and send
    back only its fingerprint; the writer then notes the input as seen. When the stored output changed in
    between (here: a hand edit of its stats), the writer extracts the document again and rewrites it."""
    from govcrawl.extract.stages import current_versions
    from govcrawl.offline.documents import Job, record
    from govcrawl.offline.reparse import _extract_and_sign
    from govcrawl.store import Store

    db = tmp_path / "g.db"
    shutil.copy(crawled / "govcrawl.db", db)
    store = Store(db)
    url, sha, data = store.db.execute("select s.canonical_url, s.input_sha256, s.data from stage_cache s join reports r "
                                      "on r.canonical_url = s.canonical_url and r.input_sha256 = s.input_sha256 "
                                      "where r.stats_count > 0 limit 1").fetchone()
    rid = store.db.execute("select id from reports where canonical_url = ? and input_sha256 = ?", [url, sha]).fetchone()[0]
    job = Job(url=url, canonical_url=url, input_sha256=sha, body=b"", content_type="text/html", filename=None,
              encoding_hint=None, portal="testportal", kind="page", warc=("x", 0, 0))
    versions = current_versions().bumped("stats", "t")
    stored = store.stored_output(url, sha)
    doc, sig, fp, stage = _extract_and_sign(job, versions=versions, cached=data, stored=stored)
    assert doc is None and fp == stored
    assert record(store, job, doc, "v-same", fp=fp, redo=lambda: 1 / 0).what == "unchanged"
    assert store.db.execute("select report_id, output_sha256 from reparse_state where canonical_url = ? and input_sha256 = ?",
                            [url, sha]).fetchone() == (rid, fp)
    rows = lambda: store.db.execute("select key, value from stats where report_id = ? order by id", [rid]).fetchall()
    before = rows()
    with store.transaction():
        store.db.execute("update stats set value = value + 1 where report_id = ?", [rid])
    assert store.stored_output(url, sha) is None
    redo = lambda: _extract_and_sign(job, versions=versions, cached=data)
    assert record(store, job, None, "v-edited", fp=fp, redo=redo).what == "changed"
    assert rows() == before and store.stored_output(url, sha) == fp
    store.close()
