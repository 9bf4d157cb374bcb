"""The parameter-file schema: frameworks and department-years as validated data.

This module owns the *shape* of every file under ``parameters/``. It holds no scoring logic: a rule
here is a description (family name plus its settings); ``perfkit.rules`` owns the arithmetic and
``perfkit.scoring`` joins the two. The JSON Schema published in ``docs/schema/`` is generated from
these models (``perfkit schema``), so the documentation cannot drift from the code.

Conventions that hold for every file:

* money is in 万元 (ten-thousand yuan);
* rates and shares are written as percentages, as the reports print them (``98.62`` means 98.62%);
* every model forbids unknown keys, so a misspelt field is an error naming the field, never ignored;
* a level-3 indicator's ``points`` (分值) is its weight; a parent's ``points`` is the figure the report
  *states* for it, which validation compares with the sum of its children instead of trusting it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Measures a budget block can state (``Budget.stated``); ``perfkit.core.budget.MEASURES`` computes each.
STATED_MEASURES: tuple[str, ...] = (
    "execution_rate", "quarterly_execution_rates", "adjustment_rate", "procurement_rate", "fixed_asset_use_rate",
    "staff_control_rate", "contract_staff_rate", "three_public_control_rate", "public_expense_control_rate",
    "carry_over_rate",
)
DEPARTMENT_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
NODE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class Model(BaseModel):
    """Base for every schema model: unknown keys are errors, and models are immutable values."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


class Interval(Model):
    """A range of a measured value (percent, count, ...) with each bound's inclusiveness as written.

    ``[75, 90)`` is ``{min: 75, max: 90}``; ``≥90`` is ``{min: 90}``; ``[5, 10]`` is
    ``{min: 5, max: 10, max_inclusive: true}``. A missing bound is unbounded.
    """

    min: float | None = Field(
        None,
        description="Lower bound, in the unit of the measured value (percent for rates: 90 means 90%); "
        "null (the default) means no lower bound.",
    )
    max: float | None = Field(
        None, description="Upper bound, in the same unit as `min`; null (the default) means no upper bound."
    )
    min_inclusive: bool = Field(
        True, description="Whether a value equal to `min` lies inside: true (default) is `[min, …`, false `(min, …`."
    )
    max_inclusive: bool = Field(
        False, description="Whether a value equal to `max` lies inside: false (default) is `…, max)`, true `…, max]`."
    )

    @model_validator(mode="after")
    def _ordered(self) -> "Interval":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def label(self) -> str:
        lo = "(-∞" if self.min is None else ("[" if self.min_inclusive else "(") + f"{self.min:g}"
        hi = "+∞)" if self.max is None else f"{self.max:g}" + ("]" if self.max_inclusive else ")")
        return f"{lo}, {hi}"


class Band(Interval):
    """One step of a 分档 rule: the points awarded while the measured value lies in the interval.

    The bands are tried in the order written and the first one holding the value wins; a value that
    falls in no band is an error, so the bands should cover every possible value.
    """

    points: float = Field(
        ge=0, description="Points (得分) awarded while the value lies in this band (clipped to the indicator's points W)."
    )


class GradeBand(Model):
    """A grade (等级) and the lowest total that earns it (inclusive)."""

    grade: str = Field(
        description="The grade as reports print it (e.g. 优, 良, 中, 差); a report's `reported.grade` is checked "
        "against these bands."
    )
    min: float = Field(
        description="Lowest total (out of the framework's `total`) that earns the grade, inclusive; totals are "
        "rounded to two decimals before the lookup, as reports print them."
    )
    name_en: str | None = Field(
        None, description="English name of the grade (e.g. excellent), used by English reports; null: the grade as is."
    )


DEFAULT_GRADES: tuple[GradeBand, ...] = (
    GradeBand(grade="优", min=90, name_en="excellent"),
    GradeBand(grade="良", min=80, name_en="good"),
    GradeBand(grade="中", min=60, name_en="fair"),
    GradeBand(grade="差", min=0, name_en="poor"),
)


class Alternative(Model):
    """Another reading of an ambiguous rule: the settings it changes and what it means in words.

    Reconciliation re-scores a missed indicator under each alternative and names the one that
    reproduces the reported score, if any.
    """

    label: str = Field(description="Short name of the reading, quoted in findings (e.g. 年末口径).")
    description: str = Field(
        description="What the reading means, in words (e.g. 全年平均执行率取年末累计执行率，而非四个季度的平均)."
    )
    label_en: str | None = Field(None, description="English `label`, used by English reports; null: `label`.")
    description_en: str | None = Field(
        None, description="English `description`, used by English reports; null: `description`."
    )
    set: dict[str, Any] = Field(
        description="The settings this reading changes, as {setting: new value} (e.g. {average: year_end}). They are "
        "merged over the rule's own settings and the result is validated as the same family, so every key must be "
        "a setting of that family."
    )


class RuleBase(Model):
    """Settings every rule family accepts."""

    reading: str | None = Field(
        None,
        description="The reading chosen where the source text is ambiguous, in words; quoted in the finding when "
        "the recomputed score misses the reported one. Null: the text is taken to be unambiguous.",
    )
    alternatives: list[Alternative] = Field(
        default_factory=list,
        description="Other readings of an ambiguous rule. When the recomputed score misses the leaf's "
        "`reported_score`, each is tried and the finding names the first one that reproduces the reported score.",
    )
    source: str | None = Field(None, description="Where the rule is written (document, annex), for the record.")


# --------------------------------------------------------------------------------------------
# Rule families (each corresponds to one function in perfkit.rules)
# --------------------------------------------------------------------------------------------


class LowTargetPenalty(Model):
    """偏离度 overlay: deduct a share of the points when the actual overshoots the target.

    ``measure`` says which deviation the bands are written in: ``deviation`` is (B − A)/A in percent,
    ``ratio`` is B/A in percent. Each band's ``deduct_share`` is the fraction of the points taken off.
    """

    measure: Literal["deviation", "ratio"] = Field(
        "deviation",
        description="What the bands are written in, A being the target and B the actual: `deviation` (default) is "
        "(B − A)/A × 100, `ratio` is B/A × 100, both in percent.",
    )
    bands: list["PenaltyBand"] = Field(
        description="The penalty bands over that measure; where several hold the value, the largest "
        "`deduct_share` applies, and where none does nothing is deducted."
    )
    reading: str | None = Field(
        None,
        description="How ambiguous printed bounds are read, in words (e.g. \"300%-5000%（含500%）\" read as "
        "(300%, 500%]).",
    )


class PenaltyBand(Interval):
    """One band of the 偏离度 overlay: while the deviation (or ratio) lies in it, a share of W is deducted."""

    deduct_share: float = Field(
        ge=0, le=1, description="Fraction of the indicator's points W deducted, 0 to 1 (0.10 takes off 10% of W)."
    )


class RatioRule(RuleBase):
    """正向比率 (higher is better): ``W · min(B/A, cap)``, A the input ``target``, B the ``actual``.

    A target of zero (nothing promised) scores full points for any actual of zero or more.
    """

    family: Literal["ratio"] = Field(description="`ratio`: 正向比率, higher is better.")
    cap: float = Field(
        1.0,
        gt=0,
        description="Largest ratio credited (default 1: full points once the target is met). Scores are clipped "
        "to W anyway, so only a cap below 1 changes a score.",
    )
    low_target_penalty: LowTargetPenalty | None = Field(
        None,
        description="Optional 偏离度 overlay deducting a share of W when the actual overshoots the target by far "
        "(a sign the target was set low). Null: no overlay.",
    )


class InverseRatioRule(RuleBase):
    """反向比率 (lower is better: cost, time, fault rate): ``W · min(A/B, cap)``; an actual of zero scores full marks."""

    family: Literal["inverse_ratio"] = Field(description="`inverse_ratio`: 反向比率, lower is better.")
    cap: float = Field(
        1.0,
        gt=0,
        description="Largest ratio credited (default 1: full points once the target is met). Scores are clipped "
        "to W anyway, so only a cap below 1 changes a score.",
    )


class BandsRule(RuleBase):
    """分档: piecewise-constant points in a measured value."""

    family: Literal["bands"] = Field(description="`bands`: 分档.")
    measure: str | None = Field(
        None,
        description="A measure derived from the budget block, such as `budget.fixed_asset_use_rate` (percent); "
        "null (default): the evaluation's input `value`.",
    )
    bands: list[Band] = Field(
        min_length=1, description="The steps, tried in the order written; a value in none of them is an error."
    )


class DeductPerItemRule(RuleBase):
    """扣完为止: ``max(W − k·n, 0)``, n the input ``count``; k is ``per_item`` points or ``per_item_share`` of W."""

    family: Literal["deduct_per_item"] = Field(description="`deduct_per_item`: 扣完为止, a deduction per item found.")
    per_item: float | None = Field(
        None,
        gt=0,
        description="k in points: deducted per item found (e.g. 1 per non-conforming item). Give this or "
        "`per_item_share`, not both.",
    )
    per_item_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="k as a share of W, above 0 and at most 1 (0.25 takes off a quarter of the points per item). "
        "Give this or `per_item`, not both.",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> "DeductPerItemRule":
        if (self.per_item is None) == (self.per_item_share is None):
            raise ValueError("give exactly one of per_item (points) or per_item_share (share of points)")
        return self


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


class OverrunPenaltyRule(RuleBase):
    """Full points on the good side of a threshold, then a deduction per unit beyond it, floor 0.

    ``direction: above`` penalises values above the threshold (overruns); ``below`` penalises
    shortfalls (e.g. satisfaction under 95%).
    """

    family: Literal["overrun_penalty"] = Field(description="`overrun_penalty`: 超限扣分.")
    measure: str | None = Field(
        None,
        description="A measure derived from the budget block, such as `budget.adjustment_rate` (percent); "
        "null (default): the evaluation's input `value`.",
    )
    threshold: float = Field(
        description="The limit, in the unit of the measured value (percent for rates): 10 for adjustments "
        "within 10%, 95 for satisfaction of at least 95%."
    )
    direction: Literal["above", "below"] = Field(
        "above",
        description="`above` (default): values above the threshold are penalised (overruns); `below`: values "
        "below it are (shortfalls).",
    )
    per_unit: float | None = Field(
        None,
        gt=0,
        description="Points deducted per unit beyond the threshold (e.g. 0.1 per percentage point). Give this "
        "or `per_unit_share`, not both.",
    )
    per_unit_share: float | None = Field(
        None,
        gt=0,
        description="Share of W deducted per unit beyond the threshold (0.02 takes off 2% of W per point). Give "
        "this or `per_unit`, not both.",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> "OverrunPenaltyRule":
        if (self.per_unit is None) == (self.per_unit_share is None):
            raise ValueError("give exactly one of per_unit (points) or per_unit_share (share of points)")
        return self


class ScheduleProgressRule(RuleBase):
    """序时进度: ``Σ_q min(c_q/s_q, 1)·w_q + min(avg, 1)·w_avg``.

    ``average`` chooses how 全年平均执行率 is read: the mean of the quarterly cumulative rates, or the
    year-end rate.
    """

    family: Literal["schedule_progress"] = Field(description="`schedule_progress`: 序时进度.")
    measure: str | None = Field(
        "budget.quarterly_execution_rates",
        description="The measure giving the cumulative execution rates c, in percent; default "
        "`budget.quarterly_execution_rates` (budget.quarterly_spent / budget.adjusted). Null: the rates are "
        "taken from the evaluation's input `values`.",
    )
    schedule: list[float] = Field(
        default=[25.0, 50.0, 75.0, 100.0],
        min_length=1,
        description="s: the time-elapsed schedule (序时进度) in percent at each point; default [25, 50, 75, 100] "
        "for the four quarter ends.",
    )
    quarter_points: list[float] = Field(
        default=[1.0, 1.0, 1.0, 1.0],
        min_length=1,
        description="w_q: the points of each schedule point, as many as `schedule` has; default [1, 1, 1, 1].",
    )
    average_points: float = Field(
        2.0,
        description="w_avg: the points of the 全年平均执行率 term (default 2). With `quarter_points` they "
        "normally add up to W; the score is clipped to W in any case.",
    )
    average: Literal["mean_of_quarters", "year_end"] = Field(
        "mean_of_quarters",
        description="How 全年平均执行率 is read: `mean_of_quarters` (default), the mean of the cumulative rates; "
        "`year_end`, the last (year-end) cumulative rate.",
    )
    cap_quarters: bool = Field(
        True,
        description="Whether each point's c/s is capped at 1 (default true), so that being ahead of schedule in "
        "one quarter cannot make up for being behind in another.",
    )

    @model_validator(mode="after")
    def _lengths(self) -> "ScheduleProgressRule":
        if len(self.schedule) != len(self.quarter_points):
            raise ValueError("schedule and quarter_points must have the same length")
        return self


class RateWeightRule(RuleBase):
    """Rate × weight: ``W · min(rate/100, 1)``."""

    family: Literal["rate_weight"] = Field(description="`rate_weight`: rate × weight.")
    measure: str | None = Field(
        None,
        description="A measure derived from the budget block giving the rate in percent, such as "
        "`budget.execution_rate`; null (default): the evaluation's input `value`.",
    )


class BaseSlopeRule(RuleBase):
    """Base plus slope: ``clamp(W·b + S·s·x, 0, W)``, S = W·b (``slope_of: base``) or W.

    The driver x (in percent or units) is chosen by ``driver``:
    ``value`` (given directly), ``relative_to_target`` ((B−A)/A·100), ``difference_to_target``
    (B − A), ``change_from_prior`` (B − prior). For ``direction: negative`` the sign is flipped.
    """

    family: Literal["base_slope"] = Field(description="`base_slope`: 基准加斜率.")
    base: float = Field(
        gt=0,
        le=1,
        description="b: the share of W earned on reaching the target, above 0 and at most 1 (0.7 for "
        "达到目标值得70%权重分).",
    )
    slope: float = Field(
        0.05,
        ge=0,
        description="s: the share of S added per unit of the driver x (default 0.05: 5% per percentage point, "
        "as in 每提升1%增加5%).",
    )
    slope_of: Literal["base", "weight"] = Field(
        "base",
        description="What S is: `base` (default), the base score W·b, as the reports apply it; `weight`, W itself, "
        "as some criteria texts read.",
    )
    driver: Literal["value", "relative_to_target", "difference_to_target", "change_from_prior"] = Field(
        "value",
        description="What x is: `value` (default), the input `value`; `relative_to_target`, (B − A)/A × 100; "
        "`difference_to_target`, B − A; `change_from_prior`, B − `prior_actual` (A the input target, B the "
        "actual). Negated when the input `direction` is `negative`.",
    )


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


class JudgementRule(RuleBase):
    """酌情扣分: the evaluator's score in [0, W], which must come with a written reason."""

    family: Literal["judgement"] = Field(description="`judgement`: 酌情扣分, the evaluator's score with a reason.")


class Part(Model):
    """One component of a composite indicator, with its own points and rule."""

    id: str = Field(pattern=NODE_ID, description="Key of the part in the evaluation's `inputs.parts`.")
    name: str = Field(description="Name of the part as the criteria write it (e.g. 政府采购执行率).")
    points: float = Field(
        ge=0,
        description="The part's weight (its W); the parts' points should add up to the leaf's points "
        "(PARTS_POINTS_MISMATCH otherwise).",
    )
    rule: "RuleSpec" = Field(description="How the part is scored: a rule of any family but `sum` (parts do not nest).")
    zero_if: list["ZeroIf"] = Field(
        default_factory=list,
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


RuleSpec = Annotated[
    Union[
        RatioRule,
        InverseRatioRule,
        BandsRule,
        DeductPerItemRule,
        ChecklistRule,
        OverrunPenaltyRule,
        ScheduleProgressRule,
        RateWeightRule,
        BaseSlopeRule,
        QualitativeTiersRule,
        JudgementRule,
        SumRule,
    ],
    Field(discriminator="family"),
]

COMPARATORS = Literal[">", ">=", "<", "<=", "=="]


class ZeroIf(Model):
    """Zero-if override: the indicator (or part) scores 0 when the condition holds.

    Either the evaluation answers the condition by ``id`` in its inputs' ``conditions``, or ``when``
    computes it from a derived measure (e.g. procurement actual above plan).
    """

    id: str = Field(pattern=NODE_ID, description="Key of the condition in the evaluation's `conditions`.")
    text: str = Field(
        description="The condition as the criteria write it (e.g. 实际采购金额大于采购计划金额，本项得0分); "
        "given as the reason for the zero."
    )
    when: "Condition | None" = Field(
        None,
        description="Computes the condition from a derived measure; any answer in `conditions` is then ignored. "
        "Null (default): the condition holds only when the evaluation answers it `true` in `conditions`; an "
        "unanswered condition does not hold.",
    )


class Condition(Model):
    """A computed zero-if condition: ``<measure> <op> <value>``, e.g. ``budget.procurement_rate > 100``."""

    measure: str = Field(description="A measure derived from the budget block, e.g. `budget.procurement_rate`.")
    op: COMPARATORS = Field(description="The comparison: `>`, `>=`, `<`, `<=` or `==`.")
    value: float = Field(
        description="What the measure is compared with, in its unit (percent for rates: 100 for 'actual above plan')."
    )


# --------------------------------------------------------------------------------------------
# Inputs an evaluation supplies per indicator
# --------------------------------------------------------------------------------------------

Number = float
Direction = Literal["positive", "negative", "equal", "qualitative"]


class IndicatorInput(Model):
    """Raw inputs for one scored indicator (or one part of a composite indicator).

    Which fields a rule needs: ratio / inverse_ratio / base_slope with a target driver — ``target``
    and ``actual``; bands / rate_weight / overrun_penalty — ``value`` (or the rule's ``measure``);
    deduct_per_item — ``count``; checklist — ``answers``; schedule_progress — ``values`` (or the
    measure); qualitative_tiers — ``tier`` and ``score``; judgement — ``score`` and ``reason``.
    """

    target: float | str | None = Field(
        None,
        description="年度指标值: the target, as a number or as written (\"≥130亿\", \"十名以内\"); text is parsed "
        "for its comparison, number and unit. Needed by ratio, inverse_ratio and base_slope with a target driver.",
    )
    actual: float | str | None = Field(
        None,
        description="全年实际值: the actual, as a number or as written (\"654亿\"); read like `target`.",
    )
    prior_actual: float | str | None = Field(
        None,
        description="The previous year's actual (上年实际值), as a number or as written; used by base_slope with "
        "`driver: change_from_prior`, and by target diagnostics to flag a target set below it.",
    )
    target_value: float | None = Field(
        None,
        description="The number to score with when `target` keeps words that hold none or a misleading one "
        "(\"每天不少于8条\" scored as 2920 a year); `target` then stays as printed, for the report.",
    )
    actual_value: float | None = Field(
        None, description="The number to score with when `actual` keeps words; same unit as the target's number."
    )
    prior_actual_value: float | None = Field(
        None, description="The number to use when `prior_actual` keeps words; same unit as the actual's number."
    )
    unit: str | None = Field(
        None,
        description="Unit of target and actual (e.g. %, 万元, 家). Given: the numbers are compared as written. "
        "Null: an actual written in another magnitude than the target (654亿 against 0.5万亿) is rescaled to the "
        "target's.",
    )
    direction: Direction | None = Field(
        None,
        description="`positive` (higher is better), `negative` (lower is better), `equal` or `qualitative`. "
        "`negative` negates the base_slope driver; target diagnostics use it to judge ambition. Null: taken from "
        "the rule (inverse_ratio is lower-is-better, the others higher-is-better).",
    )
    value: float | None = Field(
        None,
        description="The measured value, in the rule's unit (percent for rates), for a bands, rate_weight or "
        "overrun_penalty rule that names no `measure`, and for base_slope with `driver: value`.",
    )
    values: list[float] | None = Field(
        None,
        description="The cumulative execution rates in percent, one per schedule point, for a schedule_progress "
        "rule whose `measure` is null.",
    )
    count: float | None = Field(
        None, ge=0, description="Number of items found (0 when none), for deduct_per_item."
    )
    answers: dict[str, bool | float | str] | None = Field(
        None,
        description="Checklist answers by item id: true/false, a share met between 0 and 1, or the name of one of "
        "the item's `tiers`. Every item must be answered.",
    )
    tier: str | None = Field(
        None, description="The tier the evaluator chose (e.g. 达成), for qualitative_tiers; one of the rule's tiers."
    )
    score: float | None = Field(
        None,
        description="The evaluator's score, 0 to W, for judgement and qualitative_tiers. Given for a measured rule "
        "(e.g. a satisfaction rule with no survey held), it replaces that rule as a judgement, which then needs "
        "a `reason`, and is reported (JUDGED_WITHOUT_MEASUREMENT).",
    )
    reason: str | None = Field(
        None, description="The evaluator's reason for the score; mandatory for a judgement (酌情扣分须说明理由)."
    )
    conditions: dict[str, bool] | None = Field(
        None,
        description="Answers to the indicator's (or part's) `zero_if` conditions by id: true when the condition "
        "holds, and the score is then 0. An unanswered condition does not hold; an unknown id is an error.",
    )
    parts: dict[str, "IndicatorInput"] | None = Field(
        None, description="Inputs of each part of a `sum` rule, keyed by part id."
    )
    evidence: str | None = Field(
        None, description="What the figures rest on, as the report says; for the record, not used in scoring."
    )
    reported_score: float | None = Field(
        None,
        description="The score the report awards (得分). Compared with the recomputed score (SCORE_MISMATCH, "
        "with the rule's alternative readings tried) and with the points (SCORE_ABOVE_POINTS); the reported "
        "scores are also summed against `reported.nodes` and `reported.total`.",
    )
    reported_reason: str | None = Field(
        None, description="The deduction reason (扣分原因) as printed; shown in score tables instead of `reason`."
    )
    note: str | None = Field(
        None, description="Remarks (e.g. an inconsistency in the report), for the record; not used in scoring."
    )


# --------------------------------------------------------------------------------------------
# Indicator tree and framework
# --------------------------------------------------------------------------------------------


class Indicator(Model):
    """A node of the indicator tree (一级 / 二级 / 三级指标).

    Leaves carry a ``rule`` (inline, or the name of one of the framework's ``rule_templates``).
    In an evaluation's inline ``tree`` a leaf may also carry its ``inputs`` and ``reported_score``.
    """

    id: str = Field(
        pattern=NODE_ID,
        description="Node id, unique within the tree; an evaluation's `indicators` and `reported.nodes` and a "
        "target's `indicator` refer to it.",
    )
    name: str = Field(description="指标名称 as written.")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    points: float = Field(
        ge=0,
        description="分值: a leaf's weight W; for a parent, the points the report states, which are compared "
        "with the sum of its children's points (NODE_POINTS_MISMATCH), not trusted.",
    )
    criteria: str | None = Field(None, description="评分标准 as written, verbatim.")
    criteria_points: float | None = Field(
        None,
        description="Points the criteria text itself states, where it states any; a difference from `points` "
        "is reported (CRITERIA_POINTS_CONFLICT).",
    )
    rule: RuleSpec | str | None = Field(
        None,
        description="Leaves only (and required there): the scoring rule, inline (chosen by `family`) or the name "
        "of one of the framework's `rule_templates`.",
    )
    zero_if: list[ZeroIf] = Field(
        default_factory=list,
        description="Zero-if overrides (e.g. 一票否决 conditions) of a leaf: it scores 0 when any of them holds.",
    )
    children: list["Indicator"] = Field(
        default_factory=list,
        description="Sub-indicators (二级 / 三级指标); a node with children is a parent and is not scored itself.",
    )
    inputs: IndicatorInput | None = Field(
        None,
        description="In an evaluation's inline `tree`: the leaf's inputs (the fields of an `indicators` entry); "
        "give them here or under `indicators`, not both.",
    )
    note: str | None = Field(None, description="Remarks, for the record; not used in scoring.")

    @model_validator(mode="after")
    def _leaf_or_parent(self) -> "Indicator":
        if self.children and self.rule is not None:
            raise ValueError(f"indicator {self.id!r} has both children and a rule; only leaves are scored")
        if not self.children and self.rule is None:
            raise ValueError(f"leaf indicator {self.id!r} needs a rule")
        if self.children and self.inputs is not None:
            raise ValueError(f"indicator {self.id!r} has children; inputs belong on leaves")
        return self


class Framework(Model):
    """An indicator framework (指标体系), shared by many department-years.

    ``tree`` may be omitted for a *template* framework (e.g. the Beijing project self-evaluation form),
    whose evaluations bring their own tree and use the framework's grades and rule templates.
    """

    id: str = Field(
        pattern=DEPARTMENT_ID,
        description="Framework id: lowercase letters, digits and hyphens; must equal the file name "
        "(`parameters/frameworks/<id>.yaml`). Evaluations name it in `framework`.",
    )
    name: str = Field(description="The framework's name as published (指标体系名称).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    source: str | None = Field(None, description="Where the framework is published (document, annex).")
    total: float = Field(
        100,
        gt=0,
        description="The points the framework distributes (default 100); the leaves' points should add up to it "
        "(TOTAL_POINTS_MISMATCH otherwise).",
    )
    levels: int | None = Field(
        None,
        ge=2,
        le=4,
        description="Expected depth of the tree (2 to 4); leaves at other depths are reported (LEVELS_MISMATCH). "
        "Null: not checked.",
    )
    grades: list[GradeBand] = Field(
        default_factory=lambda: list(DEFAULT_GRADES),
        description="Grade bands from the highest down; the lowest must start at 0. Default: 优 ≥ 90, 良 ≥ 80, "
        "中 ≥ 60, 差 ≥ 0 (财预〔2020〕10号).",
    )
    rule_templates: dict[str, RuleSpec] = Field(
        default_factory=dict,
        description="Named rules that leaves use by giving the name as their `rule` "
        "(e.g. {positive: {family: ratio}}).",
    )
    tree: list[Indicator] | None = Field(
        None,
        description="The top-level (一级) indicators. Null for a template framework, whose evaluations each give "
        "their own `tree`.",
    )
    notes: list[str] = Field(default_factory=list, description="Remarks on the framework; not used in scoring.")

    @field_validator("grades")
    @classmethod
    def _grades_descending(cls, grades: list[GradeBand]) -> list[GradeBand]:
        mins = [g.min for g in grades]
        if mins != sorted(mins, reverse=True):
            raise ValueError("grades must be listed from the highest band down")
        if not grades or grades[-1].min > 0:
            raise ValueError("the lowest grade must start at 0 so every total has a grade")
        return grades


# --------------------------------------------------------------------------------------------
# Department-year
# --------------------------------------------------------------------------------------------


class BudgetLine(Model):
    """One row of a budget table (by category or by function), 万元."""

    name: str = Field(description="The row as printed (e.g. 基本支出, 人员经费, 一般公共服务支出).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    initial: float | None = Field(None, description="年初预算 of the row, 万元; null when not printed.")
    adjusted: float | None = Field(None, description="调整后预算 of the row, 万元; null when not printed.")
    spent: float | None = Field(None, description="实际支出 of the row, 万元; null when not printed.")
    children: list["BudgetLine"] = Field(
        default_factory=list, description="Sub-rows (e.g. 人员经费 and 日常公用经费 under 基本支出)."
    )


class SpendControl(Model):
    """A spending line held to a control budget (“三公”经费, 日常公用经费), 万元; spent / budget is its control rate."""

    budget: float = Field(ge=0, description="The controlled budget (预算数), 万元.")
    spent: float = Field(ge=0, description="Actual spending (实际支出), 万元.")


class Procurement(Model):
    """Government procurement (政府采购), 万元; actual / plan is ``budget.procurement_rate``."""

    plan: float = Field(ge=0, description="采购计划金额合计: planned procurement, 万元.")
    actual: float = Field(ge=0, description="实际采购金额合计: actual procurement, 万元.")


class Assets(Model):
    """Fixed assets (固定资产), 万元; in use / total is ``budget.fixed_asset_use_rate``."""

    fixed_total: float = Field(ge=0, description="固定资产总额 (原值): fixed assets at original cost, 万元.")
    fixed_in_use: float = Field(ge=0, description="实际在用固定资产总额: the part actually in use, 万元.")


class Staff(Model):
    """Headcounts (人员编制), persons; they give ``budget.staff_control_rate`` and ``budget.contract_staff_rate``."""

    establishment: int = Field(ge=0, description="核定编制数 (含工勤): approved establishment, persons.")
    actual: int = Field(ge=0, description="本年度在编人数 (含工勤): staff on the establishment this year, persons.")
    contract: int = Field(0, ge=0, description="编外人员数: staff outside the establishment, persons (default 0).")


class Budget(Model):
    """A budget block: the department's, or a project's own (then only the totals are needed).

    ``quarterly_spent`` is cumulative spending at the end of each quarter (累计支出). ``stated`` holds
    rates the report prints (in percent, keyed by measure name, e.g. ``execution_rate``), which
    reconciliation compares with the rates computed from the figures.
    """

    unit: Literal["万元"] = Field("万元", description="Unit of every amount in the block; only 万元 (the default).")
    initial: float | None = Field(
        None, ge=0, description="年初预算: the initial budget, 万元; needed by `budget.adjustment_rate`."
    )
    adjusted: float = Field(
        ge=0,
        description="调整后预算 / 全年预算: the adjusted budget, 万元; the base of the execution and carry-over rates.",
    )
    spent: float = Field(ge=0, description="实际支出 / 全年执行数: actual spending in the year, 万元.")
    carry_over: float | None = Field(
        None, ge=0, description="结转结余: carry-over and balance, 万元; gives `budget.carry_over_rate`."
    )
    by_category: list[BudgetLine] = Field(
        default_factory=list,
        description="Rows by category (e.g. 基本支出 with 人员经费 and 日常公用经费 beneath it, 项目支出), for the "
        "report's budget tables.",
    )
    by_function: list[BudgetLine] = Field(
        default_factory=list,
        description="Rows by functional classification (e.g. 一般公共服务支出), for the report's budget tables.",
    )
    quarterly_spent: list[float] | None = Field(
        None,
        min_length=4,
        max_length=4,
        description="Cumulative spending (累计支出) at the end of each of the four quarters, 万元; never falling. "
        "Gives `budget.quarterly_execution_rates`.",
    )
    three_public: SpendControl | None = Field(
        None, description="“三公”经费: budget and spending; gives `budget.three_public_control_rate`."
    )
    public_expense: SpendControl | None = Field(
        None, description="日常公用经费: budget and spending; gives `budget.public_expense_control_rate`."
    )
    procurement: Procurement | None = Field(
        None, description="政府采购: plan and actual; gives `budget.procurement_rate`."
    )
    assets: Assets | None = Field(None, description="固定资产: total and in use; gives `budget.fixed_asset_use_rate`.")
    staff: Staff | None = Field(
        None,
        description="人员编制: headcounts; give `budget.staff_control_rate` and `budget.contract_staff_rate`.",
    )
    stated: dict[str, float | list[float]] = Field(
        default_factory=dict,
        description="Rates the report prints, in percent, keyed by measure name without the `budget.` prefix "
        "(e.g. {execution_rate: 99.17, quarterly_execution_rates: [15.08, 24.50, 41.16, 99.17]}). Each is "
        "compared with the rate computed from the figures, rounded to two decimals (RATE_MISMATCH); an unknown "
        "name is an error.",
    )
    note: str | None = Field(None, description="Remarks on the figures, for the record; not used in scoring.")

    @field_validator("quarterly_spent")
    @classmethod
    def _cumulative(cls, q: list[float] | None) -> list[float] | None:
        if q is not None and any(b < a for a, b in zip(q, q[1:])):
            raise ValueError("quarterly_spent is cumulative and cannot fall from one quarter to the next")
        return q


class KeyTask(Model):
    """A key task of the year (年度重点工作) as the report lists it."""

    name: str = Field(description="The task as written (e.g. 引进持牌金融机构).")
    target: str | None = Field(None, description="Its target as written (e.g. ≥6家).")
    actual: str | None = Field(None, description="What was achieved, as written (e.g. 7家).")
    done: bool | None = Field(
        None, description="Whether the report says the task was completed; null when it does not say."
    )


class Department(Model):
    """The department (部门 / 单位) a department-year file is about."""

    id: str = Field(
        pattern=DEPARTMENT_ID,
        description="Department id: lowercase letters, digits and hyphens; must equal the folder name "
        "(`parameters/<id>/`).",
    )
    name: str = Field(description="Full name as printed (e.g. 深圳市罗湖区金融服务署).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    short_name: str | None = Field(None, description="Short name (简称) as the reports use it, for the record.")
    functions: list[str] = Field(
        default_factory=list, description="部门职责: the department's functions as listed, one item each."
    )
    key_tasks: list[KeyTask] = Field(default_factory=list, description="年度重点工作: the year's key tasks.")


class PerformanceTarget(Model):
    """A row of a 绩效目标表: target and actual as written, with what perfkit needs to compare them.

    ``target`` and ``actual`` keep the report's words ("≥130亿", "十名以内", "显著提升"); the numeric
    value, comparison and unit are parsed from them unless given explicitly. ``initial_target`` is the
    target before an in-year change, where the report shows one.
    """

    id: str | None = Field(
        None, pattern=NODE_ID, description="Optional id for the row; null: numbered target-1, target-2, … in outputs."
    )
    name: str = Field(description="指标名称: the row's name as written.")
    category: list[str] = Field(
        default_factory=list,
        description="指标类别 from the top down, e.g. [产出指标, 数量指标]. Rows under 成本 are not compared with "
        "budget changes.",
    )
    target: str | float = Field(
        description="年度指标值 as written (\"≥130亿\", \"十名以内\", \"显著提升\") or as a number. 不适用 / "
        "不涉及 / 无 mark a row that does not apply: listed, never flagged."
    )
    actual: str | float | None = Field(
        None, description="实际完成值 as written or as a number; null when the report gives none."
    )
    unit: str | None = Field(
        None,
        description="Unit of target and actual (e.g. 家, 亿元, %). Given: the actual is compared as written. Null: "
        "the unit parsed from `target`, and an actual in another magnitude (万 against 亿) is rescaled to it. "
        "Rates (a unit with %) are not compared with budget changes.",
    )
    direction: Direction | None = Field(
        None,
        description="`positive` (higher is better), `negative` (lower is better), `equal`, or `qualitative` (the "
        "target is words, its digits are not a target). Null: from the target's comparison (≥ positive, ≤ "
        "negative, = equal), else positive.",
    )
    target_value: float | None = Field(
        None,
        description="The numeric target, overriding what is parsed from `target`; give it when the target is a "
        "sentence holding its figure (sentences are not parsed for numbers).",
    )
    actual_value: float | None = Field(
        None, description="The numeric actual, overriding what is parsed from `actual` (as `target_value`)."
    )
    prior_actual: str | float | None = Field(
        None,
        description="The previous year's actual (上年实际值), as written or as a number; a target below it is "
        "flagged (ratchet).",
    )
    initial_target: str | float | None = Field(
        None,
        description="The target before an in-year change (调整前目标值), where the report shows one; a change "
        "toward the actual is flagged (lowered_in_year).",
    )
    indicator: str | None = Field(
        None, description="Id of the scored leaf indicator this row is evidence for (e.g. effectiveness)."
    )
    status: str | None = Field(
        None, description="完成情况 as written, for the record; perfkit judges met or missed from the figures."
    )
    note: str | None = Field(None, description="Remarks, for the record; not used in the diagnostics.")


class Reported(Model):
    """What a published report states, for reconciliation."""

    total: float | None = Field(
        None,
        description="总分 as printed; compared with the sum of the reported leaf scores (REPORTED_SUM_MISMATCH) "
        "and with the recomputed total (TOTAL_MISMATCH).",
    )
    grade: str | None = Field(
        None,
        description="等级 as printed (e.g. 良); compared with the framework's band for the reported `total` "
        "(GRADE_MISMATCH).",
    )
    nodes: dict[str, float] = Field(
        default_factory=dict,
        description="Stated subtotals by node id (e.g. level-1 scores), each compared with the sum of the "
        "reported leaf scores beneath it (REPORTED_NODE_MISMATCH); an id not in the tree is an error.",
    )
    note: str | None = Field(None, description="Remarks on what the report states, for the record.")


class Evaluation(Model):
    """One evaluation of a department-year: department-overall, a project, or a special fund."""

    id: str = Field(
        pattern=NODE_ID, description="Evaluation id, unique within the department-year including included files."
    )
    kind: Literal["department", "project", "special_fund"] = Field(
        description="`department` (部门整体支出绩效评价), `project` (项目支出) or `special_fund` (专项资金)."
    )
    evaluator: Literal["self", "third_party"] = Field(
        description="`self` (自评) or `third_party` (第三方评价)."
    )
    title: str = Field(description="The evaluation's title as printed.")
    title_en: str | None = Field(None, description="English title, used by English reports; null: `title`.")
    framework: str = Field(
        pattern=DEPARTMENT_ID, description="Id of the framework it applies (`parameters/frameworks/<id>.yaml`)."
    )
    tree: list[Indicator] | None = Field(
        None,
        description="Inline tree replacing the framework's (e.g. a project self-evaluation form's own rows); "
        "required when the framework is a template without a tree.",
    )
    budget: Budget | None = Field(
        None,
        description="The project's or fund's own budget; derived measures and stated rates then come from it "
        "instead of the department-year's `budget`.",
    )
    indicators: dict[str, IndicatorInput] = Field(
        default_factory=dict,
        description="Inputs per leaf indicator, keyed by leaf id; a key that is not a leaf of the tree is an error.",
    )
    targets: list[PerformanceTarget] = Field(
        default_factory=list,
        description="The 绩效目标表 rows: evidence and target-setting diagnostics, not scored row by row.",
    )
    reported: Reported | None = Field(
        None,
        description="What the published report states (total, grade, subtotals), for reconciliation; null when "
        "there is no published score.",
    )
    problems: list[str] = Field(default_factory=list, description="存在问题: the evaluator's text, one item each.")
    recommendations: list[str] = Field(
        default_factory=list, description="改进建议: the evaluator's text, one item each."
    )
    source: str | None = Field(None, description="The report the evaluation is taken from.")
    notes: list[str] = Field(default_factory=list, description="Remarks, for the record; not used in scoring.")


class DepartmentYear(Model):
    """``parameters/<department>/<year>.yaml``: one department in one budget year."""

    department: Department = Field(description="The department evaluated.")
    year: int = Field(ge=1990, le=2100, description="The budget year (预算年度); must equal the file name.")
    source: str | None = Field(None, description="The report(s) the figures come from.")
    budget: Budget | None = Field(
        None,
        description="The department's budget for the year; derived measures come from it for every evaluation "
        "that has no budget of its own.",
    )
    evaluations: list[Evaluation] = Field(
        default_factory=list, description="The evaluations of the year (department-overall, projects, funds)."
    )
    include: list[str] = Field(
        default_factory=list,
        description="Further files (globs relative to this file's folder, e.g. `2021/forms-*.yaml`), each holding "
        "`{evaluations: [...]}`; a glob that matches no file is an error.",
    )
    notes: list[str] = Field(default_factory=list, description="Remarks, for the record; not used in scoring.")


class EvaluationList(Model):
    """An included file: more evaluations of the department-year that includes it."""

    evaluations: list[Evaluation] = Field(
        min_length=1, description="The evaluations (at least one), as in a department-year's `evaluations`."
    )


for _model in (LowTargetPenalty, Part, Indicator, ZeroIf, IndicatorInput, BudgetLine, Framework):
    _model.model_rebuild()


def rule_family(rule: Any) -> str | None:
    return getattr(rule, "family", None)

