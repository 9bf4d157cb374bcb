"""overrun_penalty (超限扣分): full points on the good side of a threshold, minus k per unit beyond, floor 0.

Source: budget adjustments within 10% of the budget scale, else −0.1 per percentage point over
(Luohu 财务合规性); satisfaction below 95% loses 2% of W per point (Shenzhen fund D41).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from .base import (ArrayLike, Check, Family, MeasureName, Phrase, RuleBase, arr, clip_to_points, exactly_one,
                   points_or_share, value_looks_like_a_share)


class OverrunPenaltyRule(RuleBase):
    """Full points on the good side of a threshold, then a deduction per unit beyond it, floor 0.

    ``direction: above`` penalises values above the threshold (overruns); ``below`` penalises
    shortfalls (e.g. satisfaction under 95%).
    """

    family: Literal["overrun_penalty"] = Field(description="`overrun_penalty`: 超限扣分.")
    measure: str | None = Field(
        None,
        description="A measure derived from the budget block, such as `budget.adjustment_rate` (percent); "
        "null (default): the evaluation's input `value`.",
    )
    threshold: float = Field(
        description="The limit, in the unit of the measured value (percent for rates): 10 for adjustments "
        "within 10%, 95 for satisfaction of at least 95%."
    )
    direction: Literal["above", "below"] = Field(
        "above",
        description="`above` (default): values above the threshold are penalised (overruns); `below`: values "
        "below it are (shortfalls).",
    )
    per_unit: float | None = Field(
        None,
        gt=0,
        description="Points deducted per unit beyond the threshold (e.g. 0.1 per percentage point). Give this "
        "or `per_unit_share`, not both.",
    )
    per_unit_share: float | None = Field(
        None,
        gt=0,
        description="Share of W deducted per unit beyond the threshold (0.02 takes off 2% of W per point). Give "
        "this or `per_unit`, not both.",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> "OverrunPenaltyRule":
        exactly_one(self, "per_unit", "per_unit_share")
        return self

    def points_per_unit(self, points: float) -> float:
        """k in points."""
        return points_or_share(self, "per_unit", "per_unit_share", points)


def overrun_penalty(
    points: ArrayLike,
    value: ArrayLike,
    threshold: ArrayLike,
    per_unit: ArrayLike,
    penalise_above: ArrayLike = True,
) -> np.ndarray:
    """Full points on the good side of a threshold, minus ``per_unit`` points per unit beyond, floor 0.

    Source: budget adjustments within 10% of the budget scale, else −0.1 per percentage point over
    (Luohu 财务合规性); satisfaction below 95% loses 2% of W per point (Shenzhen fund D41).
    """
    W, v, t = arr(points), arr(value), arr(threshold)
    beyond = np.where(np.asarray(penalise_above, bool), v - t, t - v)
    return clip_to_points(W - arr(per_unit) * np.maximum(beyond, 0.0), W)


def compile_rule(ctx, rule: OverrunPenaltyRule, points: float, inputs, loc: tuple) -> dict | None:
    v = ctx.measured(rule, inputs, loc, "overrun_penalty")
    if v is None:
        return None
    return {"value": float(v), "threshold": rule.threshold, "per_unit": rule.points_per_unit(points),
            "above": rule.direction == "above"}


def explain(a: dict, W: float, score: float) -> str:
    beyond = a["value"] - a["threshold"] if a["above"] else a["threshold"] - a["value"]
    return f"{W:g} − {a['per_unit']:g} × max({beyond:.2f}, 0)"


def checks(rule: OverrunPenaltyRule, points: float, args: dict) -> list[Check]:
    """VALUE_LOOKS_LIKE_A_SHARE: the evaluation's value is in (0, 1] and the threshold is in percent."""
    return value_looks_like_a_share(rule, args, "value", [args["threshold"]],
                                    lambda v: overrun_penalty(points, v, args["threshold"], args["per_unit"], args["above"]))


def describe(rule: OverrunPenaltyRule, points: float, unit: str) -> Phrase:
    return Phrase("overrun_penalty", {"measure": MeasureName(rule.measure), "above": rule.direction == "above",
                                      "threshold": rule.threshold, "per_unit": rule.points_per_unit(points),
                                      "unit": unit})


FAMILY = Family(
    name="overrun_penalty", term="超限扣分", formula="W − k·max(excess, 0)", source="Luohu 财务合规性; fund D41",
    settings=OverrunPenaltyRule, score=overrun_penalty,
    evaluate=lambda W, a: overrun_penalty(W, a["value"], a["threshold"], a["per_unit"], a["above"].astype(bool)),
    compile=compile_rule, explain=explain, describe=describe, order=60, checks=checks,
)
