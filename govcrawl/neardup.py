"""Near-duplicate reports: the same report on several sites, linked to the preferred copy.

The same 年报 is published by the government (the original), then copied by
baike mirrors and aggregators (造价通 …) with their own chrome. After cleaning,
their texts are nearly or exactly equal. We compare MinHash signatures over
character shingles of the clean text (whitespace removed, so line breaks a
mirror adds do not matter) with datasketch's MinHashLSH, and confirm each
candidate by its estimated Jaccard similarity.

A group of copies is linked to one preferred copy: a page on an official
government host first (``*.gov.cn``, or a host a portal in the registry lists),
then the earliest stored. The others get ``duplicate_of`` = its id and
``duplicate_kind`` = "exact" (same text hash) or "near". Signatures live in the
``minhashes`` table, so a new report is compared with the whole DB, not just
its own run.
"""
from __future__ import annotations

import logging
import weakref
from urllib.parse import urlsplit

import numpy as np
from datasketch import MinHash, MinHashLSH

log = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE = 5  # characters; Chinese has no word breaks, and 5-grams are rare enough to be telling
# Estimated Jaccard at or above which two texts are the same report. Measured on the real
# corpus: the same Pingtan 2025 report as the raw page and as another crawler's text dump
# (tables flattened differently) scores 0.73; different reports, even the same site's other
# years on the same template, score at most 0.18.
THRESHOLD = 0.5
MIN_CHARS = 200  # shorter texts (a stub, an error page) say too little to call copies

_MINHASHES = {"report_id": int, "text_sha256": str, "num_perm": int, "scheme": str, "hashvalues": bytes}


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    compact = "".join(text.split())
    if len(compact) <= k:
        return {compact} if compact else set()
    return {compact[i:i + k] for i in range(len(compact) - k + 1)}


def signature(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def is_official(url: str | None, portal_hosts: set[str] = frozenset()) -> bool:
    host = (urlsplit(url).hostname or "").lower() if url else ""
    if not host:
        return False
    if host == "gov.cn" or host.endswith(".gov.cn"):
        return True
    return any(host == h or host.endswith("." + h) for h in portal_hosts)


def registry_hosts(portals_file: str | None = None) -> set[str]:
    """Hosts the portal registry lists (the bundled one, plus ``portals_file``): official sites."""
    from .portals import load_portals

    hosts: set[str] = set()
    for f in (None, portals_file) if portals_file else (None,):
        try:
            for p in load_portals(f).values():
                hosts.update(d.lower() for d in p.allowed_domains)
        except Exception as exc:  # a broken registry must not stop linking; gov.cn still counts
            log.warning("portal registry %s not read for official hosts: %s", f or "(bundled)", exc)
    return hosts


class NearDupIndex:
    """The LSH index over every current report of one Store, kept in step with the DB."""

    def __init__(self, store, portal_hosts: set[str] | None = None):
        self.store = store
        self.db = store.db
        self.portal_hosts = set(portal_hosts or ())
        self.lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._sigs: dict[int, MinHash] = {}
        self.db["minhashes"].create(_MINHASHES, pk="report_id", if_not_exists=True)
        self._load()

    def _load(self) -> None:
        stored = {r[0]: (r[1], r[2], r[3]) for r in self.db.execute("select report_id, text_sha256, scheme, hashvalues from minhashes")}
        for rid, text_sha in self.db.execute(
                "select id, text_sha256 from reports where superseded_by is null and length(text) >= ?", [MIN_CHARS]).fetchall():
            row = stored.get(rid)
            if row and row[0] == text_sha:
                sig = MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(row[2], dtype=np.uint32 if row[1] == "affine32" else np.uint64), scheme=row[1])
            else:  # a report stored before signatures existed, or whose text changed
                sig = self._compute_and_save(rid)
            self._insert(rid, sig)

    def _compute_and_save(self, rid: int, sig: MinHash | None = None) -> MinHash:
        text, text_sha = self.db.execute("select text, text_sha256 from reports where id = ?", [rid]).fetchone()
        sig = sig or signature(text or "")
        with self.db.conn:
            self.db["minhashes"].upsert({"report_id": rid, "text_sha256": text_sha, "num_perm": NUM_PERM, "scheme": sig.scheme,
                                         "hashvalues": sig.hashvalues.tobytes()}, pk="report_id")
        return sig

    def _insert(self, rid: int, sig: MinHash) -> None:
        if rid in self.lsh:
            self.lsh.remove(rid)
        self.lsh.insert(rid, sig)
        self._sigs[rid] = sig

    def _drop(self, rid: int) -> None:
        if rid in self.lsh:
            self.lsh.remove(rid)
        self._sigs.pop(rid, None)

    def _row(self, rid: int) -> dict | None:
        rows = list(self.db.query("select id, url, canonical_url, text_sha256, superseded_by, previous_version_id, duplicate_of, "
                                  "duplicate_kind, length(text) as n from reports where id = ?", [rid]))
        return rows[0] if rows else None

    def link(self, rid: int, sig: MinHash | None = None) -> int | None:
        """(Re)link report ``rid`` after it was stored or changed; returns the preferred copy's id.

        ``sig``: the signature of its text if already computed (reparse computes it in the workers).
        """
        row = self._row(rid)
        if row is None:
            return None
        if row["previous_version_id"]:
            self._retire(row["previous_version_id"])
        if row["superseded_by"] or (row["n"] or 0) < MIN_CHARS:
            self._drop(rid)
            return None
        sig = self._compute_and_save(rid, sig)
        self._insert(rid, sig)
        group = {rid}
        for other in self.lsh.query(sig):
            if other != rid and sig.jaccard(self._sigs[other]) >= THRESHOLD:
                group.add(other)
        # Copies already linked to a member belong to the group too (the link may move).
        marks = ",".join("?" * len(group))
        group |= {r[0] for r in self.db.execute(
            f"select id from reports where superseded_by is null and duplicate_of in ({marks})", list(group))}
        return self._link_group(group)

    def _retire(self, old_id: int) -> None:
        """A report got a new version: the old one leaves the index; copies pointing at it are relinked."""
        self._drop(old_id)
        followers = [r[0] for r in self.db.execute("select id from reports where duplicate_of = ? and superseded_by is null", [old_id])]
        if followers:
            with self.db.conn:
                self.db.execute("update reports set duplicate_of = null, duplicate_kind = null where duplicate_of = ?", [old_id])
            for f in followers:
                self.link(f)

    def _link_group(self, group: set[int]) -> int:
        marks = ",".join("?" * len(group))
        rows = list(self.db.query(f"select id, url, canonical_url, text_sha256, duplicate_of, duplicate_kind from reports where id in ({marks})",
                                  list(group)))
        preferred = min(rows, key=lambda r: (not is_official(r["url"], self.portal_hosts), r["id"]))
        with self.db.conn:
            for r in rows:
                if r["id"] == preferred["id"] or r["canonical_url"] == preferred["canonical_url"]:
                    target, kind = None, None
                else:
                    target = preferred["id"]
                    kind = "exact" if r["text_sha256"] == preferred["text_sha256"] else "near"
                if (r["duplicate_of"], r["duplicate_kind"]) != (target, kind):
                    self.db["reports"].update(r["id"], {"duplicate_of": target, "duplicate_kind": kind})
        return preferred["id"]


_INDEXES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def index_for(store, portal_hosts: set[str] | None = None) -> NearDupIndex:
    """One index per open Store (built from the DB on first use, then kept up to date)."""
    idx = _INDEXES.get(store)
    if idx is None:
        idx = _INDEXES[store] = NearDupIndex(store, portal_hosts)
    elif portal_hosts:
        idx.portal_hosts |= set(portal_hosts)
    return idx
