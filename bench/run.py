"""govcrawl benchmarks: every figure is a ratio against a baseline run in the same process tree, on the same inputs.

    make bench                          # full sizes (several minutes)
    python bench/run.py --quick         # small sizes, about a minute: checks that it all runs
    python bench/run.py --only extract,size

Measurements (issues 7 and 19):
  startup  wall time of `govcrawl extract` on one small file vs the trafilatura CLI     (info: imports, apart)
  extract  CPU s/doc of govcrawl.extract vs bare trafilatura.extract on the same HTML   target <= 0.8x
  crawl    report pages/min crawling a generated loopback portal, all pipelines vs none  target >= 0.6x
  size     archive + DB bytes per 1,000 reports (from the crawl), projected to 1,000,000
  reparse  docs/s of `govcrawl reparse -j 2` vs a single-process trafilatura loop       target >= 1.4x (goal 1.8x)
           (and that same loop split over 2 processes: what -j 2 could reach at most);
           a reparse after a statistics-only change vs the full reparse                 target <= 1/3
  memory   peak memory of reparse -j 2 at 1,000 and 20,000 records (PSS and RSS)         target <= 400 MB, growth <= 10%
           (and the parent's and the largest worker's PSS apart; --memory-records A,B for other sizes)
  distributed  reports/min with 1, 2, 3 scrapy-redis workers + one writer vs the single-process crawl
           (needs redis-server; bench/distributed.py)
  ocr      wall time of reading a 4-page scanned PDF (pages, tables cell by cell, numbers confirmed)
           vs the tesseract CLI alone on the same pages, single-threaded (needs tesseract)     target <= 3x

Timed runs are not memory-sampled (the /proc sampler costs a good part of a core, and the
baselines run unsampled); memory is measured in its own pass (row 4).

Generated data goes to bench/out/ (git-ignored). The benchmark portal and the
reparse archives are SYNTHETIC copies of real texts (bench/gen_portal.py).
Results: printed table, bench/out/results.json and bench/out/results.md.
No timing assertions anywhere in the test suite: numbers are for people.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_portal  # noqa: E402  (bench/ is not a package)

OUT = ROOT / "bench" / "out"
FIXTURE_PORTAL = ROOT / "govcrawl" / "testing" / "portal"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
GOVCRAWL = [sys.executable, "-m", "govcrawl"]

SIZES = {
    "full": {"extract_rounds": 7, "extract_synthetic": 100, "crawl_reports": 2000, "reparse_records": 5000,
             "memory_records": (1000, 20000), "distributed_reports": 1000, "ocr_rounds": 2},
    # quick: 1,000 reparse records, so that start-up (~1-2 s, its own row 2e) is not most of the run;
    # memory from 400 records, where each of the 2 workers has run its full 200 documents before
    # being replaced (extract/pool.py): 100 -> 400 measured the workers' warm-up, not growth.
    "quick": {"extract_rounds": 2, "extract_synthetic": 20, "crawl_reports": 200, "reparse_records": 1000,
              "memory_records": (400, 1600), "distributed_reports": 100, "ocr_rounds": 1},
}
ALL = ("startup", "extract", "crawl", "size", "reparse", "memory", "distributed", "ocr")


@dataclass
class Row:
    measure: str
    govcrawl: str
    baseline: str
    ratio: str
    target: str
    ok: bool | None  # None: no target, or not measured
    note: str = ""


# -- helpers ---------------------------------------------------------------------
def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(), "cpu": cpu,
            "memory": mem, "python": platform.python_version(), "os": platform.platform(terse=True),
            "load_avg": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def fresh(path: Path) -> Path:
    """An empty scratch folder; only one the benchmark created (marked) is ever emptied."""
    from govcrawl.commands.safety import clear_claimed

    return clear_claimed(path, ".govcrawl-bench", "bench/run.py")


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def human_bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:.0f} B"


def has_subcommand(name: str) -> bool:
    proc = subprocess.run([*GOVCRAWL, name, "--help"], cwd=ROOT, env=env(), capture_output=True, text=True)
    return proc.returncode == 0


class TreeRss:
    """Poll /proc for the memory of a process and its descendants (no psutil needed).

    ``peak``: the summed RSS of the tree. It counts pages the forked workers share with
    their parent once per process, so it overstates; ``peak_pss`` (proportional set size,
    /proc/PID/smaps_rollup) charges each shared page once, split between its users: the
    tree's real footprint. ``peak_single``: the largest single-process RSS. ``peak_parent_pss``:
    the PSS of the process started (reparse: the DB writer); ``peak_child_pss``: the largest PSS
    of any one of its descendants (reparse: a worker), so that a growth can be told apart.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak, self.peak_pss, self.peak_single = pid, interval, 0, 0, 0
        self.peak_parent_pss = self.peak_child_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as fh:
                        ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                parents.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(parents.get(p, []))
        return out

    @staticmethod
    def _kb(path: str, field: str) -> int:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        return 0

    def _run(self):
        while not self._stop.is_set():
            total = total_pss = 0
            for p in self._tree():
                try:
                    rss = self._kb(f"/proc/{p}/status", "VmRSS:")
                    pss = self._kb(f"/proc/{p}/smaps_rollup", "Pss:")
                except OSError:
                    continue
                total += rss
                total_pss += pss
                if p == self.pid:
                    self.peak_parent_pss = max(self.peak_parent_pss, pss)
                else:
                    self.peak_child_pss = max(self.peak_child_pss, pss)
                self.peak_single = max(self.peak_single, rss)
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, total_pss)
            self._stop.wait(self.interval)


class _NoSampling:
    peak = peak_pss = peak_single = peak_parent_pss = peak_child_pss = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def _children_cpu() -> float:
    """CPU seconds (user + system) of the waited-for descendants of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_measured(cmd: list[str], timeout: float = 3600, ok: tuple[int, ...] = (0,), sample: bool = True) -> dict:
    """Run a command; wall time, the summed peak RSS and PSS of its process tree, and the largest single-process peak RSS.

    ``sample=False`` for timings compared with a baseline that runs unsampled: the /proc sampler
    costs a good part of a core, which would bias the ratio (memory is measured in its own pass)."""
    t0, cpu0 = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with (TreeRss(proc.pid) if sample else _NoSampling()) as rss:
        out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0  # the command and every descendant it waited for (its workers)
    # getrusage(RUSAGE_CHILDREN) accumulates over every command this process ran; /proc polling is per command.
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}\n{out.decode()[-2000:]}\n{err.decode()[-4000:]}")
    return {"wall": wall, "cpu": cpu, "tree_peak_rss": rss.peak, "tree_peak_pss": rss.peak_pss, "single_peak_rss": rss.peak_single,
            "parent_peak_pss": rss.peak_parent_pss, "child_peak_pss": rss.peak_child_pss,
            "stdout": out.decode(), "stderr": err.decode()}


# -- 1. extraction cost ----------------------------------------------------------
def extraction_inputs(n_synthetic: int) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """Real HTML report pages + the test portal's report pages; and synthetic copies (bench portal pages)."""
    expected = json.loads((FIXTURE_PORTAL / "expected.json").read_text(encoding="utf-8"))
    real = [(str(p.relative_to(ROOT)), p.read_bytes()) for p in sorted(CORPUS.rglob("*.html")) if "report" in p.name]
    for page in expected["report_pages"]:
        path = FIXTURE_PORTAL / page["path"].lstrip("/")
        real.append((str(path.relative_to(ROOT)), path.read_bytes()))
    synthetic = [(p.path, p.body) for p in gen_portal.iter_report_pages(n_synthetic, seed=11)]
    return real, synthetic


def _cpu_per_doc(docs, rounds: int) -> tuple[float, float, int]:
    """Median over rounds of CPU seconds per document, for govcrawl and for trafilatura, interleaved."""
    import trafilatura

    from govcrawl.extract import extract
    from govcrawl.extract.decode import decode_bytes

    # trafilatura gets the already-decoded string: decoding is govcrawl's cost, which makes the ratio stricter.
    decoded = [decode_bytes(body, "text/html", None)[0] for _, body in docs]

    def run_govcrawl():
        t = time.process_time()
        for url, body in docs:
            extract(body, source=url, url="http://127.0.0.1" + url if url.startswith("/") else None,
                    content_type="text/html", filename=url.rsplit("/", 1)[-1])
        return time.process_time() - t

    def run_trafilatura():
        t = time.process_time()
        for html in decoded:
            trafilatura.extract(html)
        return time.process_time() - t

    run_govcrawl(), run_trafilatura()  # warm-up: imports, OpenCC tables, lxml caches
    g, b = [], []
    for i in range(rounds):
        order = (run_govcrawl, run_trafilatura) if i % 2 == 0 else (run_trafilatura, run_govcrawl)
        for fn in order:
            (g if fn is run_govcrawl else b).append(fn())
    n = len(docs)
    return statistics.median(g) / n, statistics.median(b) / n, n


def bench_extract(size: dict) -> list[Row]:
    real, synthetic = extraction_inputs(size["extract_synthetic"])
    rows = []
    for label, docs, target in (("real + test-portal report pages", real, True), ("synthetic bench-portal pages", synthetic, False)):
        g, b, n = _cpu_per_doc(docs, size["extract_rounds"])
        ratio = g / b
        rows.append(Row(f"1. extract CPU/doc, {label} (n={n})", f"{g * 1000:.1f} ms", f"{b * 1000:.1f} ms (trafilatura.extract)",
                        f"{ratio:.2f}x", "<= 0.8x" if target else "(info)", ratio <= 0.8 if target else None))
        floor = _parse_floor(docs, size["extract_rounds"])
        rows.append(Row(f"1b. parse floor, {label} (info)", f"{floor * 1000:.2f} ms (lxml.html parse alone)",
                        f"{b * 1000:.1f} ms (trafilatura.extract)", f"{floor / b:.2f}x", "", None,
                        note="the least any extractor that builds a tree pays per page: govcrawl parses each page once "
                             f"and spends the rest ({(g - floor) * 1000:.1f} ms) on text, metadata and statistics"))
    return rows


def _parse_floor(docs: list[tuple[str, bytes]], rounds: int) -> float:
    """CPU per document of parsing the pages into an lxml tree, nothing else (median of rounds)."""
    import lxml.html

    from govcrawl.extract.decode import decode_bytes

    decoded = [decode_bytes(body, "text/html", None)[0] for _, body in docs]
    times = []
    for _ in range(max(3, rounds)):
        t = time.process_time()
        for html in decoded:
            lxml.html.document_fromstring(html)
        times.append(time.process_time() - t)
    return statistics.median(times) / len(decoded)


# -- 0. start-up ---------------------------------------------------------------------
def _wall(cmd: list[str], stdin: Path | None = None) -> float:
    t = time.perf_counter()
    with open(stdin or os.devnull, "rb") as fh:
        subprocess.run(cmd, cwd=ROOT, env=env(), stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def bench_startup(size: dict) -> list[Row]:
    """Wall time of one small file through each CLI: mostly imports, reported apart from per-document costs."""
    page = min((p for p in CORPUS.rglob("*.html") if "report" in p.name), key=lambda p: p.stat().st_size)
    trafilatura_cli = Path(sys.executable).with_name("trafilatura")
    g, b = [], []
    for i in range(max(3, size["extract_rounds"])):
        g.append(_wall([*GOVCRAWL, "extract", str(page)]))
        b.append(_wall([str(trafilatura_cli)], stdin=page))
    gm, bm = statistics.median(g), statistics.median(b)
    return [Row(f"0. start-up: one small file ({page.stat().st_size // 1024} KB) through the CLI (info)", f"{gm:.2f} s (govcrawl extract)",
                f"{bm:.2f} s (trafilatura CLI)", f"{gm / bm:.2f}x", "", None,
                note="medians; interpreter start and imports, not per-document cost (rows 1 and 2 exclude it or amortise it)")]


# -- 3. crawl throughput, 5. sizes -----------------------------------------------------
def _crawl(portal_dir: Path, out: Path, base_url: str, pipelines: bool) -> dict:
    cmd = [*GOVCRAWL, "crawl", "benchportal", "--portals", str(portal_dir / "portal.toml"), "--db", str(out / "govcrawl.db"),
           "--archive", str(out / "archive"), "--start-url", base_url + "/index.html", "--log-level", "WARNING",
           "-s", "CONCURRENT_REQUESTS=16"]
    if not pipelines:
        cmd += ["-s", "ITEM_PIPELINES={}"]
    # Exit 3 (partial) or, without pipelines (nothing recorded), 1 (failed) are the run's verdict, not a crash.
    return run_measured(cmd, ok=(0, 3) if pipelines else (0, 1, 3), sample=False)


CRAWL_ROUNDS = 3


def bench_crawl(size: dict, want_size: bool) -> list[Row]:
    from govcrawl.testing.testportal import TestPortal

    n = size["crawl_reports"]
    portal_dir = fresh(OUT / "portal")
    gen_portal.write_portal(portal_dir, n)
    detail = re.compile(r"/t\d{8}_\d+\.html$")
    pairs = []  # (bare, full) per round
    with TestPortal(root=portal_dir) as portal:
        # Baseline and pipelines on, one after the other, CRAWL_ROUNDS times; all read the same files
        # from a warm page cache. The machine's speed drifts by ~10% over minutes, so each round's two
        # runs make one ratio, and the median round counts (bench/NOTES.md).
        for _ in range(CRAWL_ROUNDS):
            pair = []
            for pipelines in (False, True):
                out = fresh(OUT / ("crawl-pipelines" if pipelines else "crawl-bare"))
                portal.clear_log()
                r = _crawl(portal_dir, out, portal.base_url, pipelines)
                r["report_pages"] = sum(1 for q in portal.requests if detail.search(q.path) and q.status == 200)
                r["requests"] = len(portal.requests)
                r["out"] = out
                r["rate"] = r["report_pages"] / r["wall"] * 60
                pair.append(r)
            pairs.append(tuple(pair))
    ratios = [f["rate"] / b["rate"] for b, f in pairs]
    bare, full = sorted(pairs, key=lambda p: p[1]["rate"] / p[0]["rate"])[len(pairs) // 2]
    walls = ", ".join(f"{f['wall']:.1f}/{b['wall']:.1f}" for b, f in pairs)
    fastest = min(f["wall"] for _, f in pairs), min(b["wall"] for b, _ in pairs)
    bare_rate, full_rate = bare["rate"], full["rate"]
    db = full["out"] / "govcrawl.db"  # (the last round's: every round stores the same reports)
    con = sqlite3.connect(db)
    reports = con.execute("select count(*) from reports").fetchone()[0]
    con.execute("pragma wal_checkpoint(TRUNCATE)")
    con.close()
    rows = [Row(f"3. crawl, loopback portal of {n} synthetic reports ({full['requests']} requests)",
                f"{full_rate:,.0f} report pages/min ({full['wall']:.1f} s, {reports} reports stored)",
                f"{bare_rate:,.0f} pages/min (no pipelines, {bare['wall']:.1f} s)",
                f"{full_rate / bare_rate:.2f}x", ">= 0.6x", full_rate / bare_rate >= 0.6,
                note="wall time of the whole `govcrawl crawl` process, start-up included; the median of "
                     f"{CRAWL_ROUNDS} rounds, each a bare run then a full one (rounds' ratios "
                     f"{', '.join(f'{x:.2f}' for x in ratios)}; walls full/bare {walls} s; fastest of each "
                     f"{fastest[1] / fastest[0]:.2f}x); CPU {full['cpu']:.1f} s (with the extraction workers) vs {bare['cpu']:.1f} s bare")]
    if reports != n:
        rows[0].note += f"; WARNING: {reports} reports stored, {n} expected"
    if want_size and reports:
        arch = dir_bytes(full["out"] / "archive")
        dbb = sum(p.stat().st_size for p in full["out"].glob("govcrawl.db*"))
        per_k_a, per_k_d = arch / reports * 1000, dbb / reports * 1000
        rows.append(Row(f"5. archive size per 1,000 reports (WARC.gz, incl. {full['requests'] - full['report_pages']} nav/list pages)",
                        mb(per_k_a), "", "", f"1M reports: {human_bytes(per_k_a * 1000)}", None))
        rows.append(Row("5. SQLite size per 1,000 reports (text, stats, checks, FTS)", mb(per_k_d), "", "",
                        f"1M reports: {human_bytes(per_k_d * 1000)}", None))
    return rows


# -- 2. reparse throughput, 4. memory ------------------------------------------------
def build_archive(n: int) -> Path:
    """An archive of n synthetic report pages, written straight to WARC as a crawl would (role: detail)."""
    from govcrawl.archive import WarcArchive

    root = OUT / f"archive-{n}"
    stamp = root / ".complete"
    if stamp.exists():
        return root
    fresh(root)
    arch = WarcArchive(root, "benchportal", f"bench{n}")
    for page in gen_portal.iter_report_pages(n, seed=23):
        arch.write_response("http://127.0.0.1:8000" + page.path, 200, [("Content-Type", "text/html; charset=utf-8")], page.body,
                            reason="OK", extra={"WARC-Govcrawl-Role": "detail"})
    arch.close()
    stamp.write_text(str(n))
    return root


def _detail_bodies(archive: Path):
    """The body of every report record in the archive, as reparse reads them."""
    from govcrawl.archive import iter_records

    for rec in iter_records(archive):
        if rec.record_type == "response" and rec.warc_headers.get("WARC-Govcrawl-Role") == "detail":
            yield rec.body


def _bare_trafilatura(body: bytes) -> None:
    import trafilatura

    trafilatura.extract(body.decode("utf-8", "replace"))


def trafilatura_loop(archive: Path) -> dict:
    """The baseline: one process, read every record, bare trafilatura.extract on it."""
    t, cpu = time.perf_counter(), time.process_time()
    n = 0
    for body in _detail_bodies(archive):
        _bare_trafilatura(body)
        n += 1
    return {"wall": time.perf_counter() - t, "cpu": time.process_time() - cpu, "docs": n}


def trafilatura_two_processes(archive: Path) -> dict:
    """The ceiling for any ``-j 2`` tool on this machine: the baseline's own work (read
    every record, bare trafilatura.extract) split over 2 worker processes, results thrown
    away: no cleaning beyond trafilatura, no statistics, no DB, no full-text index."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    t = time.perf_counter()
    n = 0
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        for _ in pool.map(_bare_trafilatura, _detail_bodies(archive), chunksize=8):
            n += 1
    return {"wall": time.perf_counter() - t, "docs": n}


def _reparse(archive: Path, db: Path, jobs: int, sample: bool = True) -> dict:
    if db.exists() and OUT in db.parents:  # a DB of an earlier bench run, in the bench's own folder
        db.unlink()
    return run_measured([*GOVCRAWL, "reparse", "--archive", str(archive), "--db", str(db), "-j", str(jobs), "--no-progress"],
                        sample=sample)


# A statistics-only extractor change, as `reparse` sees one: the stats stage's version differs.
STATS_ONLY = """
import sys
from govcrawl.extract.stages import current_versions
from govcrawl.offline.reparse import reparse
_, s = reparse(sys.argv[1], sys.argv[2], jobs=int(sys.argv[3]), progress=False,
               versions=current_versions().bumped("stats", "bench"))
print(s.counts())
"""


def _stats_only_reparse(archive: Path, db: Path, jobs: int) -> dict:
    """Reparse ``db`` (written by a full reparse, so its stage cache is filled) after a stats-only change."""
    r = run_measured([sys.executable, "-c", STATS_ONLY, str(db), str(archive), str(jobs)], sample=False)
    r["counts"] = r["stdout"].strip().splitlines()[-1] if r["stdout"].strip() else ""
    return r


def _reparse_startup() -> tuple[float, float]:
    """Median wall and CPU time of `govcrawl reparse -j 2` over an empty archive into a new DB:
    interpreter, imports, schema, pool; what every reparse pays once, whatever its size."""
    empty = fresh(OUT / "archive-empty")
    runs = []
    for _ in range(3):
        db = OUT / "startup.db"
        for f in OUT.glob("startup.db*"):
            f.unlink()
        runs.append(run_measured([*GOVCRAWL, "reparse", "--archive", str(empty), "--db", str(db), "-j", "2", "--no-progress"],
                                 sample=False))
    return statistics.median(r["wall"] for r in runs), statistics.median(r["cpu"] for r in runs)


def bench_reparse(size: dict) -> list[Row]:
    n = size["reparse_records"]
    if not has_subcommand("reparse"):
        return [Row(f"2. reparse -j 2 ({n} records)", "not measured", "", "", ">= 1.8x", None, "`govcrawl reparse` is not available yet")]
    archive = build_archive(n)
    startup, startup_cpu = _reparse_startup()
    base = trafilatura_loop(archive)
    r = _reparse(archive, OUT / "reparse.db", 2, sample=False)
    con = sqlite3.connect(OUT / "reparse.db")
    stored = con.execute("select count(*) from reports").fetchone()[0]
    con.close()
    stats_only = _stats_only_reparse(archive, OUT / "reparse.db", 2)
    ceiling = trafilatura_two_processes(archive)
    rate, brate, crate = n / r["wall"], base["docs"] / base["wall"], ceiling["docs"] / ceiling["wall"]
    share = stats_only["wall"] / r["wall"]
    cpu_doc = max(r["cpu"] - startup_cpu, 0) / n
    so_cpu_doc = max(stats_only["cpu"] - startup_cpu, 0) / n
    base_cpu_doc = base["cpu"] / max(base["docs"], 1)
    return [Row("2c. reparse -j 2 after a statistics-only change vs a full reparse", f"{stats_only['wall']:.1f} s",
                f"{r['wall']:.1f} s (full reparse, same records)", f"{share:.2f}x", "<= 0.33x", share <= 1 / 3,
                note=f"only the stats stage runs, from the stage cache the full reparse stored: {stats_only['counts'][:160]}"),
            Row("2d. ceiling vs -j 2 reparse (info)", f"{rate:,.1f} docs/s", f"{crate:,.1f} docs/s (2-process trafilatura loop)",
                f"{rate / crate:.2f}x", "", None),
            Row(f"2. reparse -j 2, {n} synthetic report records", f"{rate:,.1f} docs/s ({r['wall']:.1f} s, {stored} reports)",
                f"{brate:,.1f} docs/s (1-process trafilatura loop, {base['docs']} docs)", f"{rate / brate:.2f}x", ">= 1.4x (goal 1.8x)",
                rate / brate >= 1.4, note="wall time of the whole `govcrawl reparse` process, start-up included (row 2e); "
                                          f"without it {n / max(r['wall'] - startup, 1e-9):,.1f} docs/s = "
                                          f"{n / max(r['wall'] - startup, 1e-9) / brate:.2f}x"),
            Row("2e. reparse start-up: `govcrawl reparse -j 2` over an empty archive (info)", f"{startup:.2f} s ({startup_cpu:.2f} s CPU)",
                "", "", "", None, note="median of 3: interpreter, imports, schema, pool; paid once per run (rows 2 and 2c include it)"),
            Row("2f. CPU per document, all processes, start-up CPU taken out (info; does not depend on the machine's load)",
                f"{cpu_doc * 1000:.1f} ms (reparse -j 2), {so_cpu_doc * 1000:.1f} ms (statistics-only)",
                f"{base_cpu_doc * 1000:.1f} ms (1-process trafilatura loop)", f"{cpu_doc / base_cpu_doc:.2f}x, {so_cpu_doc / cpu_doc:.2f}x of full",
                "", None, note=f"on 2 otherwise idle cores -j 2 could reach at most 2 x {base_cpu_doc * 1000:.1f} / {cpu_doc * 1000:.1f} = "
                               f"{2 * base_cpu_doc / cpu_doc:.2f}x the loop; wall-time rows 2-2d share the cores with whatever else runs"),
            Row("2b. ceiling: the baseline's loop split over 2 processes (info)", f"{crate:,.1f} docs/s",
                f"{brate:,.1f} docs/s (same baseline)", f"{crate / brate:.2f}x", "", None,
                note=f"bare trafilatura only, no DB: -j 2 reaches 1.8x only if everything govcrawl does per record "
                     f"costs at most {crate / brate / 1.8:.2f}x one bare trafilatura.extract")]


def bench_memory(size: dict) -> list[Row]:
    small, large = size["memory_records"]
    if not has_subcommand("reparse"):
        return [Row("4. reparse peak RSS", "not measured", "", "", "<= 400 MB, growth <= 10%", None, "`govcrawl reparse` is not available yet")]
    runs = {n: _reparse(build_archive(n), OUT / f"memory-{n}.db", 2) for n in (small, large)}
    rows = []
    # The sums carry the target; the parent and the largest worker show which of them grew.
    for key, what, target in (("tree_peak_pss", "PSS, all processes summed: parent, fork server, workers", True), ("tree_peak_rss", "RSS, all processes summed", True),
                              ("single_peak_rss", "RSS, largest single process", True),
                              ("parent_peak_pss", "PSS, the parent: DB writer", False), ("child_peak_pss", "PSS, largest worker", False)):
        a, b = runs[small][key], runs[large][key]
        growth = b / a - 1
        rows.append(Row(f"4. reparse -j 2 peak memory ({what}), {small:,} vs {large:,} records",
                        f"{mb(b)} at {large:,}", f"{mb(a)} at {small:,}", f"{growth:+.1%} growth",
                        "<= 400 MB, growth <= 10%" if target else "(info)", b <= 400e6 and growth <= 0.10 if target else None))
    rows[0].note = f"reparse took {runs[small]['wall']:.0f} s and {runs[large]['wall']:.0f} s"
    return rows


# -- 6. distributed crawl ---------------------------------------------------------------
def bench_distributed_rows(size: dict) -> list[Row]:
    from distributed import bench_distributed

    n = size["distributed_reports"]
    portal_dir = fresh(OUT / "dist-portal")
    gen_portal.write_portal(portal_dir, n)
    return bench_distributed(portal_dir, n, OUT, fresh, Row)


# -- 7. OCR -------------------------------------------------------------------------------
SCAN = CORPUS / "synthetic" / "office" / "pingtan-2025-scan-150.pdf"  # a SYNTHETIC scan of a real report


def bench_ocr(size: dict) -> list[Row]:
    """govcrawl's whole reading of a scan against Tesseract alone reading its pages: what the cells,
    tables and identity checks cost on top of OCR itself. The baseline is single-threaded, as
    govcrawl runs it (on 2 cores Tesseract's own threads made it ~6x slower)."""
    if shutil.which("tesseract") is None:
        return [Row("7. OCR a scanned PDF", "not measured", "", "", "<= 3x", None, "tesseract is not installed")]
    import pypdfium2 as pdfium

    from govcrawl.extract.ocr import DPI, LANG, ocr_pdf

    pages = fresh(OUT / "ocr-pages")
    pdf = pdfium.PdfDocument(SCAN)
    for i in range(len(pdf)):
        pdf[i].render(scale=DPI / 72, grayscale=True).to_pil().convert("L").save(pages / f"{i:03d}.png")
    listing = pages / "pages.txt"
    listing.write_text("".join(f"{p}\n" for p in sorted(pages.glob("*.png"))))
    data = SCAN.read_bytes()
    g, b = [], []
    for _ in range(size["ocr_rounds"]):
        t = time.perf_counter()
        ocr_pdf(data)
        g.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run(["tesseract", str(listing), "stdout", "-l", LANG], env=dict(env(), OMP_THREAD_LIMIT="1"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        b.append(time.perf_counter() - t)
    gm, bm = min(g), min(b)
    return [Row(f"7. OCR a {len(pdf)}-page scanned PDF (150 dpi, SYNTHETIC scan of a real report), wall time", f"{gm:.1f} s (ocr_pdf)",
                f"{bm:.1f} s (tesseract CLI on the pages at {DPI} dpi)", f"{gm / bm:.2f}x", "<= 3x", gm / bm <= 3,
                note="fastest of each; govcrawl also renders and deskews the pages, finds the tables and reads every cell apart")]


# -- report -------------------------------------------------------------------------
def render(rows: list[Row], info: dict, mode: str) -> str:
    lines = [f"govcrawl benchmarks ({mode}) — {info['date']}",
             f"machine: {info['cpus']} CPUs, {info['cpu']}, {info['memory']} RAM, Python {info['python']}, {info['os']}; "
             f"load average at start {info['load_avg']}", "",
             "| measure | govcrawl | baseline (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r.ok]
        lines.append(f"| {r.measure} | {r.govcrawl} | {r.baseline} | {r.ratio} | {r.target} | {met} |")
    notes = [f"- {re.split(r',| [(]', r.measure)[0]}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv: list[str] | None = None) -> int:
    global OUT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: check that everything runs (about a minute)")
    ap.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}")
    ap.add_argument("--out", default=str(OUT), help="folder for generated data and results (default: bench/out)")
    ap.add_argument("--crawl-reports", type=int, help="report pages in the crawl portal (overrides the mode's size)")
    ap.add_argument("--memory-records", help="the two archive sizes of the memory row, e.g. 1000,5000 (overrides the mode's)")
    args = ap.parse_args(argv)
    OUT = Path(args.out).resolve()
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(only) - set(ALL)
    if unknown:
        ap.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    mode = "quick" if args.quick else "full"
    size = dict(SIZES[mode])
    if args.crawl_reports:
        size["crawl_reports"] = args.crawl_reports
    if args.memory_records:
        try:
            small, large = (int(x) for x in args.memory_records.split(","))
        except ValueError:
            ap.error("--memory-records takes two sizes, e.g. 1000,5000")
        size["memory_records"] = (small, large)
    OUT.mkdir(parents=True, exist_ok=True)
    info = machine()
    rows: list[Row] = []
    if "startup" in only:
        rows += bench_startup(size)
    if "extract" in only:
        rows += bench_extract(size)
    if "crawl" in only or "size" in only:
        crawl_rows = bench_crawl(size, want_size="size" in only)
        rows += crawl_rows if "crawl" in only else crawl_rows[1:]
    if "reparse" in only:
        rows += bench_reparse(size)
    if "memory" in only:
        rows += bench_memory(size)
    if "distributed" in only:
        rows += bench_distributed_rows(size)
    if "ocr" in only:
        rows += bench_ocr(size)
    text = render(rows, info, mode)
    print(text)
    (OUT / "results.md").write_text(text + "\n", encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps({"mode": mode, "machine": info, "rows": [asdict(r) for r in rows]},
                                                 ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
