"""Report metadata from a cleaned page: title, year, jurisdiction, agency, date.

- year: the year reported ON, read from the title (then the report's own
  statistics period), never from the URL or the publication date;
- jurisdiction: the administrative units that open the issuing body's name
  (沈阳市沈河区, 平潭综合实验区, 开化县中村乡: a township only right before its government's
  word), from the title, else from the text's "由XX编制", else from "请与XX联系" (the office
  to ask), else own mentions; a lone township or district gets the county or city the text
  names it with; "人民政府" is the government, not a department; mirrors' pinyin glosses
  ("鄉(xiāng)") are dropped from the title and from the text searched here;
- agency: the department when the report is a department's (广州市城市管理委员会),
  short forms expanded from the registry in chrome_rules.toml;
- published: YYYY-MM-DD, in this order: the page's own date (header block, meta tags,
  发布时间/发布日期 lines, info-box 发文日期 cells: clean.py); the signature date that closes
  the report ("(2026年1月23日)" or "XX局 2026年1月23日" on the last lines), when it is not
  before the reported year; last, a TRS URL's date after the reported year (".../t20200903_123.html"), marked by a
  ``published.url_date`` check because it is when the page was filed, not what it says.
"""
from __future__ import annotations

import re

from .clean import PageText, find_date, rules, squeeze_title
from .model import Check, Document
from .numerals import YEAR, YEAR_ARABIC, YEAR_CN, year_value

_YEAR_IN_TITLE = re.compile(rf"(?<!\d)({YEAR_ARABIC})\s*年|({YEAR_CN})\s*年")
_YEAR_OPENING = re.compile(rf"^{YEAR}\s*年度?")
_BEFORE_YEAR = re.compile(rf"{YEAR_ARABIC}\s*年|{YEAR_CN}\s*年")
# "统计期限自2021年1月1日起至2021年12月31日" – the reporting period.
_PERIOD = re.compile(r"(?:统计期限|统计时限|统计时间|数据统计)[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
# "截止2023年12月31日我局…": the figures run to the end of the year reported on.
_YEAR_END = re.compile(r"(?:截止|截至)(?:到)?\s*((?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日")
_OPENING_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年度?(?!\s*\d{1,2}\s*月)")
# Where the issuing body is named inside the text.
_COMPILED_BY = re.compile(r"由([\u4e00-\u9fff]{2,30}?)(?:根据|依据|按照|编制|编写|制作)")


# Words that precede a place name in running text ("由广州市…", "我市…").
_FUNCTION_CHARS = "由经在对向与和及是为我将把的据按"


def _year_from(s: str) -> int | None:
    m = _YEAR_IN_TITLE.search(s or "")
    if not m:
        return None
    return year_value(m.group(1) or m.group(2))


def report_year(title: str | None, text: str) -> int | None:
    y = _year_from(title or "")
    if y:
        return y
    m = _PERIOD.search(text[:3000]) or _YEAR_END.search(text[:1500])
    if m:
        return int(m.group(1))
    m = _OPENING_YEAR.search(text[:500])
    return int(m.group(1)) if m else None


def issuer_of(title: str) -> str:
    """The issuing body named in a title: the words around the year, before 政府信息公开/政务公开."""
    t = squeeze_title(title)
    t = re.sub(r"^关于", "", t)
    m = _YEAR_OPENING.match(t)
    if m:  # "2013年如东县政府信息公开…"
        t = t[m.end() :]
    else:  # "沈阳市2009年度政府信息公开…"
        t = _BEFORE_YEAR.split(t, maxsplit=1)[0]
    t = re.split(r"(?:政府信息公开|政务公开|信息公开|政府信息|年度报告|工作报告)", t, maxsplit=1)[0]
    return t.strip(" 《》“”\"")


def split_issuer(name: str) -> tuple[str | None, str | None]:
    """"广州市城市管理委员会" → ("广州市", "城市管理委员会"); "淮安市人民政府" → ("淮安市", None)."""
    cfg = rules().data["jurisdiction"]
    unit = re.compile(cfg["unit"])
    pos, units = 0, []
    m = re.compile(cfg["short_unit"]).match(name)
    if m and not unit.match(name):  # "勉县人民政府": a one-character county
        units.append(m.group(0))
        pos = m.end()
    while True:
        m = unit.match(name, pos)
        if not m:
            break
        units.append(m.group(0))
        pos = m.end()
    m = re.compile(cfg["township"]).match(name, pos)
    if m:  # "开化县中村乡人民政府", "二郎街道办事处": the township, when the government's word follows
        units.append(m.group(0))
        pos = m.end()
    jurisdiction = "".join(units) or None
    rest = name[pos:]
    if not rest or re.match(cfg["government"], rest):
        return jurisdiction, None
    return jurisdiction, rest


def expand_agency(name: str) -> str:
    for short, full in rules().data["agency_abbreviations"].items():
        if name.endswith(short) and not name.endswith(full):
            return name[: -len(short)] + full
    return name


def _jurisdiction_in_text(dept: str, text: str) -> str | None:
    """A title naming "市城管委" leaves the city to the text: "由广州市城管委编制"."""
    core = dept.lstrip("省市县区")
    if not core:
        return None
    unit = re.compile(r"(?:%s)+" % rules().data["jurisdiction"]["unit"])
    for m in re.finditer(re.escape(core), text[:5000]):
        before = re.search(r"[\u4e00-\u9fff]{0,10}$", text[max(0, m.start() - 10) : m.start()]).group(0)
        before = before.lstrip(_FUNCTION_CHARS)
        if unit.fullmatch(before):
            return before
    return None


# Words after which a place name starts in running text ("由", "通过", "位于").
_FUNCTION_WORDS = ("通过", "位于", "关于", "根据", "依据", "按照", *_FUNCTION_CHARS)


def _after_function_word(candidate: str, before: str) -> str | None:
    """The city name in "<words>XX市": the shortest tail that starts at the text's start, after
    a non-Chinese character or after a function word; None when no tail does."""
    for n in range(3, len(candidate) + 1):  # 2 characters + 市 at least
        prefix = before + candidate[: len(candidate) - n]
        if not prefix or not re.match(r"[\u4e00-\u9fff]", prefix[-1]) or prefix.endswith(_FUNCTION_WORDS):
            return candidate[len(candidate) - n :]
    return None


def jurisdiction_and_agency(title: str | None, text: str, source: str | None = None) -> tuple[str | None, str | None]:
    agency_re = re.compile(rules().data["jurisdiction"]["agency_suffix"])
    jurisdiction = agency = None
    if title:
        jurisdiction, dept = split_issuer(issuer_of(title))
        if dept and agency_re.search(dept):
            if not jurisdiction:
                jurisdiction = _jurisdiction_in_text(dept, text)
                dept = dept.lstrip("省市县区") if jurisdiction else dept
            agency = expand_agency((jurisdiction or "") + dept)
    if not jurisdiction and title:
        # "自治区北部湾办", "省教育厅": the level's full name is in the text ("由广西壮族自治区…编制")
        lv = re.match(r"自治区|自治州|自治县|省", issuer_of(title))
        unit = re.compile(rules().data["jurisdiction"]["unit"])
        for m in re.finditer(r"[\u4e00-\u9fff]{2,12}?%s" % lv.group(0) if lv else r"(?!)", text[:3000]):
            place = _after_function_word(m.group(0), text[: m.start()])
            if place and unit.fullmatch(place):
                jurisdiction = place
                break
    if not jurisdiction:
        m = _COMPILED_BY.search(text[:3000])
        if m:
            jurisdiction, dept = split_issuer(re.sub(rules().data["jurisdiction"]["contact_desk"], "", m.group(1)))
            if dept and agency_re.search(dept) and not agency:
                agency = expand_agency((jurisdiction or "") + dept)
    if not jurisdiction:
        # "如对本报告有疑问,请与XX办公室联系": the office of the body that issued the report
        m = re.search(rules().data["jurisdiction"]["contact"], text[:3000])
        if m:
            jurisdiction, dept = split_issuer(re.sub(rules().data["jurisdiction"]["contact_desk"], "", m.group(1)))
            if jurisdiction and dept and agency_re.search(dept) and not agency and not re.match(r"人民政府|政府", dept):
                agency = expand_agency(jurisdiction + dept)
    if not jurisdiction and source:
        jurisdiction, _ = split_issuer(source)
    if jurisdiction and re.fullmatch(rules().data["jurisdiction"]["township"], jurisdiction):
        # "河包镇" alone: take the county that the text names it with ("微山县两城镇人民政府")
        county = re.compile(r"(?:%s)" % rules().data["jurisdiction"]["unit"])
        for m in re.finditer(r"([\u4e00-\u9fff]{2,8}?(?:县|区|市|旗))%s" % re.escape(jurisdiction), text):
            c = _after_function_word(m.group(1), text[: m.start()])
            if c and county.fullmatch(c):
                jurisdiction = c + jurisdiction
                break
    if jurisdiction and len(jurisdiction) <= 4 and jurisdiction.endswith(("区", "县")):
        # "沈河区" alone: take the parent city when the text names the pair. The city's
        # name starts after a function word ("本年报通过吉林市龙潭区…": 吉林市, not 年报通过吉林市).
        for m in re.finditer(r"([\u4e00-\u9fff]{2,6}市)%s" % re.escape(jurisdiction), text):
            city = _after_function_word(m.group(1), text[: m.start()])
            if city:
                jurisdiction = city + jurisdiction
                break
    return jurisdiction, agency


def drop_glosses(s: str) -> str:
    """"沅陵县二酉苗族乡(xiāng)人民政府" -> "沅陵县二酉苗族乡人民政府" (a mirror's pinyin glosses)."""
    return re.sub(rules().data["jurisdiction"]["pinyin_gloss"], "", s)


def fill(doc: Document, page: PageText, url: str | None = None) -> None:
    doc.text = page.text
    doc.title = drop_glosses(squeeze_title(page.title)) if page.title else None
    doc.breadcrumb = list(page.breadcrumb)
    doc.year = report_year(doc.title, page.text)
    doc.published = find_date(page.published or "") if page.published else None
    doc.jurisdiction, doc.agency = jurisdiction_and_agency(doc.title, drop_glosses(page.text), page.source_line)
    if not doc.published:
        doc.published = signature_date(page.text, doc.year)
    if not doc.published and url:
        m = _TRS_URL_DATE.search(url)
        d = find_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}") if m else None
        # a report on year Y is published in Y+1 or later; a URL date of year Y is another page's
        if d and (doc.year is None or int(d[:4]) > doc.year):
            doc.published = d


def date_checks(doc: Document, page: PageText, url: str | None) -> list[Check]:
    """``published.url_date`` when the publication date is only the URL's (see fill)."""
    if not doc.published or not url or page.published or signature_date(page.text, doc.year):
        return []
    m = _TRS_URL_DATE.search(url)
    if not m or doc.published != f"{m.group(1)}-{m.group(2)}-{m.group(3)}":
        return []
    return [Check(rule="published.url_date", detail=f"no date on the page: {doc.published} is the date in its URL ({m.group(0)})")]


# A report's closing date line: "(2026年1月23日)", "2026年1月23日", "XX人民政府办公室 2026年1月23日".
_SIGNATURE = re.compile(r"^[(（]?\s*(?:[\u4e00-\u9fff]{2,30}\s*)?((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[)）]?$")
# TRS CMS article URLs: .../202009/t20200903_3456789.html
_TRS_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+\.[a-z]+")


def signature_date(text: str, year: int | None) -> str | None:
    """The date line that closes the report (among its last 4 lines), if not before the reported year."""
    lines = [ln.strip() for ln in (text or "").split("\n") if ln.strip()][-4:]
    for ln in reversed(lines):
        m = _SIGNATURE.match(ln)
        if m:
            d = find_date(m.group(1))
            if d and (year is None or int(d[:4]) >= year):
                return d
    return None
