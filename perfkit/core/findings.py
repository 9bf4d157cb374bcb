"""Findings: what perfkit reports about an evaluation beyond its scores, each with a stable code.

Codes are part of the public interface (JSON output, notebooks, tests): add new ones, never rename.
Severity: ``error`` — the report contradicts its own rules or arithmetic; ``warning`` — a
structural or labelling defect; ``info`` — a remark a reviewer should see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CODES: dict[str, str] = {
    "NODE_POINTS_MISMATCH": "a node's stated points differ from the sum of its children",
    "TOTAL_POINTS_MISMATCH": "the leaves' points do not sum to the framework total",
    "PARTS_POINTS_MISMATCH": "a composite indicator's parts do not sum to its points",
    "CRITERIA_POINTS_CONFLICT": "the criteria text names other points than the indicator's weight",
    "LEVELS_MISMATCH": "leaves stand at another depth than the framework states",
    "SCORE_MISMATCH": "a recomputed indicator score differs from the reported one",
    "SCORE_ABOVE_POINTS": "a reported score exceeds the indicator's points",
    "REPORTED_SUM_MISMATCH": "reported indicator scores do not add up to the reported total",
    "REPORTED_NODE_MISMATCH": "a reported subtotal differs from the sum of the reported scores beneath it",
    "TOTAL_MISMATCH": "the recomputed total differs from the reported total",
    "GRADE_MISMATCH": "the reported grade is not the grade of the total",
    "RATE_MISMATCH": "a stated rate differs from the one computed from the budget figures",
    "FULL_MARKS_ON_MISSED_TARGET": "full marks awarded on a target that was not met",
    "TIER_MISMATCH": "a qualitative score lies outside the tier it is given for",
    "NO_REPORTED_SCORE": "a reproduced report gives no score for an indicator",
    "JUDGED_WITHOUT_MEASUREMENT": "a measured rule was scored by the evaluator's judgement for want of a measurement",
    "UNSCORED_INPUT": "an input was given that the indicator's rule does not use",
    "VALUE_LOOKS_LIKE_A_SHARE": "a value given as a share (0.95) is scored against settings or a target in percent",
    "VALUE_WITHOUT_MAGNITUDE": "a bare actual (98000) is compared with a target written with 万 or 亿 as if in that "
                               "magnitude",
    "NOT_COMPUTABLE": "an indicator cannot be computed: a measure it uses is undefined (a rate over a zero base)",
    "TOTAL_NOT_GRADED": "the total leaves out indicators that cannot be computed, so it is not graded (or graded "
                        "with the gap stated)",
    "REPORTED_SCORE_CONFLICT": "a report states two different scores for one indicator (text and table)",
    "LITERAL_READING": "the framework's rule read literally gives another score than the report's own computation",
    "NOT_APPLICABLE": "an indicator is marked not applicable and the total is rescaled without it",
    "LINKED_TARGETS_MISSED": "a leaf scored by judgement or a typed count has linked target rows that were missed",
    "LATE_DEADLINE_NOT_DEDUCTED": "a deadline met late scored full marks",
    "TARGET_COMPARATOR_CONFLICT": "a target's comparison contradicts its rule's direction",
    "COST_ACTUAL_CONTRADICTS_BUDGET": "a cost row's spending differs from the budget block's",
    "HIGH_SCORE_WITHOUT_EXECUTION": "nothing or almost nothing was spent, yet the outputs score high",
    "QUANTITATIVE_TARGET_JUDGED": "a figure to reach sits on a judged row without a measurement",
    "TARGET_LOWERED_TO_ACTUAL": "a target equals its actual after an in-year change lowered it",
    "CHECKLIST_CONTRADICTS_BUDGET": "a checklist point on in-year adjustments is answered yes beside a sharp adjustment",
    "TARGET_READING_UNSURE": "a target's words were read with an assumption the file does not settle (perfkit "
                             "validate -v)",
    "TARGET_HIGHER_ELSEWHERE": "a target equals its actual while a related evaluation sets a higher one for the same "
                               "indicator",
    "UNITS_DIFFER": "a target and its actual are written in different units (人 against 户) and compared as numbers",
    "SPENT_ABOVE_BUDGET": "more was spent than the adjusted budget (an execution rate above 100%)",
    "QUARTERLY_SPENT_MISMATCH": "cumulative spending at the end of the fourth quarter differs from the year's spending",
    "AMOUNT_IN_YUAN": "a budget amount a thousand times the others, most likely typed in 元 rather than 万元",
}

# The framework's points that do not add up (``perfkit.core.framework.points_findings``, with LEVELS_MISMATCH): its
# own structure, what a framework file alone is checked for.
POINTS_CODES = ("NODE_POINTS_MISMATCH", "TOTAL_POINTS_MISMATCH", "PARTS_POINTS_MISMATCH", "CRITERIA_POINTS_CONFLICT")
STRUCTURE_CODES = POINTS_CODES + ("LEVELS_MISMATCH",)

# Warnings about the evaluation's figures as entered (a share against a percentage, units that differ, spending
# against its budget) rather than about the framework or a published report: a report lists them apart.
DATA_CODES = ("VALUE_LOOKS_LIKE_A_SHARE", "VALUE_WITHOUT_MAGNITUDE", "UNITS_DIFFER", "SPENT_ABOVE_BUDGET",
              "QUARTERLY_SPENT_MISMATCH", "AMOUNT_IN_YUAN")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    indicator: str | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    where: str | None = None  # "file:line" of the indicator's inputs (or its node in the framework), for a consultant

    @property
    def located_message(self) -> str:
        """The message with where to look (``file:line``) when it does not say so itself: what the command line
        prints. A report never shows it (a client reads the indicator's name)."""
        return self.message if self.where is None else f"{self.message} ({self.where})"

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if self.severity not in ("error", "warning", "info"):
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "indicator": self.indicator,
            "message": self.message,
            "data": self.data,
            "where": self.where,
        }
