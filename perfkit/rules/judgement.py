"""judgement (酌情扣分): the evaluator's score in [0, W], with a written reason.

Source: 效果性 in department frameworks; expert-panel scores (Beijing E1). A measured rule whose
inputs give a ``score`` instead of a measurement is scored as a judgement too (see ``perfkit.core.compile``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Family, Phrase, RuleBase, clip_to_points


class JudgementRule(RuleBase):
    """酌情扣分: the evaluator's score in [0, W], which must come with a written reason."""

    family: Literal["judgement"] = Field(description="`judgement`: 酌情扣分, the evaluator's score with a reason.")


def judgement(points: ArrayLike, score: ArrayLike) -> np.ndarray:
    """酌情扣分: the evaluator's score, clipped to [0, W]; the reason is enforced by the schema."""
    return clip_to_points(score, points)


def evaluator_score(ctx, family: str, points: float, inputs, loc: tuple) -> tuple[float | None, bool]:
    """The evaluator's ``score`` input and whether it is usable (given, and between 0 and W)."""
    score = inputs.score if inputs is not None else None
    if score is None:
        ctx.problem(loc + ("score",), f"required by the {family} rule: the evaluator's score (0 to {points:g})")
        return score, False
    if not 0 <= score <= points + 1e-9:
        ctx.problem(loc + ("score",), f"expected a score between 0 and {points:g}, got {score:g}")
        return score, False
    return score, True


def compile_rule(ctx, rule: JudgementRule, points: float, inputs, loc: tuple) -> dict | None:
    score, ok = evaluator_score(ctx, "judgement", points, inputs, loc)
    reason = inputs.reason if inputs is not None else None
    if not (reason and reason.strip()):
        ctx.problem(loc + ("reason",), "a judgement score needs a written reason (酌情扣分须说明理由)")
        ok = False
    return {"score": score} if ok else None


FAMILY = Family(
    name="judgement", term="酌情扣分", formula="evaluator's score in [0, W] with a reason", source="效果性; expert panels",
    settings=JudgementRule, score=judgement, evaluate=lambda W, a: judgement(W, a["score"]), compile=compile_rule,
    describe=lambda rule, points, unit: Phrase("judgement"), order=110,
    explained=False, evaluator_scored=True,
)
