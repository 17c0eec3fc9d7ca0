"""Human-readable summary of a run, from the DB (used after crawl and by the demo)."""
from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..safetext import clean, say
from ..store import Store, queries


def print_run_summary(db_path: str, run_id: str, archive_root: str, console: Console | None = None, sample: int = 8) -> dict:
    console = console or Console()
    store = Store(db_path)
    db = store.db
    o = queries.run_overview(db, run_id, sample)
    run, counts, pages, by_role, failed, reports, skipped, warcs = (
        o[k] for k in ("run", "counts", "pages", "by_role", "failed", "reports", "skipped", "warcs"))
    # Everything from the DB is page-derived data: shown via say()/Text, never as markup (safetext.py).
    say(console, "[bold]run {}[/bold] ({})", run_id, run["status"] if run else "unknown")
    say(console, "pages fetched: {}  {}", pages, "  ".join(f"{k}: {v}" for k, v in sorted(by_role.items())))
    console.print(f"unchanged (not stored again): {sum(v for k, v in counts.items() if k.startswith('unchanged_'))}")
    console.print(f"reports found: {reports}   failed fetches: {failed}")
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
    return {"pages": pages, "reports": reports, "skipped": len(skipped), "failed": failed, "warc_files": warcs, "by_role": by_role}


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
    # Host-wide robots.txt refusals are said once per portal, not once per blocked page.
    for name, run_id in runs:
        for r in queries.robots_refusals(db, run_id):
            say(console, "  {}: {}: {}", name, r["url"], r["skip_reason"])
    say(console, "database: {}   archive: {}", db_path, archive_root)
    store.close()
    return dict(totals)
