"""Where reparse's CPU goes, per document: the extractor's stages, and the DB writer vs the workers.

    .venv/bin/python bench/where_time_goes.py            # 300 synthetic pages, archive-5000 if built
    .venv/bin/python bench/where_time_goes.py --docs 1000 --archive bench/out/archive-5000

Part 1 times each stage of ``govcrawl.extract`` in this process (CPU time, wrapped
module functions: a few calls per document, so the wrappers cost nothing measurable),
next to bare ``trafilatura.extract`` on the same HTML, as bench/run.py's baseline calls it.
Part 2 runs ``reparse -j 2`` in this process over a bench archive into a fresh DB and splits
its CPU between this process (WARC reading, the DB writer) and the workers (getrusage).

This is the breakdown behind the README's note on reparse throughput; the ratios
themselves come from bench/run.py. Inputs are SYNTHETIC (bench/gen_portal.py).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_portal  # noqa: E402  (bench/ is not a package)


def _timed(spent: dict, calls: dict, name: str, fn):
    def wrapper(*args, **kwargs):
        t = time.process_time()
        calls[name] += 1
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - t
    return wrapper


def stage_breakdown(n: int) -> list[tuple[str, float]]:
    import trafilatura

    from govcrawl.store import fingerprint, neardup
    from govcrawl.extract import classify, clean, extract, guards, meta, stats
    from govcrawl.extract.clean import article
    from govcrawl.extract.decode import decode_bytes
    from govcrawl.extract.stats import grid, template

    pages = list(gen_portal.iter_report_pages(n, seed=11))
    docs = [("http://127.0.0.1:8000" + p.path, p.body) for p in pages]
    extract(docs[0][1], url=docs[0][0], content_type="text/html")  # warm-up: imports, OpenCC tables

    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    # Wrapped where the callers look the functions up (module attributes), in the order printed;
    # an indented row is part of the row above it. A row reading 0.00 with 0 calls is a function
    # the extractor no longer calls from there: move its wrapper (where the call is now).
    patches = [(clean, "parse_html", "lxml parse (shared by clean and stats)"),
               (guards, "lost_text", "parser-damage guard (guards.lost_text)"),
               (clean, "clean_html", "clean text (article + chrome rules)"),
               (clean, "html_metadata", "  page metadata (title, date, breadcrumb)"),
               (article, "find_container", "  article container from the text blocks"),
               (article, "read_container", "  container read from the DOM"),
               (trafilatura, "extract", "  trafilatura.extract (only where no container is found)"),
               (article, "article_text_from_dom", "  DOM re-read of trafilatura's article (same)"),
               (clean, "normalize_text", "  normalise (entities, OpenCC decision, numbers, spaces)"),
               (grid, "tables_text", "tables as text rows (grid reader)"),
               (meta, "fill", "report metadata"),
               (stats, "extract_stats", "statistics + identities"),
               (template, "read_template", "  template tables (grid and text)"),
               (stats, "prose_figures", "  figures in the prose"),
               (classify, "classify", "is it a report")]
    saved = [(mod, attr, getattr(mod, attr)) for mod, attr, _ in patches]
    try:
        for mod, attr, label in patches:
            setattr(mod, attr, _timed(spent, calls, label, getattr(mod, attr)))
        t = time.process_time()
        out = [extract(body, url=url, content_type="text/html", filename=url.rsplit("/", 1)[-1]) for url, body in docs]
        total = time.process_time() - t
    finally:
        for mod, attr, fn in saved:
            setattr(mod, attr, fn)
    t = time.process_time()
    for doc in out:
        neardup.signature(doc.text)
    sig = time.process_time() - t
    t = time.process_time()
    for doc in out:
        fingerprint.doc_fingerprint(doc)
    fp = time.process_time() - t
    decoded = [decode_bytes(body, "text/html", None)[0] for _, body in docs]
    t = time.process_time()
    for html in decoded:
        trafilatura.extract(html)
    base = time.process_time() - t

    rows = [("govcrawl.extract, whole", total)]
    rows += [(f"{label} ({calls[label] / n:.2f} calls/doc)" if calls[label] != n else label, spent[label])
             for _, _, label in patches]
    rows += [("rest: decode, sniff, other guards, call overhead", total - sum(v for k, v in spent.items() if not k.startswith("  ")))]
    rows += [("MinHash signature (worker)", sig), ("output fingerprint (worker)", fp),
             ("baseline: bare trafilatura.extract(html), default options", base)]
    return [(label, secs / n * 1000) for label, secs in rows]


def reparse_split(archive: Path) -> dict:
    from govcrawl.offline.reparse import reparse

    with tempfile.TemporaryDirectory() as tmp:
        before_self = resource.getrusage(resource.RUSAGE_SELF)
        before_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        _, summary = reparse(str(Path(tmp) / "g.db"), str(archive), jobs=2, progress=False)
        wall = time.perf_counter() - t
        after_self = resource.getrusage(resource.RUSAGE_SELF)
        after_kids = resource.getrusage(resource.RUSAGE_CHILDREN)

    def cpu(a, b):
        return (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)
    n = summary.documents
    return {"docs": n, "wall": wall, "parent_ms": cpu(before_self, after_self) / n * 1000,
            "workers_ms": cpu(before_kids, after_kids) / n * 1000}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300, help="synthetic pages for the stage breakdown")
    ap.add_argument("--archive", default=str(ROOT / "bench" / "out" / "archive-5000"),
                    help="a bench archive for the reparse split (bench/run.py builds bench/out/archive-5000)")
    args = ap.parse_args(argv)
    print(f"CPU per document, {args.docs} synthetic report pages (govcrawl.extract stages, this process)")
    for label, ms in stage_breakdown(args.docs):
        print(f"  {ms:6.2f} ms  {label}")
    archive = Path(args.archive)
    if archive.is_dir():
        r = reparse_split(archive)
        total = r["parent_ms"] + r["workers_ms"]
        print(f"\nreparse -j 2 over {archive} ({r['docs']} records, fresh DB): {r['docs'] / r['wall']:.1f} docs/s, "
              f"{r['wall']:.1f} s wall")
        print(f"  {r['parent_ms']:6.2f} ms/doc  parent: WARC reading, job hand-off, DB writes (FTS, stats, near-dup index)")
        print(f"  {r['workers_ms']:6.2f} ms/doc  workers: extraction, signature, fingerprint, pickling")
        print(f"  {total:6.2f} ms/doc  total: at most {2000 / total:.0f} docs/s on 2 fully busy cores")
    else:
        print(f"\n(no archive at {archive}: run bench/run.py --only reparse first for the reparse split)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
