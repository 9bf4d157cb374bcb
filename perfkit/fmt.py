"""Numbers as the reports print them, in one place (the lowest layer with ``errors``).

Money is in 万元 with two decimals and thousands separators, rates are percentages with two decimals,
scores have two decimals and points are printed as a framework states them. Every function takes
``None`` or NaN and prints an em dash, so a missing figure is never printed as a number.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Any


def missing(x: Any) -> bool:
    """True for None, NaN and anything that is not a number."""
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def json_safe(x: Any) -> Any:
    """A document for ``json.dumps(..., allow_nan=False)``: every NaN or infinite float inside dicts, lists
    and tuples becomes None (a figure that is undefined, e.g. a ratio over a zero budget); the rest as is."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    return x


def _clean(x: float, digits: int) -> float:
    """Avoid printing −0.00."""
    x = float(x)
    return 0.0 if abs(x) < 0.5 * 10 ** -digits else x


def money(x: Any) -> str:
    """万元 with two decimals and thousands separators: 58993.4 → '58,993.40'."""
    return "—" if missing(x) else f"{_clean(x, 2):,.2f}"


def pct(x: Any, digits: int = 2) -> str:
    """A rate already in percent: 98.62 → '98.62%'."""
    return "—" if missing(x) else f"{_clean(x, digits):,.{digits}f}%"


def pct0(x: Any) -> str:
    """A round percentage as written: 25 → '25%'."""
    return "—" if missing(x) else f"{float(x):g}%"


def pct_ratio(x: Any) -> str:
    """A ratio as a percentage: 0.6667 → '66.67%'; '∞' for an infinite one (anything against a target of 0)."""
    if missing(x):
        return "—"
    return "∞" if math.isinf(float(x)) else pct(100.0 * float(x))


def score(x: Any) -> str:
    """A score with two decimals, as reports print totals and indicator scores: 86.5316 → '86.53'."""
    return "—" if missing(x) else f"{_clean(x, 2):.2f}"


def pts(x: Any) -> str:
    """Points (分值) as a framework states them: 6 → '6', 1.5 → '1.5'."""
    return "—" if missing(x) else f"{float(x):g}"


def num(x: Any) -> str:
    """A figure as written, with thousands separators: 169161 → '169,161', 127.702 → '127.702'."""
    if missing(x):
        return "—"
    x = float(x)
    return f"{int(round(x)):,}" if x == round(x) and abs(x) < 1e15 else f"{x:,.10g}"


def pp(x: Any) -> str:
    """Percentage points with two decimals: 9.92."""
    return "—" if missing(x) else f"{_clean(x, 2):.2f}"


def ratio(x: Any) -> str:
    """A multiple with two decimals: 1.8 → '1.80'."""
    if missing(x):
        return "—"
    return "∞" if math.isinf(float(x)) else f"{float(x):.2f}"


def quantity_text(raw: Any) -> str:
    """A target or actual as the report writes it (numbers formatted, words kept)."""
    if raw is None:
        return "—"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return num(raw)
    return str(raw)



_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 37 → 三十七 (for headings up to 99)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    out = ("" if tens <= 1 else _CN_DIGITS[tens]) + ("十" if tens else "")
    return out + (_CN_DIGITS[ones] if ones else "")


# … and read back, as forms write counts and places in words (三个, 第八名, 一项)
_CN_DIGIT_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                    "九": 9}
_CN_UNIT_VALUES = {"十": 10, "百": 100, "千": 1000}


def chinese_numeral(text: str) -> float | None:
    """Value of a simple Chinese numeral (十 → 10, 二十五 → 25, 八 → 8); None if not one."""
    if not text or any(ch not in _CN_DIGIT_VALUES and ch not in _CN_UNIT_VALUES for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGIT_VALUES:
            digit = _CN_DIGIT_VALUES[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNIT_VALUES[ch]
            digit = None
    return float(total + (digit or 0))


_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def numeral(text: str) -> float | None:
    """A figure written in digits or as a Chinese numeral ("3" → 3, "十二" → 12, "1.5" → 1.5); None if neither."""
    return float(text) if _DIGITS.fullmatch(text) else chinese_numeral(text)


def display_width(text: str) -> int:
    """Columns a text takes in a terminal: wide (CJK) characters take two."""
    if text.isascii():
        return len(text)
    return _wide_width(text)


@functools.lru_cache(maxsize=1 << 16)
def _wide_width(text: str) -> int:
    # a report measures the same cell texts many times (its tables, for the page and for the Word document)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
