"""Property tests of the extractor over random and report-like input (hypothesis).

1. ``extract`` never raises, and an error it records names bad input, never an
   internal exception of the extractor.
2. Every stated (non-derived) number it returns appears in the input, as
   digits (within one run of digits: flattened tables run cells together) or
   as a Chinese numeral; 0 also when the input says 未发生/无/为零.

The inputs are synthetic: fragments of the national template's labels and
report sentences, numbers in every notation, shuffled and wrapped in HTML
(tables included) or plain text, in UTF-8 or GBK.
"""
from __future__ import annotations

import html as html_lib
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govcrawl.extract import extract

LABELS = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "(一)予以公开", "(二)部分公开",
    "(三)不予公开", "1.属于国家秘密", "(四)无法提供", "1.本机关不掌握相关政府信息", "(七)总计",
    "四、结转下年度继续办理", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计",
    "行政复议", "行政诉讼", "维持", "纠正", "尚未审结", "规章", "规范性文件", "行政许可", "行政处罚",
    "本年制发件数", "本年废止件数", "现行有效件数", "处理决定数量", "收费金额(单位:万元)",
]
SENTENCES = [
    "本年度主动公开政府信息{n}条", "全年共受理政府信息公开申请{n}件", "其中网上申请{n}件", "当面申请{n}件",
    "信函申请{n}件", "行政复议{n}件", "行政诉讼{n}件", "未发生行政复议和行政诉讼案件", "收取费用{n}元",
    "网站访问量达{n}人次", "接受咨询{n}人次", "没有收到政府信息公开申请", "申诉为零", "无收费情况",
    "政府信息公开申请总数{n}件", "主动公开政府信息总数为{n}条", "答复总数{n}件",
]
HEADINGS = ["{y}年度政府信息公开工作年度报告", "示例市{y}年政府信息公开工作报告", "一、总体情况", "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"]

CN_DIGITS = "〇一二三四五六七八九"


def _cn(n: int) -> str:
    """Chinese numeral for 0 <= n < 100000 (一百二十三)."""
    if n == 0:
        return "零"
    out, zero = "", False
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            out += ("零" if zero and out else "") + CN_DIGITS[d] + unit
            zero = False
        elif out:
            zero = True
    return out.replace("一十", "十", 1) if out.startswith("一十") else out


numbers = st.one_of(
    st.integers(0, 200000).map(str),
    st.integers(1000, 9999999).map(lambda n: f"{n:,}"),
    st.integers(0, 99999).map(lambda n: "".join(chr(0xFF10 + int(c)) for c in str(n))),  # full-width
    st.integers(0, 99999).map(_cn),
    st.decimals(0, 9999, places=2, allow_nan=False).map(str),
    st.sampled_from(["/", "-", "—", "", "0", "无", "若干", "5000余"]),
)
years = st.integers(2008, 2026)
fragment = st.one_of(
    st.builds(lambda s, n: s.format(n=n), st.sampled_from(SENTENCES), numbers),
    st.builds(lambda s, y: s.format(y=y), st.sampled_from(HEADINGS), years),
    st.sampled_from(LABELS),
    numbers,
    st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=30),
)
rows = st.lists(st.tuples(st.sampled_from(LABELS), st.lists(numbers, min_size=1, max_size=7)), max_size=12)
# Table 三 of the 2021 template: the header row, then template rows of seven cells each.
APPLY_HEAD = ("申请人情况", ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"])
TEMPLATE_ROWS = LABELS[:10]
template_rows = st.lists(st.tuples(st.sampled_from(TEMPLATE_ROWS), st.lists(numbers, min_size=7, max_size=7)),
                         min_size=1, max_size=10).map(lambda rs: [APPLY_HEAD, *rs])


def _table(rs) -> str:
    return "<table>" + "".join(
        "<tr><td>" + html_lib.escape(label) + "</td>" + "".join(f"<td>{html_lib.escape(c)}</td>" for c in cells) + "</tr>"
        for label, cells in rs) + "</table>"


@st.composite
def documents(draw):
    parts = draw(st.lists(fragment, max_size=40))
    table = draw(st.one_of(rows, template_rows))
    if draw(st.booleans()):
        parts = ["三、收到和处理政府信息公开申请情况", *parts]
    as_html = draw(st.booleans())
    if as_html:
        body = "".join(f"<p>{html_lib.escape(p)}</p>" for p in parts) + _table(table)
        text = f"<html><head><title>{html_lib.escape(parts[0] if parts else '')}</title></head><body>{body}</body></html>"
    else:
        text = "\n".join(parts + ["  ".join([label, *cells]) for label, cells in table])
    encoding = draw(st.sampled_from(["utf-8", "gb18030"]))
    return text.encode(encoding, errors="replace"), as_html, encoding


raw_bytes = st.one_of(st.binary(max_size=3000), st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))

# An error recorded for bad input reads as a reason; an internal failure reads "SomeError: ...".
_INTERNAL = re.compile(r"^(?!ValueError: (?:not a PDF|unreadable PDF|encrypted PDF|PDF has no text))[A-Z]\w*(?:Error|Exception)\b")

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _cn_value(run: str) -> list[int]:
    """Readings of a run of Chinese numeral characters: positional (一百二十三) and digit by digit (二〇一五)."""
    digits = {c: i for i, c in enumerate(CN_DIGITS)} | {"零": 0, "两": 2}
    out = []
    if all(c in digits for c in run):
        out.append(int("".join(str(digits[c]) for c in run)))
    total = section = current = 0
    for c in run:
        if c in digits:
            current = digits[c]
        elif c in "十百千":
            section += (current or 1) * {"十": 10, "百": 100, "千": 1000}[c]
            current = 0
        elif c in "万亿":
            total += (section + current) * (10000 if c == "万" else 10 ** 8)
            section = current = 0
    out.append(total + section + current)
    return out


def digits_and_numerals(data: bytes, encoding: str) -> tuple[str, set[float]]:
    """The input's digit runs ("|"-separated, thousands commas dropped) and its Chinese-numeral values.

    A value "appears as digits" when its digits are a substring of one run:
    tables flattened into text run their cells together ("5300008"), and the
    extractor may split such a run (using the template's identities).
    """
    text = unicodedata.normalize("NFKC", data.decode(encoding, errors="replace"))
    text = re.sub(r"<[^>]*>", " ", html_lib.unescape(text))
    runs = "|".join(m.group(0).replace(",", "") for m in re.finditer(r"\d[\d,.]*", text))
    numerals: set[float] = set()
    for run in re.findall(r"[〇零一二两三四五六七八九十百千万亿]+", text):
        numerals.update(float(v) for v in _cn_value(run))
    if re.search(r"未|没有|无|为零|零|〇", text):
        numerals.add(0.0)
    return f"|{runs}|", numerals


def appears(value: float, runs: str, numerals: set[float]) -> bool:
    if any(abs(value - n) < 1e-6 for n in numerals):
        return True
    digits = str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0")
    return digits in runs or (float(value).is_integer() and f"{int(value)}.0" in runs)


@FUZZ
@given(raw_bytes, st.sampled_from([None, "text/html; charset=utf-8", "application/pdf", "text/plain"]))
def test_extract_never_raises_on_random_bytes(data, ctype):
    doc = extract(data, url="http://127.0.0.1/x.html", content_type=ctype)
    assert not (doc.error and _INTERNAL.match(doc.error)), doc.error
    assert doc.is_report or doc.skip_reason


@FUZZ
@given(documents())
def test_stated_numbers_appear_in_the_input(case):
    data, as_html, encoding = case
    doc = extract(data, url="http://127.0.0.1/x.html" if as_html else None,
                  content_type=f"text/{'html' if as_html else 'plain'}; charset={encoding}")
    assert not (doc.error and _INTERNAL.match(doc.error)), doc.error
    runs, numerals = digits_and_numerals(data, encoding)
    for stat in doc.stats:
        if not stat.derived:
            assert appears(float(stat.value), runs, numerals), (stat, runs[:300])
