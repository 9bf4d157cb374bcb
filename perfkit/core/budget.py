"""Budget analytics: execution, schedule progress, adjustment and control rates from a budget block.

Every rate a rule or a report uses is computed here from the amounts (万元), never typed in; the
figures a report *states* are kept beside them so that reconciliation can show where they differ.
Rates are percentages, as printed in the reports.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import MeasureUnavailable
from ..params import STATED_MEASURES, Budget

SCHEDULE = (25.0, 50.0, 75.0, 100.0)  # 序时进度: the share of the year elapsed at each quarter end


def _pct(numerator: float, denominator: float) -> float:
    if denominator == 0:
        return float("nan")
    with np.errstate(over="ignore"):
        rate = 100.0 * numerator / denominator
    return rate if np.isfinite(rate) else float("nan")  # a divisor like 1e-320 overflows: no rate either


def percent(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` in percent; NaN when the denominator is 0 or so small that the rate is not a
    finite number (never a ZeroDivisionError, never infinity)."""
    return _pct(numerator, denominator)


Parts = Callable[[Budget], "tuple[float, float] | None"]


@dataclass(frozen=True)
class Measure:
    """A rate derived from the budget block: what it is called, its formula, the fields it needs.

    ``parts(budget)`` gives the rate's numerator and denominator (None when the block lacks a field
    it needs), in ``unit`` (万元, or 人 for head counts); a rate with parts is computed from them, so
    a report can print the figures (``20,011.39 / 20,179.71``) beside the rate they give. A measure
    that is not one ratio (the quarterly series) has ``parts`` None and its own ``compute``.
    """

    name: str
    term: str
    formula: str
    needs: str
    compute: Callable[[Budget], float | list[float] | None] | None = None
    parts: Parts | None = None
    unit: str = "万元"
    listed: bool = True  # shown in a report's table of control rates; False: only where the report states it

    def __post_init__(self):
        if self.compute is None:
            if self.parts is None:
                raise ValueError(f"measure {self.name!r} needs compute or parts")
            object.__setattr__(self, "compute", functools.partial(_from_parts, self.parts))


def _from_parts(parts: Parts, budget: Budget) -> float | None:
    p = parts(budget)
    return None if p is None else _pct(*p)


def _quarterly(b: Budget) -> list[float] | None:
    if b.quarterly_spent is None:
        return None
    return [_pct(q, b.adjusted) for q in b.quarterly_spent]


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("execution_rate", "预算执行率", "spent / adjusted", "adjusted, spent",
                parts=lambda b: (b.spent, b.adjusted)),
        Measure("quarterly_execution_rates", "分季度累计执行率", "quarterly_spent / adjusted",
                "quarterly_spent", _quarterly),
        Measure("adjustment_rate", "预算调整率", "(adjusted − initial) / initial", "initial",
                parts=lambda b: None if b.initial is None else (b.adjusted - b.initial, b.initial)),
        Measure("procurement_rate", "政府采购执行率", "procurement.actual / procurement.plan", "procurement",
                parts=lambda b: None if b.procurement is None else (b.procurement.actual, b.procurement.plan)),
        Measure("fixed_asset_use_rate", "固定资产利用率", "assets.fixed_in_use / assets.fixed_total", "assets",
                parts=lambda b: None if b.assets is None else (b.assets.fixed_in_use, b.assets.fixed_total)),
        Measure("staff_control_rate", "财政供养人员控制率", "staff.actual / staff.establishment", "staff",
                parts=lambda b: None if b.staff is None else (b.staff.actual, b.staff.establishment), unit="人"),
        Measure("contract_staff_rate", "编外人员控制率", "staff.contract / (staff.actual + staff.contract)",
                "staff", parts=lambda b: None if b.staff is None
                else (b.staff.contract, b.staff.actual + b.staff.contract), unit="人"),
        Measure("three_public_control_rate", "“三公”经费控制率", "three_public.spent / three_public.budget",
                "three_public", parts=lambda b: None if b.three_public is None
                else (b.three_public.spent, b.three_public.budget)),
        Measure("public_expense_control_rate", "日常公用经费控制率", "public_expense.spent / public_expense.budget",
                "public_expense", parts=lambda b: None if b.public_expense is None
                else (b.public_expense.spent, b.public_expense.budget)),
        Measure("carry_over_rate", "结转结余率", "carry_over / adjusted", "carry_over",
                parts=lambda b: None if b.carry_over is None else (b.carry_over, b.adjusted)),
        Measure("funds_received_rate", "资金到位率", "received / adjusted", "received",
                parts=lambda b: None if b.received is None else (b.received, b.adjusted)),
        Measure("execution_rate_of_received", "预算执行率（到位口径）", "spent / received", "received",
                parts=lambda b: None if b.received is None else (b.spent, b.received)),
        Measure("savings_rate", "成本节约率", "(adjusted − spent) / adjusted", "adjusted, spent",
                parts=lambda b: (b.adjusted - b.spent, b.adjusted), listed=False),  # 1 − execution rate
        Measure("three_public_change_rate", "“三公”经费变动率",
                "(three_public.spent − prior.three_public) / prior.three_public", "three_public, prior.three_public",
                parts=lambda b: None if b.three_public is None or b.prior is None or b.prior.three_public is None
                else (b.three_public.spent - b.prior.three_public, b.prior.three_public)),
        Measure("public_expense_change_rate", "日常公用经费变动率",
                "(public_expense.spent − prior.public_expense) / prior.public_expense",
                "public_expense, prior.public_expense",
                parts=lambda b: None if b.public_expense is None or b.prior is None or b.prior.public_expense is None
                else (b.public_expense.spent - b.prior.public_expense, b.prior.public_expense)),
        Measure("carry_over_change_rate", "结转结余变动率", "(carry_over − prior.carry_over) / prior.carry_over",
                "carry_over, prior.carry_over",
                parts=lambda b: None if b.carry_over is None or b.prior is None or b.prior.carry_over is None
                else (b.carry_over - b.prior.carry_over, b.prior.carry_over)),
    )
}

if tuple(MEASURES) != STATED_MEASURES:  # the schema names the measures a report may state
    raise ImportError("perfkit.params.STATED_MEASURES and perfkit.core.budget.MEASURES list different measures")

MEASURE_PREFIX = "budget."


def unknown_measure(name: str) -> str | None:
    """Why ``name`` is not a measure's name (``budget.<measure>``), or None when it is one."""
    if name.startswith(MEASURE_PREFIX) and name.removeprefix(MEASURE_PREFIX) in MEASURES:
        return None
    return f"unknown measure {name!r}; expected one of {', '.join(MEASURE_PREFIX + k for k in MEASURES)}"


def measure(budget: Budget | None, name: str) -> float | list[float]:
    """The value of ``budget.<name>``; raises MeasureUnavailable naming what is missing."""
    key = name.removeprefix(MEASURE_PREFIX)
    if why := unknown_measure(name):
        raise MeasureUnavailable(why)
    if budget is None:
        raise MeasureUnavailable(f"{name} needs a budget block, and none is given")
    value = MEASURES[key].compute(budget)
    if value is None:
        raise MeasureUnavailable(f"{name} needs budget.{MEASURES[key].needs}, which is not given")
    return value


def undefined(value) -> bool:
    """True when a measure's value (a rate or a list of rates) is NaN anywhere: a rate over a zero base."""
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, float) and np.isnan(v) for v in values)


# The Chinese term of each budget field a measure divides by, for findings that say which one to fill.
BASE_TERMS = {
    "adjusted": "调整后预算", "initial": "年初预算", "received": "到位资金", "procurement.plan": "采购计划金额",
    "assets.fixed_total": "固定资产总额", "staff.establishment": "核定编制数", "staff.actual": "在编人数",
    "three_public.budget": "“三公”经费预算数", "public_expense.budget": "日常公用经费预算数",
    "prior.three_public": "上年“三公”经费", "prior.public_expense": "上年日常公用经费",
    "prior.carry_over": "上年结转结余",
}


@dataclass(frozen=True)
class Undefined:
    """Why a measure is undefined: its base (denominator, a budget field) is 0. ``message`` says it in English."""

    measure: str  # without the ``budget.`` prefix
    base: str  # the budget field to fill, e.g. ``adjusted``
    message: str

    @property
    def base_term(self) -> str:
        return BASE_TERMS.get(self.base, self.base)


def undefined_reason(budget: Budget, name: str) -> Undefined:
    """Why ``budget.<name>`` is undefined, naming the field to fill: its base (denominator) is 0."""
    m = MEASURES[name.removeprefix(MEASURE_PREFIX)]
    base = m.formula.split(" / ", 1)[-1].strip("() ").split(" ")[0]
    p = m.parts(budget) if m.parts is not None else None
    figures = f" ({p[0]:,.2f} / {p[1]:,.2f})" if p is not None else ""
    return Undefined(m.name, base, f"{MEASURE_PREFIX}{m.name} ({m.term}) cannot be computed: its base {base} "
                                   f"is 0{figures}; fill in budget.{base}")


def all_measures(budget: Budget | None) -> dict[str, float | list[float]]:
    """Every measure the block can give, keyed by name (without the ``budget.`` prefix)."""
    if budget is None:
        return {}
    out = {}
    for key, m in MEASURES.items():
        value = m.compute(budget)
        if value is not None:
            out[key] = value
    return out


def schedule_gaps(budget: Budget, schedule: tuple[float, ...] = SCHEDULE) -> list[float] | None:
    """Cumulative execution minus the time-elapsed schedule, per quarter, in percentage points."""
    rates = _quarterly(budget)
    if rates is None:
        return None
    return [r - s for r, s in zip(rates, schedule)]


def quarterly_spending(budget: Budget) -> list[float] | None:
    """Spending within each quarter (not cumulative), from the cumulative figures."""
    if budget.quarterly_spent is None:
        return None
    return list(np.diff([0.0, *budget.quarterly_spent]))
