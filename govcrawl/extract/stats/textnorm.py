"""Text helpers of the statistics readers: empty-cell placeholders, white space compaction.

The matching form of a text (Simplified, ASCII punctuation) is ``normalize.match_form``;
Chinese numerals are in ``numerals.py``.
"""
from __future__ import annotations

import re

# Placeholders that mean "no value" in a table cell.
EMPTY_CELLS = {"", "/", "-", "—", "--", "——", "–", "－", "\\", "无数据"}

# (?<=\d)\s+(?=\d), written to start with the white space: re then scans for white space
# instead of trying the look-behind at every character.
_SPACE_BETWEEN_DIGITS = re.compile(r"\s(?<=\d\s)\s*(?=\d)")


def compact(text: str) -> str:
    """Remove white space except between two digits (PDF lines break mid-sentence)."""
    text = _SPACE_BETWEEN_DIGITS.sub("\x00", text)
    return "".join(text.split()).replace("\x00", " ")  # str.split's white space is re's \s (tested)
