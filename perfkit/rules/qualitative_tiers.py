"""qualitative_tiers (定性分档): 达成 → [80%,100%]·W; 部分达成 → [60%,80%)·W; 未达成 → [0,60%)·W.

Source: 财预〔2020〕10号 for qualitative indicators. The evaluator's score is taken as given and
checked against the chosen tier (TIER_MISMATCH when outside it), never corrected.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ArrayLike, Check, Family, Interval, Phrase, RuleBase, Verbatim, arr, interval_text
from .judgement import evaluator_score, judgement


class QualitativeTiersRule(RuleBase):
    """达成 / 部分达成 / 未达成: the evaluator's score must fall in the chosen tier's share of W."""

    family: Literal["qualitative_tiers"] = Field(description="`qualitative_tiers`: 定性分档.")
    tiers: dict[str, Interval] = Field(
        default_factory=lambda: {
            "达成": Interval(min=80, max=100, max_inclusive=True),
            "部分达成": Interval(min=60, max=80),
            "未达成": Interval(min=0, max=60),
        },
        description="Tier name → interval of the score as a percentage of W. Default: 达成 [80, 100], 部分达成 "
        "[60, 80), 未达成 [0, 60) (财预〔2020〕10号). The input `tier` must name one of them; a score outside the "
        "named tier is reported (TIER_MISMATCH), not corrected.",
    )


def qualitative_tier_bounds(points: ArrayLike, lower_share: ArrayLike, upper_share: ArrayLike) -> tuple:
    """达成 → [80%,100%]·W; 部分达成 → [60%,80%)·W; 未达成 → [0,60%)·W (财预〔2020〕10号).

    Returns the score bounds of a tier; the evaluator's score is checked against them.
    """
    W = arr(points)
    return W * arr(lower_share) / 100.0, W * arr(upper_share) / 100.0


def compile_rule(ctx, rule: QualitativeTiersRule, points: float, inputs, loc: tuple) -> dict | None:
    score, ok = evaluator_score(ctx, "qualitative_tiers", points, inputs, loc)
    args = {"score": score}
    tier = inputs.tier if inputs is not None else None
    if tier not in rule.tiers:
        ctx.problem(loc + ("tier",), f"expected one of the tiers {', '.join(rule.tiers)}"
                    + (" (the tier the evaluator chose; it is missing)" if tier is None else f", got {tier!r}"))
        ok = False
    else:
        args["tier"] = tier
    return args if ok else None


def checks(rule: QualitativeTiersRule, points: float, args: dict) -> list[Check]:
    """TIER_MISMATCH: the evaluator's score lies outside the share of W of the tier it names."""
    if "tier" not in args:
        return []
    iv = rule.tiers[args["tier"]]
    share = 100.0 * args["score"] / points if points else 0.0
    if iv.holds(share):
        return []
    return [Check("TIER_MISMATCH", "error",
                  f"{args['score']:g} of {points:g} ({share:.2f}%) lies outside the tier {args['tier']} {iv.label()}%",
                  {"tier": args["tier"], "score": args["score"], "share": share})]


def describe(rule: QualitativeTiersRule, points: float, unit: str) -> Phrase:
    tiers = [Phrase("tier", {"name": name, "interval": Verbatim(interval_text(iv.min, iv.max, iv.min_inclusive,
                                                                             iv.max_inclusive, "%"))})
             for name, iv in rule.tiers.items()]
    return Phrase("qualitative_tiers", {"tiers": tiers})


FAMILY = Family(
    name="qualitative_tiers", term="定性分档", formula="达成 [80,100]%·W; 部分达成 [60,80)%; 未达成 [0,60)%",
    source="财预〔2020〕10号", settings=QualitativeTiersRule, score=judgement,
    evaluate=lambda W, a: judgement(W, a["score"]), compile=compile_rule,
    describe=describe, order=100, explained=False, evaluator_scored=True, checks=checks,
)
