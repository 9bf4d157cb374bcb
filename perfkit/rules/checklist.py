"""checklist (要点): ``Σ pointsᵢ · metᵢ``, metᵢ in [0, 1] or the points of a named tier.

Source: Luohu 预算编制合理性 (5 × 1), 绩效指标明确性 (2+2+1+1+1), disclosure tiers (1.5 / 1 / 0).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import NODE_ID, ArrayLike, Family, Listed, Model, Phrase, RuleBase, arr, clip_to_points

# Answers written as words where the checklist takes true/false: what to write instead.
YES_NO = {"是": "true", "否": "false", "符合": "true", "不符合": "false",
          "达到": "true", "未达到": "false", "yes": "true", "no": "false"}


class ChecklistItem(Model):
    """One point (要点) of a checklist rule, answered in the evaluation's ``answers`` by its ``id``."""

    id: str = Field(pattern=NODE_ID, description="Key of the item in the evaluation's `answers`.")
    text: str = Field(description="The point as the 评分标准 writes it (e.g. 符合部门职责).")
    points: float = Field(ge=0, description="Points the item earns when fully met.")
    tiers: dict[str, float] | None = Field(
        None,
        description="Named tiers and the points each earns, e.g. {合规: 1.5, 不规范: 1, 未公开: 0}; an answer "
        "naming a tier earns its points (at most the item's `points`). Null (default): answers are true/false "
        "or a share met.",
    )


class ChecklistRule(RuleBase):
    """要点 checklist: ``Σ pointsᵢ · metᵢ`` with metᵢ in [0, 1], or the points of a named tier."""

    family: Literal["checklist"] = Field(description="`checklist`: 要点, points per item met.")
    items: list[ChecklistItem] = Field(
        min_length=1,
        description="The items; their points normally add up to W, and the total is clipped to W in any case.",
    )


def checklist(points: ArrayLike, item_points: ArrayLike, met: ArrayLike) -> np.ndarray:
    """要点 checklist: ``Σ pointsᵢ · metᵢ`` over the last axis, metᵢ in [0, 1].

    Tiers (1.5 / 1 / 0 for 公开 compliant / late / absent) are resolved to met = tier points / item
    points before this call. Source: Luohu 预算编制合理性 5 × 1, 绩效指标明确性 2+2+1+1+1.
    """
    total = np.sum(arr(item_points) * np.clip(arr(met), 0.0, 1.0), axis=-1)
    return clip_to_points(total, points)


def _met(ctx, item: ChecklistItem, ans, loc: tuple) -> float:
    """The share of one item met by an answer; NaN (with a problem) when the answer does not fit."""
    if ans is None:
        ctx.problem(loc + ("answers", item.id),
                    f"checklist item {item.id!r} ({item.text}) is not answered: expected true/false, "
                    "a share between 0 and 1" + (", or one of the tiers " + ", ".join(item.tiers)
                                                   if item.tiers else ""))
        return np.nan
    if isinstance(ans, bool):
        return 1.0 if ans else 0.0
    if isinstance(ans, str):
        if not item.tiers or ans not in item.tiers:
            hint = (f" (write {YES_NO[ans]} for {ans!r})" if ans in YES_NO else "")
            ctx.problem(loc + ("answers", item.id), f"unknown tier {ans!r}; expected one of "
                        + (", ".join(item.tiers) if item.tiers else "true/false or a share (no tiers)") + hint)
            return np.nan
        return item.tiers[ans] / item.points if item.points else 0.0
    if 0 <= ans <= 1:
        return float(ans)
    ctx.problem(loc + ("answers", item.id), f"expected a share between 0 and 1, got {ans!r}")
    return np.nan


def compile_rule(ctx, rule: ChecklistRule, points: float, inputs, loc: tuple) -> dict | None:
    answers = (inputs.answers if inputs is not None else None) or {}
    ids = [i.id for i in rule.items]
    for extra in sorted(set(answers) - set(ids)):
        ctx.problem(loc + ("answers", extra), f"no such checklist item; the rule's items are {', '.join(ids)}")
    met = [_met(ctx, item, answers.get(item.id), loc) for item in rule.items]
    if any(np.isnan(met)):
        return None
    return {"item_points": [i.points for i in rule.items], "met": met}


def describe(rule: ChecklistRule, points: float, unit: str) -> Phrase:
    items = [Phrase("checklist_item", {"text": it.text, "points": it.points,
                                       "tiers": Listed(tuple(f"{k}{v:g}" for k, v in it.tiers.items()))
                                       if it.tiers else ""}) for it in rule.items]
    return Phrase("checklist", {"items": items, "points": [it.points for it in rule.items]})


FAMILY = Family(
    name="checklist", term="要点", formula="Σ pointsᵢ·metᵢ", source="Luohu 预算编制合理性, 公开",
    settings=ChecklistRule, score=checklist,
    evaluate=lambda W, a: checklist(W, np.nan_to_num(a["item_points"]), np.nan_to_num(a["met"])),
    compile=compile_rule,
    explain=lambda a, W, score: " + ".join(f"{p:g}×{m:.2g}" for p, m in zip(a["item_points"], a["met"])),
    describe=describe, order=50, models=(ChecklistItem,),
)
