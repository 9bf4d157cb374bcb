"""spending_ceiling (支出上限, a cost row's budget as a ceiling): full points at or below the ceiling,
``W · min(A/B, 1)`` above it.

Source: Beijing 2021 project forms, 成本指标 rows ("不超出财政预算100.3万元", 项目预算控制数, 成本控制数).
Read as targets to reach (``ratio``, B/A), spending below the budget counts as a missed target, and
9 forms (S08, S10, S18, S19, S30, S31, S33, S34, S35) get a false "full marks on a missed target";
read as ceilings, their scores reproduce (S10 98.4 of 100.3 → 10/10, as printed). Above the ceiling
the row is scored by note 2's 反向 formula A/B × W. A cost row whose ratio reading reproduces the
report instead (S03 44.49/45.2 × 10 = 9.84) keeps ``ratio`` in its parameter file; each reading is
offered as the other's alternative, so a finding names the one that reproduces the printed score.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import Alternative, ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points, own_alternatives
from .ratio import RatioRule


class SpendingCeilingRule(RuleBase):
    """支出上限: ``W`` when the input ``actual`` (spending) is at or below the ``target`` (the ceiling),
    else ``W · min(A/B, 1)`` — or 0 with ``over: zero``."""

    family: Literal["spending_ceiling"] = Field(
        description="`spending_ceiling`: 支出上限, a cost row's budget met at or below it.")
    over: Literal["ratio", "zero"] = Field(
        "ratio",
        description="Score above the ceiling: `ratio` (default) A/B × W, the 反向 formula of the Beijing forms' "
        "note 2; `zero` no points once the ceiling is exceeded.",
    )


def spending_ceiling(points: ArrayLike, target: ArrayLike, actual: ArrayLike, over_zero: ArrayLike = 0.0
                     ) -> np.ndarray:
    """支出上限: ``W`` for B ≤ A; above, ``W · A/B`` (``over_zero`` false) or 0 (true). B spending, A ceiling.

    Source: Beijing 2021 forms S10 (不超出财政预算100.3万元, 98.4 spent → 10/10), note 2 反向 A/B above it.
    """
    W, A, B = arr(points), arr(target), arr(actual)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        above = np.where(arr(over_zero) > 0, 0.0, np.where(B > 0, A / np.where(B > 0, B, 1.0), 1.0))
    return clip_to_points(W * np.where(B <= A, 1.0, np.minimum(above, 1.0)), W)


def compile_rule(ctx, rule: SpendingCeilingRule, points: float, inputs, loc: tuple) -> dict | None:
    t, a = ctx.target_actual(inputs, loc, "spending_ceiling")
    if t is None or a is None:
        return None
    return {"target": t, "actual": a, "over_zero": 1.0 if rule.over == "zero" else 0.0}


def explain(a: dict, W: float, score: float) -> str:
    if a["actual"] <= a["target"]:
        return f"{W:g} ({a['actual']:g} ≤ {a['target']:g})"
    return f"{W:g} × {a['target']:g} / {a['actual']:g}" if not a["over_zero"] else f"0 ({a['actual']:g} > {a['target']:g})"


# Built without validation: the module is imported while the rule union that `Alternative.rule` names is
# still being assembled (perfkit.params); the fields below are constants.
RATIO_READING = Alternative.model_construct(
    rule=None,
    label="正向比率口径", label_en="ratio reading",
    description="成本行的预算数作为应达到的目标：完成值÷目标值×分值，低于预算的支出按比例得分",
    description_en="the cost row's budget read as a target to reach: actual ÷ target × points, so spending "
    "below the budget scores in proportion",
    set={"family": "ratio"},
)


def alternatives(rule: SpendingCeilingRule) -> list:
    """Its own declared readings, then the ratio reading (the family switched, ceiling ⇄ ratio)."""
    return own_alternatives(rule) + [(RATIO_READING, RatioRule(family="ratio", cost_rows="ratio"), None)]


FAMILY = Family(
    name="spending_ceiling", term="支出上限", formula="W if B ≤ A else W·min(A/B, 1)",
    source="Beijing forms 成本指标 rows; note 2",
    settings=SpendingCeilingRule, score=spending_ceiling,
    evaluate=lambda W, a: spending_ceiling(W, a["target"], a["actual"], a["over_zero"]),
    compile=compile_rule, explain=explain,
    describe=lambda rule, points, unit: Phrase("spending_ceiling", {"zero": rule.over == "zero"}),
    order=25, target_based=True, lower_is_better=lambda args: True, ceiling=True,
    missed=lambda target, actual: actual > target, alternatives=alternatives,
    targets=(),  # a ceiling is the budget itself: sensitivity never makes it "more ambitious"
)
