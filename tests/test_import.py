"""`govcrawl import`: local files -> WARC resource records -> the shared extractor -> the DB."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlite_utils

from govcrawl.archive import iter_records
from govcrawl.offline.reparse import reparse

from conftest import FIXTURES, run_govcrawl

SEEDS = FIXTURES / "corpus" / "seeds"  # copies of ../shared/corpus/seeds (real pages)
PDF = FIXTURES / "corpus" / "real" / "huaian" / "2024-report.pdf"


def _import(out: Path, *args: str, check: bool = True):
    return run_govcrawl("import", *args, "--db", str(out / "g.db"), "--archive", str(out / "archive"), check=check)


def test_import_folder_archives_and_extracts(tmp_path):
    proc = _import(tmp_path, str(SEEDS))
    assert "5 files, 5 reports" in proc.stderr
    db = sqlite_utils.Database(tmp_path / "g.db")
    reports = {r["url"]: r for r in db.query("select * from reports")}
    names = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(reports) == [f"file:seeds/{n}" for n in names]
    assert {r["kind"] for r in reports.values()} == {"import"}
    assert sorted(r["year"] for r in reports.values()) == [2009, 2012, 2013, 2016, 2017]
    records = list(iter_records(tmp_path / "archive"))
    assert len(records) == 5 and {r.record_type for r in records} == {"resource"}
    assert sorted(r.warc_headers["WARC-Govcrawl-Filename"] for r in records) == names
    assert all(r.file.startswith("import/") for r in records)
    # Each report points at its record, whose bytes are the file's.
    for r in reports.values():
        rec = next(x for x in records if x.url == r["url"])
        assert (r["warc_file"], r["warc_offset"]) == (rec.file, rec.offset)
        assert rec.body == (SEEDS / rec.warc_headers["WARC-Govcrawl-Filename"]).read_bytes()
    for f in (tmp_path / "archive").rglob("*.warc.gz"):
        check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
    run = list(db.query("select kind, status from runs"))
    assert run == [{"kind": "import", "status": "finished"}]


def test_reimport_and_reparse_add_nothing(tmp_path):
    _import(tmp_path, str(SEEDS))
    proc = _import(tmp_path, str(SEEDS))
    assert "already imported 5, WARC records 0" in proc.stderr
    assert len(list(iter_records(tmp_path / "archive"))) == 5
    _, s = reparse(str(tmp_path / "g.db"), str(tmp_path / "archive"), jobs=1, progress=False)
    assert s.documents == 5 and s.skipped == 5


def test_source_url_and_pdf(tmp_path):
    url = "https://www.huaian.gov.cn/col/16618/art/2025/art_2024.html"  # stated by the caller; never fetched
    _import(tmp_path, str(PDF), "--source-url", url)
    db = sqlite_utils.Database(tmp_path / "g.db")
    (row,) = db.query("select url, canonical_url, year, kind from reports")
    assert row["url"] == url and row["year"] == 2024 and row["kind"] == "import"
    (rec,) = iter_records(tmp_path / "archive")
    assert rec.url == url and rec.warc_headers["WARC-Govcrawl-Filename"] == "2024-report.pdf"
    assert rec.content_type == "application/pdf"


def test_bad_arguments_get_clear_errors(tmp_path):
    proc = _import(tmp_path, str(SEEDS), "--source-url", "https://example.gov.cn/a.html", check=False)
    assert proc.returncode == 2 and "one document" in proc.stderr
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04 not ours")
    proc = _import(tmp_path, str(tmp_path / "missing.html"), str(tmp_path / "notes.xlsx"), str(SEEDS / "000_ce613ae3d38fe476.txt"))
    assert "no such file" in proc.stderr and "not an .html/.txt/.md/.pdf/.docx" in proc.stderr
    assert sqlite_utils.Database(tmp_path / "g.db")["reports"].count == 1


def test_url_list_gives_each_file_its_source_url(tmp_path):
    # Where the files were published, stated by the caller (never fetched). Paths are relative to the CSV.
    seed_a, seed_b = sorted(SEEDS.glob("*.txt"))[:2]
    files = tmp_path / "downloads"
    files.mkdir()
    for f in (seed_a, seed_b, PDF):
        (files / f.name).write_bytes(f.read_bytes())
    manifest = tmp_path / "urls.csv"
    manifest.write_text("path,url\n"
                        f"downloads/{seed_a.name},http://www.example.gov.cn/a.html\n"
                        "# a comment\n"
                        f"downloads/{PDF.name},https://www.huaian.gov.cn/art_2024.pdf\n"
                        "downloads/missing.pdf,https://www.example.gov.cn/missing.pdf\n", encoding="utf-8")
    proc = _import(tmp_path / "out", str(files), "--urls", str(manifest))
    urls = sorted(r["url"] for r in sqlite_utils.Database(tmp_path / "out" / "g.db").query("select url from reports"))
    assert urls == sorted(["http://www.example.gov.cn/a.html", "https://www.huaian.gov.cn/art_2024.pdf",
                           f"file:downloads/{seed_b.name}"])  # not listed: a file: URI, as without --urls
    assert "missing.pdf: listed in --urls" in proc.stderr

    manifest.write_text(f"downloads/{seed_a.name},ftp://example.gov.cn/a\n", encoding="utf-8")
    proc = _import(tmp_path / "bad", str(files), "--urls", str(manifest), check=False)
    assert proc.returncode == 2 and f"{manifest}:1: not an http(s) URL" in proc.stderr
    proc = _import(tmp_path / "bad", str(PDF), "--urls", str(manifest), "--source-url", "https://a.gov.cn/x", check=False)
    assert proc.returncode == 2 and "not both" in proc.stderr


def test_markdown_tables_are_read_as_grids(tmp_path):
    # pandoc's Markdown of the real shanghai 2019 report (tests/formats/build.py): pipe tables and
    # raw-HTML tables go through the HTML grid reader, so the numbers are grid cells
    md = FIXTURES / "formats" / "shanghai-2019" / "pandoc-gfm.md"
    _import(tmp_path, str(md))
    db = sqlite_utils.Database(tmp_path / "g.db")
    (row,) = db.query("select id, year from reports")
    assert row["year"] == 2019
    reads = {r["read"]: r["n"] for r in db.query("select read, count(*) n from stats where report_id = ? group by read", [row["id"]])}
    assert reads.get("grid", 0) >= 60
    (rec,) = iter_records(tmp_path / "archive")
    assert rec.warc_headers["WARC-Govcrawl-Filename"] == "pandoc-gfm.md"
    # reparse reads the record as Markdown again (the file name travels with it)
    _, s = reparse(str(tmp_path / "g.db"), str(tmp_path / "archive"), jobs=1, progress=False)
    assert s.documents == 1 and s.skipped == 1
