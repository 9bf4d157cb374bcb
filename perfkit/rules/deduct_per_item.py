"""deduct_per_item (扣完为止): ``max(W − k·n, 0)``.

Source: −1 per non-conforming budget item; −4 per unfinished key task (Shenzhen and Luohu 共性指标).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from .base import ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points, exactly_one, points_or_share


class DeductPerItemRule(RuleBase):
    """扣完为止: ``max(W − k·n, 0)``, n the input ``count``; k is ``per_item`` points or ``per_item_share`` of W."""

    family: Literal["deduct_per_item"] = Field(description="`deduct_per_item`: 扣完为止, a deduction per item found.")
    per_item: float | None = Field(
        None,
        gt=0,
        description="k in points: deducted per item found (e.g. 1 per non-conforming item). Give this or "
        "`per_item_share`, not both.",
    )
    per_item_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="k as a share of W, above 0 and at most 1 (0.25 takes off a quarter of the points per item). "
        "Give this or `per_item`, not both.",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> "DeductPerItemRule":
        exactly_one(self, "per_item", "per_item_share")
        return self

    def points_per_item(self, points: float) -> float:
        """k in points."""
        return points_or_share(self, "per_item", "per_item_share", points)


def deduct_per_item(points: ArrayLike, count: ArrayLike, per_item: ArrayLike) -> np.ndarray:
    """扣完为止: ``max(W − k·n, 0)``; k in points (−1 per non-conforming item, −4 per unfinished task)."""
    W = arr(points)
    return clip_to_points(W - arr(per_item) * arr(count), W)


def compile_rule(ctx, rule: DeductPerItemRule, points: float, inputs, loc: tuple) -> dict | None:
    n = inputs.count if inputs is not None else None
    if n is None:
        ctx.problem(loc + ("count",), "required by the deduct_per_item rule: the number of items found (0 when none)")
        return None
    return {"count": n, "per_item": rule.points_per_item(points)}


FAMILY = Family(
    name="deduct_per_item", term="扣完为止", formula="max(W − k·n, 0)", source="Shenzhen/Luohu 共性指标",
    settings=DeductPerItemRule, score=deduct_per_item,
    evaluate=lambda W, a: deduct_per_item(W, a["count"], a["per_item"]), compile=compile_rule,
    explain=lambda a, W, score: f"{W:g} − {a['per_item']:g} × {a['count']:g}",
    describe=lambda rule, points, unit: Phrase("deduct_per_item", {"per_item": rule.points_per_item(points)}),
    order=40,
)
