"""Text helpers of the statistics readers: empty-cell placeholders, white space compaction.

The matching form of a text (Simplified, ASCII punctuation) is ``normalize.match_form``;
Chinese numerals are in ``numerals.py``.
"""
from __future__ import annotations

import re

# Placeholders that mean "no value" in a table cell.
EMPTY_CELLS = {"", "/", "-", "—", "--", "——", "–", "－", "\\", "无数据"}

_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")
_SPACE_RUN = re.compile(r"\s+")


def compact(text: str) -> str:
    """Remove white space except between two digits (PDF lines break mid-sentence)."""
    text = _SPACE_BETWEEN_DIGITS.sub("\x00", text)
    text = _SPACE_RUN.sub("", text)
    return text.replace("\x00", " ")
