"""Output formats for `govcrawl export` and the output flags shared with `govcrawl extract`.

One rule for both commands: ``--format`` may be left out when ``-o`` ends in a
known suffix (.csv, .jsonl, .parquet, .xlsx, .txt); a ``--format`` that
contradicts the suffix is an error, never a silent choice.

Writers take column names and rows. Counts are integers in every format: a
float that holds a whole number (SQLite REAL columns such as checks.expected)
is written as an integer, so CSV shows ``170``, not ``170.0``.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Iterable, Sequence

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx",
            ".txt": "text"}
BINARY = {"parquet", "xlsx"}


class OutputError(ValueError):
    """-o and --format disagree, or a format cannot go where it was sent."""


def resolve_format(fmt: str | None, output: str | None, allowed: Sequence[str], default: str) -> str:
    """The format to write: --format, else the suffix of -o, else ``default``."""
    suffix = Path(output).suffix.lower() if output else ""
    inferred = SUFFIXES.get(suffix)
    if fmt and inferred and fmt != inferred:
        raise OutputError(f"--format {fmt} but -o {output} ends in {suffix} ({inferred}): "
                          f"drop --format or name the file *.{_suffix_of(fmt)}")
    if fmt:
        chosen = fmt
    elif inferred:
        chosen = inferred
    elif output and suffix:
        raise OutputError(f"cannot tell the format from the suffix of -o {output}: give --format "
                          f"({' | '.join(allowed)})")
    else:
        chosen = default
    if chosen not in allowed:
        raise OutputError(f"this command writes {' | '.join(allowed)}, not {chosen}"
                          + (f" (from -o {output})" if not fmt and output else ""))
    if chosen in BINARY and not output:
        raise OutputError(f"{chosen} is a binary format: give -o FILE.{_suffix_of(chosen)}")
    return chosen


def _suffix_of(fmt: str) -> str:
    return next(s[1:] for s, f in SUFFIXES.items() if f == fmt)


def plain(value):
    """A whole float as an int (170.0 -> 170); everything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def write(fmt: str, columns: Sequence[str], rows: Iterable[Sequence], output: str | None, *, excel: bool = False,
          header_rows: Sequence[Sequence] = (), column_meta: dict[str, dict] | None = None,
          sheet: str = "data", extra_sheets: dict[str, tuple[Sequence[str], list]] | None = None) -> int:
    """Write rows; return how many. ``header_rows``: more header lines under the column names
    (the wide export's Chinese labels), written by CSV and XLSX. ``column_meta``: per-column
    key/values kept in Parquet's schema. ``extra_sheets``: more XLSX sheets (name -> columns, rows)."""
    rows = ([plain(v) for v in row] for row in rows)
    if fmt == "csv":
        return _write_csv(columns, rows, output, excel=excel, header_rows=header_rows)
    if fmt == "jsonl":
        return _write_jsonl(columns, rows, output)
    if fmt == "parquet":
        return _write_parquet(columns, rows, output, column_meta or {})
    if fmt == "xlsx":
        return _write_xlsx(columns, rows, output, header_rows=header_rows, sheet=sheet, extra_sheets=extra_sheets or {})
    raise OutputError(f"unknown format {fmt}")


def _text_out(output: str | None, encoding: str):
    if output:
        return open(output, "w", encoding=encoding, newline="")
    if encoding == "utf-8-sig":
        sys.stdout.buffer.write("\ufeff".encode("utf-8"))
    return _NoClose(sys.stdout)


class _NoClose:
    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        return self.fh

    def __exit__(self, *exc):
        self.fh.flush()


def _write_csv(columns, rows, output, *, excel: bool, header_rows) -> int:
    # Excel reads a CSV as the local ANSI code page unless it starts with a BOM.
    n = 0
    with _text_out(output, "utf-8-sig" if excel else "utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for extra in header_rows:
            w.writerow(extra)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _write_jsonl(columns, rows, output) -> int:
    n = 0
    with _text_out(output, "utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n")
            n += 1
    return n


def _write_parquet(columns, rows, output, column_meta) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = [list(col) for col in zip(*rows)] or [[] for _ in columns]
    arrays, fields = [], []
    for name, values in zip(columns, data):
        if any(isinstance(v, float) for v in values):  # ints and floats in one column: all floats
            values = [float(v) if isinstance(v, int) else v for v in values]
        arr = pa.array(values)
        if pa.types.is_null(arr.type):
            arr = arr.cast(pa.string())
        meta = {k: str(v) for k, v in (column_meta.get(name) or {}).items() if v is not None}
        fields.append(pa.field(name, arr.type, metadata=meta or None))
        arrays.append(arr)
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), output)
    return len(data[0]) if data else 0


def _write_xlsx(columns, rows, output, *, header_rows, sheet, extra_sheets) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = f"A{2 + len(header_rows)}"
    ws.append([_bold(ws, c, Font) for c in columns])
    for extra in header_rows:
        ws.append(list(extra))
    n = 0
    for row in rows:
        ws.append([_cell(v) for v in row])
        n += 1
    for name, (cols, extra_rows) in extra_sheets.items():
        xs = wb.create_sheet(name)
        xs.append([_bold(xs, c, Font) for c in cols])
        for row in extra_rows:
            xs.append([_cell(plain(v)) for v in row])
    wb.save(output)
    return n


def _bold(ws, value, Font):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True)
    return cell


def _cell(value):
    # openpyxl refuses control characters in strings (they are not valid in the XML)
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
