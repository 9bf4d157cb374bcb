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

import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import Field, PrivateAttr, field_validator, model_validator

from .rules import REGISTRY
from .rules.base import NODE_ID, Alternative, Interval, Model, RuleBase, new_dict, new_list
from .rules.sum import Part, SumRule
from .rules.zero_if import COMPARATORS, Condition, ZeroIf

__all__ = ["Alternative", "Condition", "Interval", "Model", "NODE_ID", "Part", "RuleBase", "RuleSpec", "SumRule",
           "ZeroIf", "COMPARATORS"]

# Measures a budget block can state (``Budget.stated``); ``perfkit.core.budget.MEASURES`` computes each.
STATED_MEASURES: tuple[str, ...] = (
    "execution_rate", "quarterly_execution_rates", "adjustment_rate", "procurement_rate", "fixed_asset_use_rate",
    "staff_control_rate", "contract_staff_rate", "three_public_control_rate", "public_expense_control_rate",
    "carry_over_rate", "funds_received_rate", "execution_rate_of_received", "savings_rate",
    "three_public_change_rate", "public_expense_change_rate", "carry_over_change_rate",
)
# Stated measures that are a series (the rate at each quarter end), with their length; every other is one rate.
STATED_SERIES: dict[str, int] = {"quarterly_execution_rates": 4}
DEPARTMENT_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# A leaf's rule: the settings model of one of the families in ``perfkit.rules``, chosen by ``family``, in
# registry order. Each family's module owns its model (fields, descriptions and validation).
# The models are built when first used (``Model`` defers its build), with ``RuleSpec`` and the models of this
# module resolved by name then: importing params builds no validator.
RuleSpec = Annotated[Union[tuple(f.settings for f in REGISTRY.values())], Field(discriminator="family")]


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Inputs an evaluation supplies per indicator
# --------------------------------------------------------------------------------------------

Number = float
Direction = Literal["positive", "negative", "equal", "qualitative"]
TargetKind = Literal["quantity", "rate", "ceiling", "date", "duration", "growth", "words"]


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
    ambitious: bool | None = Field(
        None,
        description="Whether sensitivity may move this target toward more ambition (`scaled`, the grade flip). "
        "Null: yes, except spending ceilings, rates of 100% and counts of budget projects.",
    )
    unit: str | None = Field(
        None,
        description="Unit of target and actual (e.g. %, 万元, 家). Given: the numbers are compared as written. "
        "Null: an actual written in another magnitude than the target (654亿 against 0.5万亿, 420000元 against 50万元) "
        "is rescaled to the target's; a bare number is read in the target's unit.",
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
    literal: "IndicatorInput | None" = Field(
        None,
        description="Where the inputs above record the report's own computation (so that it is reproduced), the "
        "inputs the framework's rule literally names, laid over them (e.g. {value: 2.13, note: 评分标准以本年下降率"
        "为 x}); perfkit scores both and reports the literal total and grade beside the scored one. `note` says "
        "why they differ.",
    )
    reported_score_text: float | None = Field(
        None,
        description="A second score the report states for the indicator (e.g. \"得分2分\" in its text against 3.00 "
        "in its table, which is `reported_score`); both are kept and the conflict is a finding "
        "(REPORTED_SCORE_CONFLICT).",
    )
    not_applicable: str | None = Field(
        None,
        description="不适用: the reason the indicator does not apply to this evaluation (e.g. 本项目无政府采购). The "
        "leaf is then not scored and the total is rescaled as the framework's `not_applicable` declares; no other "
        "input is needed.",
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
    weight: float | None = Field(
        None,
        gt=0,
        le=100,
        description="权重: the node's share, in percent, of its parent's scale (of the framework's `total` for a "
        "level-1 node), when the framework weights blocks (一级指标权重50%/25%/25%, each block's indicators scored "
        "on 100). The node then contributes weight% × its parent's scale × (its score / its leaves' points). "
        "Siblings are all weighted (adding up to 100) or none is. Null (default): the node counts its points.",
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
        default_factory=new_list,
        description="Zero-if overrides (e.g. 一票否决 conditions) of a leaf: it scores 0 when any of them holds.",
    )
    children: list["Indicator"] = Field(
        default_factory=new_list,
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
    not_applicable: Literal["rescale", "siblings", "forbidden"] = Field(
        "rescale",
        description="What a leaf marked `not_applicable` does to the total: `rescale` (default; 不适用的指标不考核，"
        "适用指标得分按百分制折算: total = the applicable leaves' score / their points × `total`), `siblings` "
        "(不适用指标的分值按比例分配给同级其他指标: its parent keeps its points, shared among the siblings that apply in "
        "proportion to their points; a parent none of whose leaves applies is left out one level up) or `forbidden` "
        "(the framework allows no indicator to be left out: marking one is an error).",
    )
    not_computable: Literal["not_graded", "graded_with_gap"] = Field(
        "not_graded",
        description="What a leaf that cannot be computed (its measure is undefined, e.g. a rate over a 0 budget) "
        "does to the total: `not_graded` (default: the total of the other leaves is given, without a grade) or "
        "`graded_with_gap` (that total is graded, and the points left out are stated beside it).",
    )
    rule_templates: dict[str, RuleSpec] = Field(
        default_factory=new_dict,
        description="Named rules that leaves use by giving the name as their `rule` "
        "(e.g. {positive: {family: ratio}}).",
    )
    tree: list[Indicator] | None = Field(
        None,
        description="The top-level (一级) indicators. Null for a template framework, whose evaluations each give "
        "their own `tree`.",
    )
    notes: list[str] = Field(default_factory=new_list, description="Remarks on the framework; not used in scoring.")

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
        default_factory=new_list, description="Sub-rows (e.g. 人员经费 and 日常公用经费 under 基本支出)."
    )


class SpendControl(Model):
    """A spending line held to a control budget (“三公”经费, 日常公用经费), 万元; spent / budget is its control rate."""

    budget: float = Field(ge=0, description="The controlled budget (预算数), 万元.")
    spent: float = Field(ge=0, description="Actual spending (实际支出), 万元.")
    lines: list["ControlLine"] = Field(
        default_factory=new_list,
        description="Its lines as the report's table prints them (e.g. 因公出国（境）费, 公务用车购置及运行维护费, 公务接待费), "
        "for the report's table; not used in the rates.",
    )


class ControlLine(Model):
    """A line of a controlled spending table (“三公”经费明细), 万元."""

    name: str = Field(description="The line as printed (e.g. 公务接待费).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    budget: float | None = Field(None, ge=0, description="预算数 of the line, 万元; null when not printed.")
    spent: float | None = Field(None, ge=0, description="实际支出数 of the line, 万元; null when not printed.")
    children: list["ControlLine"] = Field(default_factory=new_list, description="Its sub-lines, as indented in the table.")


class Procurement(Model):
    """Government procurement (政府采购), 万元; actual / plan is ``budget.procurement_rate``."""

    plan: float = Field(ge=0, description="采购计划金额合计: planned procurement, 万元.")
    actual: float = Field(ge=0, description="实际采购金额合计: actual procurement, 万元.")


class Assets(Model):
    """Fixed assets (固定资产), 万元; in use / total is ``budget.fixed_asset_use_rate``."""

    fixed_total: float = Field(ge=0, description="固定资产总额 (原值): fixed assets at original cost, 万元.")
    fixed_in_use: float = Field(ge=0, description="实际在用固定资产总额: the part actually in use, 万元.")
    lines: list["AssetLine"] = Field(
        default_factory=new_list,
        description="The asset table by class (设备, 车辆, 家具用具 …), for the report's table; not used in the rate.",
    )


class AssetLine(Model):
    """A class of fixed assets as the asset table (固定资产保有及使用情况表) prints it."""

    name: str = Field(description="The class as printed (e.g. 设备, 其中：车辆).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    count: int | None = Field(None, ge=0, description="数量 (台、辆、件 …); null when not printed.")
    original: float | None = Field(None, ge=0, description="原值, 万元; null when not printed.")
    in_use: float | None = Field(None, ge=0, description="在用, 万元; null when not printed.")
    children: list["AssetLine"] = Field(default_factory=new_list, description="Its sub-classes, as indented in the table.")


class Staff(Model):
    """Headcounts (人员编制), persons; they give ``budget.staff_control_rate`` and ``budget.contract_staff_rate``."""

    establishment: int = Field(ge=0, description="核定编制数 (含工勤): approved establishment, persons.")
    actual: int = Field(ge=0, description="本年度在编人数 (含工勤): staff on the establishment this year, persons.")
    contract: int = Field(0, ge=0, description="编外人员数: staff outside the establishment, persons (default 0).")


class PriorYear(Model):
    """上年数: the previous year's amounts a change rate is computed against, 万元."""

    carry_over: float | None = Field(None, ge=0, description="上年结转结余, 万元; gives `budget.carry_over_change_rate`.")
    three_public: float | None = Field(
        None, ge=0, description="上年“三公”经费支出, 万元; gives `budget.three_public_change_rate`."
    )
    public_expense: float | None = Field(
        None, ge=0, description="上年日常公用经费支出, 万元; gives `budget.public_expense_change_rate`."
    )


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
    spent: float | None = Field(
        None,
        ge=0,
        description="实际支出 / 全年执行数: actual spending in the year, 万元. Null only when the report prints no "
        "spending but its execution rate (`stated.execution_rate`): spending is then derived as rate × adjusted "
        "and every report that prints it says so (按报告所列执行率推算).",
    )
    received: float | None = Field(
        None,
        ge=0,
        description="到位资金: funds actually received, 万元. Gives `budget.funds_received_rate` (资金到位率 = 到位/"
        "预算) and `budget.execution_rate_of_received` (预算执行率 = 支出/到位, 财预〔2020〕10号 附1); a stated "
        "execution rate that follows either base agrees.",
    )
    prior: PriorYear | None = Field(
        None, description="上年数: the previous year's amounts, for the change rates (三公经费变动率, 结转结余变动率)."
    )
    carry_over: float | None = Field(
        None, ge=0, description="结转结余: carry-over and balance, 万元; gives `budget.carry_over_rate`."
    )
    by_category: list[BudgetLine] = Field(
        default_factory=new_list,
        description="Rows by category (e.g. 基本支出 with 人员经费 and 日常公用经费 beneath it, 项目支出), for the "
        "report's budget tables.",
    )
    by_function: list[BudgetLine] = Field(
        default_factory=new_list,
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
        default_factory=new_dict,
        description="Rates the report prints, in percent, keyed by measure name without the `budget.` prefix "
        "(e.g. {execution_rate: 99.17, quarterly_execution_rates: [15.08, 24.50, 41.16, 99.17]}). Each is "
        "compared with the rate computed from the figures, rounded to two decimals (RATE_MISMATCH); an unknown "
        "name is an error.",
    )
    stated_bases: dict[str, float] = Field(
        default_factory=new_dict,
        description="The denominator a report states for a rate, keyed by measure name (e.g. {carry_over_rate: "
        "6255.83} for 结转结余率 = 223.63 / 6,255.83); the stated rate is checked against it as well as against "
        "the computed base, and a finding is raised only when neither agrees.",
    )
    stated_decimals: dict[str, int] = Field(
        default_factory=new_dict,
        description="The decimals a stated rate is printed with, keyed by measure name, where not 2 (a form printing "
        "\"100%\": {execution_rate: 0}); the rate is compared at that precision.",
    )
    stated_source: str | None = Field(
        None, description="Where the stated rates are printed (table, page), for the record and the report."
    )
    note: str | None = Field(None, description="Remarks on the figures, for the record; not used in scoring.")
    _derived: set = PrivateAttr(default_factory=set)

    @model_validator(mode="after")
    def _derive_spending(self) -> "Budget":
        """Spending printed only as rates: derived from the stated rates, and remembered as derived."""
        if self.spent is None:
            rate = self.stated.get("execution_rate")
            if not isinstance(rate, (int, float)):
                raise ValueError("spent is required unless the report states the execution rate "
                                 "(stated.execution_rate), from which it is then derived")
            if rate < 0:
                raise ValueError(f"spent is derived from stated.execution_rate, {rate:g}%, and would be negative: "
                                 "expected a rate of at least 0 (or spent)")
            object.__setattr__(self, "spent", self.adjusted * rate / 100)
            self._derived.add("spent")
        rates = self.stated.get("quarterly_execution_rates")
        if self.quarterly_spent is None and isinstance(rates, list) and len(rates) == 4:
            if min(rates) < 0 or any(b < a for a, b in zip(rates, rates[1:])):
                raise ValueError(f"quarterly_spent is derived from stated.quarterly_execution_rates, "
                                 f"{', '.join(f'{r:g}%' for r in rates)}: expected cumulative rates, at least 0 and "
                                 "never falling from one quarter to the next (or quarterly_spent)")
            object.__setattr__(self, "quarterly_spent", [self.adjusted * r / 100 for r in rates])
            self._derived.add("quarterly_spent")
        return self

    @property
    def derived(self) -> frozenset[str]:
        """Fields derived from stated rates (``spent``, ``quarterly_spent``), not printed as amounts."""
        return frozenset(self._derived)

    @field_validator("quarterly_spent")
    @classmethod
    def _cumulative(cls, q: list[float] | None) -> list[float] | None:
        if q is not None and any(b < a for a, b in zip(q, q[1:])):
            raise ValueError("quarterly_spent is cumulative and cannot fall from one quarter to the next")
        return q


class KeyTask(Model):
    """A key task of the year (年度重点工作) as the report lists it."""

    name: str = Field(description="The task as written (e.g. 引进持牌金融机构).")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
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
        default_factory=new_list, description="部门职责: the department's functions as listed, one item each."
    )
    functions_en: list[str] = Field(
        default_factory=new_list,
        description="English of `functions`, item by item, used by English reports; empty: `functions`. When given, "
        "it has as many items as `functions`.",
    )
    key_tasks: list[KeyTask] = Field(default_factory=new_list, description="年度重点工作: the year's key tasks.")

    @model_validator(mode="after")
    def _functions_en_item_by_item(self) -> "Department":
        if self.functions_en and len(self.functions_en) != len(self.functions):
            raise ValueError(f"functions_en has {len(self.functions_en)} items but functions has "
                             f"{len(self.functions)}; give the English of every function, in the same order")
        return self


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
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    category: list[str] = Field(
        default_factory=new_list,
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
        "negative, = equal), a bare zero (0次, 零事故: none allowed) or a place in a ranking (第8名, 前三名) negative, else "
        "positive.",
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
        None, description="Id of the scored leaf indicator this row is evidence for (e.g. effectiveness); a leaf "
        "whose rule scores from the target table (target_completion, target_deduct, target_share) is scored from "
        "the rows that name it. An id that is no leaf of the tree is an error.",
    )
    kind: TargetKind | None = Field(
        None,
        description="What the target is, overriding what is read from its words: `quantity`, `rate`, `ceiling` (an "
        "upper limit on spending, met at or below it), `date` (a deadline), `duration` (a time limit), `growth` (a "
        "change against the previous year, negative for a decline) or `words` (nothing measurable). Null: read from "
        "`target` (成本 rows with a money amount are ceilings).",
    )
    weight: float | None = Field(
        None, ge=0, description="The row's weight when a target_completion rule averages its rows by weight; "
        "null: 1.",
    )
    ambitious: bool | None = Field(
        None,
        description="Whether sensitivity may move this row's target toward more ambition (`scaled`, the grade flip, "
        "Monte Carlo) when a leaf is scored from it. Null: yes, except spending ceilings, rates of 100%, counts of "
        "budget projects, declines and dates.",
    )
    project: str | None = Field(
        None,
        pattern=NODE_ID,
        description="Id of the evaluation's project (`projects`) the row belongs to, for a row listed under the "
        "evaluation's `targets`; its budget diagnostics then use that project's budget. A row listed under a "
        "project belongs to it without this.",
    )
    status: str | None = Field(
        None, description="完成情况 as written, for the record; perfkit judges met or missed from the figures."
    )
    note: str | None = Field(None, description="Remarks, for the record; not used in the diagnostics.")


class Statement(Model):
    """A passage of the evaluation's own account (a goal, an achievement, a practice, a plan): an optional
    title and its text, each with optional English. Reports state these facts as given; perfkit computes
    nothing from them."""

    title: str | None = Field(None, description="A short heading (e.g. 招商引资谋划体系拓增量); null: none.")
    title_en: str | None = Field(None, description="English `title`, used by English reports; null: `title`.")
    text: str = Field(description="The passage, in the evaluator's facts (figures with their units).")
    text_en: str | None = Field(None, description="English `text`, used by English reports; null: `text`.")


class EvaluationWork(Model):
    """How the evaluation was carried out (绩效评价工作开展情况, 财预〔2020〕10号 评价报告 part 二). Every field is
    optional; the report states those given and leaves out the rest."""

    purpose: str | None = Field(None, description="评价目的: why the evaluation was made.")
    purpose_en: str | None = Field(None, description="English `purpose`; null: `purpose`.")
    scope: str | None = Field(None, description="评价对象和范围: what it covers (funds, projects, period of spending).")
    scope_en: str | None = Field(None, description="English `scope`; null: `scope`.")
    basis: list[str] = Field(
        default_factory=new_list,
        description="评价依据: the documents it rests on, one title each as written (e.g. 《中华人民共和国预算法》).",
    )
    method: str | None = Field(
        None, description="评价方法: e.g. 比较法、因素分析法, or how the self-evaluation compared each indicator."
    )
    method_en: str | None = Field(None, description="English `method`; null: `method`.")
    evaluator: str | None = Field(None, description="评价机构或人员: who evaluated (the unit itself, a firm).")
    evaluator_en: str | None = Field(None, description="English `evaluator`; null: `evaluator`.")
    period: str | None = Field(None, description="评价工作时间: when the evaluation was carried out, as written.")
    period_en: str | None = Field(None, description="English `period`; null: `period`.")
    report_date: datetime.date | None = Field(
        None, description="报告日期: the date the report is signed, YYYY-MM-DD; shown on the cover. Null: no date line "
        "(a report is never dated by the day it is rendered).")


class Project(Model):
    """One project of an evaluation that scores several projects jointly (重点项目支出): its own budget and targets."""

    id: str = Field(pattern=NODE_ID, description="Project id, unique within the evaluation; target rows refer to it.")
    name: str = Field(description="The project's name as printed.")
    name_en: str | None = Field(None, description="English name, used by English reports; null: `name`.")
    budget: Budget | None = Field(
        None,
        description="The project's own budget (initial, adjusted, received, spent, quarterly); its measures are "
        "reported per project, and the evaluation's combined budget is the sum of its projects' when the "
        "evaluation gives none.",
    )
    targets: list["PerformanceTarget"] = Field(
        default_factory=new_list,
        description="The project's 绩效目标表 rows; diagnosed against the project's own budget.",
    )
    note: str | None = Field(None, description="Remarks, for the record; not used in scoring.")


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
        default_factory=new_dict,
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
    projects: list[Project] = Field(
        default_factory=new_list,
        description="Projects scored jointly by this evaluation, each with its own budget and targets (one score "
        "for all). Without an evaluation `budget`, the rules' measures come from the projects' budgets summed.",
    )
    indicators: dict[str, IndicatorInput] = Field(
        default_factory=new_dict,
        description="Inputs per leaf indicator, keyed by leaf id; a key that is not a leaf of the tree is an error.",
    )
    targets: list[PerformanceTarget] = Field(
        default_factory=new_list,
        description="The 绩效目标表 rows: evidence and target-setting diagnostics, not scored row by row.",
    )
    reported: Reported | None = Field(
        None,
        description="What the published report states (total, grade, subtotals), for reconciliation; null when "
        "there is no published score.",
    )
    work: EvaluationWork | None = Field(
        None, description="绩效评价工作开展情况: purpose, scope, basis documents, method, evaluator, period; null: "
        "the report states only what the framework and the figures give."
    )
    goals: list[Statement] = Field(
        default_factory=new_list, description="绩效目标 / 主要履职目标: the year's goal statements, one each."
    )
    achievements: list[Statement] = Field(
        default_factory=new_list,
        description="主要履职情况 / 主要成效: what was done, with its figures, one passage each.",
    )
    experience: list[Statement] = Field(
        default_factory=new_list, description="经验做法: practices worth keeping, one passage each."
    )
    next_year_plans: list[Statement] = Field(
        default_factory=new_list, description="下一年度工作计划 / 后续工作计划: one passage each."
    )
    other_matters: list[Statement] = Field(
        default_factory=new_list, description="其他需要说明的问题: caveats on data or scope, one passage each."
    )
    problems: list[str] = Field(default_factory=new_list, description="存在问题: the evaluator's text, one item each.")
    recommendations: list[str] = Field(
        default_factory=new_list, description="改进建议: the evaluator's text, one item each."
    )
    source: str | None = Field(None, description="The report the evaluation is taken from.")
    notes: list[str] = Field(default_factory=new_list, description="Remarks, for the record; not used in scoring.")


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
        default_factory=new_list, description="The evaluations of the year (department-overall, projects, funds)."
    )
    include: list[str] = Field(
        default_factory=new_list,
        description="Further files (globs relative to this file's folder, e.g. `2021/forms-*.yaml`), each holding "
        "`{evaluations: [...]}`; a glob that matches no file is an error.",
    )
    notes: list[str] = Field(default_factory=new_list, description="Remarks, for the record; not used in scoring.")


class EvaluationList(Model):
    """An included file: more evaluations of the department-year that includes it."""

    evaluations: list[Evaluation] = Field(
        min_length=1, description="The evaluations (at least one), as in a department-year's `evaluations`."
    )


def rule_family(rule: Any) -> str | None:
    return getattr(rule, "family", None)

