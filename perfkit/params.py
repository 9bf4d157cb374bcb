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

    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = False

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
    """One step of a 分档 rule: the points awarded while the measured value lies in the interval."""

    points: float = Field(ge=0)


class GradeBand(Model):
    """A grade (等级) and the lowest total that earns it (inclusive)."""

    grade: str
    min: float
    name_en: str | None = None


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

    label: str
    description: str
    label_en: str | None = None
    description_en: str | None = None
    set: dict[str, Any]


class RuleBase(Model):
    """Settings every rule family accepts."""

    reading: str | None = Field(
        None, description="The reading chosen where the source text is ambiguous, in words."
    )
    alternatives: list[Alternative] = Field(default_factory=list)
    source: str | None = Field(None, description="Where the rule is written (document, annex).")


# --------------------------------------------------------------------------------------------
# Rule families (each corresponds to one function in perfkit.rules)
# --------------------------------------------------------------------------------------------


class LowTargetPenalty(Model):
    """偏离度 overlay: deduct a share of the points when the actual overshoots the target.

    ``measure`` says which deviation the bands are written in: ``deviation`` is (B − A)/A in percent,
    ``ratio`` is B/A in percent. Each band's ``deduct_share`` is the fraction of the points taken off.
    """

    measure: Literal["deviation", "ratio"] = "deviation"
    bands: list["PenaltyBand"]
    reading: str | None = None


class PenaltyBand(Interval):
    deduct_share: float = Field(ge=0, le=1)


class RatioRule(RuleBase):
    """正向比率: ``W · min(B/A, cap)``."""

    family: Literal["ratio"]
    cap: float = Field(1.0, gt=0)
    low_target_penalty: LowTargetPenalty | None = None


class InverseRatioRule(RuleBase):
    """反向比率: ``W · min(A/B, cap)``; an actual of zero scores full marks."""

    family: Literal["inverse_ratio"]
    cap: float = Field(1.0, gt=0)


class BandsRule(RuleBase):
    """分档: piecewise-constant points in a measured value."""

    family: Literal["bands"]
    measure: str | None = Field(
        None, description="A derived measure such as budget.fixed_asset_use_rate; else input `value`."
    )
    bands: list[Band] = Field(min_length=1)


class DeductPerItemRule(RuleBase):
    """扣完为止: ``max(W − k·n, 0)``; ``per_item`` in points or ``per_item_share`` of W."""

    family: Literal["deduct_per_item"]
    per_item: float | None = Field(None, gt=0)
    per_item_share: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_rate(self) -> "DeductPerItemRule":
        if (self.per_item is None) == (self.per_item_share is None):
            raise ValueError("give exactly one of per_item (points) or per_item_share (share of points)")
        return self


class ChecklistItem(Model):
    id: str = Field(pattern=NODE_ID)
    text: str
    points: float = Field(ge=0)
    tiers: dict[str, float] | None = Field(
        None, description="Named tiers and the points each earns, e.g. {合规: 1.5, 不规范: 1, 未公开: 0}."
    )


class ChecklistRule(RuleBase):
    """要点 checklist: ``Σ pointsᵢ · metᵢ`` with metᵢ in [0, 1], or the points of a named tier."""

    family: Literal["checklist"]
    items: list[ChecklistItem] = Field(min_length=1)


class OverrunPenaltyRule(RuleBase):
    """Full points on the good side of a threshold, then a deduction per unit beyond it, floor 0.

    ``direction: above`` penalises values above the threshold (overruns); ``below`` penalises
    shortfalls (e.g. satisfaction under 95%).
    """

    family: Literal["overrun_penalty"]
    measure: str | None = None
    threshold: float
    direction: Literal["above", "below"] = "above"
    per_unit: float | None = Field(None, gt=0, description="points deducted per unit beyond")
    per_unit_share: float | None = Field(None, gt=0, description="share of W deducted per unit beyond")

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

    family: Literal["schedule_progress"]
    measure: str | None = "budget.quarterly_execution_rates"
    schedule: list[float] = Field(default=[25.0, 50.0, 75.0, 100.0], min_length=1)
    quarter_points: list[float] = Field(default=[1.0, 1.0, 1.0, 1.0], min_length=1)
    average_points: float = 2.0
    average: Literal["mean_of_quarters", "year_end"] = "mean_of_quarters"
    cap_quarters: bool = True

    @model_validator(mode="after")
    def _lengths(self) -> "ScheduleProgressRule":
        if len(self.schedule) != len(self.quarter_points):
            raise ValueError("schedule and quarter_points must have the same length")
        return self


class RateWeightRule(RuleBase):
    """Rate × weight: ``W · min(rate/100, 1)``."""

    family: Literal["rate_weight"]
    measure: str | None = None


class BaseSlopeRule(RuleBase):
    """Base plus slope: ``clamp(W·b + S·s·x, 0, W)``, S = W·b (``slope_of: base``) or W.

    The driver x (in percent or units) is chosen by ``driver``:
    ``value`` (given directly), ``relative_to_target`` ((B−A)/A·100), ``difference_to_target``
    (B − A), ``change_from_prior`` (B − prior). For ``direction: negative`` the sign is flipped.
    """

    family: Literal["base_slope"]
    base: float = Field(gt=0, le=1)
    slope: float = Field(0.05, ge=0)
    slope_of: Literal["base", "weight"] = "base"
    driver: Literal["value", "relative_to_target", "difference_to_target", "change_from_prior"] = "value"


class QualitativeTiersRule(RuleBase):
    """达成 / 部分达成 / 未达成: the evaluator's score must fall in the chosen tier's share of W."""

    family: Literal["qualitative_tiers"]
    tiers: dict[str, Interval] = Field(
        default_factory=lambda: {
            "达成": Interval(min=80, max=100, max_inclusive=True),
            "部分达成": Interval(min=60, max=80),
            "未达成": Interval(min=0, max=60),
        },
        description="Tier name → interval of the score as a percentage of W.",
    )


class JudgementRule(RuleBase):
    """酌情扣分: the evaluator's score in [0, W], which must come with a written reason."""

    family: Literal["judgement"]


class Part(Model):
    """One component of a composite indicator, with its own points and rule."""

    id: str = Field(pattern=NODE_ID)
    name: str
    points: float = Field(ge=0)
    rule: "RuleSpec"
    zero_if: list["ZeroIf"] = Field(default_factory=list)


class SumRule(RuleBase):
    """A leaf scored as the sum of parts (e.g. procurement rate × 1 + policy 1)."""

    family: Literal["sum"]
    parts: list[Part] = Field(min_length=1)


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

    id: str = Field(pattern=NODE_ID)
    text: str
    when: "Condition | None" = None


class Condition(Model):
    measure: str
    op: COMPARATORS
    value: float


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

    target: float | str | None = None
    actual: float | str | None = None
    prior_actual: float | str | None = None
    unit: str | None = None
    direction: Direction | None = None
    value: float | None = None
    values: list[float] | None = None
    count: float | None = Field(None, ge=0)
    answers: dict[str, bool | float | str] | None = None
    tier: str | None = None
    score: float | None = None
    reason: str | None = None
    conditions: dict[str, bool] | None = None
    parts: dict[str, "IndicatorInput"] | None = None
    evidence: str | None = Field(None, description="What the figures rest on, as the report says.")
    reported_score: float | None = None
    reported_reason: str | None = Field(None, description="The deduction reason (扣分原因) as printed.")
    note: str | None = None


# --------------------------------------------------------------------------------------------
# Indicator tree and framework
# --------------------------------------------------------------------------------------------


class Indicator(Model):
    """A node of the indicator tree (一级 / 二级 / 三级指标).

    Leaves carry a ``rule`` (inline, or the name of one of the framework's ``rule_templates``).
    In an evaluation's inline ``tree`` a leaf may also carry its ``inputs`` and ``reported_score``.
    """

    id: str = Field(pattern=NODE_ID)
    name: str
    name_en: str | None = None
    points: float = Field(ge=0, description="分值: weight of a leaf, the stated points of a parent")
    criteria: str | None = Field(None, description="评分标准 as written")
    criteria_points: float | None = Field(
        None, description="Points the criteria text itself states, where it states any"
    )
    rule: RuleSpec | str | None = None
    zero_if: list[ZeroIf] = Field(default_factory=list)
    children: list["Indicator"] = Field(default_factory=list)
    inputs: IndicatorInput | None = None
    note: str | None = None

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

    id: str = Field(pattern=DEPARTMENT_ID)
    name: str
    name_en: str | None = None
    source: str | None = None
    total: float = Field(100, gt=0)
    levels: int | None = Field(None, ge=2, le=4, description="Expected depth of the tree")
    grades: list[GradeBand] = Field(default_factory=lambda: list(DEFAULT_GRADES))
    rule_templates: dict[str, RuleSpec] = Field(default_factory=dict)
    tree: list[Indicator] | None = None
    notes: list[str] = Field(default_factory=list)

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

    name: str
    name_en: str | None = None
    initial: float | None = None
    adjusted: float | None = None
    spent: float | None = None
    children: list["BudgetLine"] = Field(default_factory=list)


class SpendControl(Model):
    budget: float = Field(ge=0)
    spent: float = Field(ge=0)


class Procurement(Model):
    plan: float = Field(ge=0, description="采购计划金额合计")
    actual: float = Field(ge=0, description="实际采购金额合计")


class Assets(Model):
    fixed_total: float = Field(ge=0, description="固定资产总额 (原值)")
    fixed_in_use: float = Field(ge=0, description="实际在用固定资产总额")


class Staff(Model):
    establishment: int = Field(ge=0, description="核定编制数 (含工勤)")
    actual: int = Field(ge=0, description="本年度在编人数 (含工勤)")
    contract: int = Field(0, ge=0, description="编外人员数")


class Budget(Model):
    """A budget block: the department's, or a project's own (then only the totals are needed).

    ``quarterly_spent`` is cumulative spending at the end of each quarter (累计支出). ``stated`` holds
    rates the report prints (in percent, keyed by measure name, e.g. ``execution_rate``), which
    reconciliation compares with the rates computed from the figures.
    """

    unit: Literal["万元"] = "万元"
    initial: float | None = Field(None, ge=0, description="年初预算")
    adjusted: float = Field(ge=0, description="调整后预算 / 全年预算")
    spent: float = Field(ge=0, description="实际支出 / 全年执行数")
    carry_over: float | None = Field(None, ge=0, description="结转结余")
    by_category: list[BudgetLine] = Field(default_factory=list)
    by_function: list[BudgetLine] = Field(default_factory=list)
    quarterly_spent: list[float] | None = Field(None, min_length=4, max_length=4)
    three_public: SpendControl | None = Field(None, description="三公经费")
    public_expense: SpendControl | None = Field(None, description="日常公用经费")
    procurement: Procurement | None = None
    assets: Assets | None = None
    staff: Staff | None = None
    stated: dict[str, float | list[float]] = Field(default_factory=dict)
    note: str | None = None

    @field_validator("quarterly_spent")
    @classmethod
    def _cumulative(cls, q: list[float] | None) -> list[float] | None:
        if q is not None and any(b < a for a, b in zip(q, q[1:])):
            raise ValueError("quarterly_spent is cumulative and cannot fall from one quarter to the next")
        return q


class KeyTask(Model):
    name: str
    target: str | None = None
    actual: str | None = None
    done: bool | None = None


class Department(Model):
    id: str = Field(pattern=DEPARTMENT_ID)
    name: str
    name_en: str | None = None
    short_name: str | None = None
    functions: list[str] = Field(default_factory=list)
    key_tasks: list[KeyTask] = Field(default_factory=list)


class PerformanceTarget(Model):
    """A row of a 绩效目标表: target and actual as written, with what perfkit needs to compare them.

    ``target`` and ``actual`` keep the report's words ("≥130亿", "十名以内", "显著提升"); the numeric
    value, comparison and unit are parsed from them unless given explicitly. ``initial_target`` is the
    target before an in-year change, where the report shows one.
    """

    id: str | None = Field(None, pattern=NODE_ID)
    name: str
    category: list[str] = Field(default_factory=list, description="e.g. [产出指标, 数量指标]")
    target: str | float
    actual: str | float | None = None
    unit: str | None = None
    direction: Direction | None = None
    target_value: float | None = None
    actual_value: float | None = None
    prior_actual: str | float | None = None
    initial_target: str | float | None = None
    indicator: str | None = Field(None, description="id of the scored indicator this evidence feeds")
    status: str | None = Field(None, description="完成情况 as written")
    note: str | None = None


class Reported(Model):
    """What a published report states, for reconciliation."""

    total: float | None = None
    grade: str | None = None
    nodes: dict[str, float] = Field(
        default_factory=dict, description="Stated subtotals by node id (e.g. level-1 scores)"
    )
    note: str | None = None


class Evaluation(Model):
    """One evaluation of a department-year: department-overall, a project, or a special fund."""

    id: str = Field(pattern=NODE_ID)
    kind: Literal["department", "project", "special_fund"]
    evaluator: Literal["self", "third_party"]
    title: str
    title_en: str | None = None
    framework: str = Field(pattern=DEPARTMENT_ID)
    tree: list[Indicator] | None = Field(None, description="Inline tree replacing the framework's")
    budget: Budget | None = Field(None, description="The project's or fund's own budget")
    indicators: dict[str, IndicatorInput] = Field(default_factory=dict)
    targets: list[PerformanceTarget] = Field(default_factory=list)
    reported: Reported | None = None
    problems: list[str] = Field(default_factory=list, description="存在问题, evaluator's text")
    recommendations: list[str] = Field(default_factory=list, description="改进建议, evaluator's text")
    source: str | None = None
    notes: list[str] = Field(default_factory=list)


class DepartmentYear(Model):
    """``parameters/<department>/<year>.yaml``: one department in one budget year."""

    department: Department
    year: int = Field(ge=1990, le=2100)
    source: str | None = None
    budget: Budget | None = None
    evaluations: list[Evaluation] = Field(default_factory=list)
    include: list[str] = Field(
        default_factory=list,
        description="Further files (globs relative to this file) each holding a list of evaluations",
    )
    notes: list[str] = Field(default_factory=list)


class EvaluationList(Model):
    """An included file: more evaluations of the department-year that includes it."""

    evaluations: list[Evaluation] = Field(min_length=1)


for _model in (LowTargetPenalty, Part, Indicator, ZeroIf, IndicatorInput, BudgetLine, Framework):
    _model.model_rebuild()


def rule_family(rule: Any) -> str | None:
    return getattr(rule, "family", None)

