"""Near-duplicate reports: the same report on several sites, linked to the preferred copy.

The same 年报 is published by the government (the original), then copied by
baike mirrors and aggregators (造价通 …) with their own chrome. After cleaning,
their texts are nearly or exactly equal. We compare MinHash signatures
(datasketch) over character shingles of the clean text (whitespace removed, so
line breaks a mirror adds do not matter), find candidates by LSH banding, and
confirm each candidate by its estimated Jaccard similarity.

The index lives in SQLite, not in memory, so a crawl or reparse of a million
reports costs no more RAM than one of a thousand: ``minhashes`` holds each
report's signature, ``neardup_bands`` one row per (LSH band key, group head).
A query reads the band rows of its own keys, then only the candidates'
signatures.

Only group heads (the preferred copies, ``duplicate_of`` null) are in
``neardup_bands``: a copy is linked to the head of the group it matches, so a
band bucket holds at most one row per group however many copies it has, and a
lookup reads at most ``MAX_CANDIDATES`` signatures. Without this, a template
shared by hundreds of near-threshold reports made every new report read and
relink hundreds of rows, and a reparse slowed down as the DB grew.

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
from urllib.parse import urlsplit

import numpy as np

log = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE = 5  # characters; Chinese has no word breaks, and 5-grams are rare enough to be telling
# Estimated Jaccard at or above which two texts are the same report. Measured on the real
# corpus: the same Pingtan 2025 report as the raw page and as another crawler's text dump
# (tables flattened differently) scores 0.73; different reports, even the same site's other
# years on the same template, score at most 0.18.
THRESHOLD = 0.5
MIN_CHARS = 200  # shorter texts (a stub, an error page) say too little to call copies
# Shingles are hashed in numpy, all at once: a polynomial of the 5 code points, mixed by the
# 64-bit MurmurHash3 finaliser, low 32 bits kept; then datasketch's affine32 permutations
# (its own 32-bit premix, a*h+b mod 2**32). The hash values are those MinHash(hashfunc=
# _shingle_hash).update_batch gives over shingles(), at a fraction of the cost of hashing each
# shingle in Python. Stored signatures of another scheme are recomputed.
SCHEME = "fmix64-5gram+affine32"
# LSH banding: b bands of r rows, as datasketch's MinHashLSH chooses them for THRESHOLD and
# NUM_PERM (its _optimal_param; tests/store/test_neardup.py checks they agree). Written out
# because computing them imports datasketch, whose package pulls in scipy.integrate and redis:
# 0.4 s of every start-up, and a stall of the crawl's reactor at its first report.
BANDS, ROWS = 25, 5
# Signatures compared per lookup, the heads sharing the most bands first. Bounds the cost of a
# report whatever the DB holds (a 512-byte read and one comparison each). Ranking helps only
# partly: a copy at the threshold shares about one band with its head, as a same-template
# report does, so the cap is kept generous. On the bench portal archive (5,000 records, band
# buckets of up to ~180 heads) 64 links 1,137 copies, no cap 1,146, a cap of 16 only 1,022.
MAX_CANDIDATES = 64
# meta key marking the heads-only band layout (older DBs indexed every copy; see _sync).
_LAYOUT_KEY, _LAYOUT = "neardup_bands_layout", "heads"

_MINHASHES = {"report_id": int, "text_sha256": str, "num_perm": int, "scheme": str, "hashvalues": bytes}


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    compact = "".join(text.split())
    if len(compact) <= k:
        return {compact} if compact else set()
    return {compact[i:i + k] for i in range(len(compact) - k + 1)}


# MurmurHash3's finaliser, as datasketch.minhash._fmix (same constants; a bijection on [0, 2**width)).
_FMIX = {32: (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16)),
         64: (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))}


def _fmix(hv: np.ndarray, width: int) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX[width]
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def _affine32_permutations(num_perm: int, seed: int = 1) -> np.ndarray:
    """datasketch's affine32 permutations of MinHash(num_perm, seed): (a odd, b), drawn from RandomState(seed)
    exactly as its _init_permutations draws them (tested equal), generated once here."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


_PERMUTATIONS = _affine32_permutations(NUM_PERM)
_PERM_A, _PERM_B = (np.ascontiguousarray(p[:, None]) for p in _PERMUTATIONS)


class Signature:
    """A MinHash signature: its ``hashvalues`` (uint32, NUM_PERM of them) are those of
    datasketch's ``MinHash(num_perm=NUM_PERM, seed=1, hashfunc=_shingle_hash)`` over ``shingles()``.
    A plain array holder, so it pickles small from a worker and never imports datasketch."""

    __slots__ = ("hashvalues", "keys")

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues
        self.keys: list[int] | None = None  # its band keys once computed (band_keys): the writer looks them up twice

    def jaccard(self, other) -> float:
        """The estimated Jaccard similarity (share of equal hash values), as MinHash.jaccard."""
        return float(np.count_nonzero(self.hashvalues == np.asarray(other.hashvalues))) / len(self.hashvalues)
_POLY = np.uint64(0x9E3779B97F4A7C15)  # odd, so each code point's term stays a bijection mod 2**64
_M64 = (1 << 64) - 1
# Shingles permuted per numpy pass: a (NUM_PERM, 8192) uint32 block is 4 MB, so a long text
# costs O(its length) memory, not NUM_PERM times it. Smaller blocks measured slower.
_CHUNK = 8192


def _shingle_hash(shingle: str) -> int:
    """The 32-bit hash of one shingle, as ``_shingle_hashes`` computes it for every shingle at once.

    The signature's hashfunc (a MinHash.update with a shingle gives the same values), and the
    reference the vectorised code is tested against.
    """
    h = 0
    for ch in shingle:
        h = (h * int(_POLY) + ord(ch)) & _M64
    return int(_fmix(np.array([h], dtype=np.uint64), 64)[0]) & 0xFFFFFFFF


def _shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """uint32 ``_shingle_hash`` of every k-gram of the whitespace-stripped text (repeats kept:
    they do not change a minimum, and dropping them costs a sort that saves less than it costs)."""
    compact = "".join(text.split())
    # surrogatepass: a lone surrogate an extractor let through still gets a code point
    cps = np.frombuffer(compact.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
    if cps.size == 0:
        return np.empty(0, dtype=np.uint32)
    w = min(k, cps.size)  # a text shorter than k is one shingle, as in shingles()
    n = cps.size - w + 1
    h = cps[:n].copy()
    for j in range(1, w):  # Horner's rule over the w shifted views; uint64 arrays wrap mod 2**64
        h *= _POLY
        h += cps[j:j + n]
    return _fmix(h, 64).astype(np.uint32)


def signature(text: str) -> Signature:
    hv = _fmix(_shingle_hashes(text), 32)  # datasketch affine32's premix of the input hash
    mins = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)  # MinHash's empty value
    for start in range(0, hv.size, _CHUNK):
        block = _PERM_A * hv[start:start + _CHUNK]  # uint32: wraps mod 2**32, as datasketch's does
        block += _PERM_B
        np.minimum(mins, block.min(axis=1), out=mins)
    return Signature(mins)


def band_keys(sig: Signature | np.ndarray) -> list[int]:
    """One 64-bit key per LSH band (band number and its hash values), as a signed SQLite INTEGER.

    ``sig``: a Signature (or a datasketch MinHash) or its hash values (as stored in ``minhashes``).
    """
    known = getattr(sig, "keys", None)
    if isinstance(known, list):
        return known
    hv = np.ascontiguousarray(getattr(sig, "hashvalues", sig), dtype="<u4")
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(hv[band * ROWS:(band + 1) * ROWS].tobytes(), digest_size=8,
                                 person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    if isinstance(sig, Signature):
        sig.keys = keys
    return keys


def is_official(url: str | None, portal_hosts: set[str] = frozenset()) -> bool:
    from ..portals import host_in_domains

    host = urlsplit(url).hostname if url else None
    return host_in_domains(host, ("gov.cn", *portal_hosts))


def registry_hosts(portals_file: str | None = None) -> set[str]:
    """Hosts the portal registry lists (the bundled one, plus ``portals_file``): official sites."""
    from ..portals import load_portals

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

    def ready(self) -> bool:
        """Its tables are there (a transaction that created them and was rolled back took them)."""
        return self.db.execute("select count(*) from sqlite_master where name in ('minhashes', 'neardup_bands')").fetchone()[0] == 2

    def _sync(self) -> None:
        """Bring the index in line with reports stored or changed without it (older govcrawl, other schemes)."""
        db = self.db
        layout = db.execute("select value from meta where key = ?", [_LAYOUT_KEY]).fetchone()
        if layout is None or layout[0] != _LAYOUT:
            # Once per DB: an older govcrawl indexed the band keys of every copy, not only heads'.
            with self.store.transaction():
                db.execute("delete from neardup_bands where report_id in "
                           "(select id from reports where duplicate_of is not null or superseded_by is not null)")
                db.execute("insert or replace into meta (key, value) values (?, ?)", [_LAYOUT_KEY, _LAYOUT])
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
            row = db.execute("select superseded_by, length(text), duplicate_of from reports where id = ?", [rid]).fetchone()
            if row[0] is not None or (row[1] or 0) < MIN_CHARS:
                self._drop(rid)
            else:
                sig = self._save(rid)
                if row[2] is None:
                    self._index(rid, sig)
        if stale:
            log.info("near-duplicate index: %d stored signatures (re)computed or dropped", len(stale))

    def _save(self, rid: int, sig: Signature | None = None, text_sha: str | None = None) -> Signature:
        """Store ``rid``'s signature (computed from its text unless given; ``text_sha``: its text's
        hash, when the caller has read it); its band keys are _index's."""
        if sig is None:
            text, text_sha = self.db.execute("select text, text_sha256 from reports where id = ?", [rid]).fetchone()
            sig = signature(text or "")
        elif text_sha is None:
            text_sha = self.db.execute("select text_sha256 from reports where id = ?", [rid]).fetchone()[0]
        with self.store.transaction():
            self.db.execute("insert or replace into minhashes (report_id, text_sha256, num_perm, scheme, hashvalues) "
                            "values (?, ?, ?, ?, ?)",
                            [rid, text_sha, NUM_PERM, SCHEME, np.ascontiguousarray(sig.hashvalues, dtype="<u4").tobytes()])
        return sig

    def _index(self, rid: int, sig: Signature | np.ndarray | None = None) -> None:
        """Put group head ``rid``'s band keys in the index (its stored signature unless given)."""
        if sig is None:
            row = self.db.execute("select hashvalues from minhashes where report_id = ?", [rid]).fetchone()
            if row is None:
                return
            sig = np.frombuffer(row[0], dtype="<u4")
        with self.store.transaction():
            self.db.execute("delete from neardup_bands where report_id = ?", [rid])  # keys of an older text
            self.db.conn.executemany("insert or ignore into neardup_bands (band_key, report_id) values (?, ?)",
                                     [(k, rid) for k in band_keys(sig)])

    def _unindex(self, ids) -> None:
        ids = list(ids)
        if ids:
            with self.store.transaction():
                marks = ",".join("?" * len(ids))
                self.db.execute(f"delete from neardup_bands where report_id in ({marks})", ids)

    def _drop(self, rid: int) -> None:
        with self.store.transaction():
            self.db.execute("delete from neardup_bands where report_id = ?", [rid])
            self.db.execute("delete from minhashes where report_id = ?", [rid])

    def candidates(self, rid: int, sig: Signature) -> set[int]:
        """Group heads sharing a band with ``sig`` whose estimated Jaccard reaches the threshold.

        Reads at most MAX_CANDIDATES signatures: the heads sharing the most bands.
        """
        keys = band_keys(sig)
        mine = np.ascontiguousarray(sig.hashvalues, dtype="<u4")
        marks = ",".join("?" * len(keys))
        found = set()
        for other, hashvalues in self.db.execute(
                "select m.report_id, m.hashvalues from "
                f"(select report_id, count(*) as shared from neardup_bands where band_key in ({marks}) and report_id != ? "
                " group by report_id order by shared desc, report_id limit ?) c "
                "join minhashes m on m.report_id = c.report_id", [*keys, rid, MAX_CANDIDATES]):
            self.signatures_read += 1
            # MinHash.jaccard's estimate (share of equal hash values), without building a MinHash
            if np.count_nonzero(mine == np.frombuffer(hashvalues, dtype="<u4")) / NUM_PERM >= THRESHOLD:
                found.add(other)
        return found

    def _row(self, rid: int) -> dict | None:
        rows = list(self.db.query("select id, url, canonical_url, text_sha256, superseded_by, previous_version_id, duplicate_of, "
                                  "duplicate_kind, length(text) as n from reports where id = ?", [rid]))
        return rows[0] if rows else None

    def link(self, rid: int, sig: Signature | None = None) -> int | None:
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
        sig = self._save(rid, sig, row["text_sha256"])
        self._unindex([rid])  # indexed again below if it is (still) a head
        heads = {rid} | self.candidates(rid, sig)
        if row["duplicate_of"] is not None:  # e.g. the Store linked it to an exact copy already
            heads.add(row["duplicate_of"])
        if heads == {rid}:  # a copy of nothing (most reports): its own head, what _link_group would find
            self._index(rid, sig)
            return rid
        return self._link_group(heads, rid, sig)

    def _retire(self, old_id: int) -> None:
        """A report got a new version: the old one leaves the index; if it headed a group, its
        preferred remaining copy heads it now (the new version is linked right after)."""
        self._drop(old_id)
        followers = list(self.db.query("select id, url from reports where duplicate_of = ? and superseded_by is null", [old_id]))
        if followers:
            head = min(followers, key=lambda r: (not is_official(r["url"], self.portal_hosts), r["id"]))["id"]
            with self.store.transaction():
                self.db.execute("update reports set duplicate_of = null, duplicate_kind = null where id = ?", [head])
                self._repoint([old_id], head)
            self._index(head)

    def _repoint(self, old_heads: list[int], head: int) -> None:
        """Link the groups headed by ``old_heads`` (heads and copies) to ``head``, in one statement.

        A copy at the head's own URL is another fetch of it, not a copy: it stays unlinked.
        """
        marks = ",".join("?" * len(old_heads))
        canon, sha = self.db.execute("select canonical_url, text_sha256 from reports where id = ?", [head]).fetchone()
        # SQL text holds only placeholders; the CASE expressions are written out twice
        # because unchanged rows are not rewritten (no needless FTS/trigger work).
        self.db.execute(
            "update reports set"
            " duplicate_of = (case when canonical_url is ? then null else ? end),"
            " duplicate_kind = (case when canonical_url is ? then null when text_sha256 is ? then 'exact' else 'near' end)"
            f" where superseded_by is null and id != ? and (id in ({marks}) or duplicate_of in ({marks}))"
            " and (duplicate_of is not (case when canonical_url is ? then null else ? end)"
            " or duplicate_kind is not (case when canonical_url is ? then null when text_sha256 is ? then 'exact' else 'near' end))",
            [canon, head, canon, sha, head, *old_heads, *old_heads, canon, head, canon, sha])

    def _link_group(self, heads: set[int], rid: int, sig: Signature) -> int:
        """Merge the groups of ``heads`` (and ``rid``) under their preferred head.

        Each head is its group's preferred copy, so the preferred of the merged groups is the
        preferred of the heads: their copies are not read, only re-pointed.
        """
        marks = ",".join("?" * len(heads))
        rows = list(self.db.query(f"select id, url, canonical_url, duplicate_of from reports where id in ({marks}) "
                                  "and superseded_by is null", list(heads)))
        preferred = min(rows, key=lambda r: (not is_official(r["url"], self.portal_hosts), r["id"]))
        head = preferred["id"]
        others = [r["id"] for r in rows if r["id"] != head]
        placeholders = ",".join("?" * len(others))
        with self.store.transaction():
            if preferred["duplicate_of"] is not None:
                self.db.execute("update reports set duplicate_of = null, duplicate_kind = null where id = ?", [head])
            if others:
                self._repoint(others, head)
            # Heads that were merged leave the index (a same-URL fetch of the head stays a head).
            self._unindex(r[0] for r in self.db.execute(
                f"select id from reports where id in ({placeholders}) and duplicate_of is not null", others))
            if head == rid:
                self._index(rid, sig)
            elif preferred["duplicate_of"] is not None:
                self._index(head)
            if others:  # copies at the head's own URL were unlinked by _repoint: they head themselves now
                for (other,) in self.db.execute(
                        "select id from reports where canonical_url is ? and duplicate_of is null and superseded_by is null "
                        "and id != ? and id not in (select report_id from neardup_bands where report_id = reports.id)",
                        [preferred["canonical_url"], head]).fetchall():
                    self._index(other)
        return head


_INDEXES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def index_for(store, portal_hosts: set[str] | None = None) -> NearDupIndex:
    """One index per open Store (synced with the DB on first use, then kept up to date)."""
    idx = _INDEXES.get(store)
    if idx is None or not idx.ready():  # (not ready: a rolled-back transaction took its tables)
        idx = _INDEXES[store] = NearDupIndex(store, portal_hosts)
    elif portal_hosts:
        idx.portal_hosts |= set(portal_hosts)
    return idx
