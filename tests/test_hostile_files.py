"""One file, one failure (issue 20): a folder of hostile files among good ones.

Every good file is imported; each bad one costs one recorded reason and the next file goes
on; the import's processes stay under 1 GB. The bad files are SYNTHETIC, made here: a FIFO,
a symlink to /dev/zero, a symlink to /etc/passwd (outside the folder), a PDF flate bomb, a
100,000-page PDF (one shared content stream) and a 20 MB single-line table; the good ones are
real report texts from tests/fixtures/corpus/, one under a non-UTF-8 file name and one under
a name with CR/LF (WARC header injection).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import zlib
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from conftest import FIXTURES, ROOT
from systools import run_with_peak_rss

GOOD = ["seeds/000_ce613ae3d38fe476.txt", "seeds/002_8661693cc3ee7730.txt"]
LIMIT_SECONDS = 8


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct xref from numbered object bodies (object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.4\n%synthetic (tests/test_hostile_files.py)\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def flate_bomb_pdf(expanded: int = 400 * 1024 * 1024) -> bytes:
    co = zlib.compressobj(9)
    chunk = b"BT /F1 12 Tf (0) Tj ET\n" * 40000
    data = b"".join(co.compress(chunk) for _ in range(expanded // len(chunk))) + co.flush()
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                 b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"])


def many_pages_pdf(pages: int = 100_000) -> bytes:
    first = 4
    kids = b" ".join(b"%d 0 R" % (first + i) for i in range(pages))
    content = b"BT /F1 12 Tf 72 720 Td (page) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * pages
    return _pdf(objs)


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile") / "in"
    d.mkdir()
    for i, src in enumerate(GOOD):
        shutil.copy(FIXTURES / "corpus" / src, d / f"good{i}.txt")
    text = (FIXTURES / "corpus" / "real/pingtan/2021-report.txt").read_bytes()
    (d / os.fsdecode(b"r\xff\xfe-gbk-name.txt")).write_bytes(text)
    (d / "crlf\r\nWARC-Type: revisit.txt").write_bytes((FIXTURES / "corpus" / "real/pingtan/2019-report.txt").read_bytes())
    os.mkfifo(d / "pipe.html")
    os.symlink("/dev/zero", d / "zero.pdf")
    os.symlink("/etc/passwd", d / "passwd.txt")
    (d / "bomb.pdf").write_bytes(flate_bomb_pdf())
    (d / "pages.pdf").write_bytes(many_pages_pdf())
    (d / "table.txt").write_bytes(("|" + "|".join(str(i % 1000) for i in range(5_000_000)) + "|").encode()[: 20 * 1024 * 1024])
    return d


def test_hostile_folder_every_good_file_imported_each_bad_one_a_reason(hostile_folder, tmp_path):
    db = tmp_path / "g.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT), GOVCRAWL_DOC_SECONDS=str(LIMIT_SECONDS))
    proc, out, err, took, peak = run_with_peak_rss(
        [sys.executable, "-m", "govcrawl", "import", str(hostile_folder), "--db", str(db), "--archive", str(tmp_path / "archive")],
        timeout=300, cwd=ROOT, env=env)
    err = err.decode("utf-8", "replace")
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    rows = list(sqlite_utils.Database(db).query("select url from reports"))
    assert len(rows) == 4, rows  # the two good files, the non-UTF-8 name, the CR/LF name
    run = next(sqlite_utils.Database(db).query("select status, counts from runs where kind = 'import'"))
    problems = json.loads(run["counts"])["problems"]
    by_name = {p.split(": ", 1)[0].rsplit("/", 1)[-1]: p.split(": ", 1)[1] for p in problems}
    assert "FIFO" in by_name["pipe.html"]
    assert "/dev/zero" in by_name["zero.pdf"]
    assert "outside the folders named" in by_name["passwd.txt"]
    for name in ("bomb.pdf", "pages.pdf", "table.txt"):
        assert name in by_name, (name, problems)  # a reason each, whatever stopped it
    assert peak < 1024 ** 3, peak
    # Refused inputs are not archived; the CR/LF name injected no header.
    names, types = [], []
    for warc in (tmp_path / "archive").rglob("*.warc.gz"):
        with open(warc, "rb") as f:
            for rec in ArchiveIterator(f):
                types.append(rec.rec_type)
                names.append(rec.rec_headers.get_header("WARC-Govcrawl-Filename"))
    assert "revisit" not in types
    assert not {"pipe.html", "zero.pdf", "passwd.txt"} & set(names)
    assert "crlf%0D%0AWARC-Type: revisit.txt" in names and "r\\xff\\xfe-gbk-name.txt" in names
    print(f"hostile import: {took:.1f} s, peak RSS {peak >> 20} MB; reasons: {by_name}")
