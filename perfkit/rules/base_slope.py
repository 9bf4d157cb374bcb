"""base_slope (基准加斜率): ``clamp(W·b + S·s·x, 0, W)`` with S = W·b (as applied) or W (as some texts say).

Source: Shenzhen 2020 金融发展专项资金 (seed 001): "达到目标值得 b% 权重分, 每提升 1% 增加 5%", b ∈ {50,
70, 80}%; as applied, the 5% is taken of the base W·b. The driver x is, by indicator, points above
target, relative % above target, growth, or growth acceleration — the rule's ``driver`` setting.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Family, Label, Phrase, RuleBase, Uncertain, arr, clip_to_points

# Drivers as codes, for vectorised selection.
DRIVERS = {"value": 0, "relative_to_target": 1, "difference_to_target": 2, "change_from_prior": 3}


class BaseSlopeRule(RuleBase):
    """Base plus slope: ``clamp(W·b + S·s·x, 0, W)``, S = W·b (``slope_of: base``) or W.

    The driver x (in percent or units) is chosen by ``driver``:
    ``value`` (given directly), ``relative_to_target`` ((B−A)/A·100), ``difference_to_target``
    (B − A), ``change_from_prior`` (B − prior). For ``direction: negative`` the sign is flipped.
    """

    family: Literal["base_slope"] = Field(description="`base_slope`: 基准加斜率.")
    base: float = Field(
        gt=0,
        le=1,
        description="b: the share of W earned on reaching the target, above 0 and at most 1 (0.7 for "
        "达到目标值得70%权重分).",
    )
    slope: float = Field(
        0.05,
        ge=0,
        description="s: the share of S added per unit of the driver x (default 0.05: 5% per percentage point, "
        "as in 每提升1%增加5%).",
    )
    slope_of: Literal["base", "weight"] = Field(
        "base",
        description="What S is: `base` (default), the base score W·b, as the reports apply it; `weight`, W itself, "
        "as some criteria texts read.",
    )
    driver: Literal["value", "relative_to_target", "difference_to_target", "change_from_prior"] = Field(
        "value",
        description="What x is: `value` (default), the input `value`; `relative_to_target`, (B − A)/A × 100; "
        "`difference_to_target`, B − A; `change_from_prior`, B − `prior_actual` (A the input target, B the "
        "actual). Negated when the input `direction` is `negative`.",
    )


def base_slope(
    points: ArrayLike,
    driver: ArrayLike,
    base: ArrayLike,
    slope: ArrayLike = 0.05,
    slope_of_base: ArrayLike = True,
) -> np.ndarray:
    """Base plus slope: ``clamp(W·b + S·s·x, 0, W)`` with S = W·b (as applied) or W (as some texts say).

    Source: Shenzhen 2020 金融发展专项资金 (seed 001): "达到目标值得 b% 权重分, 每提升 1% 增加 5%";
    as applied, the 5% is taken of the base W·b. x is, by indicator, points above target, relative %
    above target, growth, or growth acceleration — chosen by the rule's ``driver`` setting.
    """
    W, b = arr(points), arr(base)
    scale = np.where(np.asarray(slope_of_base, bool), W * b, W)
    return clip_to_points(W * b + scale * arr(slope) * arr(driver), W)


def driver_value(a: dict) -> np.ndarray:
    """The driver x of compiled rows (before the direction's sign), selected by the ``driver`` code."""
    A, B, P = a["target"], a["actual"], a["prior"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.select(
            [a["driver"] == 0, a["driver"] == 1, a["driver"] == 2, a["driver"] == 3],
            [a["value"], 100.0 * (B - A) / A, B - A, B - P],
        )


def evaluate(W, a: dict) -> np.ndarray:
    return base_slope(W, a["sign"] * driver_value(a), a["base"], a["slope"], a["slope_of_base"].astype(bool))


def compile_rule(ctx, rule: BaseSlopeRule, points: float, inputs, loc: tuple) -> dict | None:
    name = f"base_slope (driver: {rule.driver})"
    args = {"driver": DRIVERS[rule.driver], "base": rule.base, "slope": rule.slope,
            "slope_of_base": rule.slope_of == "base", "value": np.nan, "target": np.nan,
            "actual": np.nan, "prior": np.nan,
            "sign": -1.0 if inputs is not None and inputs.direction == "negative" else 1.0}
    if rule.driver == "value":
        v = ctx.number(inputs, "value", loc, name)
        if v is None:
            return None
        args["value"] = v
    elif rule.driver == "change_from_prior":
        a = ctx.number(inputs, "actual", loc, name)
        p = ctx.number(inputs, "prior_actual", loc, name)
        if a is None or p is None:
            return None
        args.update(actual=a, prior=p)
    else:
        t, a = ctx.target_actual(inputs, loc, name)
        if t is None or a is None:
            return None
        args.update(target=t, actual=a)
    return args


def explain(a: dict, W: float, score: float) -> str:
    return f"clamp({W:g}×{a['base']:g} + slope {a['slope']:g} × driver, 0, {W:g})"


def detail(a: dict, W: float, score: float) -> str:
    """The arithmetic with the driver's value, for the report's inputs column."""
    relative_on_zero = a["driver"] == DRIVERS["relative_to_target"] and not a["target"]
    x = (float("nan") if relative_on_zero else float(driver_value(a))) * a["sign"]
    scale = W * a["base"] if a["slope_of_base"] else W
    return f"x = {x:+.2f}; {W:g}×{a['base']:g} + {scale:g}×{a['slope']:g}×x → {score:.2f}"


def describe(rule: BaseSlopeRule, points: float, unit: str) -> Phrase:
    return Phrase("base_slope", {"base": 100 * rule.base, "slope": 100 * rule.slope, "of_base": rule.slope_of == "base",
                                 "driver": Label(f"drivers.{rule.driver}")})


FAMILY = Family(
    name="base_slope", term="基准加斜率", formula="clamp(W·b + W·b·s·x, 0, W)", source="Shenzhen fund (seed 001)",
    settings=BaseSlopeRule, score=base_slope, evaluate=evaluate, compile=compile_rule, explain=explain,
    detail=detail, describe=describe, order=90, target_based=True,
    lower_is_better=lambda args: args.get("sign", 1) < 0, targets=("target",),
    # The base b moves across the 50%–80% the Shenzhen fund framework itself uses: ×0.714 to ×1.143 of 70%.
    uncertain=(Uncertain("base", "base_slope:b", "base b", (0.5 / 0.7, 0.8 / 0.7), (1e-9, 1.0)),),
)
