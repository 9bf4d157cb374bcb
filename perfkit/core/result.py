"""The scored evaluation: tables of leaves and nodes, total, grade, findings and the budget used."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..load import Located
from ..params import Budget, Framework
from .compile import Compiled
from .framework import grade_of


@dataclass
class EvaluationResult:
    """A scored evaluation: leaf and node tables, total and grade, and the findings about it."""

    located: Located
    framework: Framework
    compiled: Compiled
    table: pd.DataFrame
    nodes: pd.DataFrame
    total: float
    grade: str
    findings: list = field(default_factory=list)
    department_budget: Budget | None = None

    @property
    def evaluation(self):
        return self.located.evaluation

    @property
    def reported_total(self) -> float | None:
        r = self.evaluation.reported
        return None if r is None else r.total

    @property
    def rounded_total(self) -> float:
        """The total as a report adds it up: the sum of leaf scores printed to two decimals."""
        return float(self.table["score"].round(2).sum())

    def reproduces_total(self, tolerance: float = 0.005) -> bool | None:
        """Whether the recomputed total matches the reported one, summed exactly or as printed."""
        rep = self.reported_total
        if rep is None:
            return None
        return min(abs(self.total - rep), abs(self.rounded_total - rep)) <= tolerance + 1e-9

    @property
    def reported_grade(self) -> str | None:
        r = self.evaluation.reported
        return None if r is None else r.grade


def reported_grade(result: EvaluationResult) -> str | None:
    """The grade a report gives: as printed, or else the framework's grade of the reported total."""
    if result.reported_grade is not None:
        return result.reported_grade
    if result.reported_total is None:
        return None
    return grade_of(result.reported_total, result.framework)
