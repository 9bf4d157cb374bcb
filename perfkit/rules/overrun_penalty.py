"""overrun_penalty (超限扣分): full points on the good side of a threshold, minus k per unit beyond, floor 0.

Source: budget adjustments within 10% of the budget scale, else −0.1 per percentage point over
(Luohu 财务合规性); satisfaction below 95% loses 2% of W per point (Shenzhen fund D41). Deductions by
steps ("每超过一个百分点扣0.5分", "每相差3%扣1分") count whole steps or proportionally (``counting``);
an adjustment rate read without its sign (a cut of 15% is an adjustment of 15%) is ``absolute: true``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from .base import (ArrayLike, Check, Family, MeasureName, Phrase, RuleBase, arr, clip_to_points, points_or_share,
                   value_looks_like_a_share)


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
    per_step: float | None = Field(
        None,
        gt=0,
        description="Points deducted per `step` beyond the threshold (每相差3%扣1分: `step: 3, per_step: 1`); give "
        "this instead of `per_unit` / `per_unit_share` where the criteria count steps of more than one unit.",
    )
    step: float = Field(
        1.0,
        gt=0,
        description="The size of one step, in the measured value's unit (default 1: one percentage point).",
    )
    counting: Literal["proportional", "whole_steps"] = Field(
        "proportional",
        description="`proportional` (default): the deduction grows with the distance beyond the threshold (2.5 "
        "points over at 0.5 per point: 1.25); `whole_steps`: only whole steps count (每超过一个百分点: 2.5 points "
        "over is 2 steps: 1.00). Declare the reading the report uses and the other as an alternative.",
    )
    absolute: bool = Field(
        False,
        description="Whether the measured value is taken without its sign (a budget cut of −15% against an "
        "adjustment limit of 10% is 5 points beyond it). Default false: as measured.",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> "OverrunPenaltyRule":
        given = [f for f in ("per_unit", "per_unit_share", "per_step") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of per_unit (points), per_unit_share (share of points) or per_step "
                             "(points per step)")
        return self

    def points_per_unit(self, points: float) -> float:
        """k in points per unit of the measured value."""
        if self.per_step is not None:
            return self.per_step / self.step
        return points_or_share(self, "per_unit", "per_unit_share", points)


def overrun_penalty(
    points: ArrayLike,
    value: ArrayLike,
    threshold: ArrayLike,
    per_unit: ArrayLike,
    penalise_above: ArrayLike = True,
    step: ArrayLike = 0.0,
    absolute: ArrayLike = False,
) -> np.ndarray:
    """Full points on the good side of a threshold, minus ``per_unit`` points per unit beyond, floor 0.

    ``step`` > 0 counts only whole steps of that size (``per_unit·step·⌊beyond/step⌋``); 0 (default) deducts
    proportionally. ``absolute`` takes the value without its sign first.
    Source: budget adjustments within 10% of the budget scale, else −0.1 per percentage point over
    (Luohu 财务合规性); satisfaction below 95% loses 2% of W per point (Shenzhen fund D41).
    """
    W, v, t, st = arr(points), arr(value), arr(threshold), arr(step)
    v = np.where(np.asarray(absolute, bool), np.abs(v), v)
    beyond = np.maximum(np.where(np.asarray(penalise_above, bool), v - t, t - v), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # printed figures: 3.0000001 steps are 3
        whole = np.where(st > 0, st * np.floor(beyond / np.where(st > 0, st, 1.0) + 1e-9), beyond)
    return clip_to_points(W - arr(per_unit) * whole, W)


def compile_rule(ctx, rule: OverrunPenaltyRule, points: float, inputs, loc: tuple) -> dict | None:
    v = ctx.measured(rule, inputs, loc, "overrun_penalty")
    if v is None:
        return None
    return {"value": float(v), "threshold": rule.threshold, "per_unit": rule.points_per_unit(points),
            "above": rule.direction == "above", "step": rule.step if rule.counting == "whole_steps" else 0.0,
            "absolute": rule.absolute}


def _evaluate(W, a: dict) -> np.ndarray:
    return overrun_penalty(W, a["value"], a["threshold"], a["per_unit"], a["above"].astype(bool),
                           a.get("step", 0.0), a.get("absolute", np.zeros_like(a["value"])).astype(bool))


def explain(a: dict, W: float, score: float) -> str:
    v = abs(a["value"]) if a.get("absolute") else a["value"]
    beyond = v - a["threshold"] if a["above"] else a["threshold"] - v
    if a.get("step"):
        return f"{W:g} − {a['per_unit'] * a['step']:g} × ⌊max({beyond:.2f}, 0) / {a['step']:g}⌋"
    return f"{W:g} − {a['per_unit']:g} × max({beyond:.2f}, 0)"


def checks(rule: OverrunPenaltyRule, points: float, args: dict) -> list[Check]:
    """VALUE_LOOKS_LIKE_A_SHARE: the evaluation's value is in (0, 1] and the threshold is in percent."""
    return value_looks_like_a_share(rule, args, "value", [args["threshold"]],
                                    lambda v: overrun_penalty(points, v, args["threshold"], args["per_unit"], args["above"],
                                                              args.get("step", 0.0), args.get("absolute", False)))


def describe(rule: OverrunPenaltyRule, points: float, unit: str) -> Phrase:
    return Phrase("overrun_penalty", {"measure": MeasureName(rule.measure), "above": rule.direction == "above",
                                      "threshold": rule.threshold, "per_unit": rule.points_per_unit(points),
                                      "step": rule.step, "whole_steps": rule.counting == "whole_steps",
                                      "per_step": rule.points_per_unit(points) * rule.step,
                                      "absolute": rule.absolute, "unit": unit})


FAMILY = Family(
    name="overrun_penalty", term="超限扣分", formula="W − k·max(excess, 0)", source="Luohu 财务合规性; fund D41",
    settings=OverrunPenaltyRule, score=overrun_penalty,
    evaluate=_evaluate,
    compile=compile_rule, explain=explain, describe=describe, order=60, checks=checks,
)
