"""inverse_ratio (反向比率, lower is better: cost, time, fault rate): ``W · min(A/B, cap)``.

Source: Beijing 2021 forms note 2.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Family, Phrase, RuleBase, arr, cap_field, clip_to_points


class InverseRatioRule(RuleBase):
    """反向比率 (lower is better: cost, time, fault rate): ``W · min(A/B, cap)``; an actual of zero scores full marks."""

    family: Literal["inverse_ratio"] = Field(description="`inverse_ratio`: 反向比率, lower is better.")
    cap: float = cap_field()


def inverse_ratio(points: ArrayLike, target: ArrayLike, actual: ArrayLike, cap: ArrayLike = 1.0) -> np.ndarray:
    """反向指标 (lower is better: cost, time, fault rate): ``W · min(A/B, cap)``; B = 0 → W.

    Source: Beijing 2021 forms note 2. The note's formula divides by zero when the actual is 0
    (S35: 故障率 0 against ≤10%); an actual of zero has met any upper limit, so it scores full marks.
    """
    W, A, B = arr(points), arr(target), arr(actual)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.where(B > 0, A / np.where(B > 0, B, 1.0), np.inf)
    return clip_to_points(W * np.minimum(r, arr(cap)), W)


def compile_rule(ctx, rule: InverseRatioRule, points: float, inputs, loc: tuple) -> dict | None:
    t, a = ctx.target_actual(inputs, loc, "inverse_ratio")
    return None if t is None or a is None else {"target": t, "actual": a, "cap": rule.cap}


def explain(a: dict, W: float, score: float) -> str:
    return f"{W:g} × min({a['target']:g} / {a['actual']:g}, {a['cap']:g})" if a["actual"] else f"{W:g} (actual 0)"


FAMILY = Family(
    name="inverse_ratio", term="反向比率", formula="W·min(A/B, 1)", source="Beijing forms note 2",
    settings=InverseRatioRule, score=inverse_ratio,
    evaluate=lambda W, a: inverse_ratio(W, a["target"], a["actual"], a["cap"]),
    compile=compile_rule, explain=explain, describe=lambda rule, points, unit: Phrase("inverse_ratio"),
    order=20, target_based=True, lower_is_better=lambda args: True, ceiling=True,
    missed=lambda target, actual: actual > target, targets=("target",),
)
