"""Chinese numerals and years, in one place (stats, metadata, cleaning and crawl link hints).

``cn_to_int`` reads a numeral ("二十三", "一百零五", "二〇一二"); a year may also be
written digit by digit with look-alike zeros ("二○二一", "二Ｏ二一"), which only
``YEAR`` / ``year_value`` accept: a lone "○" in a table cell is a mark, not a zero.
"""
from __future__ import annotations

import re

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# The characters a Chinese numeral is written with (a count in prose: "二十三件", "一万余").
NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS) + "万"

# A year's digits: Arabic (19xx/20xx) or four Chinese digits, zero also as ○ or Ｏ.
_YEAR_DIGITS = {**{k: str(v) for k, v in CN_DIGITS.items() if k != "两"}, "○": "0", "Ｏ": "0"}
YEAR_ARABIC = r"(?:19|20)\d{2}"
YEAR_CN = "[%s]{4}" % "".join(_YEAR_DIGITS)
YEAR = rf"(?:{YEAR_ARABIC}|{YEAR_CN})"
YEAR_RE = re.compile(YEAR)


def year_value(s: str) -> int | None:
    """"2021" or "二〇二一" / "二○二一" -> 2021, if within 1990-2100; None otherwise."""
    digits = "".join(_YEAR_DIGITS.get(ch, ch) for ch in s.strip())
    if not digits.isdigit() or not digits.isascii():
        return None
    y = int(digits)
    return y if 1990 <= y <= 2100 else None


def cn_to_int(s: str) -> int | None:
    """Chinese numeral ("二十三", "一百零五", "三千") -> int; None if it is not one."""
    if not s:
        return None
    if all(ch in CN_DIGITS for ch in s):
        if len(s) == 1:
            return CN_DIGITS[s]
        return int("".join(str(CN_DIGITS[ch]) for ch in s))  # 二〇一二 style
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (digit if digit is not None else 1) * CN_UNITS[ch]
            digit = None
        elif ch == "万":
            section += digit or 0
            total += section * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


_INT = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+\.\d+")


def parse_number(s: str) -> float | int | None:
    """"3119" -> 3119, "96171.6" -> 96171.6, "二十" -> 20; None otherwise."""
    s = s.strip().replace(",", "")
    if _INT.fullmatch(s):
        return int(s)
    if _DECIMAL.fullmatch(s):
        return float(s)
    return cn_to_int(s)
