"""Number permutation: the real reports' table 三 rewritten with other numbers that keep the
table's identities (per column new + carried_in = handled + carried_out and handled = the sum of the
outcome rows; per row total = the sum of the six applicant columns). The extractor must report the
new numbers, every one: nothing may be remembered by position or by value. Deterministic (seeded).

The rewritten pages are synthetic (real layout and labels, invented numbers) and exist only in memory.
"""
from __future__ import annotations

import random
import re

import lxml.html
import pytest

from govcrawl.extract import extract, extract_file
from tests.unseen import REAL, stated

COLS = ("natural_person", "business", "research", "nonprofit", "legal_service", "other_org", "total")
OUTCOMES = (["disclosed", "partial"]
            + [f"withheld.{r}" for r in ("state_secret", "law_prohibited", "security_stability", "third_party",
                                         "internal_affairs", "process_info", "enforcement_file", "query_matter")]
            + [f"unavailable.{r}" for r in ("not_held", "needs_creation", "still_unclear")]
            + [f"not_processed.{r}" for r in ("petition", "repeat", "publication", "mass_repeat", "confirm")])
ROWS = {  # outcome rows per template, in table order
    19: OUTCOMES + ["other"],
    21: OUTCOMES + ["other.no_correction", "other.unpaid_fee", "other.other"],
}
SOURCES = ["pingtan/2025-report.html", "shanghai-szfbgt/2019-report.html"]
SEEDS = range(4)
CELL = re.compile(r"^\s*\d*\s*$")


def data_rows(table) -> list[list]:
    """The <td>s holding numbers of each data row of table 三 (its last seven cells)."""
    out = []
    for tr in table.iter("tr"):
        tds = tr.findall("td")
        if len(tds) < 8:
            continue
        cells = tds[-7:]
        label = "".join(td.text_content() for td in tds[:-7])
        if re.search(r"[\u4e00-\u9fff]", label) and all(CELL.match(td.text_content().replace("\xa0", " ")) for td in cells):
            out.append(cells)
    return out


def consistent_table(n_outcomes: int, rng: random.Random) -> list[list[int]]:
    """Rows new, carried_in, outcomes…, handled, carried_out; seven columns each; identities kept."""
    def pick() -> int:  # zeros, small and 4-5 digit numbers: blanks and digit splitting must not matter
        return rng.choice([0, 0, rng.randint(1, 9), rng.randint(10, 999), rng.randint(1000, 40000)])

    cols = []
    for _ in range(6):
        outcomes = [pick() for _ in range(n_outcomes)]
        handled = sum(outcomes)
        carried_out, carried_in = pick(), pick()
        carried_in = min(carried_in, handled + carried_out)
        new = handled + carried_out - carried_in
        cols.append([new, carried_in, *outcomes, handled, carried_out])
    return [[c[i] for c in cols] + [sum(c[i] for c in cols)] for i in range(n_outcomes + 4)]


def rewrite(path, seed: int) -> tuple[bytes, dict]:
    doc = lxml.html.fromstring(path.read_bytes())
    table = next(t for t in doc.iter("table") if "本年新收" in t.text_content())
    rows = data_rows(table)
    n_out = len(rows) - 4
    assert n_out in ROWS, f"{path}: {len(rows)} data rows in table 三"
    values = consistent_table(n_out, random.Random(seed))
    keys = ["new", "carried_in", *ROWS[n_out], "handled", "carried_out"]
    want = {}
    for key, cells, vals in zip(keys, rows, values):
        for col, td, v in zip(COLS, cells, vals):
            for child in list(td):
                td.remove(child)
            td.text = str(v)
            want[f"apply.{key}.{col}"] = v
    return lxml.html.tostring(doc, encoding="utf-8"), want


@pytest.mark.parametrize("form", ["html", "clean-text"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rel", SOURCES)
def test_rewritten_table_three_is_read_with_its_new_numbers(rel, seed, form):
    path = REAL / rel
    page, want = rewrite(path, seed)
    doc = extract(page, filename=path.name)
    if form == "clean-text":  # the page's clean text (tables as " | " rows) imported as a .txt
        doc = extract(doc.text.encode("utf-8"), filename=path.stem + ".txt")
    got = {k: v for k, v in stated(doc).items() if k.startswith("apply.")}
    wrong = {k: (v, want.get(k)) for k, v in got.items() if want.get(k) != v}
    assert wrong == {}
    missed = sorted(set(want) - set(got))
    assert missed == [], f"{len(missed)} of {len(want)} new numbers not read: {missed[:10]}"


def test_rewrite_changes_numbers_and_keeps_identities():
    # the generator itself: identities hold, and the new table differs from the published one
    for rel in SOURCES:
        _, want = rewrite(REAL / rel, 0)
        orig = {k: v for k, v in stated(extract_file(REAL / rel)).items() if k.startswith("apply.")}
        assert sum(1 for k, v in orig.items() if want.get(k) == v) < len(orig) / 2
        for col in COLS:
            g = lambda r: want[f"apply.{r}.{col}"]  # noqa: E731
            assert g("new") + g("carried_in") == g("handled") + g("carried_out")
        for key in {k.rsplit(".", 1)[0] for k in want}:
            assert want[f"{key}.total"] == sum(want[f"{key}.{c}"] for c in COLS[:-1])
