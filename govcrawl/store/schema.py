"""Schema checks and migrations for the govcrawl SQLite DB (used by store.Store).

Versions (``meta.schema_version``):

* 0 — DBs written before govcrawl recorded a version: the govcrawl tables
  (``pages``, ``reports`` …) with no ``meta`` table, possibly missing columns
  added since.
* 1 onwards — ``meta.schema_version`` set; a later govcrawl may add columns.

Migration is additive only: missing tables are created and missing columns
added; nothing is dropped, renamed or retyped. A column whose type
contradicts the current one, a DB from a newer govcrawl, a DB that is not
govcrawl's, or a file that is not SQLite is refused with a message, and the
file is left untouched. Before changing a file, a copy is written next to it
(``<db>.pre-v<N>.bak``) so a migration can always be undone.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

# The tables that mark a DB as govcrawl's even without a version (schema 0).
CORE_TABLES = ("pages", "reports")

_AFFINITY = {int: "INTEGER", str: "TEXT", float: "FLOAT", bytes: "BLOB"}


@dataclass
class Plan:
    version: int | None  # None: an empty (new) DB
    add_columns: list[tuple[str, str, type]] = field(default_factory=list)  # (table, column, type)
    conflicts: list[str] = field(default_factory=list)
    new_db: bool = False

    @property
    def changes(self) -> bool:
        return bool(self.add_columns)


def stored_version(db) -> int | None:
    """The DB's schema version: None if empty, 0 if govcrawl's but unversioned; raises ValueError if foreign."""
    try:
        names = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"not a SQLite database ({exc})") from None
    if not names:
        return None
    if "meta" in names:
        row = db.execute("select value from meta where key = 'schema_version'").fetchone()
        if row is None:
            raise ValueError("has a meta table but no schema_version: not written by govcrawl")
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise ValueError(f"has an unreadable schema_version {row[0]!r}") from None
    if all(t in names for t in CORE_TABLES):
        return 0
    raise ValueError(f"has tables ({', '.join(sorted(names)[:5])}) but none of govcrawl's: not a govcrawl DB")


def plan(db, tables: dict[str, dict[str, type]]) -> Plan:
    """What it takes to bring ``db`` to the column layout ``tables`` (name -> {column: type})."""
    version = stored_version(db)
    p = Plan(version=version, new_db=version is None)
    if version is None:
        return p
    existing = set(db.table_names())
    for table, cols in tables.items():
        if table not in existing:
            continue  # created by the caller, like in a new DB
        have = {c.name: c.type.upper() for c in db[table].columns}
        for name, typ in cols.items():
            if name not in have:
                p.add_columns.append((table, name, typ))
            elif have[name] and _AFFINITY.get(typ) and not _compatible(have[name], _AFFINITY[typ]):
                p.conflicts.append(f"{table}.{name} is {have[name]}, expected {_AFFINITY[typ]}")
    return p


def _compatible(stored: str, wanted: str) -> bool:
    # SQLite type affinity: INT/INTEGER/BIGINT …, TEXT/VARCHAR/CLOB, REAL/FLOAT/DOUBLE.
    families = {"INTEGER": ("INT",), "TEXT": ("CHAR", "CLOB", "TEXT"), "FLOAT": ("REAL", "FLOA", "DOUB"), "BLOB": ("BLOB",)}
    return any(k in stored for k in families[wanted]) or (wanted == "FLOAT" and "INT" in stored)


def backup(conn: sqlite3.Connection, path: str, version: int) -> Path | None:
    """Copy the DB next to itself before a migration (SQLite's online backup: consistent under WAL)."""
    if path == ":memory:":
        return None
    target = Path(f"{path}.pre-v{version}.bak")
    n = 1
    while target.exists():
        n += 1
        target = Path(f"{path}.pre-v{version}.{n}.bak")
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def apply(db, p: Plan) -> None:
    """Add the missing columns (one transaction: all or none)."""
    with db.conn:
        for table, name, typ in p.add_columns:
            db[table].add_column(name, typ)
