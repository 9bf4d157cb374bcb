"""sum (组合): a leaf scored as the sum of separately scored parts, at most its points.

Source: Shenzhen 政府采购执行率 (procurement rate × 1 + policy 1). Each part has its own rule of any
other family and its own zero-if conditions; ``perfkit.core.compile`` compiles one row per part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .base import (NODE_ID, ArrayLike, Family, Model, Phrase, RuleBase, RuleWords, arr, clip_to_points, new_list,
                   own_alternatives)
from .zero_if import ZeroIf

if TYPE_CHECKING:  # the union of every family's settings, built by perfkit.params (which rebuilds Part)
    RuleSpec = Any


class Part(Model):
    """One component of a composite indicator, with its own points and rule."""

    id: str = Field(pattern=NODE_ID, description="Key of the part in the evaluation's `inputs.parts`.")
    name: str = Field(description="Name of the part as the criteria write it (e.g. 政府采购执行率).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`, quoted.")
    points: float = Field(
        ge=0,
        description="The part's weight (its W); the parts' points should add up to the leaf's points "
        "(PARTS_POINTS_MISMATCH otherwise).",
    )
    rule: "RuleSpec" = Field(description="How the part is scored: a rule of any family but `sum` (parts do not nest).")
    zero_if: list[ZeroIf] = Field(
        default_factory=new_list,
        description="Zero-if overrides of this part alone: it scores 0 when any holds; the other parts still count.",
    )

    @model_validator(mode="after")
    def _no_nesting(self) -> "Part":
        if self.rule.family == "sum":
            raise ValueError(f"part {self.id!r} is itself a sum of parts; parts do not nest: list every component "
                             "as a part of the leaf")
        return self


class SumRule(RuleBase):
    """A leaf scored as the sum of parts (e.g. procurement rate × 1 + policy 1)."""

    family: Literal["sum"] = Field(description="`sum`: 组合, the sum of separately scored parts.")
    parts: list[Part] = Field(
        min_length=1, description="The components; the leaf scores the sum of their scores, at most its points."
    )


def sum_of_parts(points: ArrayLike, part_scores: ArrayLike) -> np.ndarray:
    """组合: ``min(Σ partsᵢ, W)`` over the last axis (Shenzhen 政府采购执行率: rate × 1 + policy 1)."""
    return clip_to_points(np.sum(arr(part_scores), axis=-1), points)


def alternatives(rule: SumRule) -> list:
    """The rule's own alternative readings, then each part's, named by the part's id."""
    out = own_alternatives(rule)
    for p in rule.parts:
        out += [(alt, r, p.id) for alt, r, _ in own_alternatives(p.rule)]
    return out


def describe(rule: SumRule, points: float, unit: str) -> Phrase:
    return Phrase("sum", {"parts": [Phrase("part", {"name": p.name, "name_en": p.name_en, "points": p.points,
                                                    "rule": RuleWords(p.rule, p.points, tuple(p.zero_if), p.id)})
                                    for p in rule.parts]})


FAMILY = Family(
    name="sum", term="组合", formula="Σ parts", source="Shenzhen 政府采购执行率 (rate × 1 + policy 1)",
    settings=SumRule, score=sum_of_parts, describe=describe, order=120, models=(Part,), composite=True,
    alternatives=alternatives,
)
