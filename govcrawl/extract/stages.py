"""The extractor's stages, each with its own version, and the cache that lets `reparse` skip the early ones.

    decode + clean  (text stage)   bytes -> clean text, page metadata, the tables as text rows
    metadata        (meta stage)   clean text -> title, year, jurisdiction, agency, date
    statistics      (stats stage)  text + tables -> stats, checks, format, is-it-a-report

``extract`` runs all three and returns the text stage's output (a ``TextStage``) beside the
Document; the one write path stores it (``stage_cache`` table). When only a later stage's
code changed, ``reparse`` rebuilds the Document from that stored output (``from_stage``)
instead of decoding and cleaning the bytes again: the same Document, at a fraction of the cost.

A stage's version is the hash of its files (``STAGE_FILES``, data); every file of the package
not named there belongs to the text stage, so a new module can never be left out of every
version. A later stage's cached output is used only when every earlier stage's version matches
too (the cache row is keyed by the text version), and no earlier stage may import a later
stage's module (tests/extract/test_stages.py checks it), so a later stage's change can never
make a cached earlier output stale.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from functools import lru_cache
from pathlib import Path

from .model import Check, Document

ROOT = Path(__file__).parent
_SOURCE_SUFFIXES = {".py", ".toml", ".json", ".txt"}
# The later stages' files (relative to govcrawl/extract/; a folder means all files in it). The
# table reader (stats/grid.py, with stats/textnorm.py) runs in the text stage: its rows are cached.
STAGE_FILES = {
    "meta": ("meta.py",),
    "stats": ("stats/", "classify.py", "stages.py"),
}
TEXT_STAGE_TOO = ("stats/grid.py", "stats/textnorm.py")


def _files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*") if p.suffix in _SOURCE_SUFFIXES and "__pycache__" not in p.parts)


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def stage_files() -> dict[str, set[Path]]:
    """stage -> its files; the text stage gets every file no later stage names."""
    out: dict[str, set[Path]] = {}
    for stage, names in STAGE_FILES.items():
        out[stage] = {p for p in _files() if any(_rel(p) == n or (n.endswith("/") and _rel(p).startswith(n)) for n in names)}
        out[stage] = {p for p in out[stage] if _rel(p) not in TEXT_STAGE_TOO}
    later = set().union(*out.values())
    out["text"] = {p for p in _files() if p not in later}
    return out


def _hash(files) -> str:
    h = hashlib.sha256()
    for p in sorted(files):
        h.update(_rel(p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class StageVersions:
    text: str
    meta: str
    stats: str
    full: str  # the whole extractor's version (EXTRACTOR_VERSION): what reports.extractor_version holds

    def bumped(self, stage: str, tag: str) -> "StageVersions":
        """These versions with ``stage`` (and the whole) changed: what a change of that stage's code gives."""
        return replace(self, **{stage: f"{getattr(self, stage)}+{tag}", "full": f"{self.full}+{tag}"})


@lru_cache(maxsize=1)
def current_versions() -> StageVersions:
    from . import EXTRACTOR_VERSION

    files = stage_files()
    return StageVersions(text=_hash(files["text"]), meta=_hash(files["meta"]), stats=_hash(files["stats"]),
                         full=EXTRACTOR_VERSION)


# -- the text stage's output -------------------------------------------------------------
@dataclass
class TextStage:
    """What the meta and stats stages need of a document: its clean page and its tables as text."""
    kind: str
    page: dict  # clean.PageText as a dict
    table_text: str = ""  # the tables as separated rows (stats.grid), "" when none
    ruled: bool = False  # the tables are a PDF's ruled grids (the grid wins over the text layer)
    no_figures: bool = False  # antiword's text of a .doc: its tables are torn, no figures from it
    damaged: bool = False  # the parser lost data (a damaged PDF, HTML it recovered from): only identity-confirmed numbers are kept
    ocr: dict | None = None  # a scanned PDF: {"pages", "cells", "seconds"} of its OCR
    note: str | None = None  # damage worth recording (Document.error) even when the rest is fine
    meta: dict | None = None  # the meta stage's output, valid for ``meta_version``
    meta_version: str | None = None

    def dumps(self) -> bytes:
        # The fields as they are, not asdict's deep copy of them (they are plain JSON values): the
        # same bytes, in about half the time (the crawl runs this for every page it extracts)
        fields = {f.name: getattr(self, f.name) for f in _TEXT_STAGE_FIELDS}
        return zlib.compress(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)

    @classmethod
    def loads(cls, blob: bytes) -> "TextStage":
        return cls(**json.loads(zlib.decompress(blob)))


_TEXT_STAGE_FIELDS = dataclass_fields(TextStage)
_META_FIELDS = ("title", "breadcrumb", "year", "published", "jurisdiction", "agency")


def finish(doc: Document, stage: TextStage, url: str | None, versions: StageVersions | None = None) -> None:
    """The meta and stats stages: fill ``doc`` from the text stage's output (meta reused when its version matches)."""
    from . import classify, meta, stats
    from .clean import PageText

    versions = versions or current_versions()
    page = PageText(**stage.page)
    if stage.meta is not None and stage.meta_version == versions.meta:
        doc.text = page.text
        for k in _META_FIELDS:
            setattr(doc, k, stage.meta[k])
    else:
        meta.fill(doc, page, url=url)
        stage.meta, stage.meta_version = {k: getattr(doc, k) for k in _META_FIELDS}, versions.meta
    doc.stats, doc.checks, fmt = stats.extract_stats(doc.text, year=doc.year, table_text=stage.table_text, ruled=stage.ruled,
                                                     traditional=bool(page.traditional))
    doc.checks[:0] = meta.date_checks(doc, page, url)  # e.g. published.url_date
    if stage.no_figures:
        doc.stats, doc.checks, fmt = [], [], None  # antiword dropped the table bodies: no figures from a torn table
    if stage.ocr is not None:
        from .ocr import confirmed

        # OCR misreads digits: only numbers their table's identities confirm are kept (source 'ocr')
        doc.stats, dropped = confirmed(doc.stats, version=fmt)
        doc.kind = "ocr"
        if dropped:
            o = stage.ocr
            doc.checks.append(Check(rule="ocr.unconfirmed", detail=(
                f"scanned PDF read by OCR ({o['pages']} pages, {o['cells']} table cells, "
                f"{o['seconds']:.1f} s): {dropped} number(s) no identity confirms, not stored")))
    note = stage.note
    if stage.damaged and stage.ocr is None:
        from .ocr import confirmed

        # The parser lost data: a number may be misread, so only identity-confirmed ones are kept.
        doc.stats, dropped = confirmed(doc.stats, mark=None, version=fmt)
        if dropped:
            doc.checks.append(Check(rule="damaged.unconfirmed", detail=(
                f"{dropped} number(s) of a damaged input that no identity confirms, not stored")))
            note = "; ".join(n for n in (note, f"{dropped} number(s) no identity confirms withheld") if n)
    doc.format = fmt
    classify.classify(doc)
    if note and not doc.error:
        doc.error = note  # kept even when the report is usable: the input was damaged


def fail(doc: Document, exc: Exception) -> None:
    """Bad input must not lose the rest of a run: the reason goes into the Document."""
    doc.error = f"{type(exc).__name__}: {exc}"[:500]
    doc.skip_reason = doc.skip_reason or f"extractor error: {type(exc).__name__}"
    doc.is_report = False


def from_stage(stage: TextStage, *, source: str | None = None, url: str | None = None,
               versions: StageVersions | None = None) -> Document:
    """The Document ``extract`` gives for the input whose text stage output is ``stage``."""
    doc = Document(source=source, kind=stage.kind)
    try:
        finish(doc, stage, url, versions)
    except Exception as exc:
        fail(doc, exc)
    return doc
