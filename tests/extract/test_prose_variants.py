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
