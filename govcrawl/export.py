"""CSV / JSON Lines exports for analysts (pandas, R, spreadsheets).

Exports carry report metadata and statistics with the report's URL; the WARC
location is given relative to the archive root only, never as a local path.
"""
from __future__ import annotations

import csv
import json
import sys
from contextlib import nullcontext

from .store import Store

_QUERIES = {
    "reports": """select id, url, portal, title, jurisdiction, agency, year, published, format, kind, version,
                  duplicate_of, duplicate_kind, stats_count, checks_count, extractor_version, text_sha256
                  from reports {where} order by id""",
    "stats": """select s.report_id, r.jurisdiction, r.year, r.format, s.key, s.value, s.unit, s.source, s.derived,
                s.approx, s.evidence, r.url from stats s join reports r on r.id = s.report_id {where} order by s.report_id, s.id""",
    "checks": """select c.report_id, r.jurisdiction, r.year, c.rule, c.expected, c.stated, c.detail, r.url
                 from checks c join reports r on r.id = c.report_id {where} order by c.report_id, c.id""",
    "pages": """select id, url, status, content_type, fetched_at, sha256, size, portal, run_id, role, error, skip_reason,
                report_id from pages order by id""",
}


def export(db_path: str, table: str, fmt: str = "csv", output: str | None = None, current_only: bool = True) -> int:
    store = Store(db_path)
    alias = "" if table == "reports" else "r."
    where = f"where {alias}superseded_by is null" if current_only and table != "pages" else ""
    cursor = store.db.execute(_QUERIES[table].format(where=where))
    cols = [c[0] for c in cursor.description]
    n = 0
    with (open(output, "w", encoding="utf-8", newline="") if output else nullcontext(sys.stdout)) as fh:
        if fmt == "csv":
            w = csv.writer(fh)
            w.writerow(cols)
            for row in cursor:
                w.writerow(row)
                n += 1
        else:
            for row in cursor:
                fh.write(json.dumps(dict(zip(cols, row)), ensure_ascii=False) + "\n")
                n += 1
    store.close()
    return n
