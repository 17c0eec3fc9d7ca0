"""PLACEHOLDER (to be replaced by the statistics work, issue 4)."""
from __future__ import annotations

from ..model import Check, Stat


def extract_stats(text: str, html: str | None = None, year: int | None = None) -> tuple[list[Stat], list[Check], str | None]:
    """Return (stats, checks, format) for a report's clean text (and raw HTML when there is one)."""
    return [], [], None
