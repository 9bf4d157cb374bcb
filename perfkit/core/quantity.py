"""Quantities as reports write them: "≥130亿", "＞20%", "十名以内", "2-3个", "显著提升".

A performance target keeps its words; this module reads the comparison, the number(s) and the unit
out of them so that targets and actuals can be compared, and says plainly when a text holds no
measurable value (目标值不可衡量).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..fmt import chinese_numeral
from .target_text import _scale_of, read_target, rescale_between

__all__ = ["Quantity", "chinese_numeral", "direction_of", "parse_quantity"]


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
        """Magnitude implied by the unit's leading word (亿 → 1e8; a value in 亿 and one in 亿元 compare
        directly); 1 when none. The magnitude words are the grammar's (:data:`~perfkit.core.target_text.SCALES`)."""
        return _scale_of(self.unit)[2]

    @property
    def base_unit(self) -> str | None:
        """The unit without its magnitude word (万元 → 元, 亿 → None, 人 → 人); None when none is written."""
        return _scale_of(self.unit)[1]

    def comparable(self, other: "Quantity") -> float | None:
        """This value in ``other``'s unit scale.

        Rescaled when the magnitudes differ and both sides write the same unit apart from the magnitude word:
        654亿 against 0.5万亿, 420000元 against 50万元 (42). A bare number ("153" against "153万") is taken to be in
        the other's unit, as forms write the unit once in the header; different units (户 against 人) are taken
        as written (:func:`~perfkit.core.target_text.rescale_between`).
        """
        return rescale_between(self.value, self.unit, other.unit)


def parse_quantity(raw: str | float | int | None, unit: str | None = None) -> Quantity:
    """Parse a target or actual as written, through the grammar of :mod:`perfkit.core.target_text`.

    A range gives ``value`` and ``upper`` (no ``op``); a date, a growth or words give no ``value`` (a date
    is not a number: "2022年2月" is not 2022). ``unit`` given overrides the unit read from the text.

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
    r = read_target(text)
    if r.kind in ("words", "not_applicable", "date", "growth") or not r.measurable:
        return Quantity(text=text, unit=unit or (r.unit_text if r.kind == "growth" else None))
    if r.comparator == "range":
        return Quantity(text=text, value=r.lo, upper=r.hi, unit=unit or r.unit_text)
    op = r.comparator if r.notes != ("a cost row's amount: read as a ceiling on spending",) else None
    return Quantity(text=text, op=op, value=r.value, unit=unit or r.unit_text)


def direction_of(q: Quantity) -> str | None:
    """Direction a comparison implies: ≥ / > → positive; ≤ / < → negative; = → equal."""
    return {">=": "positive", ">": "positive", "<=": "negative", "<": "negative", "==": "equal"}.get(q.op or "")
