"""`govcrawl export wacz`: the WARC archive as one WACZ file (py-wacz), for ReplayWeb.page / pywb.

py-wacz indexes every record (CDXJ, POST bodies in the lookup key, so API calls replay too),
zips the WARC files beside the index and writes the package's datapackage.json. The page
list is the reports the DB knows (URL and title), or, without a DB, every HTML page py-wacz
detects.
"""
from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path


class WaczError(Exception):
    pass


def warc_files(archive_root: str | Path, portals: list[str] | None = None) -> list[Path]:
    """The archive's finished WARC files (a file still being written, ``.open``, is left out)."""
    root = Path(archive_root)
    files = sorted(p for p in root.rglob("*.warc.gz") if not portals or p.relative_to(root).parts[0] in portals)
    names: dict[str, Path] = {}
    for f in files:  # a WACZ keeps files by their bare name under archive/
        if f.name in names:
            raise WaczError(f"two WARC files named {f.name} ({names[f.name]} and {f}): cannot be packed into one WACZ")
        names[f.name] = f
    return files


def export_wacz(archive_root: str | Path, output: str | Path, *, db_path: str | Path | None = None,
                portals: list[str] | None = None, title: str | None = None) -> dict:
    """Write ``output`` (a .wacz) from the archive; returns {"warcs", "pages"}."""
    try:
        from wacz.main import main as wacz_main
    except ImportError as exc:  # an optional extra
        raise WaczError("WACZ export needs py-wacz: pip install 'govcrawl[wacz]'") from exc
    files = warc_files(archive_root, portals)
    if not files:
        raise WaczError(f"no finished WARC files under {archive_root}")
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="govcrawl-wacz-") as tmp:
        args = ["create", "-o", str(output), "--title", title or "govcrawl archive"]
        pages = _pages(db_path) if db_path and Path(db_path).exists() else []
        if pages:
            pages_file = Path(tmp) / "pages.jsonl"
            lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Annual reports"}]
            lines += [{"url": p["url"], "title": p["title"] or p["url"]} for p in pages]
            pages_file.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
            args += ["-p", str(pages_file)]
        else:
            args += ["--detect-pages"]
        with contextlib.redirect_stdout(sys.stderr):  # py-wacz narrates on stdout
            rc = wacz_main(args + [str(f) for f in files])
    if rc:
        raise WaczError(f"py-wacz failed (exit {rc})")
    return {"warcs": len(files), "pages": len(pages)}


def _pages(db_path) -> list[dict]:
    from ..store.queries import archived_reports_at

    return archived_reports_at(db_path)  # read only: never creates a DB
