"""`govcrawl reparse`: run the current extractor over the WARC archive, offline.

Streams the archive record by record (``archive.iter_records``), so memory
stays flat however many documents there are: at most ``INFLIGHT × jobs`` bodies, and
``INFLIGHT_BYTES`` of them, are in flight, and each worker is replaced after ``RECYCLE_AFTER`` documents.
Extraction runs in worker processes (``-j N``, default all cores), each document under
the crawl's per-document limits (``extract.limits``: wall clock GOVCRAWL_DOC_SECONDS, memory
GOVCRAWL_DOC_MEMORY_MB): a document over either costs its worker (killed and replaced) and
one recorded reason on that record (``reparse_state``, the run's failures); the run goes on
and ends ``partial`` (exit 3), or ``failed`` (exit 1) when no document could be extracted.
The DB is written by this process only.

Which records: responses a crawl archived as report candidates (role
``detail`` / ``attachment``, HTTP 2xx) and ``resource`` records written by
``govcrawl import``. A record is identified by (canonical URL, sha256 of its
body). It is skipped without extracting when the current extractor version has
already seen it (``reparse_state`` table, or a report row written by that
version). Otherwise it is extracted and its output — text, metadata, stats,
checks — written through the one write path, ``Store.record_document``, which
compares it with what the DB holds by a fingerprint: only rows whose output
differs are written. So an extractor change updates exactly the
affected rows, and a second reparse changes nothing.
"""
from __future__ import annotations

import os
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..archive import ArchivedRecord, RecordLocation, ScanProblem, iter_records, read_record, repair_archive
from ..crawl.navigation import canonical
from .documents import IMPORT_FOLDER, Job, extract_job, extract_job_staged, import_job, record
from ..extract import extract, sniff_kind
from ..extract.stages import StageVersions, current_versions
from ..extract.model import Document
from ..extract.limits import LimitExceeded, SandboxPool
from ..extract.pool import WORKER_RECYCLE_AFTER, freeze_run_setup
from ..store import Store, new_run_id, sha256
from ..store.store import Listing
from ..store.fingerprint import doc_fingerprint

BATCH = 100  # documents per write transaction in reparse
RECYCLE_AFTER = WORKER_RECYCLE_AFTER  # documents per worker before it is replaced (see extract/pool.py)
# Documents in flight per worker. Results are settled in submission order, so the window must
# absorb a slow document without the other worker running dry: `-j 2` over 5,000 records took
# 29.0 s at 8, 28.1 at 16, 26.35 at 32, 27.1 at 64 (bench, same machine and session).
INFLIGHT = 32
INFLIGHT_BYTES = 64 << 20  # and at most this much body and stage data in flight (large PDFs)
# Documents per task handed to a worker. Each task costs the parent a wake-up of the pool's manager
# thread, a pickle through its feeder thread and a result message: with one document per task
# that was ~1/3 of the parent's CPU (py-spy, 1,000 records), CPU the workers then lack on 2 cores.
CHUNK = 4


@dataclass
class Summary:
    documents: int = 0  # report candidates seen in the archive
    skipped: int = 0  # already seen by this extractor version: not extracted
    from_cache: int = 0  # decode and clean skipped: the text stage's stored output was reused
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: Counter = field(default_factory=Counter)  # reason -> count
    problems: list[ScanProblem] = field(default_factory=list)  # truncated WARC tails etc.
    repaired: list = field(default_factory=list)
    status: str = "finished"  # how the run ended (runs.status): finished / partial / failed / interrupted

    def counts(self) -> dict:
        return {"documents": self.documents, "skipped": self.skipped, "from_cache": self.from_cache, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "failed": self.failed, "failures": dict(self.failures),
                "warc_problems": [f"{p.file}@{p.offset}: {p.reason}" for p in self.problems]}


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


_LISTED = ("url", "canonical_url", "input_sha256", "content_type", "filename", "portal", "kind", "warc")


def archive_jobs(store: Store, root: Path, rel: str, hints: dict[str, str | None], problems: list[ScanProblem]):
    """(job, body read?, bytes done) for each report candidate of one WARC file, in file order.

    A file read whole before (and not changed since) is not read again: its candidates come from
    the listing the DB keeps of it (``Store.archive_listing``), without their bodies, which the
    caller reads by location (``read_record``) only for a document it must extract from scratch.
    A file read now is kept as such a listing when it was read to its end without a problem."""
    st = (root / rel).stat()
    key = (str(root.resolve()), rel, st.st_size, st.st_mtime_ns)
    listed = store.archive_listing(*key)
    if listed is not None:
        for entry in listed:
            job = Job(**dict(zip(_LISTED, entry)), body=b"", encoding_hint=None)
            job.warc = tuple(job.warc)
            if job.kind != "import":
                job.encoding_hint = hints.get(job.portal)
            yield job, False, job.warc[1] + job.warc[2]
        return
    listing = Listing()
    before = len(problems)
    for rec in iter_records(root, files=[rel], problems=problems):
        job = job_from_record(rec, hints)
        if job is not None:
            listing.add([getattr(job, f) for f in _LISTED])
        yield job, True, rec.offset + rec.length
    if len(problems) == before:
        store.keep_archive_listing(*key, listing)


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


def _extract_and_sign(job: Job, extract_fn: Callable[..., Document] = extract, versions: StageVersions | None = None,
                      cached: bytes | None = None, stored: str | None = None):
    """Worker: the Document, the MinHash of its text when it is a report, its output fingerprint and
    its stage cache entry: all pure functions of the bytes, so done here, in parallel, not in the DB writer.
    A stand-in ``extract_fn`` (tests) runs whole, without the stage cache. When the fingerprint is
    ``stored`` (the output the DB holds), the Document is not sent back: None in its place (most
    documents of a statistics-only change; pickling them was most of what the writer got)."""
    from ..store.fingerprint import doc_fingerprint
    from ..store.neardup import band_keys, signature

    if extract_fn is extract and versions is not None:
        doc, stage = extract_job_staged(job, versions, cached)
    else:
        doc, stage = extract_job(job, extract_fn), None
    # From the cache the text is the one already stored, and mostly its output too: the writer
    # computes the MinHash for the few reports it does (re)write.
    fp = doc_fingerprint(doc)
    if stored is not None and fp == stored:
        return None, None, fp, stage
    sig = signature(doc.text) if doc.is_report and cached is None else None
    if sig is not None:
        band_keys(sig)  # kept on the signature: computed here, not in the writer
    return doc, sig, fp, stage


def _extract_chunk(items: list[tuple[Job, bytes | None, str | None]], extract_fn: Callable[..., Document] = extract,
                   versions: StageVersions | None = None) -> list[tuple[str, object]]:
    """Worker: ``_extract_and_sign`` for each (job, cached stage, stored fingerprint) of a task, in order;
    a document that raises is ("error", why) and does not cost the others of the task theirs."""
    out: list[tuple[str, object]] = []
    for job, cached, stored in items:
        try:
            out.append(("ok", _extract_and_sign(job, extract_fn, versions, cached, stored)))
        except Exception as exc:
            out.append(("error", _failure(exc)))
    return out


def _failure(exc: BaseException) -> str:
    return f"worker failed: {type(exc).__name__}: {exc}"[:200]


def _encoding_hints(portals_file: str | None) -> dict[str, str | None]:
    from ..portals import load_portals

    hints: dict[str, str | None] = {}
    for f in (None, portals_file) if portals_file else (None,):
        try:
            hints.update({name: p.encoding for name, p in load_portals(f).items()})
        except Exception:  # the registry only gives hints; decoding still sniffs the bytes
            pass
    return hints


def reparse(db_path: str, archive_root: str, *, jobs: int | None = None, portals_file: str | None = None,
            extract_fn: Callable[..., Document] = extract, version: str | None = None,
            versions: StageVersions | None = None, progress: bool = True, console=None,
            seconds: float | None = None, memory_mb: int | None = None) -> tuple[str, Summary]:
    """Re-extract the archive into the DB; returns (run id, summary). Never touches the network.

    ``versions``: the extractor's stage versions (default: the code's); an input whose text stage
    output is cached under the same text version only re-runs the later stages. ``version``:
    the whole extractor's version recorded (default ``versions.full``). ``seconds``/``memory_mb``:
    each document's limits (default: extract.limits', as in the crawl)."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from ..store import neardup

    console = console or Console(stderr=True, soft_wrap=True)  # no hard wraps: logs get grepped
    jobs = max(1, jobs or os.cpu_count() or 1)
    versions = versions or current_versions()
    version = version or versions.full
    staged = extract_fn is extract
    root = Path(archive_root)
    summary = Summary(repaired=repair_archive(root))
    store = Store(db_path)
    run_id = new_run_id()
    store.start_run(run_id, "reparse", None, {"db": db_path, "archive": archive_root, "jobs": jobs}, version)
    index = neardup.index_for(store, neardup.registry_hosts(portals_file))
    hints = _encoding_hints(portals_file)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.warc.gz")) if root.is_dir() else []
    sizes = {f: (root / f).stat().st_size for f in files}
    inflight: deque = deque()  # (jobs of one task, its future, their bytes), in submission order
    inflight_keys: set = set()
    pending: list = []  # (job, cached stage) gathered for the next task
    batches = _Batches(store, BATCH)

    def settle(job: Job, result: tuple | None, error: str | None = None, cached: bytes | None = None) -> None:
        inflight_keys.discard(job.key)
        if result is None:
            summary.failed += 1
            summary.failures[error or "extraction failed"] += 1
            return
        if isinstance(result, LimitExceeded):  # the worker was killed and replaced: the reason goes on the record
            doc = Document(source=job.url, kind=sniff_kind(job.body, job.content_type, job.filename),
                           error=str(result), skip_reason=str(result))
            result = (doc, None, doc_fingerprint(doc), None)
        doc, sig, fp, stage = result
        # (doc None: the worker found the stored output; if a write since changed it, extract here again)
        redo = None if doc is not None else lambda: _extract_and_sign(job, extract_fn, versions, cached)
        out = batches.apply(record, store, job, doc, version, index, sig, fp, stage, redo)
        setattr(summary, out.what, getattr(summary, out.what) + 1)
        if out.what == "failed":
            summary.failures[(out.reason or "")[:120]] += 1

    def submit(items: list) -> None:
        """Hand one task to the pool, then wait for room (bounded: memory stays flat)."""
        size = sum(len(job.body) + len(cached or b"") for job, cached, _stored in items)
        inflight.append((items, pool.submit(_extract_chunk, items, extract_fn, versions, docs=len(items)), size))
        while inflight and (sum(len(t[0]) for t in inflight) >= INFLIGHT * jobs or sum(t[2] for t in inflight) >= INFLIGHT_BYTES):
            _drain_one(inflight, settle, retry)

    def retry(items: list) -> list:
        """A task stopped by its limits: its documents again, one per task, so that only the one
        that runs away is stopped (and recorded), not the good ones it shared the task with."""
        futures = [pool.submit(_extract_chunk, [item], extract_fn, versions) for item in items]
        out = []
        for fut in futures:
            try:
                out += fut.result()
            except LimitExceeded as exc:
                out.append(("limit", exc))
        return out

    # Every document in a worker under the crawl's limits, also with -j 1: one that runs away is
    # stopped, not the run (workers replaced every RECYCLE_AFTER documents: memory stays flat).
    pool = SandboxPool(jobs, seconds, memory_mb, RECYCLE_AFTER)
    freeze_run_setup()
    status = "finished"
    bar = Progress(TextColumn("reparse"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[docs]} docs"),
                   TimeRemainingColumn(), console=console, disable=not (progress and console.is_terminal), transient=False)
    try:
        with bar:
            task = bar.add_task("reparse", total=sum(sizes.values()) or 1, docs=0)
            done_bytes = 0
            for rel in files:
                for job, has_body, done in archive_jobs(store, root, rel, hints, summary.problems):
                    bar.update(task, completed=done_bytes + done, docs=summary.documents)
                    if job is None:
                        continue
                    summary.documents += 1
                    if job.key in inflight_keys or store.already_seen(*job.key, version):
                        summary.skipped += 1  # same bytes again (a refetch), or nothing new for this extractor
                        continue
                    cached = store.cached_stage(*job.key, versions.text) if staged else None
                    stored = None
                    if cached is not None:
                        summary.from_cache += 1
                        job = replace(job, body=b"")  # not needed: only the later stages run
                        stored = store.stored_output(*job.key)
                    elif not has_body:
                        job = replace(job, body=read_record(root, RecordLocation(*job.warc)).body)
                    pending.append((job, cached, stored))
                    inflight_keys.add(job.key)
                    if len(pending) >= CHUNK:
                        submit(pending)
                        pending = []
                done_bytes += sizes[rel]
            if pending:
                submit(pending)
            while inflight:
                _drain_one(inflight, settle, retry)
            bar.update(task, completed=sum(sizes.values()) or 1, docs=summary.documents)
        batches.close()
        if summary.failed:  # as a crawl's: some documents not extracted = partial, none extracted = failed
            extracted = summary.documents - summary.skipped
            status = "failed" if summary.failed >= extracted else "partial"
    except BaseException as exc:
        batches.close(exc)  # roll back: the interrupted document may be half-written
        if isinstance(exc, KeyboardInterrupt):
            status = "interrupted"
        raise
    finally:
        pool.shutdown(cancel_futures=True)
        summary.status = status
        store.finish_run(run_id, summary.counts(), status)
        store.close()
    return run_id, summary


def _drain_one(inflight: deque, settle, retry) -> None:
    """Settle the oldest task's documents, in order. A task stopped by its time
    or memory limit: a single document gets that reason on its record; a task of several is
    ``retry``'d one document per task."""
    items, fut, _size = inflight.popleft()
    try:
        results = fut.result()
    except LimitExceeded as exc:  # the worker was killed and replaced; the run goes on
        results = [("limit", exc)] if len(items) == 1 else retry(items)
    except Exception as exc:  # a worker died (a C library crash): record, go on
        results = [("error", _failure(exc))] * len(items)
    for (job, cached, _stored), (status, value) in zip(items, results):
        if status == "ok":
            settle(job, value, cached=cached)
        elif status == "limit":
            settle(job, value)
        else:
            settle(job, None, value)


def print_summary(summary: Summary, run_id: str, console=None) -> None:
    from rich.console import Console

    console = console or Console(soft_wrap=True)
    from ..commands.safetext import say

    say(console, "[bold]reparse {}[/bold]", run_id)
    console.print(f"documents: {summary.documents}  skipped (already seen by this extractor): {summary.skipped}  "
                  f"decode+clean reused from the stage cache: {summary.from_cache}  "
                  f"new: {summary.new}  changed: {summary.changed}  unchanged: {summary.unchanged}  failed: {summary.failed}  "
                  f"run: {summary.status}")
    for reason, n in summary.failures.most_common(20):
        say(console, "  failed ×{}: {}", n, reason)
    for p in summary.problems:
        say(console, "  WARC problem (skipped): {} @ {}: {}", p.file, p.offset, p.reason)
    for name, cut in summary.repaired:
        say(console, "  repaired {}: cut {} bytes of a torn record", name, cut)
