"""`govcrawl export`: the analysis views as CSV, JSON Lines, Parquet or XLSX, and the wide table.

By default only current reports count (latest version, not a duplicate copy):
the views ``current_reports``, ``current_stats``, ``failed_checks`` and
``coverage``. ``--all-versions`` adds superseded versions, ``--with-duplicates``
mirror copies. Exports carry report URLs, never local archive paths.

``wide``: one row per report, one column per metric key (template order); the
Chinese labels and units are a second header row (CSV/XLSX), Parquet field
metadata, and a sidecar ``<output>.keys.csv``.
"""
from __future__ import annotations

from pathlib import Path

from ..store import views
from . import formats
from .keys import by_key, key_order
from ..store import Store

# export name -> view (the short names are the tables the views stand for)
TARGETS = {"reports": "current_reports", "stats": "current_stats", "checks": "failed_checks", "coverage": "coverage",
           "pages": "pages", "current_reports": "current_reports", "current_stats": "current_stats",
           "failed_checks": "failed_checks", "wide": "wide"}
FORMATS = ("csv", "jsonl", "parquet", "xlsx")


def export(db_path: str, target: str, fmt: str = "csv", output: str | None = None, *, all_versions: bool = False,
           with_duplicates: bool = False, excel: bool = False) -> tuple[int, list[str]]:
    """Write one export; return (rows written, extra files written beside the output)."""
    store = Store(db_path)
    try:
        view = TARGETS[target]
        if view == "wide":
            return _wide(store.db, fmt, output, all_versions, with_duplicates, excel)
        cols, cursor = views.export_rows(store.db, view, all_versions, with_duplicates)
        return formats.write(fmt, cols, cursor, output, excel=excel, sheet=target), []
    finally:
        store.close()


def _wide(db, fmt, output, all_versions, with_duplicates, excel) -> tuple[int, list[str]]:
    cols, reports, values = views.wide_rows(db, all_versions, with_duplicates)
    order = key_order()
    present = sorted({k for per in values.values() for k in per}, key=lambda k: (order.get(k, len(order)), k))
    info = by_key()
    labels = [["(label)", *[""] * (len(cols) - 1), *(info[k].label if k in info else "" for k in present)],
              ["(unit)", *[""] * (len(cols) - 1), *((info[k].unit or "") if k in info else "" for k in present)]]
    rows = ([*r, *(values.get(r[0], {}).get(k) for k in present)] for r in reports)
    dictionary = [[k, info[k].label, info[k].unit, info[k].table, info[k].row, info[k].column] if k in info
                  else [k, None, None, None, None, None] for k in present]
    dict_cols = ["key", "label", "unit", "table", "row", "column"]
    extra: list[str] = []
    if fmt == "xlsx":
        n = formats.write(fmt, [*cols, *present], rows, output, header_rows=labels, sheet="wide",
                          extra_sheets={"keys": (dict_cols, dictionary)})
        return n, extra
    meta = {k: {"label": info[k].label, "unit": info[k].unit} for k in present if k in info}
    n = formats.write(fmt, [*cols, *present], rows, output, excel=excel, column_meta=meta)
    if output:  # a sidecar data dictionary: the CSV's own header stays one row for pandas and R
        side = str(Path(output).with_suffix("")) + ".keys.csv"
        formats.write("csv", dict_cols, dictionary, side, excel=excel)
        extra.append(side)
    return n, extra
