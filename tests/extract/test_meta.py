"""Report metadata from real pages (tests/fixtures/corpus/, copies of ../shared/corpus)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from govcrawl.extract import extract_file
from govcrawl.extract.meta import issuer_of, report_year, split_issuer

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@lru_cache(maxsize=None)
def doc(rel: str):
    return extract_file(CORPUS / rel)


@pytest.mark.parametrize(
    "rel, title, jurisdiction, year, published",
    [
        ("seeds/000_ce613ae3d38fe476.txt", "沈阳市2009年度政府信息公开工作报告", "沈阳市", 2009, None),
        ("seeds/001_e8c90e1f83533eb4.txt", "咸阳市2017年政府信息公开工作年度报告", "咸阳市", 2017, None),
        ("seeds/002_8661693cc3ee7730.txt", "2013年如东县政府信息公开工作年度报告", "如东县", 2013, "2014-03-25"),
        ("seeds/003_d88f63d2808b134a.txt", "2012年市城管委政务公开和政府信息公开年度报告", "广州市", 2012, None),
        ("seeds/004_d665514035f4539e.txt", "沈河区2016年度政府信息公开工作报告", "沈河区", 2016, "2017-03-10"),
        ("real/pingtan/2021-report.txt", "平潭综合实验区2021年度政府信息公开工作年度报告", "平潭综合实验区", 2021, "2022-02-08"),
        ("real/pingtan/2019-report.txt", "平潭综合实验区2019年度政府信息公开工作年度报告", "平潭综合实验区", 2019, "2020-01-20"),
        ("real/pingtan/2011-report.txt", "平潭县人民政府2011年政府信息公开工作年度报告", "平潭县", 2011, "2012-04-18"),
        ("real/pingtan/2025-report.html", "平潭综合实验区2025年度政府信息公开工作年度报告", "平潭综合实验区", 2025, "2026-03-10"),
        ("real/huaian/2024-report.pdf", "淮安市人民政府2024年政府信息公开工作年度报告", "淮安市", 2024, None),
    ],
)
def test_fields(rel, title, jurisdiction, year, published):
    d = doc(rel)
    assert (d.title, d.jurisdiction, d.year) == (title, jurisdiction, year)
    if published:
        assert d.published == published


def test_agency_of_a_department_report_expanded():
    d = doc("seeds/003_d88f63d2808b134a.txt")
    assert d.agency == "广州市城市管理委员会"
    assert doc("real/huaian/2024-report.pdf").agency is None  # 人民政府 is the government itself


def test_year_reported_on_not_publication_year():
    d = doc("seeds/004_d665514035f4539e.txt")
    assert d.year == 2016 and d.published.startswith("2017")


def test_publication_date_is_not_the_signature_date():
    # 004 is signed 2017年3月6日 at the end but published 2017-03-10.
    assert doc("seeds/004_d665514035f4539e.txt").published == "2017-03-10"


def test_year_from_chinese_numerals_and_from_the_statistics_period():
    # SYNTHETIC strings, one rule each.
    assert report_year("某县二〇一二年政府信息公开工作年度报告", "") == 2012
    assert report_year(None, "本报告所列数据的统计期限自2019年1月1日起至2019年12月31日止。") == 2019


def test_issuer_split():
    assert issuer_of("2013年如东县政府信息公开工作年度报告") == "如东县"
    assert split_issuer("沈阳市沈河区") == ("沈阳市沈河区", None)
    assert split_issuer("淮安市人民政府") == ("淮安市", None)
    assert split_issuer("广州市城市管理委员会") == ("广州市", "城市管理委员会")
