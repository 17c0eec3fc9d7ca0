"""Word 97-2003 (.doc) and WPS (.wps) attachments through LibreOffice, and antiword without it.

Fixtures: tests/fixtures/corpus/real/word/ (two real .doc files, see README) and
tests/fixtures/corpus/synthetic/office/ (SYNTHETIC renderings of a real report
page, made by make_renderings.py there).
"""
from __future__ import annotations

import datetime
import os
import threading
import time
from functools import lru_cache
from pathlib import Path

import pytest

from govcrawl.extract import extract, extract_file, office
from systools import require

FIX = Path(__file__).parents[1] / "fixtures" / "corpus"
WORD = FIX / "real" / "word"
SYN = FIX / "synthetic" / "office"
HTML = FIX / "real" / "pingtan" / "2025-report.html"


@lru_cache(maxsize=None)
def read(path: Path, name: str | None = None):
    return extract(path.read_bytes(), filename=name or path.name, source=str(path))


@pytest.fixture(scope="module", autouse=True)
def converted_once():
    """All .doc inputs of this module converted in ONE soffice call (the extractor then hits the cache)."""
    require("soffice")
    files = [WORD / "handan-zutongzi-2018-39.doc", WORD / "shanghai-fxxx-template-2008.doc", SYN / "pingtan-2025.doc"]
    t0 = time.perf_counter()
    got = office.convert_many([(p.read_bytes(), ".doc") for p in files])
    elapsed = time.perf_counter() - t0
    assert all(isinstance(g, bytes) and g.startswith(b"PK") for g in got), got
    print(f"\nsoffice: {len(files)} .doc -> .docx in one call: {elapsed:.2f} s ({elapsed / len(files):.2f} s/document)")


def stats(doc) -> dict:
    return {s.key: s.value for s in doc.stats}


def test_doc_rendering_reads_like_the_html_original():
    html, doc = extract_file(HTML), read(SYN / "pingtan-2025.doc")
    assert doc.kind == "doc" and doc.error is None, doc.error
    assert (doc.title, doc.year, doc.format) == (html.title, html.year, html.format) == (
        "平潭综合实验区2025年度政府信息公开工作年度报告", 2025, "std-2021")
    assert doc.is_report
    assert len(html.stats) > 150
    assert stats(doc) == stats(html)  # the Word tables came through as grids


def test_wps_named_file_is_read_the_same_way():
    # No tool here writes Kingsoft .wps; Kingsoft files carry the same WordDocument stream,
    # so the .doc rendering served under a .wps name exercises the .wps path.
    doc = read(SYN / "pingtan-2025.doc", "report.wps")
    assert doc.kind == "doc" and doc.title == "平潭综合实验区2025年度政府信息公开工作年度报告"
    assert stats(doc) == stats(read(SYN / "pingtan-2025.doc"))


def test_real_word_files_give_their_chinese_text():
    doc = read(WORD / "handan-zutongzi-2018-39.doc")
    assert doc.kind == "doc" and doc.error is None
    for phrase in ("中共邯郸市委组织部关于开展纪念建党97周年系列活动的通知", "邯组通字〔2018〕39号",
                   "各县（市、区）委组织部", "2018年6月16日印发"):
        assert phrase in "".join(doc.text.split()), phrase
    assert not doc.is_report  # a notice, not an annual report


def test_date_field_keeps_its_stored_value_not_today():
    data = (WORD / "shanghai-fxxx-template-2008.doc").read_bytes()
    assert [r for i, r in office.stored_fields(data) if i.startswith(("DATE", "TIME"))] == ["二〇〇八年十二月二十九日"]
    doc = read(WORD / "shanghai-fxxx-template-2008.doc")
    assert "上海市防汛信息中心办公室" in doc.text
    assert "二〇〇八年十二月二十九日印发" in doc.text.replace(" ", "")
    today = datetime.date.today()
    assert f"{today.month}月{today.day}日" not in doc.text.replace("十二月二十九日", "")


def _path_with(tmp_path: Path, *tools: str) -> str:
    """A PATH holding only the named real tools (a machine without LibreOffice)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in tools:
        os.symlink(require(tool), bindir / tool)
    return str(bindir)


def test_without_soffice_antiword_gives_text_without_table_statistics(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_with(tmp_path, "antiword"))
    office._cache.clear()
    doc = extract((SYN / "pingtan-2025.doc").read_bytes(), filename="pingtan-2025.doc")
    assert doc.title == "平潭综合实验区2025年度政府信息公开工作年度报告" and doc.year == 2025
    assert doc.stats == [] and doc.format is None  # antiword drops table bodies: no torn figures
    assert "antiword" in doc.error and "libreoffice-writer-nogui" in doc.error
    real = extract((WORD / "shanghai-fxxx-template-2008.doc").read_bytes(), filename="t.doc")
    assert "二〇〇八年十二月二十九日" in real.text


def test_without_any_word_tool_the_reason_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_with(tmp_path))
    office._cache.clear()
    doc = extract((WORD / "handan-zutongzi-2018-39.doc").read_bytes(), filename="a.doc")
    assert not doc.is_report
    assert "libreoffice-writer-nogui" in doc.error and "antiword" in doc.error


def test_batch_keeps_order_and_reports_each_failure():
    require("soffice")
    good = (SYN / "pingtan-2025.doc").read_bytes()
    bad = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600  # an OLE2 header and nothing else
    got = office.convert_many([(bad, ".doc"), (good, ".doc")])
    assert isinstance(got[0], ValueError) and "LibreOffice could not convert" in str(got[0])
    assert isinstance(got[1], bytes)


def test_a_worker_stopped_at_its_limit_takes_libreoffice_with_it():
    """soffice runs in a session of its own (office.py ends its group on its own timeout). A worker
    killed at its time limit mid-conversion must end soffice and soffice.bin too: nobody else
    would wait for them, and they would go on converting a document nobody wants."""
    from govcrawl.extract.limits import LimitExceeded, Sandbox
    from workertasks import alive, children

    data = (WORD / "handan-zutongzi-2018-39.doc").read_bytes()
    many = [(data + bytes([i % 256, i // 256]), ".doc") for i in range(150)]  # ~30 s of converting
    sandbox = Sandbox(seconds=6)
    seen: set[int] = set()
    tmp: set[str] = set()
    done = threading.Event()

    def watch_the_workers_tree():
        while not done.is_set():
            worker = sandbox.proc
            todo = children(worker.pid) if worker is not None and worker.pid else []
            if todo:
                tmp.add(worker.govcrawl_tmp)
            while todo:
                pid = todo.pop()
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"soffice" in cmdline:
                        seen.add(pid)
                        # its profile and its input copies are in the worker's own temporary folder
                        assert f"file://{worker.govcrawl_tmp}/".encode() in cmdline, cmdline
                except OSError:  # it ended meanwhile
                    continue
                todo += children(pid)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch_the_workers_tree)
    watcher.start()
    try:
        with pytest.raises(LimitExceeded, match="longer than 6 s"):
            sandbox.run(office.convert_many, many)
    finally:
        done.set()
        watcher.join()
    assert len(seen) >= 2, f"LibreOffice never ran in the worker: {seen}"  # oosplash and soffice.bin
    deadline = time.monotonic() + 5
    while any(map(alive, seen)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, seen)), "LibreOffice still running after its worker was killed"
    assert len(tmp) == 1 and not Path(*tmp).exists(), "the killed worker's temporary files were left"


def test_a_worker_that_ends_leaves_no_temporary_files():
    """A worker exits without atexit (multiprocessing): LibreOffice's profile folder, made once per
    worker, was left in /tmp by every worker that converted a file. Its folder is removed now."""
    from govcrawl.extract.limits import Sandbox

    sandbox = Sandbox(seconds=120)
    got = sandbox.run(office.convert_many, [((WORD / "shanghai-fxxx-template-2008.doc").read_bytes() + b"\0", ".doc")])
    assert isinstance(got[0], bytes) and got[0].startswith(b"PK")
    tmp = Path(sandbox.proc.govcrawl_tmp)
    assert [p.name.split("-")[2] for p in tmp.iterdir()] == ["profile"]  # govcrawl-lo-profile-*: kept for the next file
    sandbox.close()
    assert not tmp.exists()
