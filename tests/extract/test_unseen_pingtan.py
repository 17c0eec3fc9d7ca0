"""Real Pingtan reports the extractor had never seen (tests/fixtures/corpus/real/pingtan-archive).

Each expected value is the one printed on the page, quoted in the comment
next to it; each page is here because it exposed a bug.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from govcrawl.extract import extract_file

ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "pingtan-archive"


@lru_cache(maxsize=None)
def doc(name: str):
    return extract_file(ARCHIVE / name)


def stated(d) -> dict:
    return {s.key: s for s in d.stats if not s.derived}


def test_proactive_total_is_not_a_category_count():
    # 2016: "主动公开政府采购项目信息189条" comes first, the total is
    # "(一)主动公开政府信息的数量 2016年全区主动公开政府信息3460条"
    got = stated(doc("2016-report.txt"))
    assert got["proactive.total"].value == 3460
    # 2017: "今年累计主动公开采购信息25条" comes first; "2017年全区主动公开政府信息2122条"
    got = stated(doc("2017-report.txt"))
    assert got["proactive.total"].value == 2122
    # "未收到有关政府信息公开行政复议、提起行政诉讼的申请"
    assert got["reconsideration.total"].value == 0 and got["litigation.total"].value == 0
    assert got["apply.new.total"].value == 0  # "2017年未收到有关政府信息公开申请"


def test_old_statistics_table_rows_written_in_prose():
    # "共收到有关政府信息公开的申请21条,其中当面申请数18条,电子邮件申请数3条;
    #  对依申请公开的答复总数21条,其中同意公开答复数17条,其它公开答复数2条,免于公开答复数2条"
    got = stated(doc("2012-county-report.txt"))
    want = {"proactive.total": 2026, "apply.new.total": 21, "apply.channel.in_person": 18,
            "apply.channel.email": 3, "apply.answered.total": 21, "apply.disclosed.total": 17}
    assert {k: got[k].value for k in want} == want
    # 其它公开答复 / 免于公开答复 are no template row: nothing is guessed for them
    assert "apply.withheld.total" not in got or got["apply.withheld.total"].source != "prose"


def test_legacy_fields():
    d = doc("2017-report.txt")
    assert (d.title, d.jurisdiction, d.year, d.published) == (
        "平潭综合实验区2017年度政府信息公开工作年度报告", "平潭综合实验区", 2017, "2018-01-23")
    assert d.text.startswith("根据《中华人民共和国政府信息公开条例》")
    assert "当前位置" not in d.text and "微信 微博" not in d.text


def test_2019_template_negative_delta_is_not_split():
    # 表二 "行政事业性收费35-15": 上一年项目数量 35, 本年增/减 -15. Reading the
    # run "35" alone as two cells gave 3 and 5; a run glued to "-<digits>" gives no value.
    d = doc("2020-report.txt")
    got = stated(d)
    assert d.format == "std-2019"
    assert "proactive.fees.prev" not in got and "proactive.fees.delta" not in got
    assert "proactive.punishment.prev" not in got  # "行政处罚2648-18538"
    # "规章007": 本年新制作 0, 本年新公开 0, 对外公开总数 7
    assert [got[f"proactive.rules.{c}"].value for c in ("made", "published", "total")] == [0, 0, 7]
    # 表三 rows are unambiguous: "(一)予以公开6000017", "(七)总计20 0 00 0 121"
    assert [got[f"apply.disclosed.{c}"].value for c in ("natural_person", "other_org", "total")] == [6, 1, 7]
    assert got["apply.handled.total"].value == 21 and got["apply.new.total"].value == 21
    # the report's own outcome rows add up to 27, not its 总计 21: a check row, numbers untouched
    assert any(c.rule == "apply.handled.total" and c.expected == 27 and c.stated == 21 for c in d.checks)


def test_2021_template_run_together_cells_2023():
    d = doc("2023-report.txt")
    got = stated(d)
    assert d.format == "std-2021"
    # "(二)部分公开…191000020": 19 自然人, 1 商业企业, total 20
    assert [got[f"apply.partial.{c}"].value for c in ("natural_person", "business", "total")] == [19, 1, 20]
    # "一、本年新收…801000081" and "(七)总计801000081"
    assert got["apply.new.total"].value == 81 and got["apply.handled.total"].value == 81
    # 表四 "110024001510102": 复议 1 1 0 0 2 | 直接起诉 4 0 0 1 5 | 复议后起诉 1 0 1 0 2
    blocks = [[got[f"{b}.{c}"].value for c in ("upheld", "corrected", "other", "pending", "total")]
              for b in ("reconsideration", "litigation.direct", "litigation.after_reconsideration")]
    assert blocks == [[1, 1, 0, 0, 2], [4, 0, 0, 1, 5], [1, 0, 1, 0, 2]]
    # prose "予以公开及部分公开42件" counts two outcomes together: not a 部分公开 figure
    assert not any(c.rule == "disagree.apply.partial.total" for c in d.checks)
    assert got["proactive.total"].value == 13561  # "2023年全区共主动公开政府信息13561条"
    assert got["fees.total"].value == 0  # "无收取信息处理费情况"
    assert not [c for c in d.checks if c.rule.startswith(("apply.", "review."))]  # the report adds up


# ---- the old provincial 统计表: 指标名称 计量单位 YYYY年度 历年累计

PINGTAN = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "pingtan"


def annex_values(d) -> dict:
    return {s.key: s.value for s in d.stats if s.source == "annex"}


def test_indicator_table_with_spaces_2012():
    # "主动公开信息数 条 739 4359 … 受理依申请公开信息总数 条 0 0 其中：1、当面申请数 条 0 0 …
    #  3、否决公开答复数 条 0 0 行政复议数 件 0 0 行政诉讼数 件 0 0 行政申诉、举报数 件 0 0"
    d = doc("2012-report.txt")
    got = annex_values(d)
    assert d.format == "legacy-annex"
    assert got["proactive.total"] == 739
    zeros = ["apply.new.total", "apply.channel.in_person", "apply.channel.fax", "apply.channel.email",
             "apply.channel.online", "apply.channel.letter", "apply.answered.total", "apply.disclosed.total",
             "apply.partial.total", "apply.withheld.total", "reconsideration.total", "litigation.total"]
    assert {k: got[k] for k in zeros} == dict.fromkeys(zeros, 0)
    assert "appeal.total" not in got  # 行政申诉、举报数: two things in one row
    # the prose says "2012年主动公开政府信息1913条": the table is the stated figure, the prose a check
    assert any(c.rule == "disagree.proactive.total" and c.stated == 1913 for c in d.checks)


def test_indicator_table_run_together_decided_by_its_parts_2011():
    # "主动公开信息数条4251516其中：1.网站公开条41815092.政府公报公开条77":
    # 425|1516 = 418|1509 + 7|7 is the only reading whose parts add up
    got = annex_values(extract_file(PINGTAN / "2011-report.txt"))
    assert got["proactive.total"] == 425
    assert got["apply.new.total"] == 0 and got["apply.channel.other"] == 0 and got["appeal.total"] == 0


def test_indicator_table_run_together_2012_county():
    # "受理依申请公开信息总数条2121其中：1.当面申请数条18182.传真申请数条003.电子邮件申请数条33…"
    # 21|21 = 18|18 + 0|0 + 3|3; "对申请的答复数条2121其中：1.同意公开答复数条17172.同意部分公开答复数条22
    # 3.否决公开答复数条22": 21 = 17 + 2 + 2
    got = annex_values(doc("2012-county-report.txt"))
    want = {"apply.new.total": 21, "apply.channel.in_person": 18, "apply.channel.email": 3,
            "apply.answered.total": 21, "apply.disclosed.total": 17, "apply.partial.total": 2,
            "apply.withheld.total": 2}
    assert {k: got[k] for k in want} == want
    # "主动公开信息数条20263542 其中：1.网站公开条17953304 2.政府公报公开条07": 2026 vs 1795 + 0,
    # the report's parts do not add up, so the table decides nothing; the prose figure stands
    assert "proactive.total" not in got
    assert any(c.rule == "ambiguous.proactive.total" for c in doc("2012-county-report.txt").checks)


def test_indicator_table_no_spurious_reading_2013_county():
    # "主动公开信息数条18535395其中：1.网站公开条171350172.政府公报公开条07": the true reading
    # (1853|5395 vs 1713|5017 + 0|7) does not add up, but 1|8535395 = 1|7135017 + 0 would in the
    # first column alone: both columns must add up, so no value is taken from the table
    d = doc("2013-county-report.txt")
    got = stated(d)
    assert got["proactive.total"].value == 1853 and got["proactive.total"].source == "prose"
    # "受理依申请公开信息总数条728 其中：1.当面申请数条018 … 3.电子邮件申请数条36 4.网上申请数条44"
    a = annex_values(d)
    assert (a["apply.new.total"], a["apply.channel.in_person"], a["apply.channel.email"], a["apply.channel.online"]) == (7, 0, 3, 4)
    # the prose says 网上申请数3条, 信函申请数4条: the report disagrees with itself, a check says so
    assert any(c.rule == "disagree.apply.channel.online" for c in d.checks)


def test_indicator_table_running_totals_that_cannot_decide_2016():
    # "主动公开文件数条346085376其中：1、政府网站公开数条346085376 2、政府公报公开数条00": every
    # split adds up (the parts equal the whole), so the table gives no value; the prose 3460 stands
    d = doc("2016-report.txt")
    assert stated(d)["proactive.total"].source == "prose"
    got = annex_values(d)
    assert got["apply.new.total"] == 0 and got["reconsideration.total"] == 0
    assert "apply.channel.letter" not in got and "apply.channel.fax" not in got  # "信函、传真申请数": both in one row
    # "四、政府信息公开的收费及减免情况 2016年我区各级工作部门依申请提供政府信息暂不收费。"
    assert stated(d)["fees.total"].value == 0


def test_indicator_table_header_with_spaces_2011():
    # the 管委会's copy of the county's 2011 table, with spaces: "指标名称 计量 单位 2011 年度 历年累计
    # 主动公开信息数 条 425 1516 其中：1.网站公开 条 418 1509 2.政府公报公开 条 7 7 …" - the same
    # numbers the run-together copy (real/pingtan/2011-report.txt) is read as
    d = doc("2011-report.txt")
    assert d.format == "legacy-annex"
    got = annex_values(d)
    assert got == annex_values(extract_file(PINGTAN / "2011-report.txt"))
    assert got["proactive.total"] == 425 and got["appeal.total"] == 0


def test_proactive_total_sentence_rule():
    from govcrawl.extract.stats.prose import prose_figures

    def total(sentence):
        return [s.value for s in prose_figures(sentence)[0] if s.key == "proactive.total"]

    # real sentences from the pages above: a category is not the total
    assert total("我区累计在平潭政府采购信息网上主动公开政府采购项目信息188条,网上竞价453条。") == []
    assert total("今年累计主动公开采购信息25条、工程招投标信息188条。") == []
    assert total("2014年,我区各工作部门主动公开政府信息的主要类别有:机构职能类信息594条,") == []
    assert total("通过政府门户网站全年主动公开各类政府信息10407条。") == [10407]
    # synthetic sentences (not from a report), written to pin who may stand before 信息
    assert total("全年共主动公开各类信息2000条。") == [2000]
    assert total("全年主动公开我区各级单位政府信息2645条。") == [2645]
