"""bands (分档): piecewise-constant points in a measured value, each boundary's inclusiveness as written.

Source: fixed-asset use ≥90% → 1, [75,90) → 0.7, [60,75) → 0.4, else 0; satisfaction ≥95 → 6 …;
contract-staff rate <5% → 1, [5,10] → 0.5, >10 → 0; 三公 control <90% → 3, [90,100] → 2, >100 → 0
(Shenzhen and Luohu 共性指标).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import (ArrayLike, Check, Family, Interval, MeasureName, Phrase, RuleBase, Verbatim, arr,
                   clip_to_points, in_interval, interval_arrays, interval_text, value_looks_like_a_share)


class Band(Interval):
    """One step of a 分档 rule: the points awarded while the measured value lies in the interval.

    The bands are tried in the order written and the first one holding the value wins; a value that
    falls in no band is an error, so the bands should cover every possible value.
    """

    points: float = Field(
        ge=0, description="Points (得分) awarded while the value lies in this band (clipped to the indicator's points W)."
    )


class BandsRule(RuleBase):
    """分档: piecewise-constant points in a measured value."""

    family: Literal["bands"] = Field(description="`bands`: 分档.")
    measure: str | None = Field(
        None,
        description="A measure derived from the budget block, such as `budget.fixed_asset_use_rate` (percent); "
        "null (default): the evaluation's input `value`.",
    )
    bands: list[Band] = Field(
        min_length=1, description="The steps, tried in the order written; a value in none of them is an error."
    )
    absolute: bool = Field(
        False,
        description="Whether the value is taken without its sign before the bands are tried: for bands that "
        "ignore the sign, such as an adjustment-rate band \"调整率≤10%\" read as a deviation either way (a budget "
        "cut of −12% is an adjustment of 12%). Default false: as measured.",
    )


def bands(
    points: ArrayLike,
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    lower_inclusive: ArrayLike,
    upper_inclusive: ArrayLike,
    band_points: ArrayLike,
) -> np.ndarray:
    """分档: the points of the first band (last axis) that holds the value; NaN when none does.

    ``value`` has shape (..., 1) against bands of shape (..., k); pad unused bands with NaN points.
    Source: fixed-asset use ≥90% → 1, [75,90) → 0.7, [60,75) → 0.4, else 0; satisfaction ≥95 → 6 …;
    contract-staff rate <5% → 1, [5,10] → 0.5, >10 → 0; 三公 control <90% → 3, [90,100] → 2, >100 → 0.
    """
    hit = in_interval(value, lower, upper, lower_inclusive, upper_inclusive) & ~np.isnan(arr(band_points))
    first = np.argmax(hit, axis=-1)
    got = np.take_along_axis(np.broadcast_to(arr(band_points), hit.shape), first[..., None], axis=-1)[..., 0]
    score = np.where(hit.any(axis=-1), got, np.nan)
    return np.where(np.isnan(score), np.nan, clip_to_points(np.nan_to_num(score), points))


def evaluate(W, a: dict) -> np.ndarray:
    return bands(W, a["value"][..., None], a["lo"], a["hi"], a["loi"].astype(bool), a["hii"].astype(bool),
                 a["band_points"])


def compile_rule(ctx, rule: BandsRule, points: float, inputs, loc: tuple) -> dict | None:
    v = ctx.measured(rule, inputs, loc, "bands")
    if v is None:
        return None
    if rule.absolute:
        v = abs(float(v))
    iv = interval_arrays(rule.bands)
    pts = [b.points for b in rule.bands]
    hit = bands(points, np.array([v]), iv["lo"], iv["hi"], iv["loi"], iv["hii"], pts)
    if np.isnan(hit).all():
        labels = "; ".join(b.label() for b in rule.bands)
        hint = ("" if rule.absolute or v >= 0 else "; if the bands ignore the sign (a cut against an adjustment "
                "limit), declare `absolute: true`")
        ctx.problem(loc, f"the measured value {v:.2f} falls in none of the rule's bands ({labels}){hint}")
        return None
    return {"value": float(v), **iv, "band_points": pts}


def checks(rule: BandsRule, points: float, args: dict) -> list[Check]:
    """VALUE_LOOKS_LIKE_A_SHARE: the evaluation's value is in (0, 1] and the bands are in percent."""
    return value_looks_like_a_share(
        rule, args, "value", [*args["lo"], *args["hi"]],
        lambda v: bands(points, np.array([v]), args["lo"], args["hi"], args["loi"], args["hii"], args["band_points"]))


def describe(rule: BandsRule, points: float, unit: str) -> Phrase:
    steps = [Phrase("band", {"interval": Verbatim(interval_text(b.min, b.max, b.min_inclusive, b.max_inclusive,
                                                                unit)), "points": b.points}) for b in rule.bands]
    return Phrase("bands", {"measure": MeasureName(rule.measure), "bands": steps, "absolute": rule.absolute})


FAMILY = Family(
    name="bands", term="分档", formula="points of the band holding the value", source="Shenzhen/Luohu 共性指标",
    settings=BandsRule, score=bands, evaluate=evaluate, compile=compile_rule,
    explain=lambda a, W, score: f"{a['value']:.2f} → {score:g}", describe=describe, order=30, models=(Band,),
    checks=checks,
)
