"""The data dictionary: every metric key the extractor can write, with its Chinese label.

Which keys exist, in which template table, row and column, and which accounting
identities (勾稽关系) check them, all come from the extractor's registry
(``govcrawl.extract.stats.registry``); ``key_labels.toml`` only adds the Chinese
names and units. One list serves ``govcrawl keys``, ``docs/metric-keys.md``, the
``metric_keys`` table in the DB, Datasette's metadata, the wide export and the
HTML report.
"""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources

from ..extract.stats import registry as R


@dataclass(frozen=True)
class MetricKey:
    key: str
    label: str  # Chinese, as printed in the template (row — column)
    table: str  # t2 | t3 | t4 | legacy
    row: str  # the key without its column: "apply.new", "proactive.rules", "consult.online"
    row_label: str
    column: str | None
    column_label: str | None
    unit: str | None
    count: bool  # a count of things: whole numbers
    formats: tuple[str, ...]  # report formats that state it: std-2021, std-2019, legacy
    identities: tuple[str, ...] = field(default=())  # checks rules it takes part in
    derived: bool = False  # in the template reports, summed by the extractor from numbered rows

    def as_row(self) -> dict:
        d = asdict(self)
        d["formats"] = ",".join(self.formats)
        d["identities"] = ",".join(self.identities)
        d["count"] = int(self.count)
        d["derived"] = int(self.derived)
        return d


# The identities the template reader checks (govcrawl/extract/stats/template.py), by checks.rule.
IDENTITIES = {
    "apply.row.<row>": "表三 each row: 总计 column = the sum of the six applicant columns",
    "apply.balance.<col>": "表三 each column: 一 new + 二 carried_in = (七) handled + 四 carried_out",
    "apply.handled.<col>": "表三 each column: (七) handled = the sum of the outcome rows (一)-(六)",
    "review.<block>": "表四 each block: 总计 = 维持 + 纠正 + 其他 + 尚未审结",
}


def _labels() -> dict:
    return tomllib.loads(resources.files(__package__).joinpath("key_labels.toml").read_text("utf-8"))


def _ordered_union(*seqs):
    out: list = []
    for seq in seqs:
        for x in seq:
            if x not in out:
                out.append(x)
    return out


@lru_cache(maxsize=1)
def metric_keys() -> tuple[MetricKey, ...]:
    """Every key, in template order: 表二, 表三, 表四, then the older reports' keys."""
    L = _labels()
    count_units = set(L["count_units"])
    keys: dict[str, MetricKey] = {}

    def add(mk: MetricKey) -> None:
        if mk.key in keys:  # a template key older reports state too: one entry, both formats
            old = keys[mk.key]
            keys[mk.key] = MetricKey(**{**asdict(old), "formats": tuple(_ordered_union(old.formats, mk.formats))})
        else:
            keys[mk.key] = mk

    # 表二
    versions = list(R.PROACTIVE_ROWS)
    prefixes = _ordered_union(*[[p for _, p, _, _ in R.PROACTIVE_ROWS[v]] for v in versions])
    for prefix in prefixes:
        row = prefix.split(".", 1)[1]
        cols = _ordered_union(*[c for v in versions for _, p, c, _ in R.PROACTIVE_ROWS[v] if p == prefix])
        for col in cols:
            fmts = tuple(v for v in versions if any(p == prefix and col in c for _, p, c, _ in R.PROACTIVE_ROWS[v]))
            unit = next((u for v in fmts for _, p, c, u in R.PROACTIVE_ROWS[v] if p == prefix and u), None)
            unit = L["proactive"].get("units", {}).get(f"{row}.{col}", unit)
            rl, cl = L["proactive"]["rows"][row], L["proactive"]["cols"][col]
            add(MetricKey(f"{prefix}.{col}", f"{rl} — {cl}", "t2", prefix, rl, col, cl, unit,
                          unit in count_units, fmts))
    # 表三
    apply_rows = _ordered_union(*[[k for k, _ in R.APPLY_ROWS[v]] for v in R.APPLY_ROWS])
    for row in apply_rows:
        fmts = tuple(v for v in R.APPLY_ROWS if row in [k for k, _ in R.APPLY_ROWS[v]])
        outcome = row not in R.APPLY_SUMMARY_ROWS
        rl = L["apply"]["rows"][row]
        for col in R.APPLY_COLS:
            ids = [f"apply.row.{row}"]
            if row in R.APPLY_SUMMARY_ROWS:
                ids.append(f"apply.balance.{col}")
            if outcome or row == "handled":
                ids.append(f"apply.handled.{col}")
            cl = L["apply"]["cols"][col]
            add(MetricKey(f"apply.{row}.{col}", f"{rl} — {cl}", "t3", f"apply.{row}", rl, col, cl, "件", True,
                          fmts, tuple(ids)))
    for group in dict.fromkeys(g for groups in R.APPLY_DERIVED_GROUPS.values() for g in groups):
        rl = L["apply"]["rows"][group]
        fmts = tuple(v for v, groups in R.APPLY_DERIVED_GROUPS.items() if group in groups)
        add(MetricKey(f"apply.{group}.total", f"{rl} — 总计", "t3", f"apply.{group}", rl, "total", "总计", "件", True,
                      fmts, derived=True))
    # 表四
    for block in R.REVIEW_BLOCKS:
        bl = L["review"]["blocks"][block]
        for col in R.REVIEW_COLS:
            cl = L["review"]["cols"][col]
            add(MetricKey(f"{block}.{col}", f"{bl} — {cl}", "t4", block, bl, col, cl, "件", True,
                          tuple(R.APPLY_ROWS), (f"review.{block}",)))
    # older reports: 附表 rows, prose figures, explicit zeros
    legacy_keys = _ordered_union([k for _, k in R.ANNEX_ROWS], [f[0] for f in R.PROSE_FIGURES],
                                 [z[0] for z in R.ZERO_METRICS], ["fees.total"])
    for key in legacy_keys:
        label, unit = L["legacy"][key]
        row, _, col = key.rpartition(".")
        if key in keys:
            add(MetricKey(key, keys[key].label, keys[key].table, row, label, col, None, unit, unit in count_units,
                          ("legacy",)))
        else:
            add(MetricKey(key, label, "legacy", row, label, col, None, unit, unit in count_units, ("legacy",)))
    return tuple(keys.values())


def by_key() -> dict[str, MetricKey]:
    return {k.key: k for k in metric_keys()}


def key_order() -> dict[str, int]:
    """Position of each key in template order (unknown keys sort after all of them)."""
    return {k.key: i for i, k in enumerate(metric_keys())}


def table_labels() -> dict[str, str]:
    return dict(_labels()["tables"])


def count_units() -> list[str]:
    return list(_labels()["count_units"])


# ------------------------------------------------------------------ docs/metric-keys.md
def markdown() -> str:
    """docs/metric-keys.md: generated, committed, checked up to date by a test."""
    tl = table_labels()
    lines = [
        "# Metric keys (data dictionary)",
        "",
        "Generated by `govcrawl keys --markdown` from the extractor's registry",
        "(`govcrawl/extract/stats/registry.py`) and the labels in `govcrawl/analysis/key_labels.toml`.",
        "Do not edit by hand: `make docs` (or `govcrawl keys --markdown -o docs/metric-keys.md`) rewrites it,",
        "and a test fails when it is out of date. The same list is in every DB as the table `metric_keys`.",
        "",
        "Formats: `std-2021` / `std-2019` (the national template), `legacy` (2008-2018 附表 or prose).",
        "A count (件, 条, 人次 …) is a whole number; `current_stats` and the exports write it as an integer.",
        "",
        "## Accounting identities (勾稽关系)",
        "",
        "A failed identity is a row in `checks` (view `failed_checks`) whose `rule` names it:",
        "",
        "| rule | identity |",
        "|---|---|",
    ]
    lines += [f"| `{r}` | {d} |" for r, d in IDENTITIES.items()]
    lines += ["", "Other `checks` rules are anomalies, not identities: `ambiguous.*` (cells that run together and",
              "allow more than one reading: no value taken), `unreadable.*`, `disagree.<key>` (two sources state",
              "different numbers), `approximate.<key>` (an approximate figure not stored).", ""]
    current = None
    for k in metric_keys():
        if k.table != current:
            current = k.table
            lines += ["", f"## {tl[k.table]}", "", "| key | label | unit | formats | identities |", "|---|---|---|---|---|"]
        label = k.label + (" (derived: summed by the extractor)" if k.derived else "")
        ids = ", ".join(f"`{i}`" for i in k.identities)
        lines.append(f"| `{k.key}` | {label} | {k.unit or ''} | {', '.join(k.formats)} | {ids} |")
    return "\n".join(lines) + "\n"
