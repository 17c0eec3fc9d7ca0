"""Smoke test: the benchmark runner runs end to end on tiny sizes.

No timing assertions (numbers are for people, see bench/run.py); this only
checks that `make bench` would not crash and that the generated portal is
labelled synthetic.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_extract_and_size_runs(tmp_path):
    out = tmp_path / "bench-out"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", "extract,size",
                           "--crawl-reports", "25", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    measures = [r["measure"] for r in results["rows"]]
    assert any(m.startswith("1. extract") for m in measures)
    assert any(m.startswith("5. archive size") for m in measures)
    assert "| measure |" in proc.stdout
    # Every generated page says it is synthetic.
    pages = list((out / "portal").rglob("*.html"))
    assert len(pages) >= 25
    assert all(b"SYNTHETIC BENCH PAGE" in p.read_bytes()[:3000] for p in pages)
