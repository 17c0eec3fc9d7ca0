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
        # a one-character county; never a pronoun ("全县") or a zone ("园区")
        ("勉县人民政府", ("勉县", None)),
        ("沛县自然资源局", ("沛县", "自然资源局")),
        ("全县", (None, "全县")),
        ("园区管委会", (None, "园区管委会")),
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


# SYNTHETIC report text (the template's words, no real numbers) for the title-wrap rule
_BODY = ("\n根据《中华人民共和国政府信息公开条例》规定，现将本单位2022年度政府信息公开工作情况报告如下。\n"
         "一、总体情况\n本年度共收到政府信息公开申请3件。\n")


@pytest.mark.parametrize(
    "head, name, title",
    [
        ("## 某某县2022年政府信息公开\n## 工作年度报告", "r.md", "某某县2022年政府信息公开工作年度报告"),
        ("某某县人民政府办公室\n2022年政府信息公开工作\n年度报告", "r.txt", "某某县人民政府办公室2022年政府信息公开工作年度报告"),
        ("淮安市人民政府\n2024年政府信息公开工作年度报告", "r.txt", "淮安市人民政府2024年政府信息公开工作年度报告"),
    ],
)
def test_title_wrapped_before_its_end_is_joined(head, name, title):
    from govcrawl.extract import extract

    d = extract((head + _BODY).encode(), filename=name)
    assert d.title == title and not d.text.startswith(("某某县", "淮安市", "2022年", "年度报告", "工作年度报告"))


def test_a_sentence_is_not_joined_to_a_title_tail():
    from govcrawl.extract import extract

    d = extract(("本年度，我局认真做好2022年政府信息公开\n工作年度报告" + _BODY).encode(), filename="r.txt")
    assert d.title is None


def test_a_list_page_ending_in_a_column_name_is_not_a_title():
    from govcrawl.extract import extract

    # SYNTHETIC navigation text: the last line looks like a title's tail but has no line with a year above
    d = extract("示例市人民政府\n首页\n政务公开\n政府信息公开指南\n政府信息公开年报".encode(), filename="r.txt")
    assert d.title is None and d.text.endswith("政府信息公开年报")


def test_date_then_source_line_and_a_bare_level_word():
    # "2023-01-16 16:50:00 来源: 荔浦市政府" under the title
    assert extract_file(REAL / "lipu-2022.txt").published == "2023-01-16"
    assert extract_file(REAL / "gxzf-bgt-2020.txt").published == "2021-02-07"  # "2021-02-07 18:07     来源:…"
    # "自治区北部湾办2022年…": "自治区" alone is no place; the text names it ("由广西壮族自治区北部湾经济区…编制")
    d = extract_file(REAL / "beibuwan-ban-2022.txt")
    assert (d.jurisdiction, d.published) == ("广西壮族自治区", "2023-01-31")
    assert split_issuer("开发区管委会") == (None, "开发区管委会")
    assert split_issuer("广西壮族自治区人民政府办公厅") == ("广西壮族自治区", None)


def test_title_named_as_compiled_or_for_a_township():
    # "根据…要求,特编制湛江市人民政府地方志办公室2023年政府信息公开工作年度报告。"
    d = extract_file(REAL / "zhanjiang-dfz-2023.txt")
    assert (d.title, d.jurisdiction) == ("湛江市人民政府地方志办公室2023年政府信息公开工作年度报告", "湛江市")
    # "现向社会公布龙口镇2022年度政府信息公开工作年度报告": a township opens the title
    d = extract_file(REAL / "longkou-zhen-2022.txt")
    assert (d.title, d.jurisdiction) == ("龙口镇2022年度政府信息公开工作年度报告", "龙口镇")


def test_plain_situation_report_title_and_a_year_end_cutoff():
    # the page's only heading: "关于2022年度政府信息公开情况的报告"
    assert extract_file(REAL / "changchun-erdao-fwzs-2022.txt").title == "关于2022年度政府信息公开情况的报告"
    # no title, no 统计期限; "截止2023年12月31日我局通过官方网站发布…" dates the figures
    assert extract_file(REAL / "changchun-tyjrswj-2023.txt").year == 2023
    from govcrawl.extract.meta import report_year
    assert report_year(None, "截至2023年6月30日,我局…") is None  # not a year's end: says nothing
