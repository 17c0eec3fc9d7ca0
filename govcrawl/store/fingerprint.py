"""Output fingerprints: the same extractor output gives the same hash, from a Document or from the DB.

The one write path (``Store.record_document``) compares them, so a document whose output
is what the DB holds is not written again.
"""
from __future__ import annotations

import hashlib
import json

from ..extract.model import Document


def _num(v):
    return None if v is None else float(v)


def _fingerprint(fields: dict, stats: list[tuple], checks: list[tuple]) -> str:
    payload = {"fields": fields, "stats": sorted(stats, key=repr), "checks": sorted(checks, key=repr)}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def doc_fingerprint(doc: Document) -> str:
    """Pure: reparse's workers compute it in parallel, not in the DB writer."""
    fields = {"title": doc.title, "jurisdiction": doc.jurisdiction, "agency": doc.agency, "year": doc.year,
              "published": doc.published, "format": doc.format, "breadcrumb": list(doc.breadcrumb), "text": doc.text,
              "error": doc.error, "is_report": bool(doc.is_report), "read_as": doc.kind,
              "annex_to": getattr(doc, "annex_to", None)}
    stats = [(s.key, _num(s.value), s.unit, s.source, s.evidence, int(bool(s.derived)), int(bool(s.approx)), s.read or None)
             for s in doc.stats]
    checks = [(c.rule, _num(c.expected), _num(c.stated), c.detail) for c in doc.checks]
    return _fingerprint(fields, stats, checks)


def stored_fingerprint(db, report_id: int) -> str:
    r = db.execute("select title, jurisdiction, agency, year, published, format, breadcrumb, text, error, read_as, annex_to "
                   "from reports where id = ?", [report_id]).fetchone()
    fields = {"title": r[0], "jurisdiction": r[1], "agency": r[2], "year": r[3], "published": r[4], "format": r[5],
              "breadcrumb": json.loads(r[6]) if r[6] else [], "text": r[7], "error": r[8], "is_report": True,
              "read_as": r[9], "annex_to": r[10]}
    stats = [(k, _num(v), u, s, e, int(d or 0), int(a or 0), rd) for k, v, u, s, e, d, a, rd in db.execute(
        "select key, value, unit, source, evidence, derived, approx, read from stats where report_id = ?", [report_id])]
    checks = [(rule, _num(e), _num(s), d) for rule, e, s, d in db.execute(
        "select rule, expected, stated, detail from checks where report_id = ?", [report_id])]
    return _fingerprint(fields, stats, checks)
