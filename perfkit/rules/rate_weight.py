"""rate_weight (比率×分值): ``W · min(rate/100, 1)``.

Source: Beijing D0 96.91% × 20 = 19.38; Beijing forms 预算执行率 × 10.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Check, Family, MeasureName, Phrase, RuleBase, arr, clip_to_points, value_looks_like_a_share


class RateWeightRule(RuleBase):
    """Rate × weight: ``W · min(rate/100, 1)``."""

    family: Literal["rate_weight"] = Field(description="`rate_weight`: rate × weight.")
    measure: str | None = Field(
        None,
        description="A measure derived from the budget block giving the rate in percent, such as "
        "`budget.execution_rate`; null (default): the evaluation's input `value`.",
    )


def rate_weight(points: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """Rate × weight: ``W · min(rate/100, 1)``. Beijing D0 96.91% × 20 = 19.38; forms 预算执行率 × 10."""
    W = arr(points)
    return clip_to_points(W * np.minimum(arr(rate) / 100.0, 1.0), W)


def compile_rule(ctx, rule: RateWeightRule, points: float, inputs, loc: tuple) -> dict | None:
    v = ctx.measured(rule, inputs, loc, "rate_weight")
    return None if v is None else {"rate": float(v)}


def checks(rule: RateWeightRule, points: float, args: dict) -> list[Check]:
    """VALUE_LOOKS_LIKE_A_SHARE: the evaluation's rate is in (0, 1]; the formula reads it in percent (of 100)."""
    return value_looks_like_a_share(rule, args, "rate", [100.0], lambda v: float(rate_weight(points, v)))


FAMILY = Family(
    name="rate_weight", term="比率×分值", formula="W·min(rate, 1)", source="Beijing D0 and forms 预算执行率",
    settings=RateWeightRule, score=rate_weight, evaluate=lambda W, a: rate_weight(W, a["rate"]),
    compile=compile_rule, explain=lambda a, W, score: f"{W:g} × {a['rate']:.2f}%",
    describe=lambda rule, points, unit: Phrase("rate_weight", {"measure": MeasureName(rule.measure)}), order=80,
    checks=checks,
)
