"""Human-readable summary of a run, from the DB (used after crawl and by the demo)."""
from __future__ import annotations

import json
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .safetext import clean, say
from ..store import Store, queries


def print_run_summary(db_path: str, run_id: str, archive_root: str, console: Console | None = None, sample: int = 8) -> dict:
    console = console or Console()
    store = Store(db_path)
    db = store.db
    o = queries.run_overview(db, run_id, sample)
    run, counts, pages, by_role, failed, reports, skipped, warcs = (
        o[k] for k in ("run", "counts", "pages", "by_role", "failed", "reports", "skipped", "warcs"))
    # Everything from the DB is page-derived data: shown via say()/Text, never as markup (commands/safetext.py).
    status = run["status"] if run else "unknown"
    detail = counts.get("status_detail") or status
    style = {"finished": "green", "partial": "yellow"}.get(status, "red")
    say(console, f"[bold]run {{}}[/bold]: [{style}]{{}}[/{style}]", run_id, detail, limit=1000)
    say(console, "pages fetched: {}  {}", pages, "  ".join(f"{k}: {v}" for k, v in sorted(by_role.items())))
    console.print(f"unchanged (not stored again): {sum(v for k, v in counts.items() if k.startswith('unchanged_') and isinstance(v, int))}")
    console.print(f"reports found: {reports}   failed fetches: {failed}")
    if counts.get("nav_fallback"):
        say(console, "nav path led to no list page ({}): the 年报 column was discovered from the home page instead",
            counts["nav_fallback"], limit=500)
    coverage_table(db, [(run_id, counts)], console)
    stops = [r for r in skipped if "crawl budget:" in r["skip_reason"]]
    if stops:  # what a budget left unfetched (govcrawl/crawl/budget.py)
        say(console, "[bold]stopped by crawl budgets ({}):[/bold]", len(stops))
        for row in stops:
            say(console, "  {}", row["skip_reason"], limit=500)
    if skipped:
        # HTTP errors are many and alike: count them; list the judgements one by one.
        http = Counter(r["skip_reason"] for r in skipped if r["skip_reason"].startswith("HTTP "))
        other = [r for r in skipped if not r["skip_reason"].startswith("HTTP ")]
        console.print(f"skipped pages ({len(skipped)}):")
        for reason, n in sorted(http.items()):
            say(console, "  {} × {}", n, reason)
        for row in other[:30]:
            say(console, "  {}\n      reason: {}", row["url"], row["skip_reason"])
        if len(other) > 30:
            console.print(f"  … and {len(other) - 30} more (see the pages table)")
    say(console, "database: {}", db_path)
    say(console, "WARC files: {}", ", ".join(f"{archive_root}/{w}" for w in warcs) or "(none new)", limit=None)
    rows = o["first_reports"]
    if rows:
        t = Table(title="reports (first rows)")
        for col in ("id", "year", "jurisdiction", "format", "title", "stats", "checks"):
            t.add_column(col)
        for r in rows:
            t.add_row(*(Text(clean(v if v is not None else "", limit=40, oneline=True)) for v in
                        (r["id"], r["year"], r["jurisdiction"], r["format"], r["title"], r["stats_count"], r["checks_count"])))
        console.print(t)
    store.close()
    return {"status": status, "pages": pages, "reports": reports, "skipped": len(skipped), "failed": failed, "warc_files": warcs, "by_role": by_role}


def print_combined_summary(db_path: str, runs: list[tuple[str, str]], archive_root: str, console: Console | None = None) -> dict:
    """One line per portal of a multi-portal crawl, then the totals (details: the pages table)."""
    console = console or Console()
    store = Store(db_path)
    db = store.db
    t = Table(title=f"crawl of {len(runs)} portals")
    for col in ("portal", "run", "status", "pages", "reports", "skipped", "failed"):
        t.add_column(col)
    totals = Counter()
    for name, run_id in runs:
        status, n = queries.run_totals(db, run_id)
        totals.update(n)
        t.add_row(*(Text(clean(v, oneline=True)) for v in (name, run_id, status or "not started",
                                                             *(n[k] for k in ("pages", "reports", "skipped", "failed")))))
    t.add_row("all", "", "", *(str(totals[k]) for k in ("pages", "reports", "skipped", "failed")))
    console.print(t)
    run_rows = queries.run_rows(db, [r for _, r in runs])
    for name, run_id in runs:
        run_counts = json.loads(run_rows.get(run_id, {}).get("counts") or "{}")
        if run_counts.get("status_detail"):
            say(console, "  {}: {}", name, run_counts["status_detail"], limit=1000)
        if run_counts.get("nav_fallback"):
            say(console, "  {}: nav path led to no list page ({}): discovered from the home page instead",
                name, run_counts["nav_fallback"], limit=500)
    coverage_table(db, [(run_id, json.loads(run_rows.get(run_id, {}).get("counts") or "{}")) for _, run_id in runs], console)
    totals["statuses"] = [run_rows.get(run_id, {}).get("status") or "failed" for _, run_id in runs]
    # Host-wide robots.txt refusals are said once per portal, not once per blocked page.
    for name, run_id in runs:
        for r in queries.robots_refusals(db, run_id):
            say(console, "  {}: {}: {}", name, r["url"], r["skip_reason"])
    say(console, "database: {}   archive: {}", db_path, archive_root)
    store.close()
    return dict(totals)


def coverage(db, run_id: str, counts: dict) -> list[dict]:
    """Per portal: what the run reached at each step, and its failures by reason."""
    from ..crawl.runstatus import CANDIDATE_ROLES, is_policy, reason_tag
    from ..store.queries import run_pages_with_years

    out: dict[str, dict] = {}
    for page in run_pages_with_years(db, run_id):
        if page["role"] == "robots":
            continue
        portal, role, status, error, report_id, year = (page[k] for k in ("portal", "role", "status", "error", "report_id", "year"))
        row = out.setdefault(portal or "?", {"portal": portal or "?", "list pages": 0, "candidates": 0, "reports": 0,
                                             "attachments": 0, "not reports": 0, "not fetched (policy)": 0,
                                             "failures": Counter(), "years": set(), "queued": {}})
        if year:
            row["years"].add(year)
        ok = status is not None and 200 <= status < 400
        tag = reason_tag(error, status)
        if role in ("nav", "list", "api") and ok:
            row["list pages"] += 1
        if role in CANDIDATE_ROLES:
            row["candidates"] += 1
            if role == "attachment" and ok:
                row["attachments"] += 1
            if report_id:
                row["reports"] += 1
            elif ok and not error:
                row["not reports"] += 1
        if is_policy(tag) and status is None:
            row["not fetched (policy)"] += 1
        elif role in CANDIDATE_ROLES and ok and error and not report_id:
            row["failures"]["extraction failed"] += 1
        elif not ok and tag:
            row["failures"][tag] += 1
    if len(out) == 1:  # pages skipped as unchanged carry no row; one portal per crawl run
        row = next(iter(out.values()))
        # What the crawl set out to fetch (govcrawl/crawl/progress.py counts each page queued once).
        queued = {k[len("scrapy_govcrawl_queued_"):]: v for k, v in counts.items() if k.startswith("scrapy_govcrawl_queued_")}
        if queued:
            row["queued"] = {"list pages": sum(queued.get(r, 0) for r in ("nav", "list", "api")),
                             "candidates": sum(queued.get(r, 0) for r in CANDIDATE_ROLES)}
        for k, v in counts.items():
            # 304s and skipped pages are replayed and counted as unchanged too
            role = k.rsplit("_", 1)[-1]
            if not isinstance(v, int):
                continue
            if k.startswith("unchanged_") and role in CANDIDATE_ROLES:
                row["candidates"] += v
            elif k.startswith("unchanged_") and role in ("nav", "list", "api"):
                row["list pages"] += v
            elif k.startswith("still_report_"):
                row["reports"] += v
                row["attachments"] += v if role == "attachment" else 0
            elif k.startswith("still_failing_"):
                row["failures"][k[len("still_failing_"):]] += v
    return list(out.values())


def year_ranges(years) -> str:
    """2009, 2012–2013, 2016 … (consecutive years joined)."""
    out: list[str] = []
    for y in sorted(years):
        if out and out[-1].split("–")[-1] == str(y - 1):
            out[-1] = f"{out[-1].split('–')[0]}–{y}"
        else:
            out.append(str(y))
    return ", ".join(out)


def _cell(r: dict, c: str) -> str:
    """Found, and what was queued when the run counted it: "15 of 17"."""
    q = r.get("queued", {}).get(c)
    return f"{r[c]} of {q}" if q is not None else str(r[c])


def _years(r: dict) -> tuple[str, str]:
    """The report years found, and the gaps inside that span (a yearly series expects every year)."""
    ys = r.get("years") or set()
    gaps = set(range(min(ys), max(ys) + 1)) - ys if ys else set()
    return year_ranges(ys) or "-", year_ranges(gaps) or "-"


def coverage_table(db, runs: list[tuple[str, dict]], console: Console) -> None:
    """Per portal, what the run set out to fetch and what it found (``runs``: run id and its counts).

    Lists and candidates read "found of queued": queued counts each page the crawl
    scheduled once; the difference is in the failure and policy rows (or a budget's stop).
    """
    rows = [r for run_id, counts in runs for r in coverage(db, run_id, counts)]
    if not rows:
        return
    if len(rows) > 3:  # many portals: one row each, failures summed up in one cell
        t = Table(title="coverage (found of queued)")
        for c in ("portal", "lists", "candidates", "reports", "attach.", "not reports", "policy", "failed", "years", "gaps"):
            t.add_column(c)
        for r in rows:
            fails = ", ".join(f"{n} × {k}" for k, n in sorted(r["failures"].items(), key=lambda kv: (-kv[1], kv[0]))) or "0"
            t.add_row(Text(clean(r["portal"], limit=40, oneline=True)), *(_cell(r, c) for c in (
                "list pages", "candidates", "reports", "attachments", "not reports", "not fetched (policy)")),
                Text(clean(fails, limit=200, oneline=True)), *_years(r))
        console.print(t)
        return
    t = Table(title="coverage")
    t.add_column("")
    for r in rows:  # portal names and reasons are data: never read as markup (commands/safetext.py)
        t.add_column(Text(clean(r["portal"], limit=40, oneline=True)), justify="right")
    queued = any(r.get("queued") for r in rows)
    for c in ("list pages", "candidates"):
        t.add_row(f"{c} (found of queued)" if queued else c, *(_cell(r, c) for r in rows))
    for c in ("reports", "attachments", "not reports", "not fetched (policy)"):
        t.add_row(c, *(str(r[c]) for r in rows))
    kinds = sorted({k for r in rows for k in r["failures"]})
    for k in kinds:
        t.add_row(Text(clean(f"failed: {k}", limit=80, oneline=True)), *(str(r["failures"].get(k, 0)) for r in rows))
    if not kinds:
        t.add_row("failed", *("0" for _ in rows))
    years = [_years(r) for r in rows]
    t.add_row("report years", *(y for y, _ in years))
    t.add_row("years missing between", *(g for _, g in years))
    console.print(t)
