"""Quantities as reports write them: "≥130亿", "＞20%", "十名以内", "2-3个", "显著提升".

A performance target keeps its words; this module reads the comparison, the number(s) and the unit
out of them so that targets and actuals can be compared, and says plainly when a text holds no
measurable value (目标值不可衡量).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Comparison words, longest first so that "不少于" wins over "少于".
_PREFIX_OPS = [
    ("不少于", ">="), ("不低于", ">="), ("不小于", ">="), ("至少", ">="), ("大于等于", ">="),
    ("不超过", "<="), ("不高于", "<="), ("不大于", "<="), ("小于等于", "<="), ("控制在", "<="),
    ("≥", ">="), (">=", ">="), ("＞＝", ">="), ("≧", ">="),
    ("≤", "<="), ("<=", "<="), ("＜＝", "<="), ("≦", "<="),
    ("＞", ">"), (">", ">"), ("大于", ">"), ("超过", ">"), ("高于", ">"),
    ("＜", "<"), ("<", "<"), ("小于", "<"), ("低于", "<"),
    ("＝", "=="), ("=", "=="), ("达到", ">="),
]
_SUFFIX_OPS = [("以上", ">="), ("及以上", ">="), ("以内", "<="), ("以下", "<="), ("之内", "<=")]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

# A number as YAML 1.2 writes one (``1.2e1``, ``.5``), or with thousands separators; never a part of one.
_NUMBER = r"[-+]?(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE_RE = re.compile(rf"({_NUMBER})\s*[-~～—至到]\s*({_NUMBER})")
_NUMBER_RE = re.compile(_NUMBER)
_CN_NUMBER_RE = re.compile(r"[零〇一二两三四五六七八九十百千]+")

# Magnitude words that may lead a unit; a value in 亿 and one in 亿元 compare directly.
_SCALES = [("万亿", 1e12), ("亿", 1e8), ("千万", 1e7), ("百万", 1e6), ("万", 1e4), ("千", 1e3)]


def chinese_numeral(text: str) -> float | None:
    """Value of a simple Chinese numeral (十 → 10, 二十五 → 25, 八 → 8); None if not one."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return float(total + (digit or 0))


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity. ``value`` is None when the text holds no measurable number."""

    text: str
    op: str | None = None
    value: float | None = None
    upper: float | None = None
    unit: str | None = None

    @property
    def measurable(self) -> bool:
        return self.value is not None

    @property
    def scale(self) -> float:
        """Magnitude implied by the unit's leading word (亿 → 1e8); 1 when none."""
        for word, factor in _SCALES:
            if self.unit and self.unit.startswith(word):
                return factor
        return 1.0

    def comparable(self, other: "Quantity") -> float | None:
        """This value in ``other``'s unit scale.

        Rescaled only when both units carry a magnitude word and the words differ (654亿 against
        0.5万亿); when one side has none ("153万" against "153"), both are taken to be in the same unit,
        as forms write the unit once in the header.
        """
        if self.value is None:
            return None
        a, b = self.scale, other.scale
        if a == b or a == 1.0 or b == 1.0:
            return self.value
        return self.value * a / b


def parse_quantity(raw: str | float | int | None, unit: str | None = None) -> Quantity:
    """Parse a target or actual as written.

    >>> parse_quantity("≥130亿")
    Quantity(text='≥130亿', op='>=', value=130.0, upper=None, unit='亿')
    >>> parse_quantity("十名以内").op, parse_quantity("十名以内").value
    ('<=', 10.0)
    >>> parse_quantity("显著提升").measurable
    False
    """
    if raw is None:
        return Quantity(text="", unit=unit)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Quantity(text=f"{raw:g}", value=float(raw), unit=unit)
    text = str(raw).strip()
    body, op = text, None
    for word, sym in _PREFIX_OPS:
        if body.startswith(word):
            body, op = body[len(word):].strip(), sym
            break
    for word, sym in _SUFFIX_OPS:
        if body.endswith(word):
            body, op = body[: -len(word)].strip(), op or sym
            break
    value = upper = None
    rest = body
    if m := _RANGE_RE.search(body):
        value, upper = float(m.group(1).replace(",", "")), float(m.group(2).replace(",", ""))
        rest = body[m.end():]
    elif m := _NUMBER_RE.search(body):
        value = float(m.group(0).replace(",", ""))
        rest = body[m.end():]
    elif m := _CN_NUMBER_RE.search(body):
        value = chinese_numeral(m.group(0))
        rest = body[m.end():]
    if not all(math.isfinite(v) for v in (value, upper) if v is not None):
        value = upper = None  # "1e999亿" is no measurable value
    parsed_unit = rest.strip().strip("。，,；;") or None
    if value is not None and body.startswith("第"):
        parsed_unit = parsed_unit or "名"
    return Quantity(text=text, op=op, value=value, upper=upper, unit=unit or parsed_unit)


def direction_of(q: Quantity) -> str | None:
    """Direction a comparison implies: ≥ / > → positive; ≤ / < → negative; = → equal."""
    return {">=": "positive", ">": "positive", "<=": "negative", "<": "negative", "==": "equal"}.get(q.op or "")
