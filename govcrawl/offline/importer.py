"""`govcrawl import PATH...`: local report files into the archive and the DB.

Each .html/.htm/.shtml/.txt/.md/.pdf/.docx file (folders are walked) becomes a WARC
``resource`` record under ``archive/import/`` carrying its original file name
(``WARC-Govcrawl-Filename``) and, as its URI, the source URL you state with
``--source-url`` (one file), or in a ``--urls`` CSV of ``path,url`` rows (many
files), or else ``file:<folder>/<name>`` (the path as given, relative: the DB
must not depend on where the files sat). Then the same extractor and the
same write path as the crawl and ``reparse`` (``Store.record_document``), so an imported
file and a crawled page with the same bytes give the same rows. A file already
imported with the same bytes and URI is not archived again.
"""
from __future__ import annotations

import mimetypes
import os
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from ..archive import WarcArchive
from ..crawl.navigation import is_web_url
from .documents import IMPORT_FOLDER, extract_job, import_job, record
from ..extract import EXTRACTOR_VERSION, extract
from ..extract.limits import InputRefused, LimitExceeded, Sandbox, display_name, read_input
from ..commands.safetext import say
from ..store import Store, new_run_id

SUFFIXES = {".html", ".htm", ".shtml", ".txt", ".md", ".markdown", ".pdf", ".docx"}


class ImportArgsError(ValueError):
    """Arguments that cannot be honoured (e.g. one --source-url for many files)."""


def find_files(paths: list[str], problems: list[tuple[str, str]]) -> list[tuple[Path, str, Path | None]]:
    """(file, label, root) for every importable file; label is the path relative to what was
    named, root the named folder a file (or its symlink's target) must stay in. Whether it is
    a regular file is checked when it is read (govcrawl/extract/limits.py), never by opening it here."""
    found: list[tuple[Path, str, Path | None]] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            root = p.resolve()
            for f in sorted(p.rglob("*")):
                if f.suffix.lower() in SUFFIXES and (f.is_symlink() or not f.is_dir()):
                    found.append((f, f"{root.name}/{f.relative_to(p).as_posix()}", root))
        elif p.exists() or p.is_symlink():
            if p.suffix.lower() in SUFFIXES:
                found.append((p, p.name, None))
            else:
                problems.append((arg, f"not an .html/.txt/.md/.pdf/.docx file (suffix {p.suffix or 'none'})"))
        else:
            problems.append((arg, "no such file or folder"))
    return found


def read_url_manifest(manifest: str) -> dict[Path, str]:
    """``--urls FILE``: where each file was published, as CSV rows ``path,url``.

    Paths are relative to the CSV's own folder (or absolute); a first row
    ``path,url`` is a header; blank rows and rows starting with # are skipped.
    Returns {resolved path: url}; a row that cannot be used is an error naming file:line.
    """
    import csv

    base = Path(manifest).resolve().parent
    try:
        fh = open(manifest, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportArgsError(f"--urls {manifest}: {exc.strerror or exc}") from None
    urls: dict[Path, str] = {}
    with fh:
        for lineno, row in enumerate(csv.reader(fh), 1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if lineno == 1 and [c.lower() for c in cells[:2]] == ["path", "url"]:
                continue
            if len(cells) < 2 or not cells[0]:
                raise ImportArgsError(f"{manifest}:{lineno}: expected two columns, path,url")
            if not is_web_url(cells[1]):
                raise ImportArgsError(f"{manifest}:{lineno}: not an http(s) URL: {cells[1]!r}")
            urls[(base / cells[0]).resolve()] = cells[1]
    return urls


def import_paths(paths: list[str], *, db_path: str, archive_root: str, source_url: str | None = None,
                 url_manifest: str | None = None, portals_file: str | None = None, console=None,
                 progress: bool = True) -> tuple[str, dict]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..store import neardup

    console = console or Console(stderr=True, soft_wrap=True)  # no hard wraps: logs get grepped
    problems: list[tuple[str, str]] = []
    files = find_files(paths, problems)
    if source_url and len(files) != 1:
        raise ImportArgsError(f"--source-url states the URL of one document, but {len(files)} files were given")
    if source_url and not is_web_url(source_url):
        raise ImportArgsError(f"--source-url must be an http(s) URL, not {source_url!r}")
    if source_url and url_manifest:
        raise ImportArgsError("give --source-url (one file) or --urls (a list), not both")
    urls = read_url_manifest(url_manifest) if url_manifest else {}
    used: set[Path] = set()
    store = Store(db_path)
    run_id = new_run_id()
    store.start_run(run_id, "import", None, {"paths": paths, "source_url": source_url, "urls": url_manifest, "db": db_path,
                                                 "archive": archive_root},
                    EXTRACTOR_VERSION)
    index = neardup.index_for(store, neardup.registry_hosts(portals_file))
    archive = WarcArchive(archive_root, IMPORT_FOLDER, run_id)
    counts: Counter = Counter(files=len(files))
    failures: list[tuple[str, str]] = list(problems)
    status = "finished"
    sandbox = Sandbox()
    # Files done of files found, with an ETA; only for a person at a terminal (logs stay clean).
    bar = Progress(TextColumn("import"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("files · {task.fields[reports]} reports · {task.fields[failed]} not imported"),
                   TimeRemainingColumn(), console=console, disable=not (progress and console.is_terminal), transient=False)
    task = bar.add_task("import", total=len(files), reports=0, failed=0)
    try:
        bar.start()
        for n, (path, label, root) in enumerate(files):
            bar.update(task, completed=n, reports=counts["reports"], failed=len(failures) - len(problems))
            try:  # only regular files, inside the named folders, capped: refused ones are not archived
                body = read_input(path, [root] if root else None)
            except InputRefused as exc:
                failures.append((display_name(path), str(exc)))
                counts["refused"] += 1
                continue
            listed = urls.get(path.resolve())
            if listed:
                used.add(path.resolve())
            uri = source_url or listed or "file:" + quote(os.fsencode(label))  # bytes-safe: names need not be UTF-8
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            probe = import_job(uri, body, ctype, path.name, ("", 0, 0))
            if store.already_seen(*probe.key, EXTRACTOR_VERSION) or store.has_report_for(*probe.key):
                counts["already_imported"] += 1
                continue
            loc = archive.write_resource(uri, body, ctype, filename=display_name(path.name),
                                         extra={"WARC-Govcrawl-Source-Path": display_name(label)})
            counts["warc_records"] += 1
            job = import_job(uri, body, ctype, path.name, (loc.file, loc.offset, loc.length))
            try:  # under a time and memory limit: a bomb costs this file, not the import
                doc = sandbox.run(extract_job, job)
            except LimitExceeded as exc:
                failures.append((display_name(path), str(exc)))
                counts["failed"] += 1
                continue
            out = record(store, job, doc, EXTRACTOR_VERSION, index)
            counts[out.what] += 1
            if doc.is_report:
                counts["reports"] += 1
            else:
                failures.append((display_name(path), out.reason or "not a report"))
        bar.update(task, completed=len(files), reports=counts["reports"], failed=len(failures) - len(problems))
        # A listed file that was not among those imported is most likely a typo in the list.
        failures += [(str(p), f"listed in --urls {url_manifest} but not among the files imported")
                     for p in urls if p not in used]
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        bar.stop()
        sandbox.close()
        archive.close()
        store.finish_run(run_id, {**counts, "problems": [f"{p}: {r}" for p, r in failures]}, status)
        store.close()
    console.print(f"[bold]import {run_id}[/bold]: {counts['files']} files, {counts['reports']} reports "
                  f"(new {counts['new']}, changed {counts['changed']}, unchanged {counts['unchanged']}), "
                  f"already imported {counts['already_imported']}, WARC records {counts['warc_records']}")
    for p, r in failures:  # file names and reasons are data (commands/safetext.py)
        say(console, "  not imported as a report: {}: {}", p, r)
    return run_id, {**counts, "failures": failures}
