"""Prose wordings seen in real reports (issue 13), each read by a registry rule (stats/registry.py).

The sentences are quoted from issue 13's list of real wordings, or are real sentences of the
fixtures (pingtan 2025); a negative case beside each shows the rule's scope.
"""
from __future__ import annotations

import pytest

from govcrawl.extract.stats.prose import prose_figures


def _got(sentence: str) -> dict:
    return {s.key: s.value for s in prose_figures(sentence)[0]}


@pytest.mark.parametrize("sentence, key, value", [
    ("本年度主动发布各类政府信息1234条。", "proactive.total", 1234),
    ("全年审核发布各类公开政府信息567条。", "proactive.total", 567),
    ("共受理政府信息公开申请20件，已全部办结答复，转下一年度办理答复的有2件。", "apply.carried_out.total", 2),
    # real (pingtan 2025)
    ("2025年，全区共收到政府信息公开申请154件，共办结148件，结转至2026年6件。", "apply.carried_out.total", 6),
    ("本年度未发生收费情况。", "fees.total", 0),
    ("未发生政府信息公开收费事项。", "fees.total", 0),
])
def test_wording_variant_is_read(sentence, key, value):
    assert _got(sentence).get(key) == value


def test_variants_stay_in_scope():
    assert "proactive.total" not in _got("通过政务微博发布信息300条。")  # one channel, not the total
    assert "apply.carried_out.total" not in _got("上年结转政府信息公开申请3件。")  # carried IN
    # a fee zero is a zero of the fee metric only
    assert _got("本年度未发生收费情况。") == {"fees.total": 0}


@pytest.mark.parametrize("sentence, want", [
    # real: web-excerpts/district-tjj-2023.txt
    ("2023年,我局认真梳理,主动在门户网站公开政府信息50条。", {"proactive.total": 50}),
    # real pages of i14's batch 2 (web-excerpts/kaihua-zhongcun-2023, jiulongpo-erlang-2022, yiwu-niansanli-2022)
    ("截至2023年12月31日,政务信息公开主动公开总数146条,其中在开化县政府信息公开网站公开政府信息101条。",
     {"proactive.total": 146}),
    ("全年新收政府信息公开申请数量0件,上年结转政府信息公开申请数量0件。",
     {"apply.new.total": 0, "apply.carried_in.total": 0}),
    ("2022年,廿三里街道共收到信息公开申请7件,上年度结转1件;", {"apply.new.total": 7, "apply.carried_in.total": 1}),
])
def test_named_totals_and_template_row_names_in_prose(sentence, want):
    assert _got(sentence) == want


def test_named_totals_stay_in_scope():
    assert _got("主动在网站公开财政信息10条。") == {}  # a category, not the total
    assert _got("应主动公开政府信息总数5条。") == {}  # what should be published
    assert "apply.carried_in.total" not in _got("上年结转的3件申请已办结。")


def test_zero_of_a_request_and_of_events():
    """rongchang-hebao 2020 (real, i14's batch 2): 未收到依申请公开请求 (no request: apply.new.total 0);
    …引发举报、投诉、行政复议或行政诉讼等事件 (no reconsideration, no lawsuit)."""
    got = _got("2020年,我镇未收到依申请公开请求;未对公众依申请公开政府信息收取任何费用;"
               "没有发生因政府信息公开工作引发举报、投诉、行政复议或行政诉讼等事件。")
    assert got == {"apply.new.total": 0, "fees.total": 0, "reconsideration.total": 0, "litigation.total": 0}
    # still a zero only of the phrase it negates
    assert _got("全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。") == {}


def test_a_figure_of_letters_or_a_list_item_is_no_total():
    """Real sentences of i14's pages (web-excerpts/wuqi-2023, beibuwan-ban-2022), both once read as
    wrong numbers: answers to letters are not answered applications, and the first item of an
    enumeration of categories is not the total published."""
    assert _got("县长信箱收到信件,183条,答复183条,答复率达100%。") == {}
    got = _got("2022年,利用门户网站主动公开政府信息88条、规范性文件2条、人大代表建议及政协提案办理信息34条、"
               "财政信息2条、规划计划2条。")
    assert "proactive.total" not in got
    # the same words without a sibling figure after them are the total
    assert _got("2022年,利用门户网站主动公开政府信息88条。") == {"proactive.total": 88}
    assert _got("共受理政府信息公开申请20件,答复20件。").get("apply.answered.total") == 20


def test_parallel_clauses_per_unit_are_parts():
    """lipu-2022 (real, i14's pages): ";"-clauses state the figures per unit (政府…, 部门…). The first
    clause's 予以公开2件 was stored as the whole (a wrong number); no clause states the whole."""
    got = _got("2022年政府新收依申请公开数量为2件,办理结果为予以公开2件;部门新收依申请公开数量为4件,"
               "办理结果为予以公开1件,无法提供2件,不予处理1件;因政府信息公开被申请行政复议、行政诉讼数量为0件。")
    assert "apply.disclosed.total" not in got
    # a clause that opens with 其中 is a part of the one before: the whole stays
    assert _got("全年主动公开政府信息58603条;其中县市区政府主动公开政府信息33191条。") == {"proactive.total": 58603}
    # the same figure restated in another sentence is no conflict
    assert _got("共受理申请20件;予以公开5件。全年予以公开5件,均已答复申请人。").get("apply.disclosed.total") == 5


def test_a_whole_then_its_parts_keeps_the_whole():
    """Seed 000's shape (real Shenyang 2009 report, ../shared seeds; here its words with the figures of
    a generated bench page): "共发布信息X条,其中…;<a unit>发布信息Y条" states the whole, then parts."""
    got = _got("全市各类公开主体共发布信息27960495条,其中,市政府各部门发布信息14015990条;"
               "在政务公开服务网共发布政府信息17763555条。")
    assert got.get("proactive.total") == 27960495
