"""A target or an actual (年度指标值 / 实际完成值) as a language writes it.

Chinese reports print the cell as written ("不少于6家"), with the row's unit where the cell is a bare number
("43" → "43个"). A language whose templates set ``figures.translate`` renders the cell from its reading
(:func:`perfkit.core.target_text.read_target`: comparator, bounds, unit, kind) with the forms and the unit
glossary of its ``figures`` templates: "不少于6家" → "at least 6 organisations", "3个工作日内" → "within 3
working days", "≥130亿元" → "at least 13 billion yuan", "较上年增长10%" → "growth of at least 10% on the
previous year". A cell the grammar does not read completely — words, a sentence with a number in it, a
unit the glossary does not hold, a day of a month — is never half translated: it is quoted as written,
with the language's marker (``figures.as_written``) saying it is Chinese.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..core.target_text import read_target, tokens
from ..fmt import num
from .text import Text

# Tokens the reading consumes completely; any other token (or text that is not the unit) leaves words out.
_READ = {"NUM", "CNUM", "OP", "SUFFIX", "SEP", "BASE", "CHANGE"}
_DATE_TEXT = {"年", "月", "月底", "月末", "年底", "年末", "底", "末"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _fully_read(text: str, reading) -> bool:
    """Whether every token of ``text`` is part of the reading (numbers, comparison words, the unit)."""
    unit = reading.unit_text
    for tok in tokens(text):
        if tok.kind in _READ:
            continue
        if tok.kind == "TEXT" and (tok.text == unit or (reading.kind == "date" and tok.text in _DATE_TEXT)):
            continue
        return False
    return True


def _about(text: str) -> bool:
    return any(tok.kind == "SUFFIX" and tok.text == "左右" for tok in tokens(text))


_BARE_NUMBER = re.compile(r"[≥≤<>=＞＜+\-−~—\d.,\s]+")


def with_unit(text: str | None, unit: str | None) -> str:
    """A target or actual as written, with its unit where it is a bare number ('43' → '43个'); '—' for none."""
    if not text:
        return "—"
    if unit and _BARE_NUMBER.fullmatch(text) and not text.endswith(unit):
        return text + unit
    return text


class TargetWords:
    """Renders targets and actuals for one :class:`~perfkit.report.text.Text` (one language)."""

    def __init__(self, t: Text, year: int | None = None):
        self.t = t
        self.year = year
        fig = t.raw("figures")
        self.translate = bool(fig["translate"])
        self.units: dict[str, Any] = fig["units"] or {}
        self.magnitudes: dict[str, str] = {str(k): v for k, v in (fig["magnitudes"] or {}).items()}

    def __call__(self, text: Any, unit: str | None = None) -> str:
        """The cell in this language: as written (with its unit) where the language prints cells so; else
        rendered from its reading, or quoted with the as-written marker. '—' for none."""
        if text is None or (isinstance(text, str) and not text.strip()):
            return "—"
        written = with_unit(str(text), unit)
        if not self.translate:
            return written
        rendered = self.render(written, unit)
        return str(rendered) if rendered is not None else self.as_written(written)

    def as_written(self, text: str) -> str:
        return str(self.t.plain("figures.as_written", text=text))

    def render(self, text: str, unit: str | None = None) -> str | None:
        """The cell rendered from its reading; None where the reading does not hold all of it. ``unit`` (the
        row's unit) completes a cell that writes only the magnitude ("≥130亿" in a row of 亿元)."""
        r = read_target(text, year=self.year)
        if "zero_as_limit" in r.note_codes:  # "0次" is written as a bare figure: say it so, not as "at most 0"
            r = dataclasses.replace(r, comparator=None, lo=r.hi, hi=None)
        if r.kind == "not_applicable":
            return self.t.label("figures.not_applicable")
        if r.kind == "prior_level":  # "不低于上年": no figure of its own, a comparison with last year's level
            key = {">=": "at_least", ">": "more_than", "<=": "at_most", "<": "less_than"}[r.comparator]
            return self.t.plain(f"figures.prior.{key}")
        if not r.measurable or not _fully_read(text, r):
            return None
        if r.kind == "date":
            return self._date(r, text)
        if r.unit is None and unit and r.magnitude and unit.startswith(r.magnitude) and unit != r.magnitude:
            r = dataclasses.replace(r, unit=unit[len(r.magnitude):])
        figure = self._figure
        if r.kind == "growth":
            sign = "decline" if (r.hi is not None and r.hi < 0) or (r.lo is not None and r.lo < 0) else "growth"
            flip = {">=": "<=", ">": "<", "<=": ">=", "<": ">"} if sign == "decline" else {}
            lo, hi = (-r.hi if r.hi is not None else None, -r.lo if r.lo is not None else None) if sign == "decline" \
                else (r.lo, r.hi)
            comparator = flip.get(r.comparator, r.comparator)
            value = self._compare(comparator, lo, hi, r, about=_about(text))
            if value is None:
                return None
            return self.t.plain(f"figures.{sign}", figure=value, base=bool(r.base))
        if any(x is not None and not figure(x, r) for x in (r.lo, r.hi)):
            return None
        return self._compare(r.comparator, r.lo, r.hi, r, about=_about(text))

    # ---- pieces ---------------------------------------------------------------------------------

    def _compare(self, comparator, lo, hi, r, about: bool) -> str | None:
        f = lambda x: self._figure(x, r)  # noqa: E731
        if comparator == "range":
            if lo is None or hi is None or f(lo) is None or f(hi) is None:
                return None
            return self.t.plain("figures.range", lo=self._figure(lo, r, with_unit=False), hi=f(hi))
        value = lo if comparator in (">=", ">", "==", None) else hi
        if value is None and comparator is None:
            value = hi
        if value is None or f(value) is None:
            return None
        key = {">=": "at_least", ">": "more_than", "<=": "at_most", "<": "less_than", "==": "exactly"}.get(
            comparator or "", "about" if about else "bare")
        if r.kind == "duration" and key == "at_most":
            key = "within"
        return self.t.plain(f"figures.{key}", figure=f(value))

    def _figure(self, x: float, r, with_unit: bool = True) -> str | None:
        """A number with its unit in this language ('6 organisations', '95%', '13 billion yuan'); None for a
        unit the glossary does not hold."""
        unit = r.unit
        if r.magnitude:  # 万元, 亿, 万人: the figure at its full value, written with the language's large numbers
            value, words = x * r.scale, None
            for floor, word in sorted(((float(k), v) for k, v in self.magnitudes.items()), reverse=True):
                if abs(value) >= floor:
                    words = f"{num(round(value / floor, 6))} {word}"
                    break
            figure = words or num(value)
        else:
            value, figure = x, num(x)
        if not unit:
            return figure
        if unit not in self.units:
            return None
        forms = self.units[unit]
        if isinstance(forms, str):  # a symbol or a word without a plural ('%', 'yuan')
            if not with_unit:
                return figure
            return f"{figure}{forms}" if forms in ("%",) else f"{figure} {forms}"
        if not with_unit:
            return figure
        one, many = forms
        return f"{figure} {one if value == 1 and not r.magnitude else many}"

    def _date(self, r, text: str) -> str | None:
        """A month ('December 2023'), a deadline ('by the end of December 2023': where the cell says 前 / 底前 /
        以前) or a span of months; the year only where the cell writes it."""
        toks = tokens(text)
        written_year = any(tok.kind == "TEXT" and tok.text.startswith("年") for tok in toks)

        def month(x):
            y, m = divmod(int(x), 12)
            return self.t.plain("figures.month", month=_MONTHS[m], year=y if r.year_given and written_year else None)

        if r.comparator == "range" and r.lo is not None and r.hi is not None:
            return self.t.plain("figures.date_range", lo=month(r.lo), hi=month(r.hi))
        if any(tok.kind == "SEP" for tok in toks):  # a span the reading did not take as one
            return None
        if not any(tok.kind in ("SUFFIX", "OP") for tok in toks):  # a month as written, read as a deadline
            return month(r.hi) if r.hi is not None else None
        if r.comparator in ("<=", "<") and r.hi is not None:
            return self.t.plain("figures.by_end_of", month=month(r.hi))
        return None
