"""Group totals (不予公开 / 无法提供 / 不予处理) are derived from the rows of the report's own
template version (registry.APPLY_DERIVED_GROUPS, APPLY_ROWS), on a real 2019-template report."""
from __future__ import annotations

from pathlib import Path

from govcrawl.extract import extract
from govcrawl.extract.stats import registry as R
from govcrawl.extract.stats.template import derived_groups

REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "real" / "pingtan" / "2019-report.txt"


def test_group_totals_of_a_2019_report_from_its_template_rows():
    doc = extract(REPORT.read_bytes(), filename=REPORT.name)
    assert doc.format == "std-2019"
    got = {s.key: s for s in doc.stats}
    # printed: (四)无法提供 1.本机关不掌握 7, 2.另行制作 0, 3.补正后仍不明确 5;
    # (五)不予处理 2.重复申请 3, the other four 0; (三)不予公开 eight rows of 0
    for group, value, rows in (("unavailable", 12, 3), ("not_processed", 3, 5), ("withheld", 0, 8)):
        st = got[f"apply.{group}.total"]
        assert st.derived and st.read == "sum" and st.value == value, st
        assert st.evidence == f"sum of {rows} rows of {group} (total column)"
        parts = [k for k, _ in R.APPLY_ROWS["std-2019"] if k.startswith(group + ".")]
        assert len(parts) == rows and sum(got[f"apply.{k}.total"].value for k in parts) == value


def test_group_totals_follow_the_version_given():
    doc = extract(REPORT.read_bytes(), filename=REPORT.name)
    stated = [s for s in doc.stats if not s.derived]
    for2019 = {s.key: s.value for s in derived_groups(stated, "std-2019")}
    assert for2019 == {"apply.withheld.total": 0, "apply.unavailable.total": 12, "apply.not_processed.total": 3}
    assert derived_groups(stated, None) == []  # no template: nothing is derived
    for version, groups in R.APPLY_DERIVED_GROUPS.items():  # each group has rows in its version
        keys = [k for k, _ in R.APPLY_ROWS[version]]
        assert all(any(k.startswith(g + ".") for k in keys) for g in groups)
