"""Older reports (2008-2018): 附表 annexes and figures in prose, on real seed pages.

Expected numbers are the ones printed on each page (quoted in the comments).
"""
from __future__ import annotations

from pathlib import Path

from govcrawl.extract.stats import extract_stats
from govcrawl.extract.stats.prose import prose_figures

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "seeds"


def run(name):
    stats, checks, fmt = extract_stats((SEEDS / name).read_text(encoding="utf-8"))
    got = {}
    for s in stats:
        if not s.derived:
            assert s.key not in got
            got[s.key] = s
    return got, checks, fmt


def test_seed_003_annex_every_cell():
    got, checks, fmt = run("003_d88f63d2808b134a.txt")
    assert fmt == "legacy-annex"
    printed = {  # 附表1-4, one cell per line ending in " |"
        "proactive.total": 170, "proactive.electronic": 170,
        "apply.channel.in_person": 3, "apply.channel.fax": 0, "apply.channel.email": 0,
        "apply.channel.online": 1, "apply.channel.letter": 5, "apply.channel.other": 0,
        "apply.answered.total": 9, "apply.disclosed.total": 7, "apply.partial.total": 0,
        "apply.withheld.total": 1, "apply.not_exist.total": 0, "apply.not_this_agency.total": 0,
        "apply.unclear.total": 1, "consult.online": 266, "consult.onsite": 573,
        "consult.site_visits": 526696, "reconsideration.total": 0, "litigation.total": 0, "appeal.total": 0,
    }
    for key, want in printed.items():
        assert got[key].value == want, key
        assert got[key].source == "annex"
    # "咨询电话接听数 | 宗次 | (empty)": no value, and the preview of another
    # report further down (咨询电话接听数 3608) must not fill it
    assert "consult.phone" not in got
    # 申请总数 is empty in the annex; the prose says "共受理依申请公开政府信息事项9宗"
    assert got["apply.new.total"].value == 9 and got["apply.new.total"].source == "prose"
    # prose "网上咨询800余人次" is approximate and loses to the annex's 266
    assert any(c.rule == "approximate.consult.online" for c in checks)


def test_traditional_chinese_prose_seed_000():
    got, _checks, fmt = run("000_ce613ae3d38fe476.txt")
    assert fmt == "legacy-prose"
    # 共受理信息公開申請223條,其中信件受理198條、機關當面受理25條,公開信息219條
    assert {k: got[k].value for k in ("apply.new.total", "apply.channel.letter", "apply.channel.in_person",
                                      "apply.disclosed.total")} == {
        "apply.new.total": 223, "apply.channel.letter": 198, "apply.channel.in_person": 25, "apply.disclosed.total": 219}
    assert got["proactive.total"].value == 328947  # 全市各類公開主體共發布信息328947條
    assert got["reconsideration.total"].value == 7 and got["litigation.total"].value == 4
    for absent in ("apply.withheld.total", "apply.channel.online", "fees.total", "appeal.total"):
        assert absent not in got


def test_prose_zeros_seed_001():
    got, _c, _f = run("001_e8c90e1f83533eb4.txt")
    # 未对政府信息公开申请收取费用 / 没有发生…引起行政复议及行政诉讼的情况
    assert got["fees.total"].value == 0
    assert got["reconsideration.total"].value == 0 and got["litigation.total"].value == 0
    assert "appeal.total" not in got  # nothing is said of 申诉
    assert got["apply.new.total"].value == 201 and got["apply.channel.online"].value == 194
    assert got["apply.withheld.total"].value == 5 and got["apply.unclear.total"].value == 27
    assert "apply.partial.total" not in got


def test_prose_zeros_seed_004():
    got, _c, _f = run("004_d665514035f4539e.txt")
    # 政府信息公开相关举报、复议、诉讼案件为零
    assert got["reconsideration.total"].value == 0 and got["litigation.total"].value == 0
    assert got["apply.new.total"].value == 29
    assert "fees.total" not in got and "apply.withheld.total" not in got


def test_zero_needs_the_metric_in_the_same_clause():
    # synthetic sentences (not from a report), written to pin the rule
    stats, _ = prose_figures("2015年,未发生行政复议,行政诉讼3件。")
    got = {s.key: s.value for s in stats}
    assert got == {"reconsideration.total": 0, "litigation.total": 3}
    stats, _ = prose_figures("未收到有关政府信息公开行政复议申请。")
    got = {s.key: s.value for s in stats}
    assert got == {"reconsideration.total": 0}  # a 复议申请 is not an information request


def test_approximate_figures_are_not_stored_as_exact():
    stats, checks = prose_figures("全年主动公开政府信息5000余条。")  # synthetic
    assert not stats
    assert checks and checks[0].rule == "approximate.proactive.total" and checks[0].stated == 5000


def test_chinese_numerals_in_prose():
    stats, _ = prose_figures("全年共发生行政复议案件三起。")  # synthetic
    assert [(s.key, s.value) for s in stats] == [("reconsideration.total", 3)]


def test_no_report_content():
    assert extract_stats("") == ([], [], None)
    assert extract_stats("欢迎访问本网站。联系我们。") == ([], [], None)


# SYNTHETIC: the 2015-2018 national 政府信息公开情况统计表 layout (统计指标 | 单位 | 统计数,
# rows numbered "(一)" / "四、" / "1."), with invented numbers and no prose figures, so
# every value below can only come from the table.
_NATIONAL_ROWS = [
    ("统计指标", "单位", "统计数"), ("一、主动公开情况", "—", "—"),
    ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条", "1523"),
    ("三、依申请公开情况", "—", "—"), ("（一）收到申请数", "件", "37"), ("1.当面申请数", "件", "10"),
    ("3.网络申请数", "件", "20"), ("（二）申请办结数", "件", "37"), ("（三）申请答复数", "件", "36"),
    ("1.属于已主动公开范围数", "件", "5"), ("2.同意公开答复数", "件", "20"), ("3.同意部分公开答复数", "件", "3"),
    ("4.不同意公开答复数", "件", "—"), ("5.不属于本行政机关公开数", "件", "4"), ("6.申请信息不存在数", "件", "3"),
    ("四、行政复议数量", "件", "1"), ("（一）维持具体行政行为数", "件", "1"), ("五、行政诉讼数量", "件", "0"),
]


def test_national_2015_2018_statistics_table_rows_with_chinese_ordinals():
    from govcrawl.extract import extract

    table = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in _NATIONAL_ROWS)
    page = ("<html><head><title>某县2016年政府信息公开工作年度报告</title></head><body><div class='article'>"
            "<h1>某县2016年政府信息公开工作年度报告</h1><p>本报告根据《中华人民共和国政府信息公开条例》要求编制。</p>"
            "<p>一、概述</p><p>2016年，我县政府信息公开工作稳步推进。</p>"
            f"<p>附件：某县2016年政府信息公开情况统计表</p><table>{table}</table></div></body></html>")
    doc = extract(page.encode("utf-8"), url="http://www.example.gov.cn/a.html")
    got = {s.key: s.value for s in doc.stats}
    assert doc.format == "legacy-annex"
    assert got == {
        "proactive.total": 1523, "apply.new.total": 37, "apply.channel.in_person": 10, "apply.channel.online": 20,
        "apply.answered.total": 36, "apply.disclosed.total": 20, "apply.partial.total": 3,
        "apply.not_this_agency.total": 4, "apply.not_exist.total": 3, "reconsideration.total": 1, "litigation.total": 0,
    }  # "—" (不同意公开) is no value; 申请办结数, 维持具体行政行为数 have no key of their own
