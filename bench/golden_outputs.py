"""Safety net for extractor performance work: the outputs of ``govcrawl.extract`` must not change.

    python bench/golden_outputs.py save    # before optimising: write bench/out/golden.json
    python bench/golden_outputs.py check   # after each step: exit 1 and list the documents that differ

``check`` also runs every pre-checked registry regex (govcrawl/extract/precheck.py)
against its plain regex on every line of the saved texts, plus lines with the
rules' own words spliced in: the pre-check may only skip searches that fail.

Inputs: every HTML/TXT/PDF fixture under tests/fixtures (real corpus pages and the test
portal), the synthetic bench-portal pages from gen_portal (seed 11, as bench/run.py uses),
and bench/out/portal pages if a crawl bench generated them. Portal pages get the URL the
crawl would give them, so URL-dependent metadata is covered too.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_portal  # noqa: E402  (bench/ is not a package)

from govcrawl.extract import extract  # noqa: E402

GOLDEN = ROOT / "bench" / "out" / "golden.json"
SKIP_SUFFIXES = {".py", ".toml", ".json", ".md"}


def inputs():
    fixtures = ROOT / "tests" / "fixtures"
    for p in sorted(fixtures.rglob("*")):
        if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES and "__pycache__" not in p.parts:
            rel = p.relative_to(ROOT).as_posix()
            url = None
            if "portal" in p.relative_to(fixtures).parts[:1]:
                url = "http://127.0.0.1/" + p.relative_to(fixtures / "portal").as_posix()
            yield rel, p.read_bytes(), url, p.name
    for page in gen_portal.iter_report_pages(100, seed=11):
        yield "gen:" + page.path, page.body, "http://127.0.0.1" + page.path, page.path.rsplit("/", 1)[-1]
    portal = ROOT / "bench" / "out" / "portal"
    if portal.is_dir():
        for p in sorted(portal.rglob("*.html")):
            rel = p.relative_to(portal).as_posix()
            yield "bench/out/portal/" + rel, p.read_bytes(), "http://127.0.0.1/" + rel, p.name


def outputs() -> dict[str, dict]:
    out = {}
    for key, body, url, name in inputs():
        out[key] = extract(body, source=key, url=url, filename=name).to_dict()
    return out


def precheck_disagreements(gold: dict[str, dict]) -> int:
    import random

    from govcrawl.extract.clean import rules
    from govcrawl.extract.precheck import Guarded, may_match, required_chars
    from govcrawl.extract.stats import prose
    from govcrawl.extract.stats import registry as R

    lines = sorted({ln for d in gold.values() for ln in (d.get("text") or "").split("\n")}
                   | {st["evidence"] for d in gold.values() for st in d.get("stats") or []})
    r = rules()
    patterns = [p.pattern for p in r.suffixes + r.drop + r.footer] + [p.pattern for _, p in r.previews]
    patterns += [rx.pattern for _k, rx, _u, _req, _c in prose._FIGURES] + [R.FEES_ZERO, R.ZERO_NEGATIONS, R.ZERO_AFTER]
    rng = random.Random(0)
    words = ["附件下载", "打印本页", "关闭窗口", "版权所有", "Copyright", "扫一扫在手机上查看当前页面",
             "主动公开政府信息12条", "行政复议3件", "收到申请5件", "未收取费用", "网上咨询20人次"]
    spliced = []
    for ln in rng.sample(lines, min(3000, len(lines))):
        i = rng.randrange(len(ln) + 1)
        spliced.append(ln[:i] + rng.choice(words) + ln[i:])
    bad = 0
    for pat in patterns:
        g, chars = Guarded(pat), required_chars(pat)
        for ln in lines + spliced:
            plain = g.rx.search(ln)
            if (plain is None) != (g.search(ln) is None) or (plain and not may_match(chars, ln)):
                bad += 1
                print(f"PRECHECK {pat[:40]!r} on {ln[:60]!r}")
    print(f"pre-checks: {len(patterns)} patterns x {len(lines) + len(spliced)} lines, {bad} disagreements")
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=("save", "check"))
    ap.add_argument("--file", type=Path, default=GOLDEN)
    args = ap.parse_args()
    now = outputs()
    if args.action == "save":
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_text(json.dumps(now, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8")
        print(f"saved {len(now)} outputs to {args.file}")
        return 0
    # Compare through JSON so floats and tuples are seen exactly as they were saved.
    gold = json.loads(args.file.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(now, ensure_ascii=False, sort_keys=True))
    bad = sorted(k for k in gold.keys() | now.keys() if gold.get(k) != now.get(k))
    for k in bad[:20]:
        g, n = gold.get(k) or {}, now.get(k) or {}
        fields = [f for f in g.keys() | n.keys() if g.get(f) != n.get(f)]
        print(f"DIFF {k}: {', '.join(sorted(fields))}")
    print(f"{len(now) - len(bad)}/{len(gold.keys() | now.keys())} identical")
    return 1 if bad or precheck_disagreements(gold) else 0


if __name__ == "__main__":
    sys.exit(main())
