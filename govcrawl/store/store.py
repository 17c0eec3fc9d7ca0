"""SQLite store (via sqlite-utils): pages, reports, stats, checks, runs.

One writer per process; WAL mode so Datasette or pandas can read while a crawl
writes. Every write that belongs together (a report with its stats and checks)
happens in one transaction, so a kill leaves the DB consistent.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..extract.model import Document


def _import_sqlite_utils():
    """sqlite-utils, imported as on an install without pandas (pandas is only a test extra here).

    When pandas is importable, sqlite-utils imports it at once, only to map ``pd.Timestamp`` to
    TEXT, which govcrawl never stores: 0.3–1 s of every command's start-up (the crawl, reparse)."""
    import sys

    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        import sqlite_utils
        return sqlite_utils
    sys.modules["pandas"] = None  # makes `import pandas` raise ImportError, which sqlite-utils expects
    try:
        import sqlite_utils
    finally:
        del sys.modules["pandas"]
    return sqlite_utils


sqlite_utils = _import_sqlite_utils()

SCHEMA_VERSION = 3  # 2: foreign keys declared on reports/pages (ids link in Datasette), analysis views;
# 3: the full-text index is brought up to date once per transaction (reports_fts_pending), and
# output_fingerprints. An older govcrawl would leave the index behind: it must refuse a v3 DB.


class SchemaError(RuntimeError):
    """The DB was written by an incompatible govcrawl; we refuse to touch it."""


class StoreBusy(sqlite3.OperationalError):
    """Another process held the DB's write lock for longer than ``Store.write_patience``."""


# Per process: the Store that keeps a transaction open across event-loop turns, per DB file, and
# how to end it (Store.hold_open).
_HELD: dict[str, tuple["Store", Any]] = {}


_AUTOCHECKPOINT = 1000  # SQLite's default: a commit that leaves the WAL over this many pages checkpoints it

# SQLite's own wait for a lock, per attempt; transaction() retries with backoff on top of it.
BUSY_TIMEOUT = float(os.environ.get("GOVCRAWL_DB_BUSY_TIMEOUT", "5"))
WRITE_PATIENCE = float(os.environ.get("GOVCRAWL_DB_WRITE_PATIENCE", "600"))


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


_PAGES = {
    "id": int, "url": str, "canonical_url": str, "method": str, "status": int, "content_type": str,
    "fetched_at": str, "sha256": str, "size": int, "warc_file": str, "warc_offset": int, "warc_length": int,
    "portal": str, "run_id": str, "role": str, "referer": str, "depth": int, "etag": str,
    "last_modified": str, "error": str, "skip_reason": str, "report_id": int,
    "fetch_key": str,  # distributed crawls: run + request fingerprint, so a redelivered item is stored once
}
_REPORTS = {
    "id": int, "page_id": int, "url": str, "canonical_url": str, "portal": str, "kind": str,
    "title": str, "jurisdiction": str, "agency": str, "year": int, "published": str, "breadcrumb": str,
    "format": str, "text_sha256": str, "input_sha256": str, "duplicate_of": int,
    "duplicate_kind": str, "version": int, "previous_version_id": int, "superseded_by": int,
    "extractor_version": str, "error": str, "warc_file": str, "warc_offset": int, "warc_length": int,
    "stats_count": int, "checks_count": int, "created_at": str, "updated_at": str,
    # How the input was read (html, pdf, ocr for a scan, doc, docx, xls, xlsx …: Document.kind).
    "read_as": str,
    # A spreadsheet annex (统计表.xlsx/.xls/.et beside a report): the canonical URL of the page that
    # links it, and that page's report once stored. Not a report of its own (views leave it out).
    "annex_to": str, "annex_of": int,
    # Last: a column stored after a long text is read by walking the text's overflow pages,
    # which every lookup of duplicate_of, superseded_by or extractor_version would pay.
    "text": str,
}
_STATS = {"id": int, "report_id": int, "key": str, "value": float, "unit": str, "source": str,
          "evidence": str, "derived": int, "approx": int,
          "read": str}  # grid / text / prose / sum: how the number was read (Stat.read)
_CHECKS = {"id": int, "report_id": int, "rule": str, "expected": float, "stated": float, "detail": str}
_TABLES = {"pages": _PAGES, "reports": _REPORTS}
# Statements built once from the schema above (column names, never values).
_INSERT_SQL = {t: "insert into %s (%s) values (%s)" % (t, ", ".join(cols), ", ".join("?" * len(cols))) for t, cols in _TABLES.items()}
# A newer extractor's output for the same input: every output column; page and WARC location
# only when given (NULL keeps the stored one).
_UPDATE_REPORT_COLUMNS = ("url", "canonical_url", "portal", "kind", "title", "jurisdiction", "agency", "year", "published",
                          "breadcrumb", "format", "text", "text_sha256", "input_sha256", "extractor_version", "error",
                          "stats_count", "checks_count", "updated_at", "page_id", "warc_file", "warc_offset", "warc_length",
                          "read_as", "annex_to", "annex_of")
# A report's first fetch as its page (guarded: every UPDATE of reports also rewrites its full-text index entry).
_SET_PAGE_ID_SQL = ("update reports set page_id = (select min(id) from pages where report_id = ?) "
                    "where id = ? and page_id is null and exists (select 1 from pages where report_id = ?)")
_KEEP_IF_NULL = {"page_id", "warc_file", "warc_offset", "warc_length", "annex_of"}
_UPDATE_REPORT_SQL = "update reports set %s where id = ?" % ", ".join(
    f"{c} = coalesce(?, {c})" if c in _KEEP_IF_NULL else f"{c} = ?" for c in _UPDATE_REPORT_COLUMNS)
# reparse_state: which extractor version has seen which input (canonical URL, body sha256), and
# its output's fingerprint; written by every path (crawl, reparse, import), read by reparse to skip.
_STATE = {"canonical_url": str, "input_sha256": str, "extractor_version": str, "output_sha256": str,
          "report_id": int, "skip_reason": str, "updated_at": str}
# The full-text index's own settings (its config table, so every writer of the DB uses them; Store._fts_config):
# automerge: segments per level it lets pile up before merging them; hashsize: bytes of pending
# index entries held in memory before they are written out as a segment (default 1 MiB: a
# reparse batch of 100 reports wrote several segments, and merged them, per commit).
FTS_CONFIG = {"automerge": 16, "hashsize": 8 * 1024 * 1024}
# The trigram index is not updated row by row: triggers note the changed reports (and, for a row
# the index holds, the title and text it was indexed with, which FTS5 needs to delete its entries)
# and the index is updated for all of them in two statements when the transaction commits
# (Store._flush_fts). Searches treat rows still noted as unindexed (views.search).
_FTS_PENDING = ("create table if not exists reports_fts_pending "
                "(rowid integer primary key, indexed integer not null, title text, text text)")
_FTS_TRIGGERS = {
    "reports_ai": """CREATE TRIGGER "reports_ai" AFTER INSERT ON "reports" BEGIN
  INSERT OR IGNORE INTO reports_fts_pending (rowid, indexed) VALUES (new.rowid, 0);
END""",
    "reports_ad": """CREATE TRIGGER "reports_ad" AFTER DELETE ON "reports" BEGIN
  INSERT OR IGNORE INTO reports_fts_pending (rowid, indexed, title, text) VALUES (old.rowid, 1, old."title", old."text");
END""",
    # Only a changed title or text: a newer extractor's update sets every output column, also
    # when only its statistics changed. OR IGNORE: a row noted already keeps what the index holds.
    "reports_au": """CREATE TRIGGER "reports_au" AFTER UPDATE OF "title", "text" ON "reports"
  WHEN old."title" IS NOT new."title" OR old."text" IS NOT new."text" BEGIN
  INSERT OR IGNORE INTO reports_fts_pending (rowid, indexed, title, text) VALUES (old.rowid, 1, old."title", old."text");
END""",
}
_DROP_TRIGGER = {name: 'DROP TRIGGER "%s"' % name for name in _FTS_TRIGGERS}  # names from the dict above, never values
_FTS_FLUSH = (
    "insert into reports_fts (reports_fts, rowid, title, text) select 'delete', rowid, title, text "
    "from reports_fts_pending where indexed",
    "insert into reports_fts (rowid, title, text) select r.rowid, r.title, r.text "
    "from reports_fts_pending p join reports r on r.rowid = p.rowid",
    "delete from reports_fts_pending",
)
# output_fingerprints: the fingerprint (fingerprint.py) of each report's stored output, so that
# record_document decides "unchanged" without reading the text and statistics back. Kept right by
# the DB itself: any write of a report's output columns, stats or checks, by govcrawl or anyone
# else (a hand edit, a script), drops the row's fingerprint, and it is then computed from the rows.
_FP_COLUMNS = '"id", "title", "jurisdiction", "agency", "year", "published", "format", "breadcrumb", "text", "error", "read_as", "annex_to"'
_FP_SCHEMA = [
    "create table if not exists output_fingerprints (report_id integer primary key, sha256 text not null)",
    "create trigger if not exists output_fp_reports_ai after insert on reports begin "
    "delete from output_fingerprints where report_id = new.id; end",
    "create trigger if not exists output_fp_reports_ad after delete on reports begin "
    "delete from output_fingerprints where report_id = old.id; end",
    f"create trigger if not exists output_fp_reports_au after update of {_FP_COLUMNS} on reports begin "
    "delete from output_fingerprints where report_id in (old.id, new.id); end",
] + [
    stmt for table in ("stats", "checks") for stmt in (
        f"create trigger if not exists output_fp_{table}_ai after insert on {table} begin "
        "delete from output_fingerprints where report_id = new.report_id; end",
        f"create trigger if not exists output_fp_{table}_ad after delete on {table} begin "
        "delete from output_fingerprints where report_id = old.report_id; end",
        f"create trigger if not exists output_fp_{table}_au after update on {table} begin "
        "delete from output_fingerprints where report_id in (old.report_id, new.report_id); end",
    )
]
# stage_cache: the extractor's text stage output per input (extract/stages.py), keyed by that
# stage's version, so reparse re-runs only the later stages when only their code changed.
_STAGE_CACHE = {"canonical_url": str, "input_sha256": str, "text_version": str, "meta_version": str, "data": bytes}
# archive_listing: the report candidates of each WARC file reparse has read whole (Store.archive_listing),
# so that a later reparse need not decompress and hash every record again to know what it holds.
_ARCHIVE_LISTING = {"root": str, "file": str, "size": int, "mtime_ns": int, "entries": bytes}
_RUNS = {"id": str, "kind": str, "portal": str, "started_at": str, "ended_at": str, "status": str,
         "counts": str, "args": str, "extractor_version": str}


class Listing:
    """The entries (JSON arrays) of one WARC file's listing, compressed as they are added and
    decompressed as they are read: a WARC file of 20,000 reports held as Python lists cost the
    reparse writer ~19 MB live (26 MB at its peak), the compressed JSON lines ~1 MB."""

    def __init__(self):
        self._z = zlib.compressobj()
        self._parts: list[bytes] = []

    def add(self, entry: list) -> None:
        self._parts.append(self._z.compress(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"))

    def blob(self) -> bytes:
        return b"".join(self._parts) + self._z.flush()

    @staticmethod
    def entries(blob: bytes, chunk: int = 1 << 16) -> Iterator[list]:
        """The entries of ``blob``, one JSON line at a time. Reads the former format too (one JSON
        array of all entries, schema 3 before this class), which it must load whole."""
        z = zlib.decompressobj()
        head, rest = b"", b""
        for i in range(0, len(blob), chunk):
            rest += z.decompress(blob[i:i + chunk])
            if not head and rest:
                head = rest[:1]
                if head == b"[" and rest[1:2] in (b"[", b"]"):  # the former one-array listing
                    yield from json.loads(rest + z.decompress(blob[i + chunk:]) + z.flush())
                    return
            *lines, rest = rest.split(b"\n")
            for line in lines:
                yield json.loads(line)
        rest += z.flush()
        for line in rest.split(b"\n"):
            if line:
                yield json.loads(line)


@dataclass
class Recorded:
    """What ``Store.record_document`` did with a document."""
    what: str  # save_report's "new" | "new_version" | "updated" | "unchanged", or "not_report"
    report_id: int | None  # the report row (for a non-report: the row an older extractor made of it, if any)
    existed: bool  # a report row for this very input (URL and bytes) was there before
    changed: bool  # anything in the DB changed
    reason: str | None = None  # why it is not a report


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.migration_backup: Path | None = None  # set when opening migrated an older DB
        self._tx_depth = 0
        self._key = os.path.realpath(self.path) if self.path != ":memory:" else None  # for _HELD (hold_open)
        self._index_apart = False
        self._fts_conn: sqlite3.Connection | None = None
        # How long a write waits for another process's write lock before giving up with StoreBusy
        # (reparse and import wait; the crawl waits briefly and spools the item, pipelines/store.py).
        self.write_patience = self.default_patience = WRITE_PATIENCE
        try:
            self._busy_ms = int(BUSY_TIMEOUT * 1000)
            self.db.execute("PRAGMA busy_timeout=%d" % self._busy_ms)
            self._retry_locked(self._ensure_schema)  # first: a DB we refuse is left byte-for-byte untouched (no WAL switch)
            if self.path != ":memory:":
                self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise SchemaError(f"{self.path}: not a usable SQLite database ({exc})") from None
        except SchemaError:
            conn.close()
            raise

    def _retry_locked(self, fn) -> None:
        # Opening writes (schema check, meta): wait out another writer like transaction() does.
        deadline = time.monotonic() + self.write_patience
        while True:
            self._end_others_hold()
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not is_lock_error(exc) or time.monotonic() > deadline:
                    raise
                if self.db.conn.in_transaction:
                    self.db.conn.rollback()
                time.sleep(0.5)

    # -- schema ---------------------------------------------------------------
    def _ensure_schema(self) -> None:
        from . import schema, views

        db = self.db
        tables = {"pages": _PAGES, "reports": _REPORTS, "stats": _STATS, "checks": _CHECKS, "runs": _RUNS}
        try:
            plan = schema.plan(db, tables)
        except ValueError as exc:
            raise SchemaError(f"{self.path} {exc}; refusing to modify it") from None
        version = plan.version
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaError(f"{self.path} has schema version {version}, newer than this govcrawl ({SCHEMA_VERSION}); upgrade govcrawl")
        if plan.conflicts:
            raise SchemaError(f"{self.path} (schema version {version}) cannot be migrated: {'; '.join(plan.conflicts)}; refusing to modify it")
        if plan.changes or (version is not None and version < SCHEMA_VERSION):
            self.migration_backup = schema.backup(db.conn, self.path, version)
            schema.apply(db, plan)
            with db.conn:
                db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
                db["meta"].upsert({"key": "migrated_from", "value": str(version)}, pk="key")
                db["meta"].upsert({"key": "migrated_at", "value": now()}, pk="key")
                db["meta"].upsert({"key": "migration_added_columns",
                                   "value": json.dumps([f"{t}.{c}" for t, c, _ in plan.add_columns])}, pk="key")
        with db.conn:
            db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
            db["pages"].create(_PAGES, pk="id", if_not_exists=True)
            db["reports"].create(_REPORTS, pk="id", if_not_exists=True)
            db["stats"].create(_STATS, pk="id", foreign_keys=[("report_id", "reports", "id")], if_not_exists=True)
            db["checks"].create(_CHECKS, pk="id", foreign_keys=[("report_id", "reports", "id")], if_not_exists=True)
            db["runs"].create(_RUNS, pk="id", if_not_exists=True)
            db["reparse_state"].create(_STATE, pk=("canonical_url", "input_sha256"), if_not_exists=True)
            db["stage_cache"].create(_STAGE_CACHE, pk=("canonical_url", "input_sha256"), if_not_exists=True)
            db["archive_listing"].create(_ARCHIVE_LISTING, pk=("root", "file"), if_not_exists=True)
            for table, cols in (("pages", ["canonical_url"]), ("pages", ["sha256"]), ("pages", ["run_id"]), ("pages", ["fetch_key"]),
                                ("reports", ["canonical_url"]), ("reports", ["text_sha256"]),
                                ("reports", ["input_sha256"]), ("reports", ["duplicate_of"]),  # near-dup relinking
                                ("stats", ["report_id"]), ("stats", ["key"]),
                                ("checks", ["report_id"])):
                db[table].create_index(cols, if_not_exists=True)
            # Linking an annex to its page looks rows up by annex_to for every new report; without an
            # index that is a scan of all reports per report (13% of reparse's writer at 1,000
            # records, growing with the DB). Partial: only annexes have one, so it stays tiny.
            db.execute("create index if not exists idx_reports_annex_to on reports (annex_to) where annex_to is not null")
            # A new report finds its fetches by report_id (_SET_PAGE_ID_SQL, queries.py's joins): without
            # an index, a scan of every page per report, which grows with the crawl. Partial: most pages
            # (lists, navigation, skipped fetches) have none.
            db.execute("create index if not exists idx_pages_report_id on pages (report_id) where report_id is not null")
            db["meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
        fks = views.missing_foreign_keys(db)
        if fks:
            with db.conn:
                views.add_foreign_keys(db, fks)
        if "reports_fts" not in db.table_names():
            db["reports"].enable_fts(["title", "text"], create_triggers=True, tokenize="trigram")
        with db.conn:
            self._fts_triggers()
            for stmt in _FP_SCHEMA:
                db.execute(stmt)
            self._flush_fts()  # rows changed by another program since the last govcrawl write
        self._fts_config()
        with db.conn:
            views.ensure_views(db)

    def _fts_triggers(self) -> None:
        # sqlite-utils' triggers (and those of schema 2) index each row as it is written; each FTS5
        # row update costs ~2 ms (tokenising 3k characters of trigrams, writing segments), the
        # largest part of the writer. Replaced by triggers that only note the rows (_FTS_TRIGGERS).
        db = self.db
        db.execute(_FTS_PENDING)
        have = dict(db.execute("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'reports'").fetchall())
        for name, sql in _FTS_TRIGGERS.items():
            if have.get(name) != sql:
                if name in have:
                    db.execute(_DROP_TRIGGER[name])
                db.execute(sql)

    def _flush_fts(self, conn: sqlite3.Connection | None = None) -> None:
        """Bring the full-text index up to date for the reports noted in reports_fts_pending
        (over ``conn``, default this Store's own connection)."""
        conn = conn or self.db.conn
        if conn.execute("select 1 from reports_fts_pending limit 1").fetchone() is not None:
            for stmt in _FTS_FLUSH:
                conn.execute(stmt)

    @property
    def index_apart(self) -> bool:
        """True: transactions leave changed reports noted in reports_fts_pending (searches stay
        exact) and the owner brings the index up to date with ``flush_fts_apart``, in another
        thread (the crawl's store stage). The WAL checkpoints are that connection's then too:
        this one's commits no longer copy the WAL back into the DB file on their way."""
        return self._index_apart

    @index_apart.setter
    def index_apart(self, on: bool) -> None:
        if self.path != ":memory:":
            self.db.conn.execute("PRAGMA wal_autocheckpoint=%d" % (0 if on else _AUTOCHECKPOINT))
        self._index_apart = bool(on)

    def fts_pending(self) -> int:
        """How many reports are noted for the full-text index and not yet in it."""
        return self.db.conn.execute("select count(*) from reports_fts_pending").fetchone()[0]

    def flush_fts_apart(self) -> None:
        """Bring the full-text index up to date over a connection of its own, in a transaction of its own.

        For another thread (the crawl runs it beside Scrapy's reactor): the index update is a few
        statements whose work is all inside SQLite, which runs without the GIL. The caller must not
        write through this Store meanwhile (it would wait for this transaction's lock); reads are
        fine (WAL). Raises StoreBusy if another process keeps the write lock past the busy timeout:
        the rows stay noted, for the next update."""
        conn = self._fts_conn
        if conn is None:
            conn = self._fts_conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False,
                                                    isolation_level=None)  # autocommit: BEGIN/COMMIT are ours
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_lock_error(exc):
                raise StoreBusy(f"{self.path}: full-text index not updated, the DB is busy ({exc})") from None
            raise
        try:
            self._flush_fts(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _fts_config(self) -> None:
        # FTS5 merges its index segments as they pile up, at every commit that adds one (the crawl
        # commits per item): with the default of 4 segments per level that merging was ~1/4 of
        # indexing a report. 16 per level: the index holds the same entries (searches give the same
        # rows, as fast within measuring noise), indexing costs 2.6-2.8 -> 2.0 ms per report (bench/NOTES.md).
        have = dict(self.db.execute("select k, v from reports_fts_config").fetchall())
        todo = {k: v for k, v in FTS_CONFIG.items() if have.get(k) != v}
        if todo:
            with self.db.conn:
                for k, v in todo.items():
                    self.db.execute("insert into reports_fts (reports_fts, rank) values (?, ?)", [k, v])

    # -- transactions -----------------------------------------------------------
    @contextmanager
    def transaction(self):
        """One transaction, committed on exit, rolled back on an error. Nested uses join the outer
        one, so a caller can group many reports into one commit (reparse does, per batch)."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield
            finally:
                self._tx_depth -= 1
            return
        self._tx_depth = 1
        try:
            self._begin_immediate()
            with self.db.conn:  # commits on exit, rolls back on an error
                yield
                if not self._index_apart:
                    self._flush_fts()
        finally:
            self._tx_depth = 0

    def hold_open(self, end) -> None:
        """Say that this Store keeps its transaction open across turns of the caller's event loop
        (the crawl's store stage, between its group's items); ``end()`` commits it. Another Store
        of this process on the same DB (``govcrawl crawl --all`` runs one per portal, in the
        same reactor thread) calls ``end`` before it waits for the write lock: waiting there, it
        would hold up the very thread that must commit, until its patience ran out."""
        if self._key is not None:
            _HELD[self._key] = (self, end)

    def release_hold(self) -> None:
        if self._key is not None and _HELD.get(self._key, (None,))[0] is self:
            del _HELD[self._key]

    def _end_others_hold(self) -> None:
        held = _HELD.get(self._key) if self._key is not None else None
        if held is not None and held[0] is not self:
            held[1]()

    def _begin_immediate(self) -> None:
        """Take the write lock now, waiting (busy timeout, then backoff) up to ``write_patience``.

        IMMEDIATE, not a deferred BEGIN: a deferred transaction that has read and then must
        write fails at once with "database is locked" when another writer got in between
        (SQLite cannot wait there without risking deadlock) — the loss seen with two writers.
        Once the lock is held, no statement of the transaction can meet a busy DB (WAL).
        sqlite-utils' Database.execute would also commit a lone write at once without it."""
        conn = self.db.conn
        if conn.in_transaction:
            return
        self._end_others_hold()
        deadline = time.monotonic() + self.write_patience
        pause = 0.05
        wait_ms = int(min(BUSY_TIMEOUT, self.write_patience) * 1000)
        if wait_ms != self._busy_ms:
            conn.execute("PRAGMA busy_timeout=%d" % int(wait_ms))  # an int: PRAGMA takes no parameters
            self._busy_ms = wait_ms
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_lock_error(exc):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreBusy(f"{self.path}: another process holds the write lock ({exc}); "
                                    f"gave up after {self.write_patience:g} s") from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, 2.0)

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        # Plain parameterised SQL: sqlite-utils' insert inspects the table on every call, and
        # commits on its own (which would end a caller's transaction). Absent columns are NULL.
        columns = _TABLES[table]
        return self.db.conn.execute(_INSERT_SQL[table], [row.get(c) for c in columns]).lastrowid

    # -- runs -----------------------------------------------------------------
    def start_run(self, run_id: str, kind: str, portal: str | None = None, args: dict | None = None, extractor_version: str | None = None) -> str:
        with self.transaction():
            self.db["runs"].upsert({"id": run_id, "kind": kind, "portal": portal, "started_at": now(), "status": "running",
                                    "args": json.dumps(args or {}, ensure_ascii=False), "extractor_version": extractor_version}, pk="id")
        return run_id

    def finish_run(self, run_id: str, counts: dict, status: str = "finished") -> None:
        with self.transaction():
            self.db["runs"].update(run_id, {"ended_at": now(), "status": status, "counts": json.dumps(counts, ensure_ascii=False, sort_keys=True)})

    def close_killed_runs(self) -> list[str]:
        """Runs still ``running`` when a new writer starts were killed (a live one would hold the
        writer lock, govcrawl/store/writelock.py): close them as ``killed``."""
        with self.transaction():
            ids = [r[0] for r in self.db.execute("select id from runs where status = 'running'").fetchall()]
            self.db.execute("update runs set status = 'killed', ended_at = coalesce(ended_at, ?) where status = 'running'", [now()])
        return ids

    def set_run_counts(self, run_id: str, counts: dict) -> None:
        with self.transaction():
            self.db["runs"].update(run_id, {"counts": json.dumps(counts, ensure_ascii=False, sort_keys=True)})

    # -- pages ----------------------------------------------------------------
    def page_seen(self, canonical_url: str, body_sha: str) -> bool:
        row = self.db.execute("select 1 from pages where canonical_url = ? and sha256 = ? limit 1", [canonical_url, body_sha]).fetchone()
        return row is not None

    def page_in_run(self, canonical_url: str, run_id: str) -> bool:
        return self.db.execute("select 1 from pages where canonical_url = ? and run_id = ? limit 1", [canonical_url, run_id]).fetchone() is not None

    def page_by_fetch_key(self, fetch_key: str) -> int | None:
        row = self.db.execute("select id from pages where fetch_key = ? limit 1", [fetch_key]).fetchone()
        return row[0] if row else None

    def run_exists(self, run_id: str) -> bool:
        return self.db.execute("select 1 from runs where id = ?", [run_id]).fetchone() is not None

    def run_counts(self, run_id: str) -> dict:
        row = self.db.execute("select counts from runs where id = ?", [run_id]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def page_counts_by_role(self, run_id: str) -> dict:
        return dict(self.db.execute("select role, count(*) from pages where run_id = ? group by role", [run_id]).fetchall())

    def iter_latest_pages(self) -> Iterator[dict]:
        """The newest 2xx row of every canonical URL (what a revisit lookup, ``latest_page``, finds)."""
        sql = ("select canonical_url, sha256, status, etag, last_modified, warc_file, warc_offset, warc_length, run_id "
               "from pages where id in (select max(id) from pages where canonical_url is not null "
               "and status between 200 and 299 group by canonical_url)")
        yield from self.db.query(sql)

    def iter_latest_archived_pages(self) -> Iterator[dict]:
        """Every URL's latest pages row with a WARC record, any status (what ``latest_archived_page`` finds)."""
        sql = ("select canonical_url, warc_file, warc_offset, warc_length from pages where id in (select max(id) from pages "
               "where canonical_url is not null and warc_file is not null group by canonical_url)")
        yield from self.db.query(sql)

    def iter_seen_pages(self) -> Iterator[dict]:
        """Every (URL, body) fetched before, any status, and whether it made a report (what ``seen_page`` finds)."""
        sql = ("select canonical_url, sha256, min(status) as status, max(report_id is not null) as report "
               "from pages where canonical_url is not null and sha256 is not null group by canonical_url, sha256")
        yield from self.db.query(sql)

    def seen_page(self, canonical_url: str, body_sha: str) -> dict | None:
        """The earlier fetch with this URL and body (its status and report), if any."""
        row = self.db.execute("select status, report_id from pages where canonical_url = ? and sha256 = ? "
                              "order by report_id is null limit 1", [canonical_url, body_sha]).fetchone()
        return {"status": row[0], "report_id": row[1]} if row else None

    def latest_page(self, canonical_url: str) -> dict | None:
        rows = list(self.db.query(
            "select * from pages where canonical_url = ? and status between 200 and 299 order by id desc limit 1", [canonical_url]))
        return rows[0] if rows else None

    def latest_archived_page(self, canonical_url: str) -> dict | None:
        """The URL's latest pages row with a WARC record, whatever its status (the archive's revisits)."""
        row = self.db.execute("select warc_file, warc_offset, warc_length from pages where canonical_url = ? and warc_file is not null "
                              "order by id desc limit 1", [canonical_url]).fetchone()
        return {"warc_file": row[0], "warc_offset": row[1], "warc_length": row[2]} if row else None

    def add_page(self, row: dict[str, Any]) -> int:
        with self.transaction():
            return self._insert("pages", row)

    def page_in_run(self, canonical_url: str, run_id: str) -> bool:
        """A pages row for this URL in this run: written last, so the fetch was fully processed."""
        return self.db.execute("select 1 from pages where canonical_url = ? and run_id = ? limit 1",
                               [canonical_url, run_id]).fetchone() is not None

    def update_page(self, page_id: int, values: dict[str, Any]) -> None:
        with self.transaction():
            self.db["pages"].update(page_id, {k: v for k, v in values.items() if k in _PAGES})

    # -- reports --------------------------------------------------------------
    def save_report(self, doc: Document, *, url: str, canonical_url: str, input_sha256: str, portal: str | None,
                    kind: str, extractor_version: str, page_id: int | None = None,
                    warc: tuple[str, int, int] | None = None) -> tuple[int, str]:
        """Store a report and its stats/checks; return (report_id, what happened).

        What happened is "new", "new_version" (same URL, new content: the old
        row is kept and linked), "updated" (same input, newer extractor) or
        "unchanged".
        """
        db = self.db
        values = {
            "url": url, "canonical_url": canonical_url, "portal": portal, "kind": kind,
            "title": doc.title, "jurisdiction": doc.jurisdiction, "agency": doc.agency, "year": doc.year,
            "published": doc.published, "breadcrumb": json.dumps(doc.breadcrumb, ensure_ascii=False),
            "format": doc.format, "text": doc.text, "text_sha256": sha256(doc.text), "input_sha256": input_sha256,
            "extractor_version": extractor_version, "error": doc.error,
            "stats_count": len(doc.stats), "checks_count": len(doc.checks), "updated_at": now(),
            "read_as": doc.kind, "annex_to": getattr(doc, "annex_to", None),
        }
        if values["annex_to"]:
            values["annex_of"] = self._report_of(values["annex_to"])
        if page_id is not None:
            values["page_id"] = page_id
        if warc:
            values["warc_file"], values["warc_offset"], values["warc_length"] = warc
        with self.transaction():
            same = db.execute("select id, extractor_version from reports where canonical_url = ? and input_sha256 = ? order by id desc limit 1",
                              [canonical_url, input_sha256]).fetchone()
            if same:
                rid, old_version = same
                if old_version == extractor_version:
                    return rid, "unchanged"
                db.execute(_UPDATE_REPORT_SQL, [values.get(c) for c in _UPDATE_REPORT_COLUMNS] + [rid])
                self._replace_rows(rid, doc)
                self._link_exact_duplicate(rid, values["text_sha256"], canonical_url)
                return rid, "updated"
            prior = db.execute("select id, version from reports where canonical_url = ? and superseded_by is null order by id desc limit 1",
                               [canonical_url]).fetchone()
            values["created_at"] = values["updated_at"]
            values["version"] = (prior[1] or 1) + 1 if prior else 1
            values["previous_version_id"] = prior[0] if prior else None
            rid = self._insert("reports", values)
            if prior:
                db.execute("update reports set superseded_by = ? where id = ?", [rid, prior[0]])
            self._replace_rows(rid, doc)
            self._link_exact_duplicate(rid, values["text_sha256"], canonical_url)
            if not values["annex_to"]:
                self._link_annexes(rid, canonical_url)
        return rid, "new_version" if prior else "new"

    def _report_of(self, canonical_url: str) -> int | None:
        """The current report stored for a page (an annex's linking page), if any."""
        row = self.db.execute("select id from reports where canonical_url = ? and superseded_by is null and annex_to is null "
                              "order by id desc limit 1", [canonical_url]).fetchone()
        return row[0] if row else None

    def _link_annexes(self, report_id: int, canonical_url: str) -> None:
        # Spreadsheets fetched before the page that links them was stored: link them now.
        self.db.execute("update reports set annex_of = ? where annex_to = ? and annex_of is null", [report_id, canonical_url])

    def _linking_page(self, canonical_url: str, page: dict | None) -> str | None:
        """The canonical URL of the page that links this input (the fetch's referer, or an earlier fetch's)."""
        from w3lib.url import canonicalize_url

        referer = (page or {}).get("referer")
        if not referer:
            row = self.db.execute("select referer from pages where canonical_url = ? and referer is not null "
                                  "order by id desc limit 1", [canonical_url]).fetchone()
            referer = row[0] if row else None
        return canonicalize_url(referer) if referer else None

    # -- documents: the one write path of crawl, reparse and import ---------------
    def record_document(self, doc: Document, *, url: str, canonical_url: str, input_sha256: str, portal: str | None,
                        kind: str, warc: tuple[str, int, int] | None, extractor_version: str, page: dict | None = None,
                        index=None, sig=None, fp: str | None = None,
                        stage: tuple[str, str | None, bytes] | None = None) -> Recorded:
        """Bring the DB in line with ``doc``, extracted from the input (``canonical_url``, ``input_sha256``).

        Writes nothing when the output equals what is stored (fingerprint compare). A report is
        saved as new, a new version of its URL, or an update (``save_report``), then linked to
        exact (here) and near duplicates (``index``, a NearDupIndex; ``sig`` its MinHash if
        computed) and to the fetches of the same bytes (``pages``). A document that is not a
        report leaves its reason on those fetches and a note on a report row an older extractor
        made of it. ``page``: the row of the fetch that gave ``doc`` (the crawl), added last.
        Then the reparse state: this input was seen by ``extractor_version``, and ``stage`` —
        (text version, meta version, TextStage.dumps()) — the input's text stage output for the
        stage cache, when it was (re)computed. One transaction (or part of the caller's, see
        ``transaction``).
        """
        from .fingerprint import doc_fingerprint

        db = self.db
        if _is_annex(doc):
            # A statistics spreadsheet (no report title of its own) beside the page that links it:
            # kept as that report's annex, with its tables' statistics (README: Attachments).
            linking = self._linking_page(canonical_url, page)
            if linking and linking != canonical_url:
                _adopt_as_annex(doc, url, linking)
                fp = None
                if page is not None:
                    page = dict(page, skip_reason=None)
        fp = fp or doc_fingerprint(doc)
        with self.transaction():
            row = db.execute("select id from reports where canonical_url = ? and input_sha256 = ? order by id desc limit 1",
                             [canonical_url, input_sha256]).fetchone()
            existing = row[0] if row else None
            reason = None
            if doc.is_report:
                if existing is not None and self._stored_fingerprint(existing) == fp:
                    rid, what, changed = existing, "unchanged", False
                else:
                    rid, what = self.save_report(doc, url=url, canonical_url=canonical_url, input_sha256=input_sha256,
                                                 portal=portal, kind=kind, extractor_version=extractor_version, warc=warc)
                    if existing is None:  # e.g. a fetch an older extractor did not take as a report: link it
                        db.execute("update pages set report_id = ?, skip_reason = null where canonical_url = ? and sha256 = ? "
                                   "and report_id is null and status between 200 and 299", [rid, canonical_url, input_sha256])
                        db.execute(_SET_PAGE_ID_SQL, [rid, rid, rid])
                    if index is not None:
                        index.link(rid, sig)
                    if what != "unchanged":  # the rows are now this output (save_report keeps rows of the same version)
                        db.execute("insert or replace into output_fingerprints (report_id, sha256) values (?, ?)", [rid, fp])
                    changed = True
            else:
                rid, what, changed = None, "not_report", False
                reason = doc.skip_reason or doc.error or "not an annual report"
                if existing is not None:  # it was a report; under this extractor it is not: say so on the row, keep it
                    note = f"not a report under extractor {extractor_version}: {reason}"[:500]
                    if db.execute("select error from reports where id = ?", [existing]).fetchone()[0] != note:
                        db.execute("update reports set error = ?, extractor_version = ?, updated_at = ? where id = ?",
                                   [note, extractor_version, now(), existing])
                        changed = True
                cur = db.execute("update pages set skip_reason = ? where canonical_url = ? and sha256 = ? "
                                 "and status between 200 and 299 and report_id is null and coalesce(skip_reason, '') != ?",
                                 [reason, canonical_url, input_sha256, reason])
                changed = changed or bool(cur.rowcount)
            if page is not None:
                # The page row goes in last: it marks the fetch as fully processed, which a resumed
                # crawl relies on (govcrawl/crawl/revisit.py).
                self._add_fetch(page, rid)
            self._note_seen(canonical_url, input_sha256, extractor_version, fp, rid if doc.is_report else existing,
                            None if doc.is_report else (doc.skip_reason or doc.error), stage)
        return Recorded(what, rid if doc.is_report else existing, existing is not None, changed, reason)

    def _note_seen(self, canonical_url: str, input_sha256: str, extractor_version: str, fp: str, report_id: int | None,
                   skip_reason: str | None, stage: tuple | None) -> None:
        self.db.execute("insert or replace into reparse_state (canonical_url, input_sha256, extractor_version, output_sha256, "
                        "report_id, skip_reason, updated_at) values (?, ?, ?, ?, ?, ?, ?)",
                        [canonical_url, input_sha256, extractor_version, fp, report_id, skip_reason, now()])
        if stage is not None:
            self.db.execute("insert or replace into stage_cache (canonical_url, input_sha256, text_version, meta_version, data) "
                            "values (?, ?, ?, ?, ?)", [canonical_url, input_sha256, *stage])

    def stored_output(self, canonical_url: str, input_sha256: str) -> str | None:
        """The output fingerprint kept for the report of this input, if any (what record_document compares with)."""
        row = self.db.execute("select f.sha256 from (select id from reports where canonical_url = ? and input_sha256 = ? "
                              "order by id desc limit 1) r join output_fingerprints f on f.report_id = r.id",
                              [canonical_url, input_sha256]).fetchone()
        return row[0] if row else None

    def record_unchanged(self, *, canonical_url: str, input_sha256: str, extractor_version: str, fp: str,
                         stage: tuple | None = None) -> Recorded | None:
        """What ``record_document`` does for a report whose output ``fp`` is the one stored, without the
        Document (reparse's workers compare with ``stored_output`` and send back only the fingerprint).
        None when the stored fingerprint is no longer ``fp``: the caller records the Document."""
        with self.transaction():
            row = self.db.execute("select r.id, f.sha256 from (select id from reports where canonical_url = ? and input_sha256 = ? "
                                  "order by id desc limit 1) r left join output_fingerprints f on f.report_id = r.id",
                                  [canonical_url, input_sha256]).fetchone()
            if row is None or row[1] != fp:
                return None
            self._note_seen(canonical_url, input_sha256, extractor_version, fp, row[0], None, stage)
        return Recorded("unchanged", row[0], True, False)

    def _stored_fingerprint(self, report_id: int) -> str:
        """The fingerprint of the report's stored output: kept in output_fingerprints, computed from
        the rows (and kept) when a write since dropped it or an older govcrawl wrote the rows."""
        from .fingerprint import stored_fingerprint

        row = self.db.execute("select sha256 from output_fingerprints where report_id = ?", [report_id]).fetchone()
        if row:
            return row[0]
        fp = stored_fingerprint(self.db, report_id)
        self.db.execute("insert or replace into output_fingerprints (report_id, sha256) values (?, ?)", [report_id, fp])
        return fp

    def _add_fetch(self, page: dict[str, Any], report_id: int | None) -> int:
        page = dict(page, report_id=report_id)
        page_id = self._insert("pages", page)
        if report_id:
            self.db.execute("update reports set page_id = ? where id = ? and page_id is null", [page_id, report_id])
        return page_id

    def already_seen(self, canonical_url: str, input_sha256: str, extractor_version: str) -> bool:
        """This input was recorded by this extractor version (so re-extracting it changes nothing)."""
        key = [canonical_url, input_sha256, extractor_version]
        if self.db.execute("select 1 from reparse_state where canonical_url = ? and input_sha256 = ? and extractor_version = ?",
                           key).fetchone():
            return True
        return self.db.execute("select 1 from reports where canonical_url = ? and input_sha256 = ? and extractor_version = ?",
                               key).fetchone() is not None

    def cached_stage(self, canonical_url: str, input_sha256: str, text_version: str) -> bytes | None:
        """The input's text stage output stored under ``text_version``, if any (extract/stages.py)."""
        row = self.db.execute("select data from stage_cache where canonical_url = ? and input_sha256 = ? and text_version = ?",
                              [canonical_url, input_sha256, text_version]).fetchone()
        return row[0] if row else None

    def archive_listing(self, root: str, file: str, size: int, mtime_ns: int) -> Iterator[list] | None:
        """What ``keep_archive_listing`` kept of this WARC file, if the file has not changed since
        (same size and modification time: WARC files are only ever appended to, or cut by a repair):
        its entries one by one, decompressed as they are read (``Listing.entries``)."""
        row = self.db.execute("select entries from archive_listing where root = ? and file = ? and size = ? and mtime_ns = ?",
                              [root, file, size, mtime_ns]).fetchone()
        return Listing.entries(row[0]) if row else None

    def keep_archive_listing(self, root: str, file: str, size: int, mtime_ns: int, listing: "Listing") -> None:
        with self.transaction():
            self.db.execute("insert or replace into archive_listing (root, file, size, mtime_ns, entries) values (?, ?, ?, ?, ?)",
                            [root, file, size, mtime_ns, listing.blob()])

    def has_report_for(self, canonical_url: str, input_sha256: str) -> bool:
        return self.db.execute("select 1 from reports where canonical_url = ? and input_sha256 = ? limit 1",
                               [canonical_url, input_sha256]).fetchone() is not None

    def _replace_rows(self, report_id: int, doc: Document) -> None:
        # Plain executemany with parameters: sqlite-utils' insert_all re-inspects the table and
        # builds its SQL per call, which cost more than the rows themselves.
        conn = self.db.conn
        conn.execute("delete from stats where report_id = ?", [report_id])
        conn.execute("delete from checks where report_id = ?", [report_id])
        conn.executemany(
            "insert into stats (report_id, key, value, unit, source, evidence, derived, approx, read) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(report_id, s.key, s.value, s.unit, s.source, s.evidence, int(bool(s.derived)), int(bool(s.approx)), s.read or None)
             for s in doc.stats])
        conn.executemany(
            "insert into checks (report_id, rule, expected, stated, detail) values (?, ?, ?, ?, ?)",
            [(report_id, c.rule, c.expected, c.stated, c.detail) for c in doc.checks])

    def _link_exact_duplicate(self, report_id: int, text_sha: str, canonical_url: str) -> None:
        # Same clean text at another URL: point at the earliest current copy.
        row = self.db.execute(
            "select id from reports where text_sha256 = ? and canonical_url != ? and superseded_by is null and duplicate_of is null and id != ? order by id limit 1",
            [text_sha, canonical_url, report_id]).fetchone()
        if row:
            self.db.execute("update reports set duplicate_of = ?, duplicate_kind = 'exact' where id = ?", [row[0], report_id])

    # -- reading helpers -------------------------------------------------------
    def count(self, table: str, where: str | None = None, params: Iterable | None = None) -> int:
        return self.db[table].count_where(where, params) if where else self.db[table].count

    def close(self) -> None:
        self.release_hold()
        if self._fts_conn is not None:
            self._fts_conn.close()
        self.db.conn.close()


_SHEET_KINDS = ("xls", "xlsx")


def _is_annex(doc: Document) -> bool:
    """A spreadsheet that is not a report by its own title but holds statistics tables."""
    return doc.kind in _SHEET_KINDS and not doc.is_report and bool(doc.stats) and not doc.error


def _adopt_as_annex(doc: Document, url: str, linking: str) -> None:
    from urllib.parse import unquote, urlsplit

    doc.is_report = True
    doc.skip_reason = None
    doc.annex_to = linking
    doc.title = doc.title or "附件 " + unquote(urlsplit(url).path.rsplit("/", 1)[-1])
