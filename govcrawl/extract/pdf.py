"""PLACEHOLDER (to be replaced, issue 4): PDF bytes -> text."""
from __future__ import annotations

import io


def pdf_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join((p.extract_text() or "") for p in pdf.pages)
