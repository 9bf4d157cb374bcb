"""target_deduct (未完成扣分, from the target table): ``max(W − k·n, 0)``, n the linked rows missed.

Source: the 扣完为止 criteria of the Shenzhen and Luohu department frameworks ("一项重点工作没有完成扣4分",
"一项未完成扣1分"), with the count derived from the 绩效目标表 rows linked to the leaf instead of typed by the
transcriber. With ``per_month`` a missed deadline row is deducted per month late instead (the milestone
lateness of the Beijing 时效指标 rows, S33 采购 2月→4月).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from .base import ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points, exactly_one, points_or_share
from .target_table import counts, measured_rows, row_arrays, year_field


class TargetDeductRule(RuleBase):
    """未完成扣分 from the target table: ``max(W − k·n, 0)``, n the linked rows missed (derived)."""

    family: Literal["target_deduct"] = Field(
        description="`target_deduct`: 未完成扣分, a deduction per linked target row missed.")
    per_item: float | None = Field(None, gt=0, description="k in points per missed row. Give this or "
                                   "`per_item_share`.")
    per_item_share: float | None = Field(None, gt=0, le=1, description="k as a share of W per missed row.")
    per_month: float | None = Field(
        None, gt=0,
        description="For deadline rows: points per month late instead of k per row (每延期1个月扣1分). Null: a late "
        "deadline is one missed row.",
    )
    year: int | None = year_field()

    @model_validator(mode="after")
    def _one_rate(self) -> "TargetDeductRule":
        exactly_one(self, "per_item", "per_item_share")
        return self


def target_deduct(points: ArrayLike, met: ArrayLike, late: ArrayLike, per_item: ArrayLike,
                  per_month: ArrayLike) -> np.ndarray:
    """``max(W − Σ dᵢ, 0)``: dᵢ = k for a missed row, or ``per_month`` × months late for a late deadline when
    ``per_month`` is set (NaN: not set). Rows on the last axis of ``met``/``late``; unknown rows (NaN) deduct 0."""
    W, m, lt = arr(points), arr(met), arr(late)
    k, pm = arr(per_item)[..., None], arr(per_month)[..., None]
    per_row = np.where(~np.isnan(pm) & ~np.isnan(lt), np.nan_to_num(pm) * np.nan_to_num(lt), k)
    deduction = np.sum(np.where(np.nan_to_num(m, nan=1.0) == 0, per_row, 0.0), axis=-1)
    return clip_to_points(W - deduction, W)


def compile_rule(ctx, rule: TargetDeductRule, points: float, inputs, loc: tuple) -> dict | None:
    rows = measured_rows(ctx, ctx.linked_rows(loc, "target_deduct", rule.year), loc, "target_deduct")
    if rows is None:
        return None
    return {**row_arrays(rows), "per_item": points_or_share(rule, "per_item", "per_item_share", points),
            "per_month": float("nan") if rule.per_month is None else rule.per_month}


def evaluate(W, a: dict) -> np.ndarray:
    return target_deduct(W, a["met"], a["late"], a["per_item"], a["per_month"])


def explain(a: dict, W: float, score: float) -> str:
    missed, _ = counts(a)
    return f"{W:g} − {a['per_item']:g} × {int(missed)}"


FAMILY = Family(
    name="target_deduct", term="未完成扣分", formula="max(W − k·n missed, 0)", source="Shenzhen/Luohu 扣完为止",
    settings=TargetDeductRule, score=target_deduct, evaluate=evaluate, compile=compile_rule, explain=explain,
    describe=lambda rule, points, unit: Phrase("target_deduct", {
        "per_item": points_or_share(rule, "per_item", "per_item_share", points), "per_month": rule.per_month}),
    order=45, target_based=True, table_scored=True,
)
