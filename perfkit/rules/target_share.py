"""target_share (完成比例, from the target table): ``W · met / measured`` over the linked rows.

Source: Luohu and Shenzhen 项目完成及时性 ("得分 = 已完成项目数 / 计划完成项目总数 × 6分"), with the numbers
derived from the 绩效目标表 rows linked to the leaf: each row met or missed by its target's kind.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points
from .target_table import counts, measured_rows, row_arrays, year_field


class TargetShareRule(RuleBase):
    """完成比例 from the target table: ``W · n_met / n_measured`` of the linked rows."""

    family: Literal["target_share"] = Field(
        description="`target_share`: 完成比例, the share of linked target rows met times the points.")
    year: int | None = year_field()


def target_share(points: ArrayLike, met: ArrayLike) -> np.ndarray:
    """``W · Σ metᵢ / #measured``; rows on the last axis of ``met`` (1 met, 0 missed, NaN unknown)."""
    W, m = arr(points), arr(met)
    measured = np.sum(~np.isnan(m), axis=-1)
    share = np.where(measured > 0, np.nansum(m, axis=-1) / np.maximum(measured, 1), 1.0)
    return clip_to_points(W * share, W)


def compile_rule(ctx, rule: TargetShareRule, points: float, inputs, loc: tuple) -> dict | None:
    rows = measured_rows(ctx, ctx.linked_rows(loc, "target_share", rule.year), loc, "target_share")
    return None if rows is None else row_arrays(rows)


def explain(a: dict, W: float, score: float) -> str:
    missed, measured = counts(a)
    return f"{W:g} × {int(measured - missed)} / {int(measured)}"


FAMILY = Family(
    name="target_share", term="完成比例", formula="W·n met / n", source="Luohu/Shenzhen 项目完成及时性",
    settings=TargetShareRule, score=target_share, evaluate=lambda W, a: target_share(W, a["met"]),
    compile=compile_rule, explain=explain, describe=lambda rule, points, unit: Phrase("target_share"),
    order=46, target_based=True, table_scored=True,
)
