"""Publication dates and titles from where real report pages put them (issue 13).

Real pages: tests/fixtures/corpus/real/web-excerpts (suqian, taizhou: info-box dates and titles;
fuzhou-jinan, longtan: chrome above the title). Texts built here are SYNTHETIC and say so.
"""
from __future__ import annotations

from pathlib import Path

from govcrawl.extract import extract, extract_file

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "web-excerpts"

# SYNTHETIC report text (the template's words, no real numbers)
BODY = ("关于2022年度政府信息公开工作情况的报告\n"
        "根据《中华人民共和国政府信息公开条例》规定，现将本单位2022年度政府信息公开工作情况报告如下。\n"
        "一、总体情况\n本年度共收到政府信息公开申请3件。\n")
TRS_URL = "http://www.example.gov.cn/zwgk/202302/t20230210_1234567.html"


def _doc(text: str, url: str | None = TRS_URL):
    return extract(text.encode(), filename="r.txt", url=url)


def test_info_box_dates_and_titles():
    suqian = extract_file(REAL / "suqian-2017.txt")  # "名称 宿迁市…" / "发文日期 2018-02-26"
    assert (suqian.title, suqian.published) == ("宿迁市2017年政府信息公开年度报告", "2018-02-26")
    taizhou = extract_file(REAL / "taizhou-2017.txt")  # only "索 引 号 | … | 发文日期 | 2018-02-28 |" rows above
    assert taizhou.title == "泰州市人民政府2017年政府信息公开工作年度报告"  # named in the first sentence
    assert (taizhou.published, taizhou.jurisdiction) == ("2018-02-28", "泰州市")


def test_chrome_above_a_whole_title_is_not_joined_to_it():
    assert extract_file(REAL / "fuzhou-jinan-2016.txt").title == "福州市晋安区2016年政府信息公开工作年度报告"
    longtan = extract_file(REAL / "longtan-2017.txt")
    assert longtan.title == "龙潭区人民政府2017年政府信息公开工作年度报告"
    assert longtan.jurisdiction == "吉林市龙潭区"  # "本年报通过吉林市龙潭区…": the city, not "年报通过吉林市"


def test_a_title_broken_before_its_year_is_joined():
    doc = _doc("淮安市人民政府\n2024年政府信息公开工作年度报告\n" + BODY.split("\n", 1)[1], url=None)
    assert doc.title == "淮安市人民政府2024年政府信息公开工作年度报告"


def test_signature_date_closes_the_report():
    for closing in ("长春市二道区某局\n2023年1月20日\n", "（2023年1月20日）\n"):
        doc = _doc(BODY + closing)
        assert doc.published == "2023-01-20", closing
        assert not any(c.rule == "published.url_date" for c in doc.checks)


def test_url_date_only_as_the_last_resort_and_marked():
    doc = _doc(BODY)
    assert doc.published == "2023-02-10"
    assert any(c.rule == "published.url_date" for c in doc.checks)
    # a date before the reported year is not when this report was published
    assert _doc(BODY, url="http://www.example.gov.cn/zwgk/202201/t20220105_1.html").published is None
    assert _doc(BODY, url=None).published is None
