"""System tools the tests need (LibreOffice, Tesseract, antiword): fail, never skip, when one is missing.

CI installs them (.ci/run); a developer without them gets a failure that names
the Debian package to install.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

PACKAGES = {
    "soffice": "libreoffice-writer-nogui (and libreoffice-calc-nogui)",
    "tesseract": "tesseract-ocr and tesseract-ocr-chi-sim",
    "antiword": "antiword",
    "redis-server": "redis-server",
}


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise AssertionError(f"{tool} not found: install the Debian package {PACKAGES[tool]} "
                             f"(apt-get install; .ci/run does it in CI)")
    if tool == "tesseract":
        langs = subprocess.run([path, "--list-langs"], capture_output=True, text=True).stdout.split()
        if "chi_sim" not in langs:
            raise AssertionError("tesseract has no chi_sim language: install the Debian package tesseract-ocr-chi-sim")
    return path


def tree_rss(pid: int) -> int:
    """RSS (bytes) of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += int(next(ln.split()[1] for ln in f if ln.startswith("VmRSS:"))) * 1024
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_with_peak_rss(cmd: list[str], *, timeout: float, **popen) -> tuple[subprocess.Popen, object, object, float, int]:
    """Run ``cmd`` to its end, sampling its process tree's RSS: (proc, stdout, stderr, seconds, peak bytes)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    peak = [0]

    def watch():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.05)

    w = threading.Thread(target=watch)
    w.start()
    out, err = proc.communicate(timeout=timeout)
    w.join()
    return proc, out, err, time.monotonic() - t0, peak[0]
