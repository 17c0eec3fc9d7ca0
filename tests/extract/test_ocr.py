"""Scanned (image-only) PDFs read by OCR: Tesseract chi_sim, tables cell by cell.

Fixtures: tests/fixtures/corpus/synthetic/office/pingtan-2025-scan-{150,300}.pdf,
SYNTHETIC scans of a real report page (rendered, rotated, speckled, thresholded:
see make_renderings.py there). Every OCR'd number that is stored must equal the
page's (precision 1.000); recall is printed per resolution.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

import pytest

from govcrawl.extract import extract, extract_file
from govcrawl.extract.limits import CRAWL_AS_FACTOR, LimitExceeded, Sandbox
from govcrawl.extract.ocr import ocr_pdf
from conftest import FIXTURES
from systools import require
from workertasks import alive, children

SYN = FIXTURES / "corpus" / "synthetic" / "office"
HTML = FIXTURES / "corpus" / "real" / "pingtan" / "2025-report.html"
RECALL_FLOOR = {150: 0.4, 300: 0.4}  # measured 0.49-0.94; OCR must never trade precision for it


@lru_cache(maxsize=None)
def scan(dpi: int):
    require("tesseract")
    t0 = time.perf_counter()
    doc = extract((SYN / f"pingtan-2025-scan-{dpi}.pdf").read_bytes(), filename="report.pdf")
    return doc, time.perf_counter() - t0


@pytest.mark.parametrize("dpi", [150, 300])
def test_scan_yields_year_and_only_confirmed_numbers(dpi):
    doc, seconds = scan(dpi)
    truth = {s.key: s.value for s in extract_file(HTML).stats}
    assert doc.kind == "ocr" and doc.error is None, doc.error
    assert doc.year == 2025 and doc.format == "std-2021"
    assert "政府信息公开" in doc.text and "行政复议" in doc.text
    assert doc.stats and all(s.source == "ocr" for s in doc.stats)
    wrong = [(s.key, s.value, truth.get(s.key)) for s in doc.stats if truth.get(s.key) != s.value]
    assert wrong == []  # precision 1.000
    recall = len(doc.stats) / len(truth)
    print(f"\nOCR {dpi} dpi: {len(doc.stats)} of {len(truth)} numbers stored, all correct "
          f"(precision 1.000, recall {recall:.3f}); {seconds:.1f} s")
    assert recall >= RECALL_FLOOR[dpi]
    assert doc.is_report


def test_scan_title():
    titles = {dpi: scan(dpi)[0].title for dpi in (150, 300)}
    assert "平潭综合实验区2025年度政府信息公开工作年度报告" in titles.values(), titles


def test_without_tesseract_the_reason_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without tesseract
    doc = extract((SYN / "pingtan-2025-scan-150.pdf").read_bytes(), filename="scan.pdf")
    assert not doc.is_report
    assert "tesseract-ocr" in doc.error and "tesseract-ocr-chi-sim" in doc.error


def test_confirmed_keeps_the_report_order_whatever_the_hash_seed():
    # The kept numbers' order once followed PYTHONHASHSEED (a set of rows): two runs of one scan differed.
    import os
    import subprocess
    import sys

    report = FIXTURES / "corpus" / "real" / "pingtan" / "2025-report.txt"
    code = ("import sys;from govcrawl.extract.ocr import confirmed;from govcrawl.extract import extract_file;"
            "d=extract_file(sys.argv[1]);s,_=confirmed(d.stats, version=d.format);print([x.key for x in s])")
    outs = {subprocess.run([sys.executable, "-c", code, str(report)], env=dict(os.environ, PYTHONHASHSEED=seed),
                           capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "3")}
    assert len(outs) == 1 and "apply.new.total" in outs.pop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_tesseract_runs_single_threaded_and_ends_with_its_worker():
    """Tesseract's OpenMP threads made OCR ~4x slower on 2 cores: it runs with OMP_THREAD_LIMIT=1.
    A worker killed mid-OCR (its time limit, a crash) must not leave Tesseract running on."""
    require("tesseract")
    data = (SYN / "pingtan-2025-scan-150.pdf").read_bytes()
    sandbox = Sandbox(seconds=120, as_factor=CRAWL_AS_FACTOR)
    seen: dict[int, bytes] = {}

    def kill_the_worker_once_tesseract_runs():
        deadline = time.monotonic() + 100
        while time.monotonic() < deadline:
            worker = sandbox.proc
            for child in children(worker.pid) if worker is not None and worker.pid else ():
                try:  # an OCR batch (reading a TIFF on stdin), not the short `tesseract --list-langs`
                    if b"stdin" not in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
                        continue
                    environ = Path(f"/proc/{child}/environ").read_bytes()
                except OSError:  # it ended meanwhile
                    continue
                seen[child] = environ
                os.kill(worker.pid, signal.SIGKILL)  # as a limit or a crash would
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=kill_the_worker_once_tesseract_runs)
    watcher.start()
    with pytest.raises(LimitExceeded, match="the worker died"):
        sandbox.run(ocr_pdf, data)
    watcher.join()
    assert len(seen) == 1, "the worker never ran tesseract"
    (child, environ), = seen.items()
    assert b"OMP_THREAD_LIMIT=1\0" in environ
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "tesseract still running after its worker was killed"
