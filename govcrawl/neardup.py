"""Near-duplicate reports: the same report on several sites, linked to the preferred copy.

The same 年报 is published by the government (the original), then copied by
baike mirrors and aggregators (造价通 …) with their own chrome. After cleaning,
their texts are nearly or exactly equal. We compare MinHash signatures
(datasketch) over character shingles of the clean text (whitespace removed, so
line breaks a mirror adds do not matter), find candidates by LSH banding, and
confirm each candidate by its estimated Jaccard similarity.

The index lives in SQLite, not in memory, so a crawl or reparse of a million
reports costs no more RAM than one of a thousand: ``minhashes`` holds each
report's signature, ``neardup_bands`` one row per (LSH band key, report). A
query reads the band rows of its own keys, then only the candidates'
signatures.

A group of copies is linked to one preferred copy: a page on an official
government host first (``*.gov.cn``, or a host a portal in the registry lists),
then the earliest stored. The others get ``duplicate_of`` = its id and
``duplicate_kind`` = "exact" (same text hash) or "near". Because the index is
in the DB, a new report is compared with the whole DB, not just its own run.
"""
from __future__ import annotations

import hashlib
import logging
import weakref
import zlib
from urllib.parse import urlsplit

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

log = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE = 5  # characters; Chinese has no word breaks, and 5-grams are rare enough to be telling
# Estimated Jaccard at or above which two texts are the same report. Measured on the real
# corpus: the same Pingtan 2025 report as the raw page and as another crawler's text dump
# (tables flattened differently) scores 0.73; different reports, even the same site's other
# years on the same template, score at most 0.18.
THRESHOLD = 0.5
MIN_CHARS = 200  # shorter texts (a stub, an error page) say too little to call copies
# Shingles are hashed with crc32, not datasketch's default sha1: a third of the cost, and
# datasketch's affine32 scheme mixes the input hash (murmur3 finaliser) before permuting, so
# a plain 32-bit checksum is good enough. Stored signatures of another scheme are recomputed.
SCHEME = "crc32+affine32"
# LSH banding, chosen as datasketch's MinHashLSH chooses it (b bands of r rows).
BANDS, ROWS = _optimal_param(THRESHOLD, NUM_PERM, 0.5, 0.5)

_MINHASHES = {"report_id": int, "text_sha256": str, "num_perm": int, "scheme": str, "hashvalues": bytes}


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    compact = "".join(text.split())
    if len(compact) <= k:
        return {compact} if compact else set()
    return {compact[i:i + k] for i in range(len(compact) - k + 1)}


def signature(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def band_keys(sig: MinHash) -> list[int]:
    """One 64-bit key per LSH band (band number and its hash values), as a signed SQLite INTEGER."""
    hv = np.ascontiguousarray(sig.hashvalues, dtype="<u4")
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(hv[band * ROWS:(band + 1) * ROWS].tobytes(), digest_size=8,
                                 person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


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
    """The LSH index over every current report of one Store, kept in the Store's DB.

    Holds nothing per report in memory. ``signatures_read`` counts stored signatures
    fetched as candidates (it shows that a query does not read the whole index).
    """

    def __init__(self, store, portal_hosts: set[str] | None = None):
        self.store = store
        self.db = store.db
        self.portal_hosts = set(portal_hosts or ())
        self.signatures_read = 0
        with self.store.transaction():
            self.db["minhashes"].create(_MINHASHES, pk="report_id", if_not_exists=True)
            self.db.execute("create table if not exists neardup_bands (band_key integer not null, report_id integer not null, "
                            "primary key (band_key, report_id)) without rowid")
            self.db.execute("create index if not exists neardup_bands_report on neardup_bands (report_id)")
        self._sync()

    def _sync(self) -> None:
        """Bring the index in line with reports stored or changed without it (older govcrawl, other schemes)."""
        db = self.db
        # Only ids are held here, and only those that need work: normally none.
        stale = [r[0] for r in db.execute(
            "select m.report_id from minhashes m join reports r on r.id = m.report_id "
            "where m.scheme is not ? or m.num_perm is not ? or r.superseded_by is not null or r.text_sha256 is not m.text_sha256",
            [SCHEME, NUM_PERM])]
        stale += [r[0] for r in db.execute(  # ids without a signature: the EXCEPT reads indexes only, not texts
            "select id from reports where id in (select id from reports except select report_id from minhashes) "
            "and superseded_by is null and length(text) >= ?", [MIN_CHARS])]
        orphans = db.execute("select count(*) from minhashes where report_id not in (select id from reports)").fetchone()[0]
        if orphans:
            with self.store.transaction():
                db.execute("delete from neardup_bands where report_id not in (select id from reports)")
                db.execute("delete from minhashes where report_id not in (select id from reports)")
        for rid in stale:
            row = db.execute("select superseded_by, length(text) from reports where id = ?", [rid]).fetchone()
            if row[0] is not None or (row[1] or 0) < MIN_CHARS:
                self._drop(rid)
            else:
                self._save(rid)
        if stale:
            log.info("near-duplicate index: %d stored signatures (re)computed or dropped", len(stale))

    def _save(self, rid: int, sig: MinHash | None = None) -> MinHash:
        """Store ``rid``'s signature and its band keys (computed from its text unless given)."""
        if sig is None:
            text, text_sha = self.db.execute("select text, text_sha256 from reports where id = ?", [rid]).fetchone()
            sig = signature(text or "")
        else:
            text_sha = self.db.execute("select text_sha256 from reports where id = ?", [rid]).fetchone()[0]
        with self.store.transaction():
            self.db.execute("insert or replace into minhashes (report_id, text_sha256, num_perm, scheme, hashvalues) "
                            "values (?, ?, ?, ?, ?)",
                            [rid, text_sha, NUM_PERM, SCHEME, np.ascontiguousarray(sig.hashvalues, dtype="<u4").tobytes()])
            self.db.execute("delete from neardup_bands where report_id = ?", [rid])
            self.db.conn.executemany("insert or ignore into neardup_bands (band_key, report_id) values (?, ?)",
                                     [(k, rid) for k in band_keys(sig)])
        return sig

    def _drop(self, rid: int) -> None:
        with self.store.transaction():
            self.db.execute("delete from neardup_bands where report_id = ?", [rid])
            self.db.execute("delete from minhashes where report_id = ?", [rid])

    def candidates(self, rid: int, sig: MinHash) -> set[int]:
        """Indexed reports sharing a band with ``sig`` whose estimated Jaccard reaches the threshold."""
        keys = band_keys(sig)
        mine = np.ascontiguousarray(sig.hashvalues, dtype="<u4")
        marks = ",".join("?" * len(keys))
        found = set()
        for other, hashvalues in self.db.execute(
                "select m.report_id, m.hashvalues from minhashes m where m.report_id in "
                f"(select report_id from neardup_bands where band_key in ({marks})) and m.report_id != ?", [*keys, rid]):
            self.signatures_read += 1
            # MinHash.jaccard's estimate (share of equal hash values), without building a MinHash
            if np.count_nonzero(mine == np.frombuffer(hashvalues, dtype="<u4")) / NUM_PERM >= THRESHOLD:
                found.add(other)
        return found

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
        sig = self._save(rid, sig)
        group = {rid} | self.candidates(rid, sig)
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
            with self.store.transaction():
                self.db.execute("update reports set duplicate_of = null, duplicate_kind = null where duplicate_of = ?", [old_id])
            for f in followers:
                self.link(f)

    def _link_group(self, group: set[int]) -> int:
        marks = ",".join("?" * len(group))
        rows = list(self.db.query(f"select id, url, canonical_url, text_sha256, duplicate_of, duplicate_kind from reports where id in ({marks})",
                                  list(group)))
        preferred = min(rows, key=lambda r: (not is_official(r["url"], self.portal_hosts), r["id"]))
        with self.store.transaction():
            for r in rows:
                if r["id"] == preferred["id"] or r["canonical_url"] == preferred["canonical_url"]:
                    target, kind = None, None
                else:
                    target = preferred["id"]
                    kind = "exact" if r["text_sha256"] == preferred["text_sha256"] else "near"
                if (r["duplicate_of"], r["duplicate_kind"]) != (target, kind):
                    self.db.execute("update reports set duplicate_of = ?, duplicate_kind = ? where id = ?", [target, kind, r["id"]])
        return preferred["id"]


_INDEXES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def index_for(store, portal_hosts: set[str] | None = None) -> NearDupIndex:
    """One index per open Store (synced with the DB on first use, then kept up to date)."""
    idx = _INDEXES.get(store)
    if idx is None:
        idx = _INDEXES[store] = NearDupIndex(store, portal_hosts)
    elif portal_hosts:
        idx.portal_hosts |= set(portal_hosts)
    return idx
