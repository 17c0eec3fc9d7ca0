"""Generate a SYNTHETIC loopback portal of N report pages for the benchmarks.

    python bench/gen_portal.py --reports 2000 --out bench/out/portal

Every page written here is synthetic and says so in an HTML comment. The
report *texts* start from the real texts in tests/fixtures/corpus/ (seeds,
Pingtan archived texts, the real Pingtan 2025 HTML page), and each copy gets
different numbers (every count in the text is multiplied by a per-copy whole
factor, so the report's sums stay true; years, dates, document numbers and
decimals stay) and a different,
fictional jurisdiction in its title ("示例…"), and its prose reshuffled: about
a third of the sentences kept, a third replaced by sentences of the other
source reports, the rest dropped (tables and headings kept). So no copy is a
real report, and copies are neither exact nor near duplicates of each other
(the store would link those as copies of one report).

The site is shaped like the test portal (govcrawl/testing/portal): home →
政务公开 → 政府信息公开年报 → one column per report year → TRS list pages
(index.html, index_1.html … with createPageHTML) → detail pages at
…/YYYYMM/tYYYYMMDD_<id>.html. ``portal.toml`` next to the pages is the
registry entry for it (portal name ``benchportal``, politeness off).

The same page generator feeds the reparse benchmark, which writes the pages
straight to WARC instead of serving them (bench/run.py).
"""
from __future__ import annotations

import argparse
import html
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
PER_LIST_PAGE = 20
SITE = "示例省人民政府门户网站（基准测试）"  # fictional
PINGTAN_BODY_MARK = "==================== 正文 ===================="

# The real texts the copies start from (report texts only: no letter, no list page).
TEXT_SOURCES = [
    "seeds/000_ce613ae3d38fe476.txt",
    "seeds/001_e8c90e1f83533eb4.txt",
    "seeds/002_8661693cc3ee7730.txt",
    "seeds/003_d88f63d2808b134a.txt",
    "seeds/004_d665514035f4539e.txt",
    "real/pingtan/2011-report.txt",
    "real/pingtan/2019-report.txt",
    "real/pingtan/2021-report.txt",
    "real/pingtan/2025-report.txt",
]
# A real raw page with HTML tables (2021 template): copies vary its cell and paragraph numbers.
HTML_SOURCES = ["real/pingtan/2025-report.html"]

# A count: digits not part of a decimal, and not a year, date or document number
# (followed by 年/月/日/号/〕/], or a bare 4-digit 19xx/20xx).
_COUNT = re.compile(r"(?<![\d.〔\[])(\d+)(?![\d.]|\s*[年月日号〕\]:：-])")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})年")

_SYLLABLES = "东西南北青白金石安平宁和兴福长永清新云河"
_KINDS = ["县", "区", "市"]
_AGENCIES = ["人民政府", "人民政府办公室", "发展和改革局", "教育局", "自然资源局", "市场监督管理局", "卫生健康委员会", "生态环境局"]


@dataclass
class Source:
    name: str
    text: str | None  # plain report text, or
    html: str | None  # a whole real HTML page
    year: int | None
    vary_counts: bool = True
    traditional: bool = False


@dataclass
class GeneratedPage:
    path: str  # URL path on the portal
    title: str
    year: int | None  # column year (the source's report year)
    body: bytes  # UTF-8 HTML


def load_sources() -> list[Source]:
    out = []
    for name in TEXT_SOURCES:
        raw = (CORPUS / name).read_text(encoding="utf-8")
        if PINGTAN_BODY_MARK in raw:
            raw = raw.partition(PINGTAN_BODY_MARK)[2].strip()  # the archived text's own header block is not the report
        out.append(Source(name, raw, None, _source_year(raw)))
    for name in HTML_SOURCES:
        raw = (CORPUS / name).read_text(encoding="utf-8")
        text = " ".join(lxml_html.fromstring(raw).xpath("//title//text()"))
        out.append(Source(name, None, raw, _source_year(text or raw)))
    from govcrawl.extract.normalize import is_traditional

    for src in out:
        src.vary_counts = _counts_survive_variation(src)
        src.traditional = is_traditional(src.text or src.html or "")
    return out


def _counts_survive_variation(src: Source) -> bool:
    """Can this text's numbers be varied without destroying its tables?

    Texts whose tables were flattened with no separators ("数量640020470")
    have no cell boundaries: multiplying such a digit run garbles the table,
    and the copy would lose most of its statistics. Such sources keep their
    numbers (their copies still differ in title and prose). Decided by
    running the extractor on the original and on a varied copy.
    """
    from govcrawl.extract import extract

    def n_stats(page: str) -> int:
        return len(extract(page.encode("utf-8"), url="http://127.0.0.1/probe/t20200101_1.html").stats)

    rng = random.Random(0)
    if src.html is not None:
        before, after = n_stats(src.html), n_stats(_vary_html(src.html, rng, vary_counts=True))
    else:
        before = n_stats(_detail_from_text("probe", "2020-01-01", src.name, src.text))
        after = n_stats(_detail_from_text("probe", "2020-01-01", src.name, vary_numbers(vary_prose(src.text, rng), rng)))
    return after * 2 >= before


def _source_year(text: str) -> int | None:
    m = _YEAR_IN_TITLE.search(text[:2000])
    return int(m.group(1)) if m else None


def vary_numbers(text: str, rng: random.Random, factor: int | None = None) -> str:
    """Multiply every count in the text by one whole factor per copy.

    A whole factor keeps the report's sums true (new + carried_in = handled +
    carried_out …), so the copy exercises the same checks as the original; 0
    stays 0, so an explicit zero keeps its meaning.
    """
    factor = factor or rng.randint(2, 99)

    def repl(m: re.Match) -> str:
        s = m.group(1)
        n = int(s)
        if n == 0 or (len(s) == 4 and 1949 <= n <= 2035):
            return s
        return str(n * factor)

    return _COUNT.sub(repl, text)


_SENTENCE = re.compile(r"[^。；;]*[。；;]")
PROSE_MIN_CHARS = 60  # shorter lines are headings and table rows: always kept
KEEP_SENTENCE = 0.35
SWAP_SENTENCE = 0.35
MAX_SENTENCE = 150


def sentence_pools(sources: list["Source"]) -> dict[bool, list[str]]:
    """Every ordinary prose sentence of the text sources, by script (Traditional or not).

    A copy only borrows sentences in its own script: a Simplified report with
    Traditional sentences mixed in is not an input real sites produce.
    """
    pools: dict[bool, list[str]] = {True: [], False: []}
    for src in sources:
        for line in (src.text or "").split("\n"):
            if len(line) >= PROSE_MIN_CHARS:
                pools[src.traditional] += [x for x in _SENTENCE.findall(line) if 10 <= len(x) <= MAX_SENTENCE]
    return pools


def vary_prose(text: str, rng: random.Random, pool: list[str] | None = None) -> str:
    """Keep about a third of the prose sentences, swap a third for sentences of other reports, drop the rest.

    Different reports share a template's table labels but not their prose;
    without this, copies of one source would be near-duplicates of each other
    (5-gram Jaccard over the store's threshold) and the store would link them
    as copies of one report, which is not what a crawl of distinct reports
    does. Headings, table rows and flattened tables (very long "sentences")
    are kept as they are.
    """
    out = []
    for line in text.split("\n"):
        if len(line) < PROSE_MIN_CHARS:
            out.append(line)
            continue
        parts = _SENTENCE.findall(line)
        rest = line[sum(map(len, parts)):]
        kept = []
        for sentence in parts:
            r = rng.random()
            if len(sentence) > MAX_SENTENCE or r < KEEP_SENTENCE:
                kept.append(sentence)
            elif r < KEEP_SENTENCE + SWAP_SENTENCE and pool:
                kept.append(rng.choice(pool))
        out.append("".join(kept or parts[:1]) + rest)
    return "\n".join(out)


def fictional_place(i: int, rng: random.Random) -> str:
    a, b = rng.choice(_SYLLABLES), rng.choice(_SYLLABLES)
    return f"示例{a}{b}{_KINDS[i % len(_KINDS)]}{rng.choice(_AGENCIES)}"


def _page(title: str, body: str, note: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<!-- {note} -->
<title>{html.escape(title)}</title>
</head>
<body>
<div class="header"><div class="logo"><a href="/index.html">{SITE}</a></div>
<ul class="nav"><li><a href="/index.html">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/xwzx/">新闻中心</a></li></ul></div>
{body}
<div class="footer"><p>主办单位：{SITE}办公厅　版权所有：{SITE}</p></div>
</body>
</html>
"""


def _detail_from_text(title: str, date: str, source_name: str, text: str) -> str:
    paras = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    note = (f"SYNTHETIC BENCH PAGE (govcrawl bench/gen_portal.py): chrome, title and numbers are invented; "
            f"the wording is that of the real text tests/fixtures/corpus/{source_name}")
    body = f"""<div class="breadcrumb">当前位置：<a href="/index.html">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgknb/">政府信息公开年报</a></div>
<div class="article">
<h1 class="article_title">{html.escape(title)}</h1>
<div class="article_info">发布时间：{date}　来源：{html.escape(title[:12])}　字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>　<a href="javascript:window.print();">打印</a></div>
<div class="TRS_Editor">
{paras}
</div>
<div class="share">分享到：微信 微博</div>
</div>
<div class="rmtj"><h3>热门推荐</h3><ul><li><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></li></ul></div>"""
    return _page(title, body, note)


def _vary_html(raw: str, rng: random.Random, vary_counts: bool, title: str | None = None, pool: list[str] | None = None) -> str:
    """The page with its prose and text numbers varied (scripts, styles and attributes untouched)."""
    doc = lxml_html.fromstring(raw)
    factor = rng.randint(2, 99)
    for el in doc.iter():
        if el.tag in ("script", "style") or not isinstance(el.tag, str):
            continue
        if el.text:
            if len(el.text) >= PROSE_MIN_CHARS and not el.xpath("ancestor-or-self::table"):
                el.text = vary_prose(el.text, rng, pool)
            if vary_counts:
                el.text = vary_numbers(el.text, rng, factor)
        if el.tail and vary_counts:
            el.tail = vary_numbers(el.tail, rng, factor)
    if title:
        for t in doc.xpath("//title"):
            t.text = title
        for m in doc.xpath("//meta[@name='ArticleTitle']"):
            m.set("content", title)
    return lxml_html.tostring(doc, encoding="unicode")


def _detail_from_html(title: str, source_name: str, raw: str, rng: random.Random, vary_counts: bool, pool: list[str]) -> str:
    out = _vary_html(raw, rng, vary_counts, title, pool)
    note = (f"SYNTHETIC BENCH PAGE (govcrawl bench/gen_portal.py): the real page tests/fixtures/corpus/{source_name} "
            f"with its numbers and title changed; not a real report")
    return f"<!DOCTYPE html>\n<!-- {note} -->\n{out}\n"


def iter_report_pages(n: int, seed: int = 7) -> Iterator[GeneratedPage]:
    """N distinct synthetic report pages, deterministic for a seed, spread over the sources in turn."""
    sources = load_sources()
    pools = sentence_pools(sources)
    rng = random.Random(seed)
    for i in range(n):
        src = sources[i % len(sources)]
        year = src.year or 2019
        title = f"{fictional_place(i, rng)}{year}年政府信息公开工作年度报告"
        month, day = 1 + i % 12, 1 + i % 28
        date = f"{year + 1}-{month:02d}-{day:02d}"
        path = f"/zwgk/zfxxgknb/{year}/{year + 1}{month:02d}/t{year + 1}{month:02d}{day:02d}_{100000 + i}.html"
        if src.html is not None:
            body = _detail_from_html(title, src.name, src.html, rng, src.vary_counts, pools[src.traditional])
        else:
            text = vary_prose(src.text, rng, pools[src.traditional])
            body = _detail_from_text(title, date, src.name, vary_numbers(text, rng) if src.vary_counts else text)
        yield GeneratedPage(path, title, year, body.encode("utf-8"))


def _list_page(year: int, page_no: int, total_pages: int, items: list[GeneratedPage]) -> str:
    lis = "\n".join(f'<li><a href="{p.path}" title="{html.escape(p.title)}">{html.escape(p.title)}</a></li>' for p in items)
    body = f"""<div class="list"><h2>{year}年</h2><ul class="list_ul">
{lis}
</ul>
<div class="page"><script type="text/javascript">createPageHTML({total_pages}, {page_no}, "index", "html");</script></div></div>"""
    return _page(f"{year}年_{SITE}", body, f"SYNTHETIC BENCH PAGE (govcrawl bench/gen_portal.py): TRS-style list page {page_no + 1} of {total_pages}")


PORTAL_TOML = """# SYNTHETIC benchmark portal written by bench/gen_portal.py (see the comment in its pages).
# start_urls is a placeholder: bench/run.py passes the live loopback URL.
[[portal]]
name = "benchportal"
description = "generated loopback portal for the crawl benchmark (synthetic copies of real report texts)"
start_urls = ["http://127.0.0.1/index.html"]
allowed_domains = ["127.0.0.1"]
nav_path = ["政务公开", "政府信息公开年报", "^\\\\d{4}年$"]
allow_private = true

[portal.politeness]
download_delay = 0
autothrottle = false
concurrent_requests_per_domain = 16
obey_robots_txt = false
"""


def write_portal(out: Path, n: int, seed: int = 7) -> dict:
    """Write the whole site under ``out``; returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    by_year: dict[int, list[GeneratedPage]] = {}
    for page in iter_report_pages(n, seed):
        dest = out / page.path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(page.body)
        by_year.setdefault(page.year, []).append(GeneratedPage(page.path, page.title, page.year, b""))
    note = "SYNTHETIC BENCH PAGE (govcrawl bench/gen_portal.py)"
    (out / "index.html").write_text(_page(SITE, '<p><a href="/zwgk/">政务公开</a></p>', note), encoding="utf-8")
    (out / "zwgk").mkdir(exist_ok=True)
    (out / "zwgk" / "index.html").write_text(_page("政务公开", '<p><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></p>', note), encoding="utf-8")
    cols = "".join(f'<li><a href="/zwgk/zfxxgknb/{y}/">{y}年</a></li>' for y in sorted(by_year, reverse=True))
    (out / "zwgk" / "zfxxgknb" / "index.html").write_text(_page("政府信息公开年报", f"<ul>{cols}</ul>", note), encoding="utf-8")
    list_pages = 0
    for year, pages in by_year.items():
        chunks = [pages[i:i + PER_LIST_PAGE] for i in range(0, len(pages), PER_LIST_PAGE)]
        for k, chunk in enumerate(chunks):
            name = "index.html" if k == 0 else f"index_{k}.html"
            (out / "zwgk" / "zfxxgknb" / str(year) / name).write_text(_list_page(year, k, len(chunks), chunk), encoding="utf-8")
            list_pages += 1
    (out / "portal.toml").write_text(PORTAL_TOML, encoding="utf-8")
    (out / "README.md").write_text(
        "SYNTHETIC benchmark portal generated by bench/gen_portal.py: fictional site and jurisdictions, "
        "real report wording with changed numbers. Not real reports; regenerate rather than edit.\n", encoding="utf-8")
    return {"reports": n, "list_pages": list_pages, "columns": len(by_year)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "portal"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    print(write_portal(Path(args.out), args.reports, args.seed))


if __name__ == "__main__":
    main()
