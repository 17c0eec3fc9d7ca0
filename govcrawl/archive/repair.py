"""Crash safety for WARC files: find the complete prefix, repair files a killed writer left.

Our writer puts each record in its own gzip member, so "complete" is exact: a
member is complete when zlib reaches its end and its CRC checks out. warcio
itself reads a torn last member without complaint (it yields a short record),
which is why readers and the repair use this scan instead.

A writer writes ``<name>.warc.gz.open`` while it holds an exclusive ``flock``
on it and renames it to ``<name>.warc.gz`` on close. A ``.open`` file nobody
holds a lock on was left by a killed process: ``repair_open_files`` truncates
it to its last complete record and gives it its final name.
"""
from __future__ import annotations

import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX; elsewhere we cannot tell a live writer from a dead one, so we never repair
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
_CHUNK = 1 << 20


@dataclass
class Prefix:
    complete: int  # bytes of complete gzip members from the start of the file
    size: int  # file size
    reason: str | None = None  # why the tail after ``complete`` is not a record

    @property
    def clean(self) -> bool:
        return self.complete == self.size


def complete_prefix(path: str | Path) -> Prefix:
    """Length of the longest run of complete gzip members at the start of ``path``."""
    size = os.path.getsize(path)
    complete = 0  # end offset of the last complete member
    consumed = 0  # bytes read from the file so far
    d = zlib.decompressobj(wbits=31)
    started = False  # has the current member received any bytes?
    with open(path, "rb") as fh:
        pending = b""
        while True:
            if not pending:
                pending = fh.read(_CHUNK)
                if not pending:
                    break
                consumed += len(pending)
            try:
                d.decompress(pending)
            except zlib.error as exc:
                return Prefix(complete, size, f"corrupt gzip member at offset {complete}: {exc}")
            started = True
            if d.eof:  # member done, CRC checked: the next one starts in the unused bytes
                pending = d.unused_data
                complete = consumed - len(pending)
                d = zlib.decompressobj(wbits=31)
                started = False
            else:
                pending = b""
    if started or complete < size:
        return Prefix(complete, size, f"truncated record at offset {complete} ({size - complete} bytes of an incomplete gzip member)")
    return Prefix(complete, size)


def _locked_by_someone(fh) -> bool:
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    return False


def lock_for_writing(fh) -> None:
    """Mark ``fh`` as being written by this process (released by the OS when we die)."""
    if fcntl is not None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _written_by_us(path: Path) -> bool:
    """Does the file start with a govcrawl warcinfo record? Only such files are ever cut."""
    try:
        with open(path, "rb") as fh:
            head = zlib.decompressobj(wbits=31).decompress(fh.read(64 * 1024), 4096)
    except (OSError, zlib.error):
        return False
    return head.startswith(b"WARC/1.") and b"WARC-Type: warcinfo" in head and b"software: govcrawl/" in head


def repair_open_files(folder: str | Path) -> list[tuple[str, int]]:
    """Repair every ``*.warc.gz.open`` in ``folder`` whose writer is gone.

    Returns (final name, bytes cut) for each repaired file. A file still locked
    by a live writer is left alone.
    """
    repaired: list[tuple[str, int]] = []
    folder = Path(folder)
    if fcntl is None or not folder.is_dir():
        return repaired
    for path in sorted(folder.glob(f"*.warc.gz{OPEN_SUFFIX}")):
        if not _written_by_us(path):
            log.warning("not repairing %s: not a WARC file govcrawl wrote (left as it is)", path)
            continue
        with open(path, "r+b") as fh:
            if _locked_by_someone(fh):
                continue
            prefix = complete_prefix(path)
            if not prefix.clean:
                fh.truncate(prefix.complete)
            fh.flush()
            os.fsync(fh.fileno())
            final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
            os.replace(path, final)  # still under our lock: no one else repairs it twice
        cut = prefix.size - prefix.complete
        log.warning("repaired WARC %s left by a stopped writer (%d bytes of a torn record cut)", final, cut)
        repaired.append((final.name, cut))
    return repaired


def repair_archive(root: str | Path) -> list[tuple[str, int]]:
    """``repair_open_files`` for every folder of an archive."""
    root = Path(root)
    out: list[tuple[str, int]] = []
    if not root.is_dir():
        return out
    for folder in sorted({p.parent for p in root.rglob(f"*.warc.gz{OPEN_SUFFIX}")}):
        out += [(f"{folder.relative_to(root).as_posix()}/{name}", cut) for name, cut in repair_open_files(folder)]
    return out
