"""System tools the tests need (LibreOffice, Tesseract, antiword): fail, never skip, when one is missing.

CI installs them (.ci/run); a developer without them gets a failure that names
the Debian package to install.
"""
from __future__ import annotations

import shutil
import subprocess

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
