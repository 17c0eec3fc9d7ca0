"""Near-duplicate reports: MinHash LSH over character shingles, linked to the preferred copy.

Seed 001 is the real 咸阳市 2017 report as the aggregator 造价通 published it. The test
portal's page 2017/201803/t20180330_71001.html is a *synthetic* government-style page
wrapping the same report paragraphs (see govcrawl/testing/portal/README.md).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from govcrawl.extract import extract_file
from govcrawl.store.neardup import NearDupIndex, is_official, shingles
from govcrawl.store import Store

from conftest import FIXTURES, PORTAL_DIR, PORTAL_TOML, run_govcrawl

SEEDS = FIXTURES / "corpus" / "seeds"
AGGREGATOR = SEEDS / "001_e8c90e1f83533eb4.txt"
GOV_PAGE = PORTAL_DIR / "zwgk" / "zfxxgknb" / "2017" / "201803" / "t20180330_71001.html"
GOV_URL = "http://127.0.0.1/zwgk/zfxxgknb/2017/201803/t20180330_71001.html"  # the test portal's host, listed in its registry


def _import(out: Path, *args: str):
    return run_govcrawl("import", *args, "--db", str(out / "g.db"), "--archive", str(out / "archive"),
                        "--portals", str(PORTAL_TOML))


def _by_url(out: Path) -> dict:
    store = Store(out / "g.db")
    rows = {r["url"]: r for r in store.db.query("select id, url, duplicate_of, duplicate_kind from reports")}
    store.close()
    return rows


@pytest.mark.parametrize("gov_first", [False, True])
def test_aggregator_seed_links_to_the_official_copy(tmp_path, gov_first):
    steps = [(str(SEEDS),), (str(GOV_PAGE), "--source-url", GOV_URL)]
    for args in (reversed(steps) if gov_first else steps):
        _import(tmp_path, *args)
    rows = _by_url(tmp_path)
    gov = rows[GOV_URL]
    agg = rows["file:seeds/" + AGGREGATOR.name]
    assert agg["duplicate_of"] == gov["id"] and agg["duplicate_kind"] in ("exact", "near")
    assert gov["duplicate_of"] is None
    others = [r for u, r in rows.items() if u not in (GOV_URL, "file:seeds/" + AGGREGATOR.name)]
    assert len(others) == 4 and all(r["duplicate_of"] is None for r in others)


def _save(store: Store, url: str, doc, sha: str) -> int:
    rid, _ = store.save_report(doc, url=url, canonical_url=url, input_sha256=sha, portal=None, kind="import", extractor_version="t")
    return rid


def test_near_not_exact_copy_is_linked_and_signatures_persist(tmp_path):
    agg_doc = extract_file(AGGREGATOR)
    gov_doc = extract_file(GOV_PAGE)
    # A copy that differs a little: one paragraph dropped, a banner line added (synthetic edit).
    lines = agg_doc.text.splitlines()
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    agg_doc.text = "\n".join(["本文转载自某某资料网，仅供参考"] + lines[:longest] + lines[longest + 1:])
    assert agg_doc.text != gov_doc.text
    a, b = shingles(agg_doc.text), shingles(gov_doc.text)
    assert 0.8 <= len(a & b) / len(a | b) < 1.0

    db = tmp_path / "g.db"
    store = Store(db)
    agg_id = _save(store, "https://www.zjtcn.com/news/1.html", agg_doc, "a")
    NearDupIndex(store).link(agg_id)
    store.close()
    # A later process: the index is rebuilt from the stored signatures, and the official copy wins.
    store = Store(db)
    idx = NearDupIndex(store)
    gov_id = _save(store, "http://www.xianyang.gov.cn/zwgk/ndbg/1.html", gov_doc, "b")
    assert idx.link(gov_id) == gov_id
    row = store.db["reports"].get(agg_id)
    assert (row["duplicate_of"], row["duplicate_kind"]) == (gov_id, "near")
    assert store.db["reports"].get(gov_id)["duplicate_of"] is None
    assert store.db["minhashes"].count == 2
    # An unrelated report is not pulled in.
    other = extract_file(SEEDS / "002_8661693cc3ee7730.txt")
    oid = _save(store, "http://www.rudong.gov.cn/1.html", other, "c")
    assert idx.link(oid) == oid and store.db["reports"].get(oid)["duplicate_of"] is None
    store.close()


def test_same_report_extracted_differently_is_a_near_duplicate(tmp_path):
    """Pingtan 2025: the raw page (tables as HTML) and another crawler's text dump (tables flattened)."""
    real = FIXTURES / "corpus" / "real" / "pingtan"
    url = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202603/t20260313_105587.htm"  # its 原文链接; not fetched
    _import(tmp_path, str(real / "2025-report.txt"), str(real / "2021-report.txt"), str(real / "2019-report.txt"))
    _import(tmp_path, str(real / "2025-report.html"), "--source-url", url)
    rows = _by_url(tmp_path)
    assert rows["file:2025-report.txt"]["duplicate_of"] == rows[url]["id"]
    assert rows["file:2025-report.txt"]["duplicate_kind"] == "near"
    # The same site's other years, on the same template, stay separate reports.
    assert rows["file:2021-report.txt"]["duplicate_of"] is None and rows["file:2019-report.txt"]["duplicate_of"] is None


def test_official_hosts():
    assert is_official("http://www.xianyang.gov.cn/a.html")
    assert is_official("https://gov.cn/x")
    assert not is_official("https://www.zjtcn.com/news/1.html")
    assert not is_official("https://baike.example.com/item/x")
    assert not is_official("file:seeds/001.txt")
    assert is_official("http://127.0.0.1:8080/a.html", {"127.0.0.1"})
    assert is_official("http://sub.pingtan.gov.cn/a", set())


def _filler_doc(seed: int):
    """A SYNTHETIC report text (random common characters), unrelated to any real one."""
    import random

    rng = random.Random(seed)
    chars = "政府信息公开工作年度报告主动依申请办理答复复议诉讼行政机关人民法院公民法人组织平台网站条件数量"
    doc = extract_file(SEEDS / "002_8661693cc3ee7730.txt")
    doc.text = "\n".join("".join(rng.choice(chars) for _ in range(60)) for _ in range(12))
    return doc


def test_fresh_process_finds_a_stored_near_duplicate_without_loading_the_index(tmp_path):
    db = tmp_path / "g.db"
    store = Store(db)
    idx = NearDupIndex(store)
    agg_id = _save(store, "https://www.zjtcn.com/news/1.html", extract_file(AGGREGATOR), "a")
    idx.link(agg_id)
    for i in range(30):
        idx.link(_save(store, f"https://example.com/{i}.html", _filler_doc(i), f"f{i}"))
    store.close()

    # A new Store and index, as a later crawl or reparse: nothing per report is loaded up front...
    store = Store(db)
    idx = NearDupIndex(store)
    assert idx.signatures_read == 0
    assert store.db.execute("select count(distinct report_id) from neardup_bands").fetchone()[0] == 31
    gov_id = _save(store, "http://www.xianyang.gov.cn/zwgk/ndbg/1.html", extract_file(GOV_PAGE), "b")
    assert idx.link(gov_id) == gov_id
    assert store.db["reports"].get(agg_id)["duplicate_of"] == gov_id
    # ...and the query read the candidate's signature, not all 31 stored ones.
    assert 1 <= idx.signatures_read <= 3
    store.close()


def _crc32_signature(text: str):
    """The signature as govcrawl computed it before scheme "fmix64-5gram+affine32": crc32 per shingle."""
    import zlib

    from datasketch import MinHash

    m = MinHash(num_perm=128, hashfunc=zlib.crc32)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


@pytest.mark.parametrize("older", ["affine32", "crc32+affine32"])
def test_signatures_of_another_hash_scheme_are_recomputed(tmp_path, older):
    from govcrawl.store.neardup import SCHEME, band_keys, signature

    db = tmp_path / "g.db"
    store = Store(db)
    agg_doc = extract_file(AGGREGATOR)
    agg_id = _save(store, "https://www.zjtcn.com/news/1.html", agg_doc, "a")
    NearDupIndex(store).link(agg_id)
    good = store.db.execute("select hashvalues from minhashes").fetchone()[0]
    assert good == signature(agg_doc.text).hashvalues.astype("<u4").tobytes()
    with store.db.conn:
        if older == "affine32":
            # As an older govcrawl left it: datasketch's default sha1 hashing, no band rows.
            store.db.execute("update minhashes set scheme = 'affine32', hashvalues = zeroblob(512)")
            store.db.execute("delete from neardup_bands")
        else:
            # As the previous govcrawl left it: its crc32 signature and that signature's band rows.
            stale = _crc32_signature(agg_doc.text)
            assert stale.hashvalues.astype("<u4").tobytes() != good
            store.db.execute("update minhashes set scheme = ?, hashvalues = ?", [older, stale.hashvalues.astype("<u4").tobytes()])
            store.db.execute("delete from neardup_bands")
            store.db.conn.executemany("insert into neardup_bands values (?, ?)", [(k, agg_id) for k in band_keys(stale)])
    store.close()
    store = Store(db)
    NearDupIndex(store)
    assert store.db.execute("select scheme, hashvalues from minhashes").fetchone() == (SCHEME, good)
    keys = {r[0] for r in store.db.execute("select band_key from neardup_bands where report_id = ?", [agg_id])}
    assert keys == set(band_keys(np.frombuffer(good, dtype="<u4")))  # the old scheme's keys are gone
    store.close()


def _mutated(text: str, rng, share: float) -> str:
    """A SYNTHETIC variant: about ``share`` of the lines replaced by random text."""
    lines = text.splitlines()
    for i in rng.sample(range(len(lines)), int(len(lines) * share)):
        lines[i] = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥") for _ in range(len(lines[i])))
    return "\n".join(lines)


def test_estimated_jaccard_tracks_the_exact_jaccard_of_the_shingles():
    """SYNTHETIC pairs: a real report and variants of it with 0–90 % of its lines replaced."""
    import random

    from govcrawl.store.neardup import signature

    rng = random.Random(5)
    base = extract_file(AGGREGATOR).text
    seen = []
    for share in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9):
        variant = _mutated(base, rng, share)
        a, b = shingles(base), shingles(variant)
        exact = len(a & b) / len(a | b)
        estimate = signature(base).jaccard(signature(variant))
        assert abs(estimate - exact) <= 0.1, (share, exact, estimate)
        seen.append(exact)
    assert max(seen) == 1.0 and min(seen) < 0.2  # the pairs span the range, through the threshold


def test_signature_is_the_datasketch_minhash_of_the_shingles():
    """The vectorised hashing gives what MinHash.update_batch gives over shingles() with the same
    per-shingle hash: the same affine32 permutations (seed 1), only computed without a Python loop."""
    from datasketch import MinHash

    from govcrawl.store.neardup import _shingle_hash, signature

    for text in (extract_file(AGGREGATOR).text, extract_file(GOV_PAGE).text, "", "年报", "政府信息公开", "\u3000年 报\n"):
        ref = MinHash(num_perm=128, seed=1, hashfunc=_shingle_hash)
        ref.update_batch(list(shingles(text)))
        sig = signature(text)
        assert sig.hashvalues.dtype == np.uint32 and len(sig.hashvalues) == 128
        assert np.array_equal(sig.hashvalues, ref.hashvalues) and sig.jaccard(ref) == 1.0


# The first hash values of the text below under SCHEME "fmix64-5gram+affine32", recorded when the
# scheme was introduced (a regression pin: a change here needs a new SCHEME, so stored ones are redone).
PINNED = [163326009, 3049016, 260000322, 1851206, 167898852, 150702652]


def test_signature_is_the_same_in_every_call_and_process():
    import subprocess
    import sys

    from govcrawl.store.neardup import signature

    text = "政府信息公开工作年度报告：本年度主动公开政府信息一千二百条，依申请公开三十件。"  # SYNTHETIC
    first = signature(text).hashvalues
    assert np.array_equal(first, signature(text).hashvalues)
    # Pinned: stored signatures of this scheme must stay comparable on any machine and later runs.
    assert first[:6].tolist() == PINNED
    code = f"from govcrawl.store.neardup import signature; print(signature({text!r}).hashvalues.tolist())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "123"}, cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == str(first.tolist())


def test_a_long_text_is_signed_in_bounded_memory():
    """A 1 M-character text: the permutation step works in blocks, never on a (128 × n) matrix (512 MB)."""
    import random
    import tracemalloc

    from govcrawl.store.neardup import signature

    rng = random.Random(3)
    text = "".join(rng.choice("政府信息公开工作年度报告主动依申请办理答复复议诉讼行政机关人民法院") for _ in range(1_000_000))  # SYNTHETIC
    tracemalloc.start()
    try:
        sig = signature(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 * 2**20, peak
    assert (sig.hashvalues < 2**32 - 1).all()


def _edited(doc, banner: str):
    """A SYNTHETIC near copy: the same report with one banner line a mirror might add."""
    doc.text = banner + "\n" + doc.text
    return doc


def test_copies_link_to_the_group_head_and_only_heads_are_indexed(tmp_path):
    store = Store(tmp_path / "g.db")
    idx = NearDupIndex(store)
    first = _save(store, "https://www.zjtcn.com/news/1.html", extract_file(AGGREGATOR), "a")
    idx.link(first)
    copies = [_save(store, f"https://baike.example.com/{i}.html", _edited(extract_file(AGGREGATOR), f"本页来自资料库第{i}号"), f"c{i}")
              for i in range(3)]
    for c in copies:
        assert idx.link(c) == first
    exact = _save(store, "https://mirror.example.com/1.html", extract_file(AGGREGATOR), "e")
    assert idx.link(exact) == first
    bands = lambda: {r[0] for r in store.db.execute("select distinct report_id from neardup_bands")}  # noqa: E731
    assert bands() == {first}  # copies are found through their head, not indexed themselves

    # The official copy arrives: it heads the group, and every copy is re-pointed to it.
    gov = _save(store, "http://www.xianyang.gov.cn/zwgk/ndbg/1.html", extract_file(GOV_PAGE), "g")
    assert idx.link(gov) == gov
    rows = {r["id"]: r for r in store.db.query("select id, duplicate_of, duplicate_kind from reports")}
    assert rows[gov]["duplicate_of"] is None
    assert all(rows[r]["duplicate_of"] == gov for r in (first, *copies, exact))
    assert rows[copies[0]]["duplicate_kind"] == "near"
    assert bands() == {gov}
    store.close()


def test_a_crowded_band_bucket_reads_at_most_max_candidates(tmp_path, monkeypatch):
    from govcrawl.store import neardup

    store = Store(tmp_path / "g.db")
    idx = NearDupIndex(store)
    fillers = [_save(store, f"https://example.com/{i}.html", _filler_doc(i), f"f{i}") for i in range(12)]
    for f in fillers:
        idx.link(f)
    agg = extract_file(AGGREGATOR)
    # Simulate a template shared by many unrelated reports: every filler shares one band with the query.
    key = neardup.band_keys(neardup.signature(agg.text))[0]
    with store.db.conn:
        store.db.conn.executemany("insert into neardup_bands values (?, ?)", [(key, f) for f in fillers])
    monkeypatch.setattr(neardup, "MAX_CANDIDATES", 5)
    idx.signatures_read = 0
    rid = _save(store, "https://www.zjtcn.com/news/1.html", agg, "a")
    assert idx.link(rid) == rid
    assert idx.signatures_read == 5
    store.close()


def test_an_older_index_of_every_copy_keeps_only_heads(tmp_path):
    db = tmp_path / "g.db"
    store = Store(db)
    idx = NearDupIndex(store)
    gov = _save(store, "http://www.xianyang.gov.cn/zwgk/ndbg/1.html", extract_file(GOV_PAGE), "g")
    agg = _save(store, "https://www.zjtcn.com/news/1.html", extract_file(AGGREGATOR), "a")
    idx.link(gov), idx.link(agg)
    # As an older govcrawl left it: band rows for the copy too, no layout mark.
    with store.db.conn:
        store.db.execute("insert into neardup_bands select band_key, ? from neardup_bands where report_id = ?", [agg, gov])
        store.db.execute("delete from meta where key like 'neardup%'")
    store.close()
    store = Store(db)
    NearDupIndex(store)
    assert {r[0] for r in store.db.execute("select distinct report_id from neardup_bands")} == {gov}
    store.close()


def test_a_new_version_of_a_head_hands_its_group_to_a_remaining_copy(tmp_path):
    store = Store(tmp_path / "g.db")
    idx = NearDupIndex(store)
    gov_url = "http://www.xianyang.gov.cn/zwgk/ndbg/1.html"
    gov = _save(store, gov_url, extract_file(GOV_PAGE), "g")
    agg = _save(store, "https://www.zjtcn.com/news/1.html", extract_file(AGGREGATOR), "a")
    copy = _save(store, "https://baike.example.com/1.html", _edited(extract_file(AGGREGATOR), "本页来自资料库"), "c")
    for r in (gov, agg, copy):
        idx.link(r)
    assert store.db["reports"].get(copy)["duplicate_of"] == gov
    # The government page now holds another text (another report): its old copies stay one group.
    new = _save(store, gov_url, extract_file(SEEDS / "002_8661693cc3ee7730.txt"), "g2")
    assert store.db["reports"].get(new)["previous_version_id"] == gov
    assert idx.link(new) == new
    assert store.db["reports"].get(agg)["duplicate_of"] is None
    assert (store.db["reports"].get(copy)["duplicate_of"], store.db["reports"].get(copy)["duplicate_kind"]) == (agg, "near")
    assert {r[0] for r in store.db.execute("select distinct report_id from neardup_bands")} == {agg, new}
    store.close()


def test_banding_and_permutations_are_datasketchs():
    """neardup writes out the LSH banding and draws the affine32 permutations itself (importing
    datasketch costs 0.4 s of start-up): both must stay what datasketch chooses and draws."""
    from datasketch import MinHash
    from datasketch.lsh import _optimal_param
    from datasketch.minhash import _fmix as ds_fmix

    from govcrawl.store import neardup

    assert (neardup.BANDS, neardup.ROWS) == _optimal_param(neardup.THRESHOLD, neardup.NUM_PERM, 0.5, 0.5)
    ref = MinHash(num_perm=neardup.NUM_PERM, seed=1, scheme="affine32").permutations
    assert ref.dtype == neardup._PERMUTATIONS.dtype and np.array_equal(ref, neardup._PERMUTATIONS)
    values = np.arange(0, 2**32, 2**32 // 1000, dtype=np.uint64)
    assert np.array_equal(neardup._fmix(values, 64), ds_fmix(values, 64))
    assert np.array_equal(neardup._fmix(values.astype(np.uint32), 32), ds_fmix(values.astype(np.uint32), 32))


def test_the_store_side_never_imports_datasketch():
    """A crawl's writer and a reparse use the index without datasketch (its import pulls scipy)."""
    import subprocess
    import sys

    code = ("import sys, govcrawl.store.neardup as n, govcrawl.offline.reparse; n.signature('政府信息公开年度报告' * 30); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "[]"


def test_an_index_whose_tables_a_rollback_took_is_made_again(tmp_path):
    """The crawl's store stage rolls a group's transaction back when an item fails in it
    (pipelines/store.py): an index first opened inside that transaction loses its tables with it,
    and the next index_for must not hand out that broken index."""
    from govcrawl.store.neardup import index_for

    store = Store(tmp_path / "g.db")
    with pytest.raises(RuntimeError):
        with store.transaction():
            first = index_for(store)
            assert first.ready()
            raise RuntimeError("an item of the group failed")
    assert not first.ready()
    again = index_for(store)
    assert again is not first and again.ready()
    assert index_for(store) is again  # kept while its tables are there
    store.close()
