"""Property: a generated table 三 rendered in any flattening style is read back
as exactly its numbers, or as no number - never as a different one.

The tables are synthetic (generated here, consistent with the template's
identities as a real report's should be); the labels are the 2021 template's.
"""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govcrawl.extract.stats import extract_stats
from govcrawl.extract.stats.registry import APPLY_COLS, REVIEW_BLOCKS, REVIEW_COLS

# (key, group label, row label) as printed in the 2021 template
ROWS = [
    ("new", None, "一、本年新收政府信息公开申请数量"),
    ("carried_in", None, "二、上年结转政府信息公开申请数量"),
    ("disclosed", "三、本年度办理结果", "(一)予以公开"),
    ("partial", "三、本年度办理结果", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
    ("withheld.state_secret", "(三)不予公开", "1.属于国家秘密"),
    ("withheld.law_prohibited", "(三)不予公开", "2.其他法律行政法规禁止公开"),
    ("withheld.security_stability", "(三)不予公开", "3.危及“三安全一稳定”"),
    ("withheld.third_party", "(三)不予公开", "4.保护第三方合法权益"),
    ("withheld.internal_affairs", "(三)不予公开", "5.属于三类内部事务信息"),
    ("withheld.process_info", "(三)不予公开", "6.属于四类过程性信息"),
    ("withheld.enforcement_file", "(三)不予公开", "7.属于行政执法案卷"),
    ("withheld.query_matter", "(三)不予公开", "8.属于行政查询事项"),
    ("unavailable.not_held", "(四)无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable.needs_creation", "(四)无法提供", "2.没有现成信息需要另行制作"),
    ("unavailable.still_unclear", "(四)无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed.petition", "(五)不予处理", "1.信访举报投诉类申请"),
    ("not_processed.repeat", "(五)不予处理", "2.重复申请"),
    ("not_processed.publication", "(五)不予处理", "3.要求提供公开出版物"),
    ("not_processed.mass_repeat", "(五)不予处理", "4.无正当理由大量反复申请"),
    ("not_processed.confirm", "(五)不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("other.no_correction", "(六)其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.unpaid_fee", "(六)其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.other", "(六)其他处理", "3.其他"),
    ("handled", None, "(七)总计"),
    ("carried_out", None, "四、结转下年度继续办理"),
]
OUTCOMES = [k for k, _, _ in ROWS if k not in ("new", "carried_in", "handled", "carried_out")]
HEADER = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) 申请人情况 自然人 法人或其他组织 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计"
STYLES = ["html", "pipe", "pdf", "run_together"]


@st.composite
def tables(draw):
    """A table 三 (and 四) that satisfies every identity."""
    small = st.integers(0, 3) | st.integers(0, 60) | st.just(0)
    rows = {k: [draw(small) for _ in range(6)] for k in OUTCOMES}
    rows["handled"] = [sum(rows[k][c] for k in OUTCOMES) for c in range(6)]
    rows["carried_out"] = [draw(small) for _ in range(6)]
    rows["carried_in"] = [draw(st.integers(0, rows["handled"][c] + rows["carried_out"][c])) for c in range(6)]
    rows["new"] = [rows["handled"][c] + rows["carried_out"][c] - rows["carried_in"][c] for c in range(6)]
    table = {k: tuple(v) + (sum(v),) for k, v in rows.items()}
    review = []
    for _ in REVIEW_BLOCKS:
        four = [draw(small) for _ in range(4)]
        review += four + [sum(four)]
    return table, tuple(review)


def render(table, review, style, rnd: random.Random) -> tuple[str, str | None]:
    """(text, html) of the two tables in one flattening style."""
    if style == "html":
        trs = ["<tr><td colspan='3' rowspan='2'>(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)</td>"
               "<td colspan='7'>申请人情况</td></tr>",
               "<tr>" + "".join(f"<td>{h}</td>" for h in ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]) + "</tr>"]
        for key, group, label in ROWS:
            cells = "".join(f"<td>{v}</td>" for v in table[key])
            if group is None:
                trs.append(f"<tr><td colspan='3'>{label}</td>{cells}</tr>")
            else:
                trs.append(f"<tr><td>{group}</td><td colspan='2'>{label}</td>{cells}</tr>")
        rev = "".join(f"<td>{v}</td>" for v in review)
        html = (f"<html><body><p>三、收到和处理政府信息公开申请情况</p><table>{''.join(trs)}</table>"
                f"<p>四、政府信息公开行政复议、行政诉讼情况</p><table><tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
                f"<tr>{rev}</tr></table><p>五、存在的主要问题及改进情况</p></body></html>")
        return "", html
    lines = ["三、收到和处理政府信息公开申请情况", HEADER]
    for key, group, label in ROWS:
        nums = [str(v) for v in table[key]]
        full = (group or "") + label
        if style == "pipe":
            lines.append("| " + " | ".join([full] + nums) + " |")
        elif style == "pdf":
            head = len(label) - len(label.lstrip("0123456789."))  # "1." stays with its label
            cut = rnd.randint(head + 1, len(label) - 1)  # the label broken around the numbers
            lines += [(group or "") + label[:cut] + " " + " ".join(nums), label[cut:]] if rnd.random() < 0.5 else [full + " " + " ".join(nums)]
        else:
            lines.append(full + "".join(nums))
    sep = " " if style == "pdf" else (" | " if style == "pipe" else "")
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计",
              sep.join(str(v) for v in review), "五、存在的主要问题及改进情况"]
    joiner = "" if style == "run_together" else "\n"
    return joiner.join(lines), None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(STYLES), st.randoms(use_true_random=False))
def test_numbers_back_exactly_or_not_at_all(data, style, rnd):
    table, review = data
    text, html = render(table, review, style, rnd)
    stats, _checks, _fmt = extract_stats(text, html=html)
    truth = {f"apply.{k}.{c}": v for k, vals in table.items() for c, v in zip(APPLY_COLS, vals)}
    truth.update({f"{b}.{c}": v for i, b in enumerate(REVIEW_BLOCKS) for j, c in enumerate(REVIEW_COLS)
                  for v in [review[i * 5 + j]]})
    got = {}
    for s in stats:
        if s.derived or s.key not in truth:
            continue
        assert s.key not in got, f"{s.key} twice"
        got[s.key] = s.value
        assert s.value == truth[s.key], f"{style}: {s.key} read as {s.value}, printed {truth[s.key]}"
    if style != "run_together":
        # separated cells leave nothing to guess: every cell comes back
        assert got == truth
