"""Several projects in one evaluation (重点项目支出 scored jointly): their combined budget, their measures one
by one, and the target rows with the project each belongs to."""

from __future__ import annotations

from ..params import Budget, PerformanceTarget, Project
from .budget import all_measures

# Amounts that add up across projects (万元); a field is summed only when every project gives it.
_SUMMED = ("initial", "adjusted", "received", "spent", "carry_over")


def combined_budget(projects: list[Project]) -> Budget | None:
    """The projects' budgets added up (initial, adjusted, received, spent, carry-over; quarterly cumulative
    spending where every project gives it); None when no project has a budget. A field some project lacks is
    left out, never taken as 0."""
    budgets = [p.budget for p in projects if p.budget is not None]
    if not budgets or len(budgets) != len(projects):
        return None
    fields = {}
    for name in _SUMMED:
        values = [getattr(b, name) for b in budgets]
        if all(v is not None for v in values):
            fields[name] = sum(values)
    if all(b.quarterly_spent is not None for b in budgets):
        fields["quarterly_spent"] = [sum(q) for q in zip(*(b.quarterly_spent for b in budgets))]
    combined = Budget(**fields)
    for b in budgets:  # a derived amount stays derived in the sum
        combined._derived.update(b.derived)
    return combined


def all_targets(evaluation) -> list[tuple[PerformanceTarget, Project | None]]:
    """Every 绩效目标表 row of an evaluation with its project: the evaluation's rows (their ``project``, if
    any), then each project's rows, in order."""
    by_id = {p.id: p for p in evaluation.projects}
    rows = [(t, by_id.get(t.project) if t.project else None) for t in evaluation.targets]
    for p in evaluation.projects:
        rows += [(t, p) for t in p.targets]
    return rows


def target_locations(evaluation) -> list[tuple]:
    """The field path of each row of :func:`all_targets`, in its order, within the evaluation:
    ``("targets", j)``, then ``("projects", i, "targets", j)``."""
    return [("targets", j) for j in range(len(evaluation.targets))] + [
        ("projects", i, "targets", j) for i, p in enumerate(evaluation.projects) for j in range(len(p.targets))]


def project_measures(evaluation) -> dict[str, dict]:
    """Each project's budget measures (``perfkit.core.budget.all_measures``), by project id; {} without a budget."""
    return {p.id: all_measures(p.budget) for p in evaluation.projects}
