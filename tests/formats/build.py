"""Render every real report with tables through the tools publishers and researchers use.

    python -m tests.formats.build            # (re)build tests/fixtures/formats/ (needs the tools below)

Sources: the real reports listed in SOURCES (HTML pages with ruled tables, a WPS-made PDF).
Tools (Debian packages): LibreOffice headless (libreoffice-writer-nogui: HTML -> DOCX, DOC, PDF),
poppler-utils (pdftotext -layout and plain), pdfplumber (the pinned Python dependency: page text),
pandoc (HTML -> Markdown with pipe tables), and Chromium print-to-PDF only when a chromium binary
is installed (it is not added to CI: too heavy). The renderings are cached in the repository so
the test (tests/test_formats.py) runs fast and offline; they are synthetic containers of real text.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "corpus" / "real"
OUT = ROOT / "tests" / "fixtures" / "formats"

# id -> real report (relative to tests/fixtures/corpus/real)
SOURCES = {
    "pingtan-2025": "pingtan/2025-report.html",
    "shanghai-2019": "shanghai-szfbgt/2019-report.html",
    "huaian-2024": "huaian/2024-report.pdf",
}


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, timeout=300, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc


def need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise SystemExit(f"{tool} not found: install the Debian package {package}")
    return path


def soffice(src: Path, target: str, ext: str, dest: Path, profile: Path) -> None:
    """One LibreOffice conversion in a private profile (other soffice processes may be running)."""
    with tempfile.TemporaryDirectory() as tmp:
        run([need("soffice", "libreoffice-writer-nogui"), f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", target, "--outdir", tmp, str(src)])
        made = list(Path(tmp).glob(f"*.{ext}"))
        if len(made) != 1:
            raise SystemExit(f"soffice made {made} for {src} -> {target}")
        shutil.move(str(made[0]), dest)


def pdf_texts(pdf: Path, out: Path, prefix: str) -> None:
    import pdfplumber

    pdftotext = need("pdftotext", "poppler-utils")
    run([pdftotext, "-layout", "-enc", "UTF-8", str(pdf), str(out / f"{prefix}pdftotext-layout.txt")])
    run([pdftotext, "-enc", "UTF-8", str(pdf), str(out / f"{prefix}pdftotext-plain.txt")])
    with pdfplumber.open(pdf) as doc:
        text = "\n".join(page.extract_text() or "" for page in doc.pages)
    (out / f"{prefix}pdfplumber.txt").write_text(text + "\n", encoding="utf-8")


def build(sid: str, rel: str, profile: Path) -> None:
    src = REAL / rel
    out = OUT / sid
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if src.suffix == ".pdf":
        pdf_texts(src, out, "")
        return
    soffice(src, "docx:MS Word 2007 XML", "docx", out / "lo.docx", profile)
    soffice(src, "doc:MS Word 97", "doc", out / "lo.doc", profile)
    soffice(src, "pdf:writer_web_pdf_Export", "pdf", out / "lo.pdf", profile)
    pdf_texts(out / "lo.pdf", out, "lo-pdf.")
    # gfm keeps tables with merged cells as raw HTML; gfm-raw_html forces every table into pipes
    for name, fmt in (("pandoc-gfm.md", "gfm"), ("pandoc-pipe.md", "gfm-raw_html")):
        md = run([need("pandoc", "pandoc"), "-f", "html", "-t", fmt, "--wrap=none", str(src)]).stdout
        (out / name).write_bytes(md)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        run([chromium, "--headless", "--disable-gpu", "--no-sandbox", f"--print-to-pdf={out / 'chromium.pdf'}",
             src.as_uri()])
        pdf_texts(out / "chromium.pdf", out, "chromium-pdf.")


def main(argv: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        for sid, rel in SOURCES.items():
            if argv and sid not in argv:
                continue
            build(sid, rel, Path(profile))
            print(sid, sorted(p.name for p in (OUT / sid).iterdir()))


if __name__ == "__main__":
    main(sys.argv[1:])
