"""target_completion (目标完成率, from the target table): ``W · Σ wᵢ·min(cᵢ, 1) / Σ wᵢ``.

Source: 财预〔2020〕10号, 项目支出绩效自评: each indicator's completion ratio (实际完成值 / 年度指标值, the
inverse for an upper limit) capped at 100%, averaged over the rows — here over the 绩效目标表 rows linked
to the leaf, equally or by each row's ``weight``. A deadline or a growth row is 1 when met and 0 when not.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points
from .target_table import measured_rows, row_arrays, year_field


class TargetCompletionRule(RuleBase):
    """目标完成率 from the target table: the linked rows' completion ratios, each capped at 1, averaged × W."""

    family: Literal["target_completion"] = Field(
        description="`target_completion`: 目标完成率, the mean capped completion of the linked target rows.")
    weighted: bool = Field(False, description="Average by each row's `weight` (true) or equally (false, default).")
    year: int | None = year_field()


def target_completion(points: ArrayLike, completion: ArrayLike, weight: ArrayLike) -> np.ndarray:
    """``W · Σ wᵢ·min(cᵢ,1) / Σ wᵢ`` over rows with a known completion (NaN rows left out)."""
    W, c, w = arr(points), arr(completion), arr(weight)
    known = ~np.isnan(c)
    ww = np.where(known, np.nan_to_num(w), 0.0)
    total = np.sum(ww, axis=-1)
    mean = np.where(total > 0, np.sum(ww * np.minimum(np.nan_to_num(c), 1.0), axis=-1) / np.where(total > 0, total, 1),
                    1.0)
    return clip_to_points(W * mean, W)


def compile_rule(ctx, rule: TargetCompletionRule, points: float, inputs, loc: tuple) -> dict | None:
    rows = measured_rows(ctx, ctx.linked_rows(loc, "target_completion", rule.year), loc, "target_completion")
    if rows is None:
        return None
    a = row_arrays(rows)
    if not rule.weighted:
        a["weight"] = [1.0] * len(rows)
    return a


def explain(a: dict, W: float, score: float) -> str:
    c = np.asarray(a["completion"], float)
    parts = ", ".join(f"{x:.4g}" for x in c if not np.isnan(x))
    return f"{W:g} × mean({parts})"


FAMILY = Family(
    name="target_completion", term="目标完成率", formula="W·Σwᵢ·min(cᵢ,1)/Σwᵢ", source="财预〔2020〕10号",
    settings=TargetCompletionRule, score=target_completion,
    evaluate=lambda W, a: target_completion(W, a["completion"], a["weight"]),
    compile=compile_rule, explain=explain, describe=lambda rule, points, unit: Phrase("target_completion"),
    order=44, target_based=True, table_scored=True,
)
