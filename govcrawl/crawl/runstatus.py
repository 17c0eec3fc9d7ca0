"""How a crawl ended: ``finished``, ``partial`` or ``failed``, and the exit code for it.

Cron, systemd and Scrapyd only see the exit code, so a crawl that reached nothing
must not exit 0. The verdict is read from what the run recorded in SQLite (its
``pages`` rows) plus the counts of pages not stored again (unchanged, 304):

* ``failed`` (exit 1): nothing fetched; robots.txt disallowed everything; every
  start URL unreachable (DNS, refused, timeout, 4xx/5xx); or every report
  candidate fetched failed extraction;
* ``partial`` (exit 3): it ran through, but some pages failed (fetch errors,
  HTTP 4xx/5xx, extraction errors), counted by reason;
* ``finished`` (exit 0): no failures.

A run stopped before its end (Ctrl-C, a shutdown) is ``interrupted`` (exit 1);
``--job-dir`` resumes it. Pages not fetched by policy (robots.txt for one path,
the scope guard) and robots.txt's own 404 are not failures.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EXIT_CODES = {"finished": 0, "partial": 3, "failed": 1, "interrupted": 1}
FINAL = ("finished", "partial", "failed")  # a run in one of these is over; --job-dir starts a new one

CANDIDATE_ROLES = ("detail", "attachment")
_POLICY_TAGS = ("robots.txt", "refused", "crawl budget")  # not fetched on purpose: not a failure of the site
# Guessed URLs a site need not have (the spider probes them): their 404/410 is no failure.
OPTIONAL_PATHS = ("/sitemap.xml",)


@dataclass
class Outcome:
    status: str
    why: str = ""  # for failed / interrupted: the reason, in words
    failures: Counter = field(default_factory=Counter)  # reason tag -> pages

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)


def reason_tag(error: str | None, status: int | None) -> str | None:
    """The short kind of a failure (``timeout``, ``HTTP 404``, ``DNS lookup failed`` ...)."""
    if error:
        return error.split(":", 1)[0].split(" (after", 1)[0].strip() or "error"
    if status is not None and status >= 400:
        return f"HTTP {status}"
    return None


def host_failure(robots_error: str | None) -> str | None:
    """Why a host's robots.txt could not be had (so, per RFC 9309, the whole host was closed), as a tag."""
    if not robots_error:
        return None
    from .failures import tag_for

    m = re.search(r"unreachable \((\w+)", robots_error)
    if m:
        return tag_for(m.group(1)) or f"fetch failed ({m.group(1)})"
    m = re.search(r"answered HTTP (\d+)", robots_error)
    return f"HTTP {m.group(1)}" if m else None


def is_policy(tag: str | None) -> bool:
    return bool(tag) and tag.startswith(_POLICY_TAGS)


def assess(db, run_id: str, counts: dict, close_reason: str = "finished") -> Outcome:
    """The verdict for run ``run_id`` (``db``: a sqlite_utils.Database or sqlite3 connection)."""
    from ..store.queries import run_pages

    rows = run_pages(db, run_id)
    rows = [r for r in rows if not (r["status"] in (404, 410) and (r["url"] or "").split("?")[0].endswith(OPTIONAL_PATHS))]
    failures: Counter = Counter()
    # robots.txt is optional (its 404 is no failure); one that cannot be had closes its host (RFC 9309)
    host_down = Counter(t for t in (host_failure(r["error"]) for r in rows if r["role"] == "robots") if t)
    failures.update(host_down)
    rows = [r for r in rows if r["role"] != "robots"]
    extraction_failed = 0
    for r in rows:
        ok_fetch = r["status"] is not None and 200 <= r["status"] < 400
        if r["role"] in CANDIDATE_ROLES and ok_fetch and r["error"] and not r["report_id"]:
            failures["extraction failed"] += 1
            extraction_failed += 1
            continue
        if ok_fetch:
            continue
        tag = reason_tag(r["error"], r["status"])
        if tag and not is_policy(tag):
            failures[tag] += 1
    for k, v in counts.items():  # unchanged since an earlier run, so no page row in this one
        if k.startswith("still_failing_") and v:
            failures[k[len("still_failing_"):]] += v
    if close_reason != "finished":
        return Outcome("interrupted", f"stopped before the end ({close_reason})", failures)

    not_again = sum(v for k, v in counts.items() if k.startswith(("unchanged_", "not_modified_", "resume_skipped_",
                                                                  "revisit_skipped_")))
    answered = [r for r in rows if r["status"] is not None]
    if not rows and not not_again:
        return Outcome("failed", "nothing was fetched", failures)
    if rows and not not_again and all(is_policy(reason_tag(r["error"], r["status"])) and r["status"] is None for r in rows) and \
            any((r["error"] or "").startswith("robots.txt") for r in rows):
        if host_down:
            return Outcome("failed", "start URLs unreachable: " + ", ".join(host_down) + " (robots.txt could not be fetched)",
                           failures)
        return Outcome("failed", "robots.txt disallowed everything", failures)
    starts = [r for r in rows if r["depth"] == 0]
    if starts and not not_again and all(r["status"] is None or r["status"] >= 400 for r in starts):
        kinds = Counter(reason_tag(r["error"], r["status"]) for r in starts)
        return Outcome("failed", "start URLs unreachable: " + ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in kinds.items()),
                       failures)
    if not answered and not not_again:
        return Outcome("failed", "nothing was fetched", failures)
    candidates_ok = [r for r in answered if r["role"] in CANDIDATE_ROLES and 200 <= r["status"] < 300]
    reports_seen = sum(1 for r in candidates_ok if r["report_id"]) + sum(
        v for k, v in counts.items() if k.startswith("still_report_"))
    if candidates_ok and extraction_failed == len(candidates_ok) and not reports_seen:
        return Outcome("failed", f"every extraction failed ({extraction_failed} report candidates)", failures)
    if failures:
        return Outcome("partial", "", failures)
    return Outcome("finished", "", failures)


def combined_exit_code(statuses: list[str]) -> int:
    """Several portals in one crawl: 0 if all finished, 1 if all failed, else 3 (some portals or pages failed)."""
    if all(s == "finished" for s in statuses):
        return 0
    if all(EXIT_CODES.get(s, 1) == 1 for s in statuses):
        return 1
    return 3


def describe(outcome: Outcome) -> str:
    """One line for logs and the summary: ``partial: failed pages: 3 × HTTP 404, 1 × timeout``."""
    line = outcome.status + (f": {outcome.why}" if outcome.why else "")
    if outcome.failures:
        kinds = sorted(outcome.failures.items(), key=lambda kv: (-kv[1], kv[0]))
        line += ("; " if outcome.why else ": ") + "failed pages: " + ", ".join(f"{n} × {k}" for k, n in kinds)
    return line
