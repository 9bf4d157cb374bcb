"""ratio (正向比率, higher is better): ``W · min(B/A, cap)``, with the optional 偏离度 overlay.

Source: 财预〔2020〕10号 self-evaluation; Beijing 2021 forms note 2; Luohu 项目完成及时性
(done/planned × 6); Beijing D0 产出数量 37/39 × 10 = 9.49.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from . import low_target_penalty as ltp
from .base import ArrayLike, Family, Phrase, RuleBase, arr, cap_field, clip_to_points


class RatioRule(RuleBase):
    """正向比率 (higher is better): ``W · min(B/A, cap)``, A the input ``target``, B the ``actual``.

    A target of zero (nothing promised) scores full points for any actual of zero or more.
    """

    family: Literal["ratio"] = Field(description="`ratio`: 正向比率, higher is better.")
    cap: float = cap_field()
    low_target_penalty: ltp.LowTargetPenalty | None = Field(
        None,
        description="Optional 偏离度 overlay deducting a share of W when the actual overshoots the target by far "
        "(a sign the target was set low). Null: no overlay.",
    )
    cost_rows: Literal["ceiling", "ratio"] = Field(
        "ceiling",
        description="How a cost row (成本指标) whose target reads as a ceiling on spending (\"不超出财政预算100.3万元\", "
        "项目预算控制数) is scored: `ceiling` (default) as `spending_ceiling`, met at or below it; `ratio` as a target "
        "to reach, B/A × W (S03 44.49/45.2 × 10 = 9.84).",
    )


def ratio(points: ArrayLike, target: ArrayLike, actual: ArrayLike, cap: ArrayLike = 1.0) -> np.ndarray:
    """正向指标: ``W · min(B/A, cap)``.

    Source: 财预〔2020〕10号 self-evaluation; Beijing 2021 forms note 2; Luohu 项目完成及时性
    (done/planned × 6); Beijing D0 产出数量 37/39 × 10 = 9.49. A target of zero (nothing promised)
    scores full marks when anything non-negative is delivered.
    """
    W, A, B = arr(points), arr(target), arr(actual)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.where(A > 0, B / np.where(A > 0, A, 1.0), np.where(B >= A, np.inf, 0.0))
    return clip_to_points(W * np.minimum(r, arr(cap)), W)


def evaluate(W, a: dict) -> np.ndarray:
    score = ratio(W, a["target"], a["actual"], a["cap"])
    if ltp.has_penalty(a):
        A, B = a["target"], a["actual"]
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.where(a["pen_ratio"] > 0, 100.0 * B / A, 100.0 * (B - A) / A)
        score = clip_to_points(score - np.nan_to_num(ltp.deduction_of(W, dev, ltp.penalty_bands(a))), W)
    return score


def compile_rule(ctx, rule: RatioRule, points: float, inputs, loc: tuple) -> dict | None:
    t, a = ctx.target_actual(inputs, loc, "ratio")
    if t is None or a is None:
        return None
    return {"target": t, "actual": a, "cap": rule.cap} | ltp.compile_penalty(rule.low_target_penalty)


def explain(a: dict, W: float, score: float) -> str:
    s = f"{W:g} × min({a['actual']:g} / {a['target']:g}, {a['cap']:g})"
    return s + (" − 偏离度" if ltp.has_penalty(a) and score < W * min(a["actual"] / a["target"], 1) - 1e-9
                and a["target"] else "")


def describe(rule: RatioRule, points: float, unit: str) -> Phrase:
    return Phrase("ratio", {"penalty": rule.low_target_penalty is not None})


FAMILY = Family(
    name="ratio", term="正向比率", formula="W·min(B/A, 1)", source="财预〔2020〕10号; Beijing forms note 2",
    settings=RatioRule, score=ratio, evaluate=evaluate, compile=compile_rule, explain=explain, describe=describe,
    order=10, models=(ltp.LowTargetPenalty, ltp.PenaltyBand), target_based=True, overlay=True,
    missed=lambda target, actual: actual < target, targets=("target",),
)
