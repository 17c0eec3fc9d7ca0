"""Metadata rules that real pages of batch 2 (tests/fixtures/corpus/real/web-excerpts, README there)
showed missing: townships as jurisdictions, pinyin glosses of mirror sites, the issuing body named
only where to ask questions, pipe info-box dates, a title named as "现向社会公布…".
"""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract import extract_file
from govcrawl.extract.meta import drop_glosses, split_issuer

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "web-excerpts"


@pytest.mark.parametrize(
    "name, want",
    [
        ("开化县中村乡人民政府", ("开化县中村乡", None)),
        ("重庆市九龙坡区二郎街道办事处", ("重庆市九龙坡区二郎街道", None)),
        ("沅陵县二酉苗族乡人民政府", ("沅陵县二酉苗族乡", None)),
        ("河包镇", ("河包镇", None)),
        # a township word inside a department's name is not a township
        ("广州市住房和城乡建设局", ("广州市", "住房和城乡建设局")),
        ("如东县乡镇企业局", ("如东县", "乡镇企业局")),
        ("淮安市人民政府", ("淮安市", None)),
    ],
)
def test_township_is_a_unit_only_before_the_government_word(name, want):
    assert split_issuer(name) == want


def test_township_reports_get_their_township_and_county():
    # titles "河包镇2020年…", "中村乡2020年…": the township; the text names no county
    assert extract_file(REAL / "rongchang-hebao-2020.txt").jurisdiction == "河包镇"
    assert extract_file(REAL / "huichang-zhongcun-2020.txt").jurisdiction == "中村乡"
    # "由两城镇人民政府党政办公室编制" + "微山县两城镇人民政府驻地": the county the text names it with
    assert extract_file(REAL / "weishan-liangcheng-2020.txt").jurisdiction == "微山县两城镇"
    assert extract_file(REAL / "jiulongpo-erlang-2022.txt").jurisdiction == "重庆市九龙坡区二郎街道"


def test_pinyin_glosses_of_a_mirror_are_not_part_of_the_title():
    d = extract_file(REAL / "yuanling-eryou-2020-traditional.txt")  # "沅陵縣二酉苗族鄉(xiāng)人民政府2020年…"
    assert d.title == "沅陵县二酉苗族乡人民政府2020年政府信息公开工作年度报告"
    assert (d.jurisdiction, d.year, d.published) == ("沅陵县二酉苗族乡", 2020, "2021-01-18")
    assert drop_glosses("本年制發(fā)件數(shù)") == "本年制發件數"
    assert drop_glosses("(一)予以公开(区分处理的)") == "(一)予以公开(区分处理的)"  # no tone mark: not a gloss


def test_issuer_named_only_where_to_ask():
    # no title; "如有疑问请与来凤县政务服务和大数据管理局(地址:…" names the issuing body
    d = extract_file(REAL / "laifeng-zsj-2021.txt")
    assert (d.jurisdiction, d.agency) == ("来凤县", "来凤县政务服务和大数据管理局")
    # "請與柞水縣鳳凰鎮(zhèn)人民政府黨政辦公室聯系"
    assert extract_file(REAL / "zhashui-fenghuang-2021-traditional.txt").jurisdiction == "柞水县凤凰镇"


def test_pipe_info_box_date_and_title_named_to_the_public():
    # "文号: | 公开日期: | 2024-01-26 | |" and "现向社会公布开化县中村乡人民政府2023年…年度报告"
    d = extract_file(REAL / "kaihua-zhongcun-2023.txt")
    assert (d.title, d.published) == ("开化县中村乡人民政府2023年政府信息公开工作年度报告", "2024-01-26")
    assert (d.jurisdiction, d.year) == ("开化县中村乡", 2023)


def test_issuer_from_its_desk_and_a_title_named_as_a_work_report():
    # "请与阿巴嘎旗自然资源局办公室联系": the bureau, not its office
    d = extract_file(REAL / "abaga-zrzyj-2023.txt")
    assert (d.jurisdiction, d.agency) == ("阿巴嘎旗", "阿巴嘎旗自然资源局")
    # "现公布朝阳市自然资源局2025年度政府信息公开工作报告。"
    d = extract_file(REAL / "chaoyang-zrzyj-2025.txt")
    assert (d.title, d.jurisdiction, d.year) == ("朝阳市自然资源局2025年度政府信息公开工作报告", "朝阳市", 2025)
