"""Bad input: each case gives a recorded error or skip with a reason, and nothing else is lost.

Two routes: the fault crawl (tests/faultserver.py serves the inputs; the crawl
is shared with test_faults.py) and `govcrawl extract` on files. The inputs are
synthetic junk or real report texts damaged on purpose (see faultserver.py).
"""
from __future__ import annotations

import gzip
import json

import pytest

from conftest import run_govcrawl
from faultserver import CASE_BY_PATH, CASES, _ole2, report_html

from govcrawl.extract import extract


def _row(crawl, path):
    rows = list(crawl["db"].query("select * from pages where url = ? order by id desc", [crawl["urls"][path]]))
    assert rows, path
    return rows[0]


def _report(crawl, path):
    rows = list(crawl["db"].query("select * from reports where url = ?", [crawl["urls"][path]]))
    return rows[0] if rows else None


@pytest.mark.parametrize("path,reason", [
    ("/bad/doc.html", "not a text document: OLE2"),
    ("/bad/xls.html", "not a text document: OLE2"),
    ("/bad/huge.html", "too large: body exceeds DOWNLOAD_MAXSIZE"),
    ("/bad/bomb.html", "too large: Ignored response"),
    ("/bad/empty.html", "empty document"),
    ("/files/fake-report.pdf", "not a PDF"),
    ("/files/zero.pdf", "empty document"),
])
def test_unusable_input_recorded_with_reason(fault_crawl, path, reason):
    row = _row(fault_crawl, path)
    assert (row["error"] or "").startswith(reason) or (row["skip_reason"] or "").startswith(reason), row
    assert row["skip_reason"] and row["report_id"] is None


def test_huge_page_and_bomb_name_the_limit(fault_crawl):
    assert "31457280" in _row(fault_crawl, "/bad/huge.html")["error"]  # DOWNLOAD_MAXSIZE, in bytes
    assert "during decompression" in _row(fault_crawl, "/bad/bomb.html")["error"]


def test_gbk_labelled_utf8_is_decoded(fault_crawl):
    rep = _report(fault_crawl, "/bad/gbk-as-utf8.html")
    assert rep and "沈河区继续坚持以务实、创新为己任" in rep["text"]


def test_invalid_utf8_keeps_the_report_and_says_so(fault_crawl):
    rep = _report(fault_crawl, "/bad/invalid-utf8.html")
    assert rep and "我县继续深入贯彻落实" in rep["text"]
    assert "undecodable byte sequence" in _row(fault_crawl, "/bad/invalid-utf8.html")["error"]
    assert "鎴" not in rep["text"]  # not re-read as GBK (mojibake)


def test_deep_nesting_read_as_text(fault_crawl):
    rep = _report(fault_crawl, "/bad/nested.html")
    assert rep and rep["stats_count"] > 0
    assert "nested 100" in _row(fault_crawl, "/bad/nested.html")["error"]


def test_docx_attachment_read_and_broken_one_recorded(fault_crawl):
    rep = _report(fault_crawl, "/files/2025-report.docx")
    assert rep and rep["year"] == 2025 and rep["format"] == "std-2021" and rep["stats_count"] > 200
    assert _row(fault_crawl, "/files/2025-report.docx")["content_type"].startswith("application/vnd.openxmlformats")
    assert _report(fault_crawl, "/files/broken.docx") is None
    assert "ZIP container" in (_row(fault_crawl, "/files/broken.docx")["skip_reason"] or "")


def test_rest_of_the_run_stored(fault_crawl):
    stored = {r["url"] for r in fault_crawl["db"].query("select url from reports")}
    assert {fault_crawl["urls"][c.path] for c in CASES if c.expect == "report"} <= stored


# -- the same inputs through `govcrawl extract` -------------------------------------------

def _inputs(tmp_path):
    page = report_html("seeds/002_8661693cc3ee7730.txt").encode("utf-8")
    files = {
        "doc-as.html": _ole2("doc"),
        "xls-as.html": _ole2("xls"),
        "gbk-labelled-utf8.html": report_html("seeds/004_d665514035f4539e.txt").encode("gbk", "replace"),
        "huge.html": b"<html><body>" + b"<p>" + b"x" * (50 * 1024 * 1024) + b"</p></body></html>",
        "bomb.html.gz": gzip.compress(b"\x00" * (8 * 1024 * 1024)),
        "nested.html": page.replace(b"<div class='article'>", b"<div class='article'>" + b"<div>" * 10000),
        "empty.html": b"",
        "invalid-utf8.html": page[:3000] + b"\xff\xfe" + page[3000:],
        "fake.pdf": b"<html><body>synthetic error page</body></html>",
        "truncated.pdf": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
        "zero.pdf": b"",
        "good.html": page,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return files


def test_extract_cli_records_each_bad_input_and_keeps_the_good_one(tmp_path):
    files = _inputs(tmp_path)
    proc = run_govcrawl("extract", "--jsonl", *(str(tmp_path / n) for n in files), timeout=120)
    assert "Traceback" not in proc.stderr
    docs = {json.loads(line)["source"].rsplit("/", 1)[-1]: json.loads(line) for line in proc.stdout.splitlines()}
    assert set(docs) == set(files)
    assert docs["good.html"]["is_report"] and docs["good.html"]["error"] is None
    assert docs["gbk-labelled-utf8.html"]["is_report"]
    assert docs["invalid-utf8.html"]["is_report"] and "undecodable" in docs["invalid-utf8.html"]["error"]
    assert docs["nested.html"]["is_report"] and "nested" in docs["nested.html"]["error"]
    expected = {
        "doc-as.html": "not a text document", "xls-as.html": "not a text document", "huge.html": "input too large",
        "bomb.html.gz": "not a text document: gzip", "empty.html": "empty document", "fake.pdf": "not a PDF",
        "truncated.pdf": "unreadable PDF", "zero.pdf": "empty document",
    }
    for name, reason in expected.items():
        doc = docs[name]
        assert not doc["is_report"] and (reason in (doc["error"] or "")), (name, doc["error"], doc["skip_reason"])
        assert doc["skip_reason"], name


def test_extractor_never_raises_on_the_crawl_inputs():
    for case in CASES:
        if case.source:
            doc = extract(report_html(case.source).encode("utf-8"), url="http://127.0.0.1/x.html")
            assert doc.error is None and doc.is_report, case.path
    assert CASE_BY_PATH["/bad/empty.html"].expect == "empty document"
