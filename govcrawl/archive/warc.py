"""WARC archive: every HTTP exchange, byte for byte, via warcio.

Files are ``<archive>/<portal>/<run>-<n>.warc.gz``, one gzip member per record
(so a record can be read alone from its offset and length), rolled by size. A
process never appends to a file it did not create: a resumed crawl starts a new
``-<n>``. A file is written as ``<name>.open`` and renamed when closed; one left
by a killed process is cut to its last complete record and renamed when the
next writer starts (govcrawl.archive.repair), so ``warcio check`` stays clean.
Readers skip (and report) a partial last record wherever one is found.

A crawl writes one ``request`` and one ``response`` record per exchange (3xx and
errors included; the request names its response in ``WARC-Concurrent-To``), or a
``revisit`` record instead of the response when the payload is already archived:
a 304 answer (profile server-not-modified) or a body identical to one this run,
or an earlier one, stored under the same URL (profile identical-payload-digest).
The crawl's recorder is govcrawl/crawl/warcrecorder.py. Bodies are stored as the
server sent them (``Content-Encoding`` kept); readers get them decoded.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .. import __version__
from .repair import OPEN_SUFFIX, complete_prefix, lock_for_writing, repair_open_files

DEFAULT_MAX_BYTES = 1 << 30  # roll files at 1 GiB, like common crawlers do
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Hop-by-hop framing the download handler already undid: the stored body is not chunked.
_FRAMING = ("content-length", "transfer-encoding")


@dataclass(slots=True)
class RecordLocation:
    file: str  # path relative to the archive root (never absolute: the DB travels)
    offset: int
    length: int


@dataclass(slots=True)  # one per archived response of the run (the resume index): kept small
class StoredPayload:
    """A response record already in the archive: what a revisit record refers to."""
    url: str
    date: str  # its WARC-Date
    record_id: str
    digest: str  # its WARC-Payload-Digest
    location: RecordLocation


@dataclass
class HttpRequest:
    """The request of an exchange, as it went on the wire (headers as the downloader sent them)."""
    method: str = "GET"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass
class Exchange:
    """What ``write_exchange`` wrote: the record holding the payload (the response, or for a
    revisit the stored record it refers to), the record written now, and its type."""
    payload: RecordLocation
    written: RecordLocation
    record_type: str  # "response" or "revisit"
    date: str
    request: RecordLocation | None = None


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest as warcio writes it (sha1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


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
        self._payloads: dict[tuple[str, str], StoredPayload] | None = None  # (url, digest) -> record, this run

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
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        self._rel = f"{self.portal}/{name}"
        self.files.append(self._rel)
        info = self._writer.create_warcinfo_record(name, {"software": f"govcrawl/{__version__} (warcio)", "format": "WARC File Format 1.1", "portal": self.portal, "run": self.run_id})
        self._writer.write_record(info)
        self._fh.flush()

    def write_record(self, record_type: str, uri: str, *, payload: bytes = b"", http_headers: StatusAndHeaders | None = None,
                     content_type: str = "", warc_headers: dict[str, str] | None = None) -> tuple[RecordLocation, dict]:
        """THE record writer: every record of the archive is written here, flushed on its own
        (a kill -9 loses at most the record being written). Returns its location and WARC headers."""
        if self._fh is None or self._fh.tell() >= self.max_bytes:
            self._open_next()
        hdrs = {k: _header_safe(v) for k, v in (warc_headers or {}).items()}
        hdrs.setdefault("WARC-Date", _warc_date(None))
        record = self._writer.create_warc_record(_header_safe(uri), record_type, payload=io.BytesIO(payload), length=len(payload),
                                                 http_headers=http_headers, warc_content_type=content_type, warc_headers_dict=hdrs)
        start = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        return RecordLocation(self._rel, start, self._fh.tell() - start), dict(record.rec_headers.headers)

    def write_exchange(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes, *,
                       request: HttpRequest | None = None, reason: str = "", protocol: str = "HTTP/1.1",
                       fetched_at: datetime | None = None, not_modified: StoredPayload | None = None,
                       prior: StoredPayload | None = None, extra: dict[str, str] | None = None) -> Exchange:
        """One HTTP exchange: its response (or revisit) record, then its request record.

        ``not_modified``: the stored payload a 304 answer confirms (a server-not-modified
        revisit). ``prior``: a stored record of this URL whose body may equal ``body`` (an
        earlier run's); with the same payload digest, or with one this run already archived
        under this URL, an identical-payload-digest revisit is written instead of the body.
        """
        date = _warc_date(fetched_at)
        status_line = f"{status} {reason}".strip() if reason else str(status)
        hdrs = [(k, v) for k, v in headers if k.lower() not in _FRAMING]
        warc_headers = {"WARC-Date": date, **(extra or {})}
        digest = payload_digest(body)
        ref = not_modified or self.stored_payload(url, digest)
        if ref is None and prior is not None and prior.digest == digest and prior.url == url:
            ref = prior
        if ref is not None:
            warc_headers.update({
                "WARC-Profile": PROFILE_NOT_MODIFIED if not_modified else PROFILE_IDENTICAL,
                "WARC-Refers-To": ref.record_id, "WARC-Refers-To-Target-URI": ref.url, "WARC-Refers-To-Date": ref.date,
                "WARC-Payload-Digest": ref.digest if not_modified else digest,
            })
            http = StatusAndHeaders(status_line, hdrs, protocol=protocol)
            written, rec_headers = self.write_record("revisit", url, http_headers=http, warc_headers=warc_headers)
            payload, rtype = ref.location, "revisit"
        else:
            # Content-Length describes the stored body (the handler undid chunking, not Content-Encoding).
            http = StatusAndHeaders(status_line, hdrs + [("Content-Length", str(len(body)))], protocol=protocol)
            warc_headers["WARC-Payload-Digest"] = digest
            written, rec_headers = self.write_record("response", url, payload=body, http_headers=http, warc_headers=warc_headers)
            payload, rtype = written, "response"
            if self._payloads is not None:
                self._payloads.setdefault((url, digest), StoredPayload(url, date, rec_headers["WARC-Record-ID"], digest, written))
        req_loc = None
        if request is not None:
            req_loc = self._write_request(url, request, date, rec_headers["WARC-Record-ID"])
        return Exchange(payload, written, rtype, date, req_loc)

    def _write_request(self, url: str, request: HttpRequest, date: str, concurrent_to: str) -> RecordLocation:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        hdrs = [(k, v) for k, v in request.headers if k.lower() not in _FRAMING]
        if not any(k.lower() == "host" for k, _ in hdrs):
            hdrs.insert(0, ("Host", parts.netloc))
        if request.body:
            hdrs.append(("Content-Length", str(len(request.body))))
        # The downloader speaks HTTP/1.1 whatever version the server answers in.
        http = StatusAndHeaders(f"{request.method} {target} HTTP/1.1", hdrs, protocol="HTTP/1.1", is_http_request=True)
        loc, _ = self.write_record("request", url, payload=request.body, http_headers=http,
                                   warc_headers={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to})
        return loc

    def write_response(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes, *, reason: str = "",
                       fetched_at: datetime | None = None, extra: dict[str, str] | None = None) -> RecordLocation:
        """A response record alone (no request known: benchmarks, tests)."""
        return self.write_exchange(url, status, headers, body, reason=reason, fetched_at=fetched_at, extra=extra).payload

    def write_resource(self, uri: str, body: bytes, content_type: str, *, filename: str | None = None, extra: dict[str, str] | None = None) -> RecordLocation:
        warc_headers = {"WARC-Govcrawl-Filename": filename} if filename else {}
        warc_headers.update(extra or {})
        return self.write_record("resource", uri, payload=body, content_type=content_type, warc_headers=warc_headers)[0]

    # -- what this run has stored (no duplicate payloads after a kill and resume) ---------------
    def stored_payload(self, url: str, digest: str) -> StoredPayload | None:
        """The response record this run (this process or an earlier one with the same run id,
        i.e. a killed crawl being resumed) wrote for ``url`` with this payload, if any."""
        if self._payloads is None:
            self._payloads = {}
            folder = self.root / self.portal
            for path in sorted(folder.glob(f"{self.run_id}-*.warc.gz")) if folder.is_dir() else ():
                if not re.fullmatch(rf"{re.escape(self.run_id)}-\d+\.warc\.gz", path.name):
                    continue  # another run whose id starts with ours (a distributed worker's)
                for p in scan_payloads(self.root, f"{self.portal}/{path.name}"):
                    self._payloads.setdefault((p.url, p.digest), p)
        return self._payloads.get((url, digest))

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
        encoding = (rec.http_headers.get_header("Content-Encoding") or "").lower()
        if encoding and encoding in BufferedReader.get_supported_decompressors():
            # content_stream() decoded the body: the headers describe what the reader gets.
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
            headers.append(("Content-Length", str(len(body))))
        ctype = rec.http_headers.get_header("Content-Type")
    else:
        ctype = rec.rec_headers.get_header("Content-Type")
    return ArchivedRecord(
        file=rel, offset=offset, length=length, record_type=rec.rec_type,
        url=rec.rec_headers.get_header("WARC-Target-URI"), status=status, content_type=ctype,
        headers=headers, body=body, warc_headers=dict(rec.rec_headers.headers),
    )


def _stored(headers: dict, loc: RecordLocation) -> StoredPayload:
    return StoredPayload(headers.get("WARC-Target-URI") or "", headers.get("WARC-Date") or "",
                         headers.get("WARC-Record-ID") or "", headers.get("WARC-Payload-Digest") or "", loc)


def read_payload_info(root: str | Path, loc: RecordLocation) -> StoredPayload | None:
    """The WARC headers of the response record at ``loc`` (what a revisit refers to), read
    without decompressing its body; None when it is not a response record."""
    path = Path(root) / loc.file
    if not path.exists() and path.with_name(path.name + OPEN_SUFFIX).exists():
        path = path.with_name(path.name + OPEN_SUFFIX)
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        raw = fh.read(min(loc.length, 64 * 1024))
    head = zlib.decompressobj(wbits=31).decompress(raw, 32 * 1024)
    block = head.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    headers = dict(line.split(": ", 1) for line in block[1:] if ": " in line)
    if not block[0].startswith("WARC/") or headers.get("WARC-Type") != "response":
        return None
    return _stored(headers, loc)


def scan_payloads(root: str | Path, rel: str) -> Iterator[StoredPayload]:
    """Every response record of one file, as StoredPayload (bodies are not kept)."""
    prefix = complete_prefix(Path(root) / rel)
    with open(Path(root) / rel, "rb") as fh:
        it = ArchiveIterator(fh)
        try:
            for rec in it:
                is_response = rec.rec_type == "response"
                headers = dict(rec.rec_headers.headers) if is_response else None
                it.read_to_end()
                offset = it.get_record_offset()
                if offset >= prefix.complete:
                    break
                if headers and headers.get("WARC-Payload-Digest"):
                    yield _stored(headers, RecordLocation(rel, offset, it.get_record_length()))
        except Exception:  # a damaged file: what was read is what we know
            return


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
