"""An archived input document on its way to the DB: what reparse and import share.

A ``Job`` is the bytes and where they came from and are archived; ``extract_job`` runs the
one extractor on it (a pure function of the bytes, so it runs in worker processes); ``record``
writes the result through the one write path, ``Store.record_document``, and says what
changed in reparse's and import's terms.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..crawl.navigation import canonical, is_web_url
from ..extract import extract
from ..extract.model import Document
from ..store import Store, sha256

IMPORT_FOLDER = "import"  # archive/<this>/: records written by `govcrawl import`


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


def import_job(uri: str, body: bytes, content_type: str | None, filename: str | None, warc: tuple[str, int, int]) -> Job:
    """A file `govcrawl import` archived as a WARC resource record (URI: its source URL or a file: name)."""
    key = canonical(uri) if is_web_url(uri) else uri
    return Job(url=uri, canonical_url=key, input_sha256=sha256(body), body=body, content_type=content_type,
               filename=filename, encoding_hint=None, portal=None, kind="import", warc=warc)


def extract_job(job: Job, extract_fn: Callable[..., Document] = extract) -> Document:
    # A file: URI is a name, not a place on the web: only http(s) URLs reach the extractor.
    url = job.url if is_web_url(job.url) else None
    return extract_fn(job.body, source=job.url, url=url,
                      content_type=job.content_type, filename=job.filename, encoding_hint=job.encoding_hint)


def extract_job_staged(job: Job, versions, cached: bytes | None = None) -> tuple[Document, tuple | None]:
    """The Document and, when (re)computed, the stage cache entry (text version, meta version, data).

    ``cached``: the job's text stage output stored under ``versions.text``: only the later
    stages run (extract/stages.py); the job's body is then not needed."""
    from ..extract import extract_staged
    from ..extract.stages import TextStage, from_stage

    url = job.url if is_web_url(job.url) else None
    if cached is not None:
        try:
            stage = TextStage.loads(cached)
        except Exception:  # written by another layout of TextStage: read the bytes again
            stage = None
        if stage is not None:
            meta_before = stage.meta_version
            doc = from_stage(stage, source=job.url, url=url, versions=versions)
            # the meta stage ran again: keep its new output for the next reparse
            return doc, ((versions.text, stage.meta_version, stage.dumps()) if stage.meta_version != meta_before else None)
    doc, stage = extract_staged(job.body, source=job.url, url=url, content_type=job.content_type, filename=job.filename,
                                encoding_hint=job.encoding_hint, versions=versions)
    return doc, (None if stage is None else (versions.text, stage.meta_version, stage.dumps()))


def record(store: Store, job: Job, doc: Document | None, version: str, index=None, sig=None, fp: str | None = None,
           stage: tuple | None = None, redo: Callable[[], tuple] | None = None) -> Outcome:
    """Write ``doc`` for ``job`` through ``Store.record_document``; nothing if the output is what is stored.

    ``doc`` None: a worker found that the output ``fp`` is the one stored and did not send the Document;
    if the stored output changed since, ``redo()`` gives (doc, sig, fp, stage) again."""
    if doc is None:
        rec = store.record_unchanged(canonical_url=job.canonical_url, input_sha256=job.input_sha256,
                                     extractor_version=version, fp=fp, stage=stage)
        if rec is not None:
            return Outcome("unchanged", rec.report_id)
        doc, sig, fp, stage = redo()
    rec = store.record_document(doc, url=job.url, canonical_url=job.canonical_url, input_sha256=job.input_sha256,
                                portal=job.portal, kind=job.kind, warc=job.warc, extractor_version=version,
                                index=index, sig=sig, fp=fp, stage=stage)
    if doc.is_report:
        what = "unchanged" if rec.what == "unchanged" else "changed" if rec.existed else "new"
        return Outcome(what, rec.report_id)
    if doc.error:
        return Outcome("failed", rec.report_id, doc.error)
    return Outcome("changed" if rec.changed else "unchanged", rec.report_id, rec.reason)
