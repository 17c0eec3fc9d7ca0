"""`govcrawl reparse`: run the current extractor over the WARC archive, offline.

Streams the archive record by record (``archive.iter_records``), so memory
stays flat however many documents there are: at most ``INFLIGHT × jobs`` bodies are
in flight, and each worker is replaced after ``RECYCLE_AFTER`` documents.
Extraction runs in a process pool (``-j N``, default all cores); the DB is
written by this process only.

Which records: responses a crawl archived as report candidates (role
``detail`` / ``attachment``, HTTP 2xx) and ``resource`` records written by
``govcrawl import``. A record is identified by (canonical URL, sha256 of its
body). It is skipped without extracting when the current extractor version has
already seen it (``reparse_state`` table, or a report row written by that
version). Otherwise it is extracted and its output — text, metadata, stats,
checks — compared with what the DB holds, by a fingerprint: only rows whose
output differs are written. So an extractor change updates exactly the
affected rows, and a second reparse changes nothing.
"""
from __future__ import annotations

import json
import os
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .archive import ArchivedRecord, ScanProblem, iter_records, repair_archive
from .crawl.navigation import canonical, is_web_url
from .extract import EXTRACTOR_VERSION, extract
from .extract.model import Document
from .pool import WORKER_RECYCLE_AFTER, extraction_pool
from .store import Store, new_run_id, now, sha256

BATCH = 100  # documents per write transaction in reparse
RECYCLE_AFTER = WORKER_RECYCLE_AFTER  # documents per worker before it is replaced (see pool.py)
INFLIGHT = 8  # documents in flight per worker: enough that the DB writer never waits on one slow page
IMPORT_FOLDER = "import"  # archive/<this>/: records written by `govcrawl import`
_STATE = {"canonical_url": str, "input_sha256": str, "extractor_version": str, "output_sha256": str,
          "report_id": int, "skip_reason": str, "updated_at": str}


@dataclass
class Job:
    """One document to (re-)extract: what the extractor needs, and where it is stored."""
    url: str
    canonical_url: str
    input_sha256: str
    body: bytes
    content_type: str | None
    filename: str | None
    encoding_hint: str | None
    portal: str | None
    kind: str  # "page" | "attachment" | "import"
    warc: tuple[str, int, int]

    @property
    def key(self) -> tuple[str, str]:
        return self.canonical_url, self.input_sha256


@dataclass
class Outcome:
    what: str  # "new" | "changed" | "unchanged" | "failed"
    report_id: int | None = None
    reason: str | None = None


@dataclass
class Summary:
    documents: int = 0  # report candidates seen in the archive
    skipped: int = 0  # already seen by this extractor version: not extracted
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: Counter = field(default_factory=Counter)  # reason -> count
    problems: list[ScanProblem] = field(default_factory=list)  # truncated WARC tails etc.
    repaired: list = field(default_factory=list)

    def counts(self) -> dict:
        return {"documents": self.documents, "skipped": self.skipped, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "failed": self.failed, "failures": dict(self.failures),
                "warc_problems": [f"{p.file}@{p.offset}: {p.reason}" for p in self.problems]}


# -- fingerprints: the same output gives the same hash, from a Document or from the DB ---------
def _num(v):
    return None if v is None else float(v)


def _fingerprint(fields: dict, stats: list[tuple], checks: list[tuple]) -> str:
    payload = {"fields": fields, "stats": sorted(stats, key=repr), "checks": sorted(checks, key=repr)}
    return sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True))


def doc_fingerprint(doc: Document) -> str:
    fields = {"title": doc.title, "jurisdiction": doc.jurisdiction, "agency": doc.agency, "year": doc.year,
              "published": doc.published, "format": doc.format, "breadcrumb": list(doc.breadcrumb), "text": doc.text,
              "error": doc.error, "is_report": bool(doc.is_report)}
    stats = [(s.key, _num(s.value), s.unit, s.source, s.evidence, int(bool(s.derived)), int(bool(s.approx))) for s in doc.stats]
    checks = [(c.rule, _num(c.expected), _num(c.stated), c.detail) for c in doc.checks]
    return _fingerprint(fields, stats, checks)


def stored_fingerprint(store: Store, report_id: int) -> str:
    db = store.db
    r = db.execute("select title, jurisdiction, agency, year, published, format, breadcrumb, text, error from reports where id = ?",
                   [report_id]).fetchone()
    fields = {"title": r[0], "jurisdiction": r[1], "agency": r[2], "year": r[3], "published": r[4], "format": r[5],
              "breadcrumb": json.loads(r[6]) if r[6] else [], "text": r[7], "error": r[8], "is_report": True}
    stats = [(k, _num(v), u, s, e, int(d or 0), int(a or 0)) for k, v, u, s, e, d, a in db.execute(
        "select key, value, unit, source, evidence, derived, approx from stats where report_id = ?", [report_id])]
    checks = [(rule, _num(e), _num(s), d) for rule, e, s, d in db.execute(
        "select rule, expected, stated, detail from checks where report_id = ?", [report_id])]
    return _fingerprint(fields, stats, checks)


# -- records -> jobs -----------------------------------------------------------------------
def job_from_record(rec: ArchivedRecord, encoding_hints: dict[str, str | None]) -> Job | None:
    """The extraction job for a report-candidate record, or None for nav/list/API pages and errors."""
    portal = rec.file.split("/", 1)[0]
    warc = (rec.file, rec.offset, rec.length)
    if rec.record_type == "response":
        role = rec.warc_headers.get("WARC-Govcrawl-Role")
        if role not in ("detail", "attachment") or rec.status is None or not 200 <= rec.status < 300 or not rec.url:
            return None
        return Job(url=rec.url, canonical_url=canonical(rec.url), input_sha256=sha256(rec.body), body=rec.body,
                   content_type=rec.content_type, filename=urlsplit(rec.url).path.rsplit("/", 1)[-1],
                   encoding_hint=encoding_hints.get(portal), portal=portal,
                   kind="attachment" if role == "attachment" else "page", warc=warc)
    if rec.record_type == "resource" and portal == IMPORT_FOLDER and rec.url:
        return import_job(rec.url, rec.body, rec.content_type, rec.warc_headers.get("WARC-Govcrawl-Filename"), warc)
    return None


def import_job(uri: str, body: bytes, content_type: str | None, filename: str | None, warc: tuple[str, int, int]) -> Job:
    key = canonical(uri) if is_web_url(uri) else uri
    return Job(url=uri, canonical_url=key, input_sha256=sha256(body), body=body, content_type=content_type,
               filename=filename, encoding_hint=None, portal=None, kind="import", warc=warc)


# -- the DB side -------------------------------------------------------------------------------
def ensure_state_table(store: Store) -> None:
    store.db["reparse_state"].create(_STATE, pk=("canonical_url", "input_sha256"), if_not_exists=True)


def already_seen(store: Store, key: tuple[str, str], version: str) -> bool:
    db = store.db
    if db.execute("select 1 from reparse_state where canonical_url = ? and input_sha256 = ? and extractor_version = ?",
                  [*key, version]).fetchone():
        return True
    return db.execute("select 1 from reports where canonical_url = ? and input_sha256 = ? and extractor_version = ?",
                      [*key, version]).fetchone() is not None


def apply_document(store: Store, job: Job, doc: Document, version: str, index=None, sig=None, fp: str | None = None) -> Outcome:
    """Bring the DB in line with ``doc`` for ``job``; write nothing if the output is what is stored.

    ``sig``, ``fp``: the MinHash and ``doc_fingerprint`` of ``doc`` if already computed (reparse's workers do).
    All its writes are one transaction (or part of the caller's, see ``Store.transaction``).
    """
    with store.transaction():
        return _apply(store, job, doc, version, index, sig, fp or doc_fingerprint(doc))


def _apply(store: Store, job: Job, doc: Document, version: str, index, sig, fp: str) -> Outcome:
    db = store.db
    existing = db.execute("select id from reports where canonical_url = ? and input_sha256 = ? order by id desc limit 1",
                          list(job.key)).fetchone()
    outcome: Outcome
    if doc.is_report:
        if existing and stored_fingerprint(store, existing[0]) == fp:
            outcome = Outcome("unchanged", existing[0])
        else:
            rid, what = store.save_report(doc, url=job.url, canonical_url=job.canonical_url, input_sha256=job.input_sha256,
                                          portal=job.portal, kind=job.kind, extractor_version=version, warc=job.warc)
            outcome = Outcome("changed" if existing else "new", rid)
            if not existing:  # e.g. a page an older extractor did not take as a report: link it to its fetch
                db.execute("update pages set report_id = ?, skip_reason = null where canonical_url = ? and sha256 = ? "
                           "and report_id is null and status between 200 and 299", [rid, *job.key])
                # (guarded: every UPDATE of reports also rewrites its full-text index entry)
                db.execute("update reports set page_id = (select min(id) from pages where report_id = ?) "
                           "where id = ? and page_id is null and exists (select 1 from pages where report_id = ?)", [rid, rid, rid])
            if index is not None:
                index.link(rid, sig)
    else:
        reason = doc.skip_reason or doc.error or "not an annual report"
        outcome = Outcome("unchanged", reason=reason)
        if existing:  # it was a report; under this extractor it is not: say so on the row, keep it
            note = f"not a report under extractor {version}: {reason}"[:500]
            if db.execute("select error from reports where id = ?", [existing[0]]).fetchone()[0] != note:
                db.execute("update reports set error = ?, extractor_version = ?, updated_at = ? where id = ?",
                           [note, version, now(), existing[0]])
                outcome = Outcome("changed", existing[0], reason)
        cur = db.execute("update pages set skip_reason = ? where canonical_url = ? and sha256 = ? and status between 200 and 299 "
                         "and report_id is null and coalesce(skip_reason, '') != ?", [reason, *job.key, reason])
        if cur.rowcount and outcome.what == "unchanged":
            outcome = Outcome("changed", reason=reason)
        if doc.error:
            outcome = Outcome("failed", outcome.report_id, doc.error)
    db.execute("insert or replace into reparse_state (canonical_url, input_sha256, extractor_version, output_sha256, report_id, "
               "skip_reason, updated_at) values (?, ?, ?, ?, ?, ?, ?)",
               [job.canonical_url, job.input_sha256, version, fp, outcome.report_id,
                None if doc.is_report else (doc.skip_reason or doc.error), now()])
    return outcome


class _Batches:
    """Groups the writes of up to ``size`` documents into one transaction: one commit per batch,
    not several per document. A kill loses at most the open batch; its reparse_state rows are
    in it too, so the next reparse redoes exactly those documents."""

    def __init__(self, store: Store, size: int):
        self.store, self.size, self.count, self._tx = store, size, 0, None

    def apply(self, fn, *args):
        if self._tx is None:
            self._tx = self.store.transaction()
            self._tx.__enter__()
        result = fn(*args)
        self.count += 1
        if self.count >= self.size:
            self.close()
        return result

    def close(self, exc: BaseException | None = None) -> None:
        """Commit the open batch, or roll it back when ``exc`` (an interrupt mid-document) is given."""
        tx, self._tx, self.count = self._tx, None, 0
        if tx is not None:
            tx.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)


def _extract_job(job: Job, extract_fn: Callable[..., Document] = extract) -> Document:
    # Runs in a worker process: pure function of the job's bytes.
    # A file: URI is a name, not a place on the web: only http(s) URLs reach the extractor.
    url = job.url if is_web_url(job.url) else None
    return extract_fn(job.body, source=job.url, url=url,
                      content_type=job.content_type, filename=job.filename, encoding_hint=job.encoding_hint)


def _extract_and_sign(job: Job, extract_fn: Callable[..., Document] = extract):
    """Worker: the Document, the MinHash of its text when it is a report, and its output
    fingerprint: all pure functions of the bytes, so done here, in parallel, not in the DB writer."""
    from .store.neardup import signature

    doc = _extract_job(job, extract_fn)
    return doc, (signature(doc.text) if doc.is_report else None), doc_fingerprint(doc)


def _encoding_hints(portals_file: str | None) -> dict[str, str | None]:
    from .portals import load_portals

    hints: dict[str, str | None] = {}
    for f in (None, portals_file) if portals_file else (None,):
        try:
            hints.update({name: p.encoding for name, p in load_portals(f).items()})
        except Exception:  # the registry only gives hints; decoding still sniffs the bytes
            pass
    return hints


def reparse(db_path: str, archive_root: str, *, jobs: int | None = None, portals_file: str | None = None,
            extract_fn: Callable[..., Document] = extract, version: str = EXTRACTOR_VERSION,
            progress: bool = True, console=None) -> tuple[str, Summary]:
    """Re-extract the archive into the DB; returns (run id, summary). Never touches the network."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from .store import neardup

    console = console or Console(stderr=True, soft_wrap=True)  # no hard wraps: logs get grepped
    jobs = max(1, jobs or os.cpu_count() or 1)
    root = Path(archive_root)
    summary = Summary(repaired=repair_archive(root))
    store = Store(db_path)
    ensure_state_table(store)
    run_id = new_run_id()
    store.start_run(run_id, "reparse", None, {"db": db_path, "archive": archive_root, "jobs": jobs}, version)
    index = neardup.index_for(store, neardup.registry_hosts(portals_file))
    hints = _encoding_hints(portals_file)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.warc.gz")) if root.is_dir() else []
    sizes = {f: (root / f).stat().st_size for f in files}
    inflight: deque = deque()
    inflight_keys: set = set()
    batches = _Batches(store, BATCH)

    def settle(job: Job, result: tuple | None, error: str | None = None) -> None:
        inflight_keys.discard(job.key)
        if result is None:
            summary.failed += 1
            summary.failures[error or "extraction failed"] += 1
            return
        doc, sig, fp = result
        out = batches.apply(apply_document, store, job, doc, version, index, sig, fp)
        setattr(summary, out.what, getattr(summary, out.what) + 1)
        if out.what == "failed":
            summary.failures[(out.reason or "")[:120]] += 1

    if jobs > 1:
        # Import the extractor's stages before forking, so each worker does not import them again.
        from .extract import classify, clean, meta, pdf, stats  # noqa: F401
    pool = extraction_pool(jobs) if jobs > 1 else None
    submitted = 0  # documents given to the current pool
    status = "finished"
    bar = Progress(TextColumn("reparse"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[docs]} docs"),
                   TimeRemainingColumn(), console=console, disable=not progress, transient=False)
    try:
        with bar:
            task = bar.add_task("reparse", total=sum(sizes.values()) or 1, docs=0)
            done_bytes = 0
            for rel in files:
                for rec in iter_records(root, files=[rel], problems=summary.problems):
                    bar.update(task, completed=done_bytes + rec.offset + rec.length, docs=summary.documents)
                    job = job_from_record(rec, hints)
                    if job is None:
                        continue
                    summary.documents += 1
                    if job.key in inflight_keys or already_seen(store, job.key, version):
                        summary.skipped += 1  # same bytes again (a refetch), or nothing new for this extractor
                        continue
                    if pool is None:
                        settle(job, _extract_and_sign(job, extract_fn))
                        continue
                    if submitted >= RECYCLE_AFTER * jobs:
                        while inflight:
                            _drain_one(inflight, settle)
                        pool.shutdown()
                        pool, submitted = extraction_pool(jobs), 0
                    inflight.append((job, pool.submit(_extract_and_sign, job, extract_fn)))
                    submitted += 1
                    inflight_keys.add(job.key)
                    while len(inflight) >= INFLIGHT * jobs:  # bounded: memory stays flat
                        _drain_one(inflight, settle)
                done_bytes += sizes[rel]
            while inflight:
                _drain_one(inflight, settle)
            bar.update(task, completed=sum(sizes.values()) or 1, docs=summary.documents)
        batches.close()
    except BaseException as exc:
        batches.close(exc)  # roll back: the interrupted document may be half-written
        if isinstance(exc, KeyboardInterrupt):
            status = "interrupted"
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        store.finish_run(run_id, summary.counts(), status)
        store.close()
    return run_id, summary


def _drain_one(inflight: deque, settle) -> None:
    job, fut = inflight.popleft()
    try:
        result = fut.result()
    except Exception as exc:  # a worker died (out of memory, a C library crash): record, go on
        settle(job, None, f"worker failed: {type(exc).__name__}: {exc}"[:200])
        return
    settle(job, result)


def print_summary(summary: Summary, run_id: str, console=None) -> None:
    from rich.console import Console

    console = console or Console(soft_wrap=True)
    from .safetext import say

    say(console, "[bold]reparse {}[/bold]", run_id)
    console.print(f"documents: {summary.documents}  skipped (already seen by this extractor): {summary.skipped}  "
                  f"new: {summary.new}  changed: {summary.changed}  unchanged: {summary.unchanged}  failed: {summary.failed}")
    for reason, n in summary.failures.most_common(20):
        say(console, "  failed ×{}: {}", n, reason)
    for p in summary.problems:
        say(console, "  WARC problem (skipped): {} @ {}: {}", p.file, p.offset, p.reason)
    for name, cut in summary.repaired:
        say(console, "  repaired {}: cut {} bytes of a torn record", name, cut)
