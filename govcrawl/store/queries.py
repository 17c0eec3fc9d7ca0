"""Read-side queries the command summaries need (SQL stays under govcrawl/store/)."""
from __future__ import annotations

import json


def run_overview(db, run_id: str, sample: int = 8) -> dict:
    """What one crawl run did: its row, pages by role, failures, reports, skips, WARC files, first reports."""
    run = next(iter(db.query("select * from runs where id = ?", [run_id])), None)
    return {
        "run": run,
        "counts": json.loads(run["counts"]) if run and run.get("counts") else {},
        "pages": db.execute("select count(*) from pages where run_id = ?", [run_id]).fetchone()[0],
        "by_role": dict(db.execute("select role, count(*) from pages where run_id = ? group by role", [run_id]).fetchall()),
        "failed": db.execute("select count(*) from pages where run_id = ? and (error is not null or status >= 400)", [run_id]).fetchone()[0],
        "reports": db.execute("select count(distinct r.id) from reports r join pages p on p.report_id = r.id where p.run_id = ? "
                              "and r.annex_to is null", [run_id]).fetchone()[0],  # (a spreadsheet annex is not a report)
        "skipped": list(db.query("select url, skip_reason from pages where run_id = ? and skip_reason is not null order by id", [run_id])),
        "warcs": [r[0] for r in db.execute("select distinct warc_file from pages where run_id = ? and warc_file is not null order by 1",
                                           [run_id])],
        "first_reports": list(db.query(
            """select r.id, r.year, r.jurisdiction, r.format, r.title, r.stats_count, r.checks_count
               from reports r join pages p on p.report_id = r.id where p.run_id = ? order by r.id limit ?""", [run_id, sample])),
    }


def run_totals(db, run_id: str) -> tuple[str | None, dict]:
    """(status or None, {pages, reports, skipped, failed}) of one run: a line of the multi-portal summary."""
    row = db.execute("select status from runs where id = ?", [run_id]).fetchone()
    return (row[0] if row else None), {
        "pages": db.execute("select count(*) from pages where run_id = ?", [run_id]).fetchone()[0],
        "reports": db.execute("select count(distinct p.report_id) from pages p join reports r on r.id = p.report_id "
                              "where p.run_id = ? and r.annex_to is null", [run_id]).fetchone()[0],
        "skipped": db.execute("select count(*) from pages where run_id = ? and skip_reason is not null", [run_id]).fetchone()[0],
        "failed": db.execute("select count(*) from pages where run_id = ? and (error is not null or status >= 400)", [run_id]).fetchone()[0],
    }


def run_rows(db, run_ids: list[str]) -> dict[str, dict]:
    """{run id: its runs row (id, status, counts)} of the runs that exist."""
    return {r["id"]: r for r in db.query(
        "select id, status, counts from runs where id in (%s)" % ", ".join("?" * len(run_ids)), list(run_ids))}


_PAGE_COLUMNS = ("portal", "role", "status", "error", "report_id", "depth", "url")


def run_pages(db, run_id: str) -> list[dict]:
    """Every page row of one run (the columns a run's verdict and coverage read), in table order.

    ``db``: a sqlite_utils.Database or a sqlite3 connection."""
    sql = f"select {', '.join(_PAGE_COLUMNS)} from pages where run_id = ?"
    return [dict(zip(_PAGE_COLUMNS, r)) for r in db.execute(sql, [run_id]).fetchall()]


def run_pages_with_years(db, run_id: str) -> list[dict]:
    """``run_pages`` plus the report year of each page that made a report (the coverage table's years)."""
    cols = ", ".join(f"p.{c}" for c in _PAGE_COLUMNS)
    sql = f"select {cols}, r.year from pages p left join reports r on r.id = p.report_id where p.run_id = ?"
    return [dict(zip((*_PAGE_COLUMNS, "year"), r)) for r in db.execute(sql, [run_id]).fetchall()]


def robots_refusals(db, run_id: str) -> list[dict]:
    return list(db.query("select url, skip_reason from pages where run_id = ? and role = 'robots' and skip_reason is not null", [run_id]))


def run_status(db_path: str, run_id: str) -> str | None:
    """A run's status read without opening a Store (no migration, no WAL switch): None if unknown."""
    import sqlite3
    from pathlib import Path

    if not db_path or not Path(db_path).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        try:
            row = conn.execute("select status from runs where id = ?", [run_id]).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # no runs table yet: the run never started writing
    return row[0] if row else None


def archived_reports_at(db_path) -> list[dict]:
    """``archived_reports`` of the DB at ``db_path``, opened read only (never creates a DB)."""
    import sqlite3
    from pathlib import Path

    import sqlite_utils

    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
    try:
        return archived_reports(sqlite_utils.Database(conn))
    finally:
        conn.close()


def archived_reports(db) -> list[dict]:
    """Current report documents with the URL they were archived under (the WACZ page list)."""
    return list(db.query(
        """select r.url, coalesce(r.title, '') as title, min(p.fetched_at) as fetched_at from reports r
           join pages p on p.report_id = r.id and p.warc_file is not null
           where r.superseded_by is null group by r.url order by r.url"""))
