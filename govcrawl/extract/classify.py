"""PLACEHOLDER (to be replaced, issue 3): is this document an annual report?"""
from __future__ import annotations

import re

from .model import Document

_REPORT = re.compile(r"(政府信息公开|政务公开).{0,12}(年度报告|年报|工作报告)")


def classify(doc: Document) -> None:
    if _REPORT.search(doc.title or "") or _REPORT.search(doc.text[:300]):
        doc.is_report = True
    else:
        doc.is_report = False
        doc.skip_reason = doc.skip_reason or "title and opening do not name a 政府信息公开工作年度报告"
