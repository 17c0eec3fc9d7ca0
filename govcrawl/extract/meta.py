"""PLACEHOLDER (to be replaced by the metadata work, issue 3): report metadata."""
from __future__ import annotations

import re

from .model import Document


def fill(doc: Document, page, url: str | None = None) -> None:
    doc.text = page.text
    doc.title = page.title
    doc.breadcrumb = list(page.breadcrumb)
    m = re.search(r"(20\d{2}|19\d{2})\s*年", page.title or page.text[:200])
    doc.year = int(m.group(1)) if m else None
