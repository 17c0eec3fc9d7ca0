"""Scoring of real reports the extractor has never seen against hand-read answers.

An answer file (`<name>.expected.json`, beside the report) holds:
  meta      title / year / jurisdiction: a value or list of acceptable values, or null (not judged)
  stats     metric key -> the number printed in the report (read by hand)
  also_ok   metric key -> values that are a defensible reading but not counted for recall
            (the report states them ambiguously, e.g. prose that contradicts itself)
A number the extractor emits is wrong when its key is not in `stats` (and not an `also_ok`
reading) or its value differs: precision must be exact. Recall = stats found / stats stated.

`python -m tests.unseen` prints the recall table of every answered real report.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

REAL = Path(__file__).parent / "fixtures" / "corpus" / "real"


@dataclass
class Score:
    found: int = 0
    stated: int = 0
    wrong: list[str] = field(default_factory=list)  # "key: got X, expected Y"
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.stated if self.stated else 1.0


def answered() -> list[Path]:
    """Every real report with an answer file, as the report's path."""
    out = []
    for exp in sorted(REAL.rglob("*.expected.json")):
        stem = exp.name[: -len(".expected.json")]
        hits = [p for p in exp.parent.iterdir() if p.stem == stem and not p.name.endswith(".json")]
        assert len(hits) == 1, f"{exp}: no single report file beside it ({hits})"
        out.append(hits[0])
    return out


def load_expected(report: Path) -> dict:
    return json.loads(report.with_name(report.stem + ".expected.json").read_text(encoding="utf-8"))


def stated(doc) -> dict:
    return {s.key: s.value for s in doc.stats if not s.derived}


def _same(a, b) -> bool:
    return a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) < 1e-9)


def score_stats(got: dict, want: dict, also_ok: dict | None = None) -> Score:
    also_ok = also_ok or {}
    sc = Score(stated=len(want))
    for key, val in want.items():
        if key in got and _same(got[key], val):
            sc.found += 1
        elif key not in got:
            sc.missed.append(key)
    for key, val in sorted(got.items()):
        if key in want:
            if not _same(val, want[key]):
                sc.wrong.append(f"{key}: got {val}, expected {want[key]}")
        elif not any(_same(val, ok) for ok in also_ok.get(key, [])):
            sc.wrong.append(f"{key}: got {val}, not stated in the report")
    return sc


def score_meta(doc, meta: dict) -> Score:
    sc = Score()
    for fld, want in meta.items():
        if want is None:
            continue
        ok = want if isinstance(want, list) else [want]
        sc.stated += 1
        got = getattr(doc, fld)
        if got is None:
            sc.missed.append(fld)
        elif got in ok:
            sc.found += 1
        else:
            sc.wrong.append(f"{fld}: got {got!r}, expected {ok[0]!r}")
    return sc


def score_report(report: Path, doc=None) -> tuple[Score, Score]:
    from govcrawl.extract import extract_file

    exp = load_expected(report)
    doc = doc if doc is not None else extract_file(report)
    return score_stats(stated(doc), exp["stats"], exp.get("also_ok")), score_meta(doc, exp.get("meta", {}))


def main() -> None:
    print("| report | stats found/stated | recall | wrong numbers | meta found/stated | wrong meta |")
    print("|---|---|---|---|---|---|")
    for rep in answered():
        st, me = score_report(rep)
        print(f"| {rep.relative_to(REAL)} | {st.found}/{st.stated} | {st.recall:.2f} | {len(st.wrong)} "
              f"| {me.found}/{me.stated} | {len(me.wrong)} |")
        for w in st.wrong + me.wrong:
            print(f"|   wrong: {w} | | | | | |")


if __name__ == "__main__":
    main()
