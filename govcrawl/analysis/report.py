"""`govcrawl report`: one self-contained HTML page about the corpus.

Charts are matplotlib SVG written inline (svg.fonttype "none": labels stay text, so
Chinese is drawn by the reader's browser fonts and the file stays small). matplotlib
because it is the most widely maintained Python plotting library, needs no JavaScript
and no network to open the file; Vega-Lite would need its JS bundle inlined (~1 MB).
Every chart has the table of its numbers beside it; all numbers come from the views
(current reports only). Text from reports is HTML-escaped; only http(s) URLs are links.
"""
from __future__ import annotations

import html
import io
import logging
import warnings
from collections import defaultdict
from datetime import datetime, timezone

from ..store import Store
from ..store.views import LITIGATION_KEYS, report_data
from ..extract.stats import registry as R
from .keys import by_key, table_labels

OUTCOMES = [("apply.disclosed.total", "予以公开"), ("apply.partial.total", "部分公开"),
            ("apply.withheld.total", "不予公开"), ("apply.unavailable.total", "无法提供"),
            ("apply.not_processed.total", "不予处理")]
COVERAGE_STATES = [("no report", "#f2f2f2"), ("report, no statistics", "#fdd49e"), ("statistics (no template)", "#9ecae1"),
                   ("identities pass", "#41ab5d"), ("identities fail", "#d7301f")]
_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei",
          "DejaVu Sans", "sans-serif"]


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _num(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,}" if isinstance(v, float) else _e(v)


def _link(url, text=None) -> str:
    label = _e(text if text is not None else url)
    if url and str(url).startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noreferrer">{label}</a>'
    return label


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "govcrawl", "font.family": "sans-serif",
                         "font.sans-serif": _FONTS, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    return plt


# ------------------------------------------------------------------ sections
def _coverage(rows) -> str:
    plt = _plt()
    from matplotlib.colors import ListedColormap

    if not rows:
        return "<p>No report has both a jurisdiction and a year yet.</p>"
    jurs = sorted({r[0] for r in rows})
    years = list(range(min(r[1] for r in rows), max(r[1] for r in rows) + 1))
    cell = {(r[0], r[1]): r for r in rows}

    def state(r):
        if r is None:
            return 0
        if not r[3]:
            return 1
        if not r[5]:
            return 2
        return 4 if r[7] else 3

    grid = [[state(cell.get((j, y))) for y in years] for j in jurs]
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * len(years) + 2), max(1.5, 0.3 * len(jurs) + 1)))
    ax.imshow(grid, cmap=ListedColormap([c for _, c in COVERAGE_STATES]), vmin=0, vmax=4, aspect="auto")
    ax.set_xticks(range(len(years)), [str(y) for y in years], rotation=90)
    ax.set_yticks(range(len(jurs)), jurs)
    for i, j in enumerate(jurs):
        for k, y in enumerate(years):
            r = cell.get((j, y))
            if r:
                ax.text(k, i, str(r[2]), ha="center", va="center", fontsize=7)
    svg = _svg(fig)
    legend = " ".join(f'<span class="key" style="background:{c}"></span>{_e(n)}' for n, c in COVERAGE_STATES)
    head = "".join(f"<th>{y}</th>" for y in years)
    body = []
    for j in jurs:
        tds = []
        for y in years:
            r = cell.get((j, y))
            if r is None:
                tds.append('<td class="s0"></td>')
            else:
                tds.append(f'<td class="s{state(r)}" data-jurisdiction="{_e(j)}" data-year="{y}" data-reports="{r[2]}" '
                           f'data-stats="{r[4] or 0}" title="{_e(COVERAGE_STATES[state(r)][0])}">{r[2]}</td>')
        body.append(f"<tr><th>{_e(j)}</th>{''.join(tds)}</tr>")
    return (f'<figure>{svg}<figcaption>{legend}. The number is the count of current reports.</figcaption></figure>'
            f'<details><summary>Table</summary><table id="coverage" class="grid"><tr><th></th>{head}</tr>'
            f"{''.join(body)}</table></details>")


def _per_year_table(table_id, years, series, by) -> str:
    head = "".join(f"<th>{_e(label)}</th>" for _, label in series)
    body = "".join(
        f'<tr><th>{y}</th>' + "".join(f'<td data-year="{y}" data-key="{_e(k)}">{_num(by.get((y, k)))}</td>' for k, _ in series)
        + "</tr>" for y in years)
    return f'<table id="{table_id}" class="num"><tr><th>year</th>{head}</tr>{body}</table>'


def _applications(per_year) -> str:
    plt = _plt()
    by = {(y, k): v for y, k, v, _ in per_year}
    years = sorted({y for y, k, _, _ in per_year if k.startswith("apply.")})
    if not years:
        return "<p>No report states applications received yet.</p>"
    fig, ax = plt.subplots(figsize=(max(5, 0.5 * len(years) + 2), 3.2))
    xs = range(len(years))
    bottom = [0] * len(years)
    colors = ["#2171b5", "#6baed6", "#fd8d3c", "#bdbdbd", "#8c6bb1"]
    for (key, label), color in zip(OUTCOMES, colors):
        vals = [by.get((y, key)) or 0 for y in years]
        ax.bar(xs, vals, 0.6, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.plot(xs, [by.get((y, "apply.new.total")) or 0 for y in years], "k.-", label="新收申请 (received)")
    ax.set_xticks(list(xs), [str(y) for y in years])
    ax.legend(fontsize=7, frameon=False, ncol=3)
    ax.set_ylabel("件")
    series = [("apply.new.total", "新收申请 received"), *OUTCOMES]
    return f"<figure>{_svg(fig)}</figure>" + _per_year_table("applications", years, series, by)


def _reviews(per_year) -> str:
    plt = _plt()
    by = {(y, k): v for y, k, v, _ in per_year}
    years = sorted({y for y, k, _, _ in per_year if k == "reconsideration.total" or k in LITIGATION_KEYS})
    if not years:
        return "<p>No report states reconsideration or litigation figures yet.</p>"
    for y in years:
        by[(y, "litigation")] = sum(by.get((y, k)) or 0 for k in LITIGATION_KEYS) if any((y, k) in by for k in LITIGATION_KEYS) else None
    fig, ax = plt.subplots(figsize=(max(5, 0.5 * len(years) + 2), 2.8))
    xs = list(range(len(years)))
    ax.bar([x - 0.2 for x in xs], [by.get((y, "reconsideration.total")) or 0 for y in years], 0.4, label="行政复议", color="#6a51a3")
    ax.bar([x + 0.2 for x in xs], [by.get((y, "litigation")) or 0 for y in years], 0.4, label="行政诉讼", color="#cb181d")
    ax.set_xticks(xs, [str(y) for y in years])
    ax.legend(fontsize=7, frameon=False)
    ax.set_ylabel("件")
    series = [("reconsideration.total", "行政复议 reconsideration"), ("litigation", "行政诉讼 litigation (direct + after reconsideration)")]
    return f"<figure>{_svg(fig)}</figure>" + _per_year_table("reviews", years, series, by)


def _top(rows) -> str:
    plt = _plt()
    if not rows:
        return "<p>No applications stated yet.</p>"
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(rows) + 0.8))
    ax.barh(range(len(rows))[::-1], [r[1] for r in rows], color="#2171b5")
    ax.set_yticks(range(len(rows))[::-1], [r[0] for r in rows])
    ax.set_xlabel("新收申请 (件), all years")
    body = "".join(f'<tr><th>{_e(j)}</th><td data-jurisdiction="{_e(j)}">{_num(n)}</td><td>{k}</td><td>{a}–{b}</td></tr>'
                   for j, n, k, a, b in rows)
    return (f"<figure>{_svg(fig)}</figure><table id=\"top\" class=\"num\"><tr><th>jurisdiction</th>"
            f"<th>applications</th><th>reports</th><th>years</th></tr>{body}</table>")


def _problems(rows) -> str:
    if not rows:
        return "<p>No failed identity and no ambiguous cell.</p>"
    body = "".join(
        f'<tr class="{_e(kind)}"><td>{_e(kind)}</td><td>{_e(j)}</td><td>{_e(y)}</td>'
        f'<td><a href="#r{rid}">{_e(title)}</a></td><td><code>{_e(rule)}</code></td><td>{_num(exp)}</td>'
        f'<td>{_num(st)}</td><td>{_e(detail)}</td><td>{_link(url, "source")}</td></tr>'
        for rid, j, y, title, kind, rule, exp, st, detail, url in rows)
    return ('<table id="problems"><tr><th>kind</th><th>jurisdiction</th><th>year</th><th>report</th><th>rule</th>'
            f"<th>expected</th><th>stated</th><th>detail</th><th>source</th></tr>{body}</table>")


def _report_tables(rid, values) -> str:
    """A report's tables re-drawn from its stats: 表三 and 表四 as grids, the rest as rows."""
    info = by_key()
    tl = table_labels()
    out = []
    apply_rows = [r for r in dict.fromkeys(k for v in R.APPLY_ROWS.values() for k, _ in v)]
    apply_rows += list(dict.fromkeys(g for groups in R.APPLY_DERIVED_GROUPS.values() for g in groups))
    grid = [(row, [values.get(f"apply.{row}.{c}") for c in R.APPLY_COLS]) for row in apply_rows]
    grid = [(row, cells) for row, cells in grid if any(cell is not None for cell in cells)]
    used = set()
    if grid and any(values.get(f"apply.{r}.natural_person") is not None for r, _ in grid):
        head = "".join(f"<th>{_e(info[f'apply.new.{c}'].column_label)}</th>" for c in R.APPLY_COLS)
        body = ""
        for row, cells in grid:
            tds = ""
            for c, cell in zip(R.APPLY_COLS, cells):
                key = f"apply.{row}.{c}"
                used.add(key)
                v, derived = (cell[0], cell[1]) if cell else (None, 0)
                tds += f'<td data-key="{key}"{" class=derived" if derived else ""}>{_num(v)}</td>'
            body += f"<tr><th>{_e(info[f'apply.{row}.total'].row_label)}</th>{tds}</tr>"
        out.append(f"<h4>{_e(tl['t3'])}</h4><table class=\"num t3\"><tr><th></th>{head}</tr>{body}</table>")
    review = [(b, [values.get(f"{b}.{c}") for c in R.REVIEW_COLS]) for b in R.REVIEW_BLOCKS]
    if sum(v is not None for _, cells in review for v in cells) > 1:
        head = "".join(f"<th>{_e(info[f'reconsideration.{c}'].column_label)}</th>" for c in R.REVIEW_COLS)
        body = ""
        for b, cells in review:
            tds = ""
            for c, cell in zip(R.REVIEW_COLS, cells):
                used.add(f"{b}.{c}")
                tds += f'<td data-key="{b}.{c}">{_num(cell[0] if cell else None)}</td>'
            body += f"<tr><th>{_e(info[f'{b}.total'].row_label)}</th>{tds}</tr>"
        out.append(f"<h4>{_e(tl['t4'])}</h4><table class=\"num t4\"><tr><th></th>{head}</tr>{body}</table>")
    rest = [k for k in values if k not in used]
    order = {k: i for i, k in enumerate(info)}
    rest.sort(key=lambda k: (order.get(k, len(order)), k))
    if rest:
        body = "".join(
            f'<tr><td><code>{_e(k)}</code></td><td>{_e(info[k].label if k in info else "")}</td>'
            f'<td data-key="{_e(k)}">{_num(values[k][0])}</td><td>{_e(values[k][2] or "")}</td>'
            f'<td>{"derived" if values[k][1] else ""}</td></tr>' for k in rest)
        out.append(f'<h4>Other figures</h4><table class="kv"><tr><th>key</th><th>label</th><th>value</th><th>unit</th>'
                   f"<th></th></tr>{body}</table>")
    return "".join(out)


def _per_report(reports, stats) -> str:
    by_report: dict[int, dict] = defaultdict(dict)
    for rid, key, value, unit, derived, _source in stats:
        by_report[rid][key] = (value, derived, unit)
    index = "".join(f'<li><a href="#r{r[0]}">{_e(r[1])} {_e(r[3])} {_e(r[4])}</a></li>' for r in reports)
    sections = []
    for rid, jur, agency, year, fmt, title, url in reports:
        sections.append(
            f'<section class="report" id="r{rid}" data-report-id="{rid}"><h3>{_e(jur)} {_e(year)} — {_e(title)}</h3>'
            f'<p>{_e(agency or "")} format <code>{_e(fmt)}</code> · report id {rid} · {_link(url, "source")}</p>'
            f"{_report_tables(rid, by_report.get(rid, {}))}</section>")
    return f'<details><summary>Index ({len(reports)} reports)</summary><ul class="cols">{index}</ul></details>' + "".join(sections)


_CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{font-size:1.05em;margin-top:1.6em}h4{margin:.8em 0 .3em;font-size:.95em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top}
th{background:#f6f6f6;text-align:left;font-weight:normal}table.num td{text-align:right}td.derived{color:#777;font-style:italic}
.grid td{text-align:center;min-width:1.5em}.s0{background:#f2f2f2}.s1{background:#fdd49e}.s2{background:#9ecae1}.s3{background:#41ab5d}.s4{background:#d7301f;color:#fff}
.key{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle;border:1px solid #999}
figure{margin:1em 0}svg{max-width:100%;height:auto}.stat{display:inline-block;margin:0 2em .5em 0}.stat b{font-size:1.4em;display:block}
ul.cols{columns:3;font-size:.85em}tr.identity td:first-child{color:#d7301f}tr.ambiguous td:first-child{color:#e6550d}"""


def render(db_path: str) -> str:
    store = Store(db_path)
    try:
        data = report_data(store.db)
    finally:
        store.close()
    n, jurs, y0, y1, nstats, nid, namb, hidden = data["summary"]
    summary = "".join(f'<div class="stat" id="stat-{k}"><b>{_num(v)}</b>{_e(label)}</div>' for k, v, label in [
        ("reports", n, "current reports"), ("jurisdictions", jurs, "jurisdictions"),
        ("years", f"{y0}–{y1}" if y0 else "", "years"), ("stats", nstats, "figures"),
        ("identity", nid, "failed identities"), ("ambiguous", namb, "ambiguous cells"),
        ("hidden", hidden, "superseded versions and mirror copies left out")])
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>govcrawl report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>政府信息公开工作年度报告 — corpus report</h1>
<p>Generated by <code>govcrawl report</code> on {generated} from <code>{_e(db_path)}</code>. Current reports only
(latest version, no mirror copies); figures as stated, derived group totals in italics.</p>
{summary}
<h2 id="coverage-h">Coverage: jurisdictions × years</h2>{_coverage(data["coverage"])}
<h2 id="applications-h">Applications received and their outcomes, per year</h2>
<p>Sums over current reports of 本年新收 (<code>apply.new.total</code>) and the outcome totals of 表三
(older reports: their 附表 rows).</p>{_applications(data["per_year"])}
<h2 id="reviews-h">Administrative reconsideration and litigation, per year</h2>{_reviews(data["per_year"])}
<h2 id="top-h">Jurisdictions with the most applications</h2>{_top(data["top"])}
<h2 id="problems-h">Identity failures and ambiguous cells</h2>{_problems(data["problems"])}
<h2 id="reports-h">Reports, tables re-drawn from the statistics</h2>{_per_report(data["reports"], data["stats"])}
</body></html>
"""


def write_report(db_path: str, output: str) -> int:
    text = render(db_path)
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text)
    return len(text)
