"""The `govcrawl` command line: crawl, extract, import, reparse, export, demo."""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext


def _cmd_extract(args: argparse.Namespace) -> int:
    from .analysis.formats import OutputError, resolve_format
    from .extract import extract_file

    flag = "text" if args.text else "jsonl" if args.jsonl else None
    if flag and args.format and flag != args.format:
        print(f"govcrawl extract: --{flag} and --format {args.format} disagree", file=sys.stderr)
        return 2
    try:
        fmt = resolve_format(flag or args.format, args.output, ("jsonl", "text"), "jsonl")
    except OutputError as exc:
        print(f"govcrawl extract: {exc}", file=sys.stderr)
        return 2
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    rc = 0
    try:
        for path in args.paths:
            try:
                doc = extract_file(path, source=path)
            except OSError as exc:  # unreadable file: say so, go on with the rest
                print(f"govcrawl extract: {path}: {exc}", file=sys.stderr)
                rc = 1
                continue
            if fmt == "text":
                if len(args.paths) > 1:
                    print(f"==> {path} <==", file=out)
                print(doc.text, file=out)
            else:
                print(json.dumps(doc.to_dict(), ensure_ascii=False), file=out)
    finally:
        if args.output:
            out.close()
    return rc


def _parse_sets(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"govcrawl: -s wants NAME=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        out[k] = v
    return out


def _job_lock(job_dir: str | None, names: list[str]):
    from .writelock import job_dir_lock

    return job_dir_lock(job_dir, " ".join(names)) if job_dir else nullcontext()


def _cmd_crawl(args: argparse.Namespace) -> int:
    from .crawl import run_crawl, run_crawls
    from .portals import PortalConfigError, load_portals
    from .summary import print_combined_summary, print_run_summary
    from .writelock import db_writer

    try:
        names = list(load_portals(args.portals)) if args.all else list(dict.fromkeys(args.portal))
    except PortalConfigError as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    if not names or (args.all and args.portal):
        print("govcrawl crawl: give portal names or --all (not both)", file=sys.stderr)
        return 2
    if len(names) > 1 or args.all:
        if args.start_url:
            print("govcrawl crawl: --start-url needs exactly one portal", file=sys.stderr)
            return 2
        try:
            with db_writer(args.db, "crawl", " ".join(names)), _job_lock(args.job_dir, names):
                runs = run_crawls(names, db=args.db, archive=args.archive, portals_file=args.portals, job_dir=args.job_dir,
                                  overrides=_parse_sets(args.set), log_level=args.log_level, parallel=args.parallel)
        except PortalConfigError as exc:
            print(f"govcrawl: {exc}", file=sys.stderr)
            return 2
        print_combined_summary(args.db, runs, args.archive)
        return 0
    try:
        with db_writer(args.db, "crawl", names[0]), _job_lock(args.job_dir, names):
            run_id = run_crawl(names[0], db=args.db, archive=args.archive, portals_file=args.portals,
                               start_url=args.start_url, job_dir=args.job_dir, overrides=_parse_sets(args.set),
                               log_level=args.log_level)
    except PortalConfigError as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    print_run_summary(args.db, run_id, args.archive)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.out)


def _cmd_export(args: argparse.Namespace) -> int:
    from .analysis.formats import OutputError, resolve_format
    from .export import FORMATS, export

    try:
        fmt = resolve_format(args.format, args.output, FORMATS, "csv")
    except OutputError as exc:
        print(f"govcrawl export: {exc}", file=sys.stderr)
        return 2
    if args.excel and fmt != "csv":
        print(f"govcrawl export: --excel is for CSV (a UTF-8 BOM for Excel), not {fmt}", file=sys.stderr)
        return 2
    n, extra = export(args.db, args.table, fmt, args.output, all_versions=args.all_versions,
                      with_duplicates=args.with_duplicates, excel=args.excel)
    print(f"exported {n} rows from {args.table} to {args.output or 'stdout'} ({fmt})"
          + "".join(f"; labels in {p}" for p in extra), file=sys.stderr)
    return 0


def _cmd_keys(args: argparse.Namespace) -> int:
    from .analysis import formats
    from .analysis.keys import markdown, metric_keys

    if args.markdown:
        text = markdown()
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        return 0
    try:
        fmt = formats.resolve_format(args.format, args.output, ("csv", "jsonl", "parquet", "xlsx"), "csv")
    except formats.OutputError as exc:
        print(f"govcrawl keys: {exc}", file=sys.stderr)
        return 2
    rows = [k.as_row() for k in metric_keys()]
    cols = list(rows[0])
    formats.write(fmt, cols, ([r[c] for c in cols] for r in rows), args.output, sheet="keys")
    return 0


def _cmd_datasette_metadata(args: argparse.Namespace) -> int:
    from .analysis.datasette import command, write_metadata
    from .store import Store

    Store(args.db).close()  # views, foreign keys and metric_keys in place (migrates an older DB)
    path = write_metadata(args.db, args.output)
    print(f"wrote {path}\nbrowse: {command(args.db, path)}", file=sys.stderr)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from .store import Store
    from .views import SHORT_QUERY, search

    store = Store(args.db)
    try:
        how, cols, rows = search(store.db, args.query, args.limit)
    finally:
        store.close()
    if how == "like":
        print(f"govcrawl search: {args.query!r} is shorter than {SHORT_QUERY} characters, which the trigram index "
              "cannot match; searched titles and texts with LIKE instead (a full scan)", file=sys.stderr)
    for r in rows:
        print("\t".join("" if v is None else str(v) for v in r))
    print(f"{len(rows)} reports", file=sys.stderr)
    return 0


def _cmd_reparse(args: argparse.Namespace) -> int:
    from .reparse import print_summary, reparse

    from .writelock import db_writer

    with db_writer(args.db, "reparse"):
        run_id, summary = reparse(args.db, args.archive, jobs=args.jobs, portals_file=args.portals, progress=not args.no_progress)
    print_summary(summary, run_id)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .importer import ImportArgsError, import_paths

    from .writelock import db_writer

    try:
        with db_writer(args.db, "import"):
            _, counts = import_paths(args.paths, db_path=args.db, archive_root=args.archive, source_url=args.source_url,
                                     url_manifest=args.urls, portals_file=args.portals)
    except ImportArgsError as exc:
        print(f"govcrawl import: {exc}", file=sys.stderr)
        return 2
    return 1 if counts["files"] == 0 else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govcrawl", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("extract", help="run the extractor on local files and print the result")
    g = e.add_mutually_exclusive_group()
    g.add_argument("--jsonl", action="store_true", help="one JSON object per file (default)")
    g.add_argument("--text", action="store_true", help="print the clean text for a person to read")
    e.add_argument("--format", choices=["jsonl", "text"], help="jsonl (default) or text; inferred from -o's suffix (.jsonl, .txt)")
    e.add_argument("-o", "--output", help="file to write (default: stdout)")
    e.add_argument("paths", nargs="+")
    e.set_defaults(func=_cmd_extract)

    c = sub.add_parser("crawl", help="crawl portals from the registry into the archive and the DB")
    c.add_argument("portal", nargs="*", help="portal name(s) in the registry")
    c.add_argument("--all", action="store_true", help="crawl every portal of the registry in one run")
    c.add_argument("--parallel", type=int, default=4, help="portals crawled at the same time (default: %(default)s)")
    c.add_argument("--portals", help="portal registry TOML (default: the bundled govcrawl/portals.toml)")
    c.add_argument("--db", default="govcrawl.db", help="SQLite database (default: %(default)s)")
    c.add_argument("--archive", default="archive", help="WARC archive folder (default: %(default)s)")
    c.add_argument("--start-url", help="override the portal's start URL(s) (comma-separated)")
    c.add_argument("--job-dir", help="Scrapy JOBDIR: a crawl stopped with Ctrl-C or killed resumes from here "
                   "(several portals: one sub-folder each)")
    c.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="override a Scrapy setting")
    c.add_argument("--log-level", default="INFO")
    c.set_defaults(func=_cmd_crawl)

    d = sub.add_parser("demo", help="serve the bundled test portal on 127.0.0.1, crawl it, print a summary")
    d.add_argument("--out", default="demo-out", help="folder for the demo DB and archive (default: %(default)s)")
    d.set_defaults(func=_cmd_demo)

    x = sub.add_parser("export", help="export the analysis views (current reports, stats, checks, coverage) or a wide table")
    x.add_argument("table", choices=["reports", "stats", "checks", "coverage", "wide", "pages",
                                     "current_reports", "current_stats", "failed_checks"],
                   help="reports|stats|checks|coverage: the views current_reports, current_stats, failed_checks, "
                        "coverage; wide: one row per report, one column per metric key; pages: every fetch")
    x.add_argument("--db", default="govcrawl.db")
    x.add_argument("--format", choices=["csv", "jsonl", "parquet", "xlsx"],
                   help="default: from the suffix of -o (.csv .jsonl .parquet .xlsx), else csv")
    x.add_argument("-o", "--output", help="file to write (default: stdout; required for parquet and xlsx)")
    x.add_argument("--excel", action="store_true", help="CSV with a UTF-8 BOM, so Excel reads the Chinese text")
    x.add_argument("--all-versions", action="store_true", help="include superseded report versions")
    x.add_argument("--with-duplicates", action="store_true", help="include duplicate copies (mirrors) of reports")
    x.set_defaults(func=_cmd_export)

    k = sub.add_parser("keys", help="the data dictionary: every metric key with its Chinese label, table, unit, identities")
    k.add_argument("--format", choices=["csv", "jsonl", "parquet", "xlsx"], help="default: from -o's suffix, else csv")
    k.add_argument("-o", "--output", help="file to write (default: stdout)")
    k.add_argument("--markdown", action="store_true", help="write docs/metric-keys.md's text instead")
    k.set_defaults(func=_cmd_keys)

    m = sub.add_parser("datasette-metadata", help="write Datasette metadata (descriptions, facets, canned queries) beside the DB")
    m.add_argument("--db", default="govcrawl.db")
    m.add_argument("-o", "--output", help="where to write it (default: metadata.json beside the DB)")
    m.set_defaults(func=_cmd_datasette_metadata)

    s = sub.add_parser("search", help="full-text search of current reports (queries under 3 characters use LIKE)")
    s.add_argument("query")
    s.add_argument("--db", default="govcrawl.db")
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=_cmd_search)

    r = sub.add_parser("reparse", help="re-run the current extractor over the WARC archive (offline) and update the DB")
    r.add_argument("--db", default="govcrawl.db")
    r.add_argument("--archive", default="archive")
    r.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    r.add_argument("--portals", help="portal registry TOML, for encoding hints and official hosts")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_reparse)

    i = sub.add_parser("import", help="archive local .html/.txt/.pdf/.docx files (or folders) and extract them into the DB")
    i.add_argument("paths", nargs="+")
    i.add_argument("--source-url", help="the URL the (single) file was published at")
    i.add_argument("--urls", metavar="CSV", help="where many files were published: CSV rows path,url "
                   "(paths relative to the CSV's folder); files not listed get a file: URI")
    i.add_argument("--db", default="govcrawl.db")
    i.add_argument("--archive", default="archive")
    i.add_argument("--portals", help="portal registry TOML: its hosts count as official for near-duplicate links")
    i.set_defaults(func=_cmd_import)
    return p


def main(argv: list[str] | None = None) -> int:
    from .store import SchemaError
    from .writelock import WriterBusy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except SchemaError as exc:  # an old/foreign DB: refused with a message, never modified
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2
    except WriterBusy as exc:  # a second writer on one DB or job dir: refused up front (govcrawl/writelock.py)
        print(f"govcrawl: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
