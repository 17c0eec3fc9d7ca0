"""WARC archive: every raw response, byte for byte, via warcio.

Files are ``<archive>/<portal>/<run>-<n>.warc.gz``, one gzip member per record
(so a record can be read alone from its offset and length), rolled by size. A
process never appends to a file it did not create: a resumed crawl starts a new
``-<n>``. A file is written as ``<name>.open`` and renamed when closed; one left
by a killed process is cut to its last complete record and renamed when the
next writer starts (govcrawl.archive.repair), so ``warcio check`` stays clean.
Readers skip (and report) a partial last record wherever one is found.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .. import __version__
from .repair import OPEN_SUFFIX, complete_prefix, lock_for_writing, repair_open_files

DEFAULT_MAX_BYTES = 1 << 30  # roll files at 1 GiB, like common crawlers do
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


@dataclass
class RecordLocation:
    file: str  # path relative to the archive root (never absolute: the DB travels)
    offset: int
    length: int


def _safe_component(value: str, what: str) -> str:
    # Archive paths come from validated names only, never from URLs.
    if not _SAFE.match(value) or ".." in value:
        raise ValueError(f"unsafe {what} for an archive path: {value!r}")
    return value


class WarcArchive:
    """Appends records for one portal and run; thread-unsafe by design (one writer per process)."""

    def __init__(self, root: str | Path, portal: str, run_id: str, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root)
        self.portal = _safe_component(portal, "portal name")
        self.run_id = _safe_component(run_id, "run id")
        self.max_bytes = max_bytes
        self._fh = None
        self._writer: WARCWriter | None = None
        self._rel: str | None = None
        self._open_path: Path | None = None
        self.files: list[str] = []
        # A file a killed writer left as .open is cut to its last complete record first.
        self.repaired = repair_open_files(self.root / self.portal)

    # -- writing -----------------------------------------------------------
    def _open_next(self) -> None:
        self.close()
        folder = self.root / self.portal
        folder.mkdir(parents=True, exist_ok=True)
        n = 1
        while (folder / f"{self.run_id}-{n}.warc.gz").exists() or (folder / f"{self.run_id}-{n}.warc.gz{OPEN_SUFFIX}").exists():
            n += 1
        name = f"{self.run_id}-{n}.warc.gz"
        # Written as <name>.open under a lock, renamed on close: a finished name is a complete file.
        # "xb": never clobber, even if another process raced us to the name.
        self._open_path = folder / f"{name}{OPEN_SUFFIX}"
        self._fh = open(self._open_path, "xb")
        lock_for_writing(self._fh)
        self._writer = WARCWriter(self._fh, gzip=True)
        self._rel = f"{self.portal}/{name}"
        self.files.append(self._rel)
        info = self._writer.create_warcinfo_record(name, {"software": f"govcrawl/{__version__} (warcio)", "format": "WARC File Format 1.1", "portal": self.portal, "run": self.run_id})
        self._writer.write_record(info)
        self._fh.flush()

    def _write(self, record) -> RecordLocation:
        if self._fh is None or self._fh.tell() >= self.max_bytes:
            self._open_next()
        start = self._fh.tell()
        self._writer.write_record(record)
        # Flush each record: a kill -9 then loses at most the record being written.
        self._fh.flush()
        return RecordLocation(self._rel, start, self._fh.tell() - start)

    def write_response(
        self,
        url: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        reason: str = "",
        protocol: str = "HTTP/1.1",
        fetched_at: datetime | None = None,
        request_method: str = "GET",
        extra: dict[str, str] | None = None,
    ) -> RecordLocation:
        status_line = f"{status} {reason}".strip() if reason else str(status)
        # Content-Length must describe the stored (decoded) body, or replay tools choke.
        hdrs = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")]
        hdrs.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(status_line, hdrs, protocol=protocol)
        warc_headers = {"WARC-Date": _warc_date(fetched_at)}
        if request_method != "GET":
            warc_headers["WARC-Govcrawl-Request-Method"] = request_method
        warc_headers.update(extra or {})
        warc_headers = {k: _header_safe(v) for k, v in warc_headers.items()}
        record = self._writer_or_open().create_warc_record(
            _header_safe(url), "response", payload=io.BytesIO(body), length=len(body), http_headers=http_headers, warc_headers_dict=warc_headers
        )
        return self._write(record)

    def write_resource(self, uri: str, body: bytes, content_type: str, *, filename: str | None = None, extra: dict[str, str] | None = None) -> RecordLocation:
        warc_headers = {"WARC-Date": _warc_date(None)}
        if filename:
            warc_headers["WARC-Govcrawl-Filename"] = filename
        warc_headers.update(extra or {})
        warc_headers = {k: _header_safe(v) for k, v in warc_headers.items()}
        record = self._writer_or_open().create_warc_record(
            _header_safe(uri), "resource", payload=io.BytesIO(body), length=len(body), warc_content_type=content_type, warc_headers_dict=warc_headers
        )
        return self._write(record)

    def _writer_or_open(self) -> WARCWriter:
        if self._writer is None:
            self._open_next()
        return self._writer

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self._open_path, self._open_path.with_name(self._open_path.name[: -len(OPEN_SUFFIX)]))
        self._fh = None
        self._open_path = None
        self._writer = None


def _header_safe(value: str) -> str:
    """A WARC header value from a file name or URL: control characters (CR/LF would start a
    header of their own, e.g. a forged WARC-Type) percent-encoded, undecodable bytes as \\xNN."""
    from ..extract.limits import display_name

    return display_name(value)


def _warc_date(when: datetime | None) -> str:
    when = when or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- reading ---------------------------------------------------------------
@dataclass
class ArchivedRecord:
    file: str
    offset: int
    length: int
    record_type: str
    url: str | None
    status: int | None
    content_type: str | None
    headers: list[tuple[str, str]]
    body: bytes
    warc_headers: dict[str, str]


def _to_archived(rec, rel: str, offset: int, length: int) -> ArchivedRecord:
    body = rec.content_stream().read()
    status = None
    headers: list[tuple[str, str]] = []
    ctype = None
    if rec.http_headers is not None and rec.rec_type in ("response", "revisit"):
        try:
            status = int(rec.http_headers.get_statuscode())
        except (TypeError, ValueError):
            status = None
        headers = list(rec.http_headers.headers)
        ctype = rec.http_headers.get_header("Content-Type")
    else:
        ctype = rec.rec_headers.get_header("Content-Type")
    return ArchivedRecord(
        file=rel, offset=offset, length=length, record_type=rec.rec_type,
        url=rec.rec_headers.get_header("WARC-Target-URI"), status=status, content_type=ctype,
        headers=headers, body=body, warc_headers=dict(rec.rec_headers.headers),
    )


def read_record(root: str | Path, loc: RecordLocation) -> ArchivedRecord:
    """Read one record by its stored location, without scanning the file."""
    path = Path(root) / loc.file
    if not path.exists() and path.with_name(path.name + OPEN_SUFFIX).exists():
        path = path.with_name(path.name + OPEN_SUFFIX)  # still being written (or not yet repaired)
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        chunk = fh.read(loc.length)
    for rec in ArchiveIterator(io.BytesIO(chunk)):
        return _to_archived(rec, loc.file, loc.offset, loc.length)
    raise ValueError(f"no WARC record at {loc.file}@{loc.offset}")


@dataclass
class ScanProblem:
    file: str
    offset: int
    reason: str


def iter_records(root: str | Path, files: list[str] | None = None, problems: list[ScanProblem] | None = None,
                 types: tuple[str, ...] = ("response", "resource")) -> Iterator[ArchivedRecord]:
    """Stream every record of the archive (or of ``files``), one at a time.

    A truncated or corrupt tail (a crash mid-write) ends that file's scan; it is
    appended to ``problems`` instead of raising.
    """
    root = Path(root)
    if files is None:
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.warc.gz"))
    for rel in files:
        offset = 0
        # warcio reads a torn last gzip member as a short record: find where complete records end.
        prefix = complete_prefix(root / rel)
        try:
            with open(root / rel, "rb") as fh:
                it = ArchiveIterator(fh)
                for rec in it:
                    # Read the body before asking for the offset: warcio's get_record_offset()
                    # reads the record to its end, after which its content stream is empty.
                    body_rec = _to_archived(rec, rel, 0, 0) if rec.rec_type in types else None
                    it.read_to_end()
                    offset = it.get_record_offset()
                    if offset >= prefix.complete:
                        break
                    if body_rec is None:
                        continue
                    body_rec.offset, body_rec.length = offset, it.get_record_length()
                    yield body_rec
            if not prefix.clean and problems is not None:
                problems.append(ScanProblem(rel, prefix.complete, prefix.reason or "truncated record"))
        except Exception as exc:  # truncated gzip member, bad header: skip the rest of this file
            if problems is not None:
                problems.append(ScanProblem(rel, offset, f"{type(exc).__name__}: {exc}"[:300]))
