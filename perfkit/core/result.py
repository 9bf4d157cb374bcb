"""The scored evaluation: tables of leaves and nodes, total, grade, findings, and which budget applies where."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..load import Located
from ..params import Budget, Framework
from .compile import Compiled, budget_for_scoring
from .projects import combined_budget
from .framework import grade_of

if TYPE_CHECKING:
    import pandas as pd


def budget_for_targets(evaluation, department_budget: Budget | None) -> Budget | None:
    """The budget an evaluation's targets are compared with, and the one a report describes as its
    budget: the evaluation's own; the department-year's only for a department-overall evaluation
    (kind ``department``); a project or fund without a budget of its own has none.
    ``EvaluationResult.target_budget`` is this choice for a scored evaluation."""
    if evaluation.budget is not None:
        return evaluation.budget
    combined = combined_budget(evaluation.projects)
    if combined is not None:
        return combined
    return department_budget if evaluation.kind == "department" else None


def _native(value: Any, pd) -> Any:
    """A cell of an object or extension column as ``to_dict`` gives it (pandas' ``maybe_box_native``): NumPy
    numbers as Python's, NumPy dates as pandas', pandas' NA as None, anything else as it is. ``pd``: pandas, which
    the caller has imported (this module does not import it at its own import)."""
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return None if value is pd.NA else value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")``: one dict per row, with the same keys, values and types (Python numbers
    from NumPy columns; object and extension columns' cells boxed as pandas boxes them, :func:`_native`),
    made a column at a time instead of a row at a time: 2.5× faster on the leaf and node tables a report reads
    for each evaluation (37 of them in Beijing 2021)."""
    import pandas as pd  # here only: see EvaluationResult's docstring

    columns = frame.columns.tolist()
    values = []
    for _, column in frame.items():
        cells = column.tolist()  # as iterating the column gives: Python scalars from a NumPy array
        dtype = column.dtype
        text = isinstance(dtype, pd.StringDtype) and isinstance(dtype.na_value, float)  # str, or NaN when missing
        if (dtype == object or not isinstance(dtype, np.dtype)) and not text:
            cells = [_native(x, pd) for x in cells]
        values.append(cells)
    return [dict(zip(columns, row)) for row in zip(*values)]


@dataclass
class EvaluationResult:
    """A scored evaluation: leaf and node tables, total and grade, and the findings about it.

    ``department_budget`` is the department-year's budget it was scored with; which budget applies
    where is answered by :attr:`scoring_budget` (the rules) and :attr:`target_budget` (the targets).

    ``leaf_records`` and ``node_records`` are the rows of :attr:`table` and :attr:`nodes` (one dict per leaf,
    per node of the tree); the DataFrames are built from them on first use, so that scoring and
    ``perfkit validate`` do not import pandas.
    """

    located: Located
    framework: Framework
    compiled: Compiled
    leaf_records: list[dict[str, Any]]
    node_records: list[dict[str, Any]]
    total: float
    grade: str | None  # None: a leaf cannot be computed and the framework grades no incomplete total
    findings: list = field(default_factory=list)
    department_budget: Budget | None = None

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """One row per leaf (columns of :func:`perfkit.core.scoring.score`'s records: id, path, points, rule,
        score in points, NaN where the leaf is not applicable or not computable, status, reported_score, …)."""
        import pandas as pd  # here only: see the class docstring

        return pd.DataFrame.from_records(self.leaf_records)

    @functools.cached_property
    def table_rows(self) -> list[dict[str, Any]]:
        """:attr:`table` as one dict per leaf (``table.to_dict("records")``: pandas' missing values and Python
        numbers), made once; the report's sections read it several times. Read only."""
        return records(self.table)

    @functools.cached_property
    def node_rows(self) -> list[dict[str, Any]]:
        """:attr:`nodes` as one dict per node, as :attr:`table_rows`. Read only."""
        return records(self.nodes)

    @functools.cached_property
    def nodes(self) -> pd.DataFrame:
        """One row per node of the tree: stated points, points of its counted leaves, recomputed and reported
        scores (:func:`perfkit.core.scoring.node_records`)."""
        import pandas as pd  # here only: see the class docstring

        return pd.DataFrame.from_records(self.node_records)

    @functools.cached_property
    def leaf_score(self) -> dict[str, float]:
        """Leaf id → its recomputed score in points (NaN: not applicable or not computable), as in :attr:`table`."""
        return {r["id"]: r["score"] for r in self.leaf_records}

    @property
    def evaluation(self):
        return self.located.evaluation

    @property
    def scoring_budget(self) -> Budget | None:
        """The budget its rules were scored against: its own, else the department's, for every kind of
        evaluation (:func:`perfkit.core.compile.budget_for_scoring`). Reconciliation checks the rates
        this budget states; a rule recompiled under another reading must see it too."""
        return budget_for_scoring(self.evaluation, self.department_budget)

    @property
    def target_budget(self) -> Budget | None:
        """The budget its targets are compared with (a budget that grew while a target stayed put), and
        the one the report describes as the evaluation's: its own, the department's only for a
        department-overall evaluation, else None (:func:`budget_for_targets`)."""
        return budget_for_targets(self.evaluation, self.department_budget)

    @property
    def reported_total(self) -> float | None:
        r = self.evaluation.reported
        return None if r is None else r.total

    @property
    def rounded_total(self) -> float:
        """The total as a report adds it up: the sum of leaf scores printed to two decimals."""
        scores = np.array([r["score"] for r in self.leaf_records], dtype=float)
        rounded = np.where(np.isnan(scores), 0.0, scores).round(2)  # a leaf without a score adds nothing
        if self.compiled.plain_total:
            return float(rounded.sum())
        return float(self.compiled.total_of(rounded))

    @property
    def not_computable(self) -> list[str]:
        """Ids of the leaves that cannot be computed (an undefined measure); the total leaves them out."""
        return [lf.id for lf in self.compiled.leaves if lf.undefined]

    @property
    def gap_points(self) -> float:
        """Points of the total that cannot be computed (:attr:`Compiled.gap_points`); 0 when every leaf is."""
        return self.compiled.gap_points

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
