"""A PDF the parser could not read whole (issue 20): pdfminer's data-loss warning goes to
reports.error, and only numbers their table's identities confirm are kept.

The damaged file is made here from the REAL 淮安市 2024 report (tests/fixtures/corpus/real/
huaian/2024-report.pdf): the zlib checksum of each page content stream is broken (same
length, so the file's offsets stay valid). pdfminer then decodes the stream byte by byte and
warns "Data-loss while decompressing corrupted data": from the reader's side the text may
be incomplete or misread, whatever the damage really was.
"""
from __future__ import annotations

import copy
import re
import zlib

import sqlite_utils

from conftest import FIXTURES, run_govcrawl

from govcrawl.extract import extract
from govcrawl.extract.ocr import confirmed

REAL = FIXTURES / "corpus" / "real" / "huaian" / "2024-report.pdf"


def damaged_pdf() -> tuple[bytes, int]:
    data = REAL.read_bytes()
    out, n = bytearray(data), 0
    for m in re.finditer(rb"<<[^>]*?/FlateDecode[^>]*?>>\s*stream\r?\n", data):
        length = re.search(rb"/Length (\d+)(?! \d+ R)", m.group(0))
        if not length:
            continue
        start, size = m.end(), int(length.group(1))
        try:
            plain = zlib.decompress(data[start:start + size])
        except zlib.error:
            continue
        if b"BT" in plain and (b"Tj" in plain or b"TJ" in plain):  # a page's text: not a font or an image
            out[start + size - 1] ^= 0xFF  # the last byte of the Adler-32 checksum
            n += 1
    return bytes(out), n


def test_data_loss_recorded_and_unconfirmed_numbers_withheld():
    whole = extract(REAL.read_bytes(), filename=REAL.name)
    assert whole.error is None and whole.is_report
    body, streams = damaged_pdf()
    assert streams > 0
    doc = extract(body, filename=REAL.name)
    assert doc.is_report  # the report is kept, its damage said
    assert doc.error.startswith("damaged PDF: pdfminer: Data-loss while decompressing corrupted data"), doc.error
    want, dropped = confirmed(copy.deepcopy(whole.stats), mark=None, version=whole.format)
    assert dropped > 0  # the real report has numbers no identity covers (table 四's 总计 …)
    assert f"{dropped} number(s) no identity confirms withheld" in doc.error
    assert sorted((s.key, s.value) for s in doc.stats) == sorted((s.key, s.value) for s in want)
    assert len(doc.stats) < len(whole.stats)
    assert any(c.rule == "damaged.unconfirmed" for c in doc.checks)


def test_damage_reaches_reports_error_through_import(tmp_path):
    body, _ = damaged_pdf()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "huaian-2024-damaged.pdf").write_bytes(body)
    run_govcrawl("import", str(tmp_path / "in"), "--db", str(tmp_path / "g.db"), "--archive", str(tmp_path / "a"))
    (rep,) = sqlite_utils.Database(tmp_path / "g.db").query("select id, error, stats_count from reports")
    assert "Data-loss" in rep["error"] and "withheld" in rep["error"], rep
