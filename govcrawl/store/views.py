"""Analysis views, the metric-key table and the foreign keys of the govcrawl DB.

Views are right by default: ``current_reports`` leaves out superseded versions
and duplicate copies (mirrors), so sums over ``current_stats`` count each report
once. Exports can opt back in (``--all-versions``, ``--with-duplicates``): the
same SELECTs with a wider report filter.

* ``current_reports``: the latest version of each report that is not a duplicate.
* ``current_stats``: one row per current report × key, with year, jurisdiction,
  agency and format; ``value`` is an integer where the key counts things.
* ``failed_checks``: every failed identity or anomaly with its report's context;
  ``kind`` is identity / ambiguous / unreadable / disagree / approximate.
* ``coverage``: per jurisdiction × year: reports, stats found, identities
  checked / passed / failed.
* ``metric_keys`` (a table): the data dictionary (govcrawl.analysis.keys).
"""
from __future__ import annotations

import hashlib
import json

# Which reports a view or an export covers.
# A spreadsheet annex (reports.annex_to set) is not a report of its own: its statistics are read
# through reports.annex_of, the report of the page that links it.
CURRENT = "r.superseded_by is null and r.duplicate_of is null and r.annex_to is null"
_FILTERS = {
    (False, False): CURRENT,
    (True, False): "r.duplicate_of is null and r.annex_to is null",
    (False, True): "r.superseded_by is null and r.annex_to is null",
    (True, True): "r.annex_to is null",
}


def report_filter(all_versions: bool = False, with_duplicates: bool = False) -> str:
    return _FILTERS[(bool(all_versions), bool(with_duplicates))]


_REPORT_COLS = """r.id, r.jurisdiction, r.agency, r.year, r.format, r.title, r.published, r.url, r.portal, r.kind,
  r.version, r.stats_count, r.checks_count, r.duplicate_of, r.duplicate_kind, r.superseded_by, r.previous_version_id,
  r.extractor_version, r.error"""

# {filter} is one of _FILTERS' constant strings, never a value.
SELECTS = {
    "current_reports": "select " + _REPORT_COLS + " from reports r where {filter}",
    "current_stats": """select s.id, s.report_id, r.year, r.jurisdiction, r.agency, r.format, s.key, k.label,
  case when (k.count = 1 or (k.count is null and s.unit in (select unit from count_units)))
            and s.value = cast(s.value as integer) then cast(s.value as integer) else s.value end as value,
  coalesce(s.unit, k.unit) as unit, s.source, s.read, s.derived, s.approx, s.evidence, r.url
from stats s join reports r on r.id = s.report_id left join metric_keys k on k.key = s.key
where {filter}""",
    "failed_checks": """select c.id, c.report_id, r.year, r.jurisdiction, r.agency, r.format, r.title,
  case when c.rule like 'apply.row.%' or c.rule like 'apply.balance.%' or c.rule like 'apply.handled.%'
            or c.rule like 'review.%' then 'identity'
       else substr(c.rule, 1, instr(c.rule, '.') - 1) end as kind,
  c.rule, c.expected, c.stated, c.detail, r.url
from checks c join reports r on r.id = c.report_id
where {filter}""",
    "coverage": """select r.jurisdiction, r.year, count(*) as reports,
  sum(r.stats_count > 0) as reports_with_stats, sum(r.stats_count) as stats,
  sum(r.format like 'std-%') as identities_checked,
  sum(r.format like 'std-%' and not exists (select 1 from checks c where c.report_id = r.id and (
      c.rule like 'apply.row.%' or c.rule like 'apply.balance.%' or c.rule like 'apply.handled.%' or c.rule like 'review.%')))
    as identities_passed,
  sum(r.format like 'std-%' and exists (select 1 from checks c where c.report_id = r.id and (
      c.rule like 'apply.row.%' or c.rule like 'apply.balance.%' or c.rule like 'apply.handled.%' or c.rule like 'review.%')))
    as identities_failed,
  group_concat(distinct r.format) as formats
from reports r where {filter}
group by r.jurisdiction, r.year""",
}
VIEWS = {name: f"CREATE VIEW {name} AS " + sql.format(filter=CURRENT) for name, sql in SELECTS.items()}
# Views read these; drop them before a table they name is rebuilt.
VIEW_ORDER = ["current_reports", "current_stats", "failed_checks", "coverage"]

_METRIC_KEYS = {"key": str, "label": str, "table": str, "row": str, "row_label": str, "column": str,
                "column_label": str, "unit": str, "count": int, "formats": str, "identities": str,
                "derived": int, "position": int}

# Declared so Datasette (and any schema reader) can link the ids.
FOREIGN_KEYS = [
    ("reports", "page_id", "pages", "id"),
    ("reports", "duplicate_of", "reports", "id"),
    ("reports", "previous_version_id", "reports", "id"),
    ("reports", "superseded_by", "reports", "id"),
    ("pages", "report_id", "reports", "id"),
]


def missing_foreign_keys(db) -> list[tuple[str, str, str, str]]:
    have = {(fk.table, fk.column) for t in ("reports", "pages") if t in db.table_names() for fk in db[t].foreign_keys}
    return [fk for fk in FOREIGN_KEYS if (fk[0], fk[1]) not in have]


def add_foreign_keys(db, fks) -> None:
    """Declare foreign keys on existing tables (SQLite rebuilds the table: sqlite-utils' transform).

    The rebuild drops the table's triggers (the full-text index's), so they are put back as they were;
    views that read the tables are dropped first and recreated by ensure_views.
    """
    tables = sorted({fk[0] for fk in fks})
    triggers = [sql for (sql,) in db.execute(
        "select sql from sqlite_master where type = 'trigger' and tbl_name in (%s)" % ", ".join("?" * len(tables)),
        tables).fetchall()]
    for name in reversed(VIEW_ORDER):
        db.execute("drop view if exists " + name)
    db.add_foreign_keys(fks)
    have = {row[0] for row in db.execute("select sql from sqlite_master where type = 'trigger'").fetchall()}
    for sql in triggers:
        if sql not in have:
            db.execute(sql)


def dictionary_rows() -> list[dict]:
    from ..analysis.keys import metric_keys

    rows = []
    for i, k in enumerate(metric_keys()):
        row = k.as_row()
        rows.append({"key": row["key"], "label": row["label"], "table": row["table"], "row": row["row"],
                     "row_label": row["row_label"], "column": row["column"], "column_label": row["column_label"],
                     "unit": row["unit"], "count": row["count"], "formats": row["formats"],
                     "identities": row["identities"], "derived": row["derived"], "position": i})
    return rows


def ensure_views(db) -> None:
    """Create or refresh the metric_keys table and the views (inside the caller's transaction)."""
    from ..analysis.keys import count_units

    rows = dictionary_rows()
    units = count_units()
    digest = hashlib.sha256(json.dumps([rows, units], ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    names = set(db.table_names())
    stored = db.execute("select value from meta where key = 'metric_keys_sha256'").fetchone() if "meta" in names else None
    if "metric_keys" not in names or "count_units" not in names or not stored or stored[0] != digest:
        db["metric_keys"].create(_METRIC_KEYS, pk="key", replace=True)
        db["metric_keys"].insert_all(rows)
        db["count_units"].create({"unit": str}, pk="unit", replace=True)
        db["count_units"].insert_all([{"unit": u} for u in units])
        db["meta"].upsert({"key": "metric_keys_sha256", "value": digest}, pk="key")
    current = dict(db.execute("select name, sql from sqlite_master where type = 'view'").fetchall())
    stale = [n for n in VIEW_ORDER if current.get(n) != VIEWS[n]]
    if stale:  # a view reads the ones before it: rebuild from the first stale one on
        first = VIEW_ORDER.index(stale[0])
        for name in reversed(VIEW_ORDER[first:]):
            db.execute("drop view if exists " + name)
        for name in VIEW_ORDER[first:]:
            db.execute(VIEWS[name])


# ------------------------------------------------------------------ exports
_ORDER = {"current_reports": "r.id", "current_stats": "s.report_id, s.id", "failed_checks": "c.report_id, c.id",
          "coverage": "r.jurisdiction, r.year"}
_PAGES = """select id, url, status, content_type, fetched_at, sha256, size, portal, run_id, role, error, skip_reason,
  report_id from pages order by id"""


def export_rows(db, view: str, all_versions: bool = False, with_duplicates: bool = False):
    """(columns, row cursor) of a view, or of the same SELECT over more report versions/copies."""
    if view == "pages":
        cursor = db.execute(_PAGES)
    else:
        cursor = db.execute(SELECTS[view].format(filter=report_filter(all_versions, with_duplicates))
                            + " order by " + _ORDER[view])
    return [c[0] for c in cursor.description], cursor


def wide_rows(db, all_versions: bool = False, with_duplicates: bool = False):
    """(report columns, reports, {report_id: {key: value}}) for the wide export."""
    f = report_filter(all_versions, with_duplicates)
    cursor = db.execute(
        "select r.id as report_id, r.jurisdiction, r.agency, r.year, r.format, r.title, r.url from reports r where "
        + f + " order by r.jurisdiction, r.year, r.id")
    cols = [c[0] for c in cursor.description]
    reports = cursor.fetchall()
    values: dict[int, dict[str, object]] = {}
    for rid, key, value in db.execute("select report_id, key, value from (" + SELECTS["current_stats"].format(filter=f) + ")"):
        values.setdefault(rid, {})[key] = value
    return cols, reports, values


# ------------------------------------------------------------------ search
# The full-text index uses the trigram tokenizer (it works for Chinese without a word list),
# which cannot match a query shorter than 3 characters: such queries fall back to LIKE.
# The index is brought up to date when a govcrawl write commits (store.py: _FTS_FLUSH); rows
# changed since by another program are listed in reports_fts_pending until the next govcrawl
# write: for those the index may hold an older text, so they are matched by a scan of their text
# instead (LIKE: case-blind for ASCII, as the trigram index is), and searches stay exact.
SHORT_QUERY = 3
_SEARCH_FTS = """select r.id, r.jurisdiction, r.year, r.title, r.url from reports_fts f
  join reports r on r.id = f.rowid where reports_fts match ? and """ + CURRENT + """
  and r.id not in (select rowid from reports_fts_pending)
union all
select r.id, r.jurisdiction, r.year, r.title, r.url from reports_fts_pending p
  join reports r on r.id = p.rowid where (r.title like ? escape '\\' or r.text like ? escape '\\') and """ + CURRENT + """
order by year desc, id limit ?"""
_SEARCH_LIKE = """select r.id, r.jurisdiction, r.year, r.title, r.url from reports r
  where (instr(r.title, ?) > 0 or instr(r.text, ?) > 0) and """ + CURRENT + """
  order by r.year desc, r.id limit ?"""


def like_pattern(query: str) -> str:
    """A LIKE pattern (ESCAPE '\\') matching ``query`` anywhere."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(db, query: str, limit: int = 50) -> tuple[str, list[str], list[tuple]]:
    """(how, columns, rows): 'fts' through the trigram index, or 'like' (a scan) for a short query."""
    query = query.strip()
    if len(query) >= SHORT_QUERY:
        phrase = '"' + query.replace('"', '""') + '"'  # one phrase: no FTS5 query syntax from the user
        pattern = like_pattern(query)
        cursor = db.execute(_SEARCH_FTS, [phrase, pattern, pattern, limit])
        how = "fts"
    else:
        cursor = db.execute(_SEARCH_LIKE, [query, query, limit])
        how = "like"
    return how, [c[0] for c in cursor.description], cursor.fetchall()


# ------------------------------------------------------------------ Datasette canned queries
CANNED_QUERIES = {
    "metric_across_years": {
        "title": "One metric across years for one jurisdiction",
        "description": "e.g. jurisdiction 平潭综合实验区, key apply.new.total (keys: the metric_keys table)",
        "sql": """select year, value, unit, label, derived, source, format, report_id, url from current_stats
where jurisdiction = :jurisdiction and key = :key order by year""",
    },
    "applications_ranked": {
        "title": "Jurisdictions ranked by applications received, per year",
        "description": "apply.new.total (本年新收 / 收到申请总数) summed per jurisdiction and year; leave year empty for all years",
        "sql": """select year, rank() over (partition by year order by sum(value) desc) as rank, jurisdiction,
  sum(value) as applications, count(*) as reports
from current_stats where key = 'apply.new.total' and (:year = '' or year = cast(:year as integer))
group by year, jurisdiction order by year desc, rank""",
    },
    "reports_failing_identities": {
        "title": "Reports failing accounting identities (勾稽关系)",
        "description": "current reports with at least one failed identity; the rules say which",
        "sql": """select report_id, jurisdiction, year, format, title, count(*) as failures,
  group_concat(rule, ' ') as rules, url
from failed_checks where kind = 'identity' group by report_id order by year desc, jurisdiction""",
    },
    "coverage_gaps": {
        "title": "Coverage gaps: missing years, reports without statistics, failing identities",
        "description": "each jurisdiction from its first to its last report year",
        "sql": """with recursive span(jurisdiction, year, last) as (
  select jurisdiction, min(year), max(year) from current_reports
  where jurisdiction is not null and year is not null group by jurisdiction
  union all select jurisdiction, year + 1, last from span where year < last)
select s.jurisdiction, s.year, coalesce(c.reports, 0) as reports, coalesce(c.reports_with_stats, 0) as reports_with_stats,
  coalesce(c.identities_failed, 0) as identities_failed,
  case when c.reports is null then 'no report' when c.reports_with_stats = 0 then 'no statistics'
       else 'identities fail' end as gap
from span s left join coverage c on c.jurisdiction = s.jurisdiction and c.year = s.year
where c.reports is null or c.reports_with_stats = 0 or c.identities_failed > 0
order by s.jurisdiction, s.year""",
    },
    "search": {
        "title": "Search report text (short queries too)",
        "description": ("The table search box uses a trigram index, which finds nothing for a query under 3 characters "
                        "(复议, 诉讼). This query uses the index for 3+ characters and a LIKE scan (slower) for shorter "
                        "ones; the column how says which."),
        "sql": """select r.id, r.jurisdiction, r.year, r.title, r.url,
  case when length(:q) >= 3 then 'fts (trigram index)' else 'like (query under 3 characters: full scan)' end as how
from reports r where r.superseded_by is null and r.duplicate_of is null and (
  (length(:q) >= 3 and r.id not in (select rowid from reports_fts_pending)
   and r.id in (select rowid from reports_fts where reports_fts match '"' || replace(:q, '"', '""') || '"'))
  or (length(:q) >= 3 and r.id in (select rowid from reports_fts_pending)
   and (r.title like '%' || replace(replace(replace(:q, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' escape '\\'
        or r.text like '%' || replace(replace(replace(:q, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' escape '\\'))
  or (length(:q) < 3 and length(:q) > 0 and (instr(r.title, :q) > 0 or instr(r.text, :q) > 0)))
order by r.year desc, r.id limit 200""",
    },
}


# ------------------------------------------------------------------ the HTML report (govcrawl.analysis.report)
LITIGATION_KEYS = ("litigation.direct.total", "litigation.after_reconsideration.total", "litigation.total")
REPORT_QUERIES = {
    "summary": """select (select count(*) from current_reports), (select count(distinct jurisdiction) from current_reports),
  (select min(year) from current_reports), (select max(year) from current_reports), (select count(*) from current_stats),
  (select count(*) from failed_checks where kind = 'identity'), (select count(*) from failed_checks where kind = 'ambiguous'),
  (select count(*) from reports) - (select count(*) from current_reports)""",
    "coverage": """select jurisdiction, year, reports, reports_with_stats, stats, identities_checked, identities_passed,
  identities_failed from coverage where jurisdiction is not null and year is not null order by jurisdiction, year""",
    # per year: the sum over current reports of each key (apply.* outcomes, reviews)
    "per_year": """select year, key, sum(value), count(*) from current_stats where year is not null
  and key in (select value from json_each(?)) group by year, key order by year""",
    "top_jurisdictions": """select jurisdiction, sum(value) as n, count(*) as reports, min(year), max(year)
  from current_stats where key = 'apply.new.total' and jurisdiction is not null
  group by jurisdiction order by n desc, jurisdiction limit ?""",
    "problems": """select report_id, jurisdiction, year, title, kind, rule, expected, stated, detail, url from failed_checks
  where kind in ('identity', 'ambiguous') order by kind desc, jurisdiction, year, report_id, id""",
    "reports_with_stats": """select id, jurisdiction, agency, year, format, title, url from current_reports
  where stats_count > 0 or checks_count > 0 order by jurisdiction, year, id""",
    "report_stats": "select report_id, key, value, unit, derived, source from current_stats order by report_id, id",
}


def report_data(db) -> dict:
    import json as _json

    keys = ["apply.new.total", "apply.disclosed.total", "apply.partial.total", "apply.withheld.total",
            "apply.unavailable.total", "apply.not_processed.total", "reconsideration.total", *LITIGATION_KEYS]
    return {
        "summary": db.execute(REPORT_QUERIES["summary"]).fetchone(),
        "coverage": db.execute(REPORT_QUERIES["coverage"]).fetchall(),
        "per_year": db.execute(REPORT_QUERIES["per_year"], [_json.dumps(keys)]).fetchall(),
        "top": db.execute(REPORT_QUERIES["top_jurisdictions"], [15]).fetchall(),
        "problems": db.execute(REPORT_QUERIES["problems"]).fetchall(),
        "reports": db.execute(REPORT_QUERIES["reports_with_stats"]).fetchall(),
        "stats": db.execute(REPORT_QUERIES["report_stats"]).fetchall(),
    }
