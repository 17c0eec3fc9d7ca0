"""Normalisation: entities, per-document OpenCC, numbers, white space.

Real text comes from tests/fixtures/corpus/ (copies of ../shared/corpus);
short inline strings are SYNTHETIC examples of one rule each.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.extract.normalize import (
    collapse_whitespace,
    decode_entities,
    fix_numbers,
    is_traditional,
    normalize_text,
    to_simplified,
)

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def read(rel: str) -> str:
    return (CORPUS / rel).read_text(encoding="utf-8")


def test_traditional_decided_per_document():
    assert is_traditional(read("seeds/000_ce613ae3d38fe476.txt"))
    assert not is_traditional(read("seeds/002_8661693cc3ee7730.txt"))
    assert not is_traditional(read("real/pingtan/2021-report.txt"))


def test_simplified_document_left_alone():
    raw = read("seeds/002_8661693cc3ee7730.txt")
    out, was_trad = normalize_text(raw)
    assert not was_trad
    assert "如东县" in out and out.count("\n") > 10


def test_taiwan_phrasing_back_to_mainland():
    assert to_simplified("規範性檔案") == "规范性文件"
    out, was_trad = normalize_text(read("seeds/000_ce613ae3d38fe476.txt"))
    assert was_trad and "沈阳市2009年度政府信息公开工作报告" in out and "瀋" not in out


def test_entities():
    assert decode_entities("5&bull;15政务公开日") == "5•15政务公开日"
    assert decode_entities("A&amp;bull;B") == "A•B"  # double-escaped archives
    assert "&bull;" not in normalize_text(read("seeds/004_d665514035f4539e.txt"))[0]


def test_full_width_numbers():
    assert fix_numbers("共１２３件") == "共123件"
    assert fix_numbers("占３．５％") == "占3.5%"
    assert fix_numbers("１，２３４条") == "1,234条"
    # a Chinese comma between two numbers in prose is not a thousands separator
    assert fix_numbers("7件，4件") == "7件，4件"
    assert fix_numbers("第1，2项") == "第1，2项"


def test_whitespace_collapsed_lines_kept():
    assert collapse_whitespace("  一、 概述\u3000\n\n\t正文  第一段 \n") == "一、 概述\n正文 第一段"


# -- one normaliser: the document's flag reaches the table cells ----------------------------
# Two real reports (pingtan 2025 HTML, shanghai 2019 HTML: tables as grids) converted to
# Traditional here, three ways a Traditional copy of a mainland report is made: character by
# character (s2t: a site's 繁體 switch, a Big5 mirror), with Taiwan variants (s2tw), and with
# Taiwan phrasing (s2twp: 文件 -> 檔案, 信息 -> 資訊, as mirror sites write). The converted
# pages are SYNTHETIC derivatives; every one must give the statistics of the original.
@pytest.mark.parametrize("report", ["real/pingtan/2025-report.html", "real/shanghai-szfbgt/2019-report.html"])
@pytest.mark.parametrize("style", ["s2t", "s2tw", "s2twp"])
def test_traditional_copy_reads_like_the_original(report, style):
    import opencc

    from govcrawl.extract import extract_staged

    raw = (CORPUS / report).read_bytes()
    want, _ = extract_staged(raw, filename="report.html")
    trad = opencc.OpenCC(style).convert(raw.decode("utf-8")).encode("utf-8")
    got, stage = extract_staged(trad, filename="report.html")
    assert stage.page["traditional"]
    assert got.format == want.format and want.format in ("std-2021", "std-2019")
    assert {s.key: s.value for s in got.stats} == {s.key: s.value for s in want.stats}
    assert len(want.stats) >= 60
    # the cells were converted with the document's flag: no Traditional label left in the table rows
    assert "規範性" not in stage.table_text and "规范性文件" in stage.table_text


def test_mainland_words_kept_taiwan_phrasing_converted():
    # words mainland reports use as they are stay (tw2sp alone gives 创建, 运行, 查找, 文档, 进程)
    assert to_simplified("建立健全制度，嚴格執行查詢事項、行政程序，規範性文件") == "建立健全制度，严格执行查询事项、行政程序，规范性文件"
    # Taiwan phrasing still comes back; a longer kept phrase wins over a converted shorter one
    assert to_simplified("資訊公開，規範性檔案，縣檔案館") == "信息公开，规范性文件，县档案馆"


# Real report texts (web-excerpts, README there) that were not in the corpus mainland_words.txt was
# derived from, converted here (SYNTHETIC derivatives, as above): a 2021-template table and a
# 2019-template one read from the text, as in the Simplified original.
@pytest.mark.parametrize("report", ["real/web-excerpts/jiulongpo-erlang-2022.txt", "real/web-excerpts/weishan-liangcheng-2020.txt"])
@pytest.mark.parametrize("style", ["s2t", "s2twp"])
def test_traditional_copy_of_a_text_report_reads_like_the_original(report, style):
    import opencc

    from govcrawl.extract import extract

    raw = (CORPUS / report).read_bytes()
    want = {s.key: s.value for s in extract(raw, filename="report.txt").stats}
    got = {s.key: s.value for s in extract(opencc.OpenCC(style).convert(raw.decode("utf-8")).encode("utf-8"),
                                           filename="report.txt").stats}
    assert got == want and len(want) >= 9
    assert any(k.startswith("proactive.normative.") for k in want)  # the 规范性文件 row (文件 -> 檔案 in s2twp)


# -- skipping t2s where it cannot change anything (normalize._t2s_may_change) --------------------

def _share_by_conversion(text: str) -> float:
    """traditional_share as it was before the skip: always converts the sample."""
    from govcrawl.extract import normalize

    sample = normalize._NOT_HAN.sub("", text)[:20000]
    if not sample:
        return 0.0
    converted = normalize._converter("t2s").convert(sample)
    return sum(1 for a, b in zip(sample, converted) if a != b) / len(sample)


def test_t2s_changes_file_matches_installed_opencc():
    import sys

    from govcrawl.extract.normalize import T2S_CHANGES

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        import t2s_changes
    finally:
        sys.path.pop(0)
    chars, phrases = t2s_changes.t2s_changes()
    assert len(chars) > 3000 and "沈" not in chars and "深沈" in phrases and "回覆" in phrases
    assert T2S_CHANGES.read_text(encoding="utf-8") == t2s_changes.render(chars, phrases)


def test_every_character_t2s_changes_is_seen():
    from govcrawl.extract import normalize

    t2s = normalize._converter("t2s")
    changed = [chr(c) for c in range(0x4E00, 0xA000) if t2s.convert(chr(c)) != chr(c)]
    assert len(changed) > 3000
    assert all(normalize._t2s_may_change(f"简体文字{c}简体文字") for c in changed)


def test_skipping_t2s_gives_the_same_share():
    from govcrawl.extract import normalize

    texts = [p.read_text(encoding="utf-8", errors="ignore") for p in sorted(CORPUS.rglob("*"))
             if p.suffix in (".txt", ".html")]
    assert any(normalize._t2s_may_change(t) for t in texts) and not all(normalize._t2s_may_change(t) for t in texts)
    simplified = read("real/pingtan/2021-report.txt")
    # phrases t2s changes though their characters alone stay (回覆 -> 回复, 深沈 -> 深沉), also split by
    # what the sample drops (punctuation, digits, a long run of them), at the start, the end, mid-text
    for phrase in normalize._phrases:
        for sep in ("", "，", "12345", " " * 40, "<p>" * 30):
            split = sep.join(phrase)
            texts += [split, "共" + split + "。", simplified[:3000] + split + simplified[3000:6000], split + simplified[:500]]
    texts += ["覆盖全市", "沈阳市" + simplified[:2000], "在" + "1" * 100 + "覆" + "2" * 100 + "盖"]
    for t in texts:
        assert normalize.traditional_share(t) == _share_by_conversion(t), t[:80]
    assert sum(normalize._t2s_may_change(t) for t in texts) < len(texts)
