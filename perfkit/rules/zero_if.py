"""zero_if (一票否决): the indicator (or part) scores 0 when a condition holds.

Source: procurement actual > plan; any 虚列/截留/挤占/挪用 expense; a managed fund graded 差
(Shenzhen and Luohu 共性指标). An overlay on any family, not a family of its own.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import NODE_ID, ArrayLike, Model, arr

COMPARATORS = Literal[">", ">=", "<", "<=", "=="]
_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal}


class Condition(Model):
    """A computed zero-if condition: ``<measure> <op> <value>``, e.g. ``budget.procurement_rate > 100``."""

    measure: str = Field(description="A measure derived from the budget block, e.g. `budget.procurement_rate`.")
    op: COMPARATORS = Field(description="The comparison: `>`, `>=`, `<`, `<=` or `==`.")
    value: float = Field(
        description="What the measure is compared with, in its unit (percent for rates: 100 for 'actual above plan')."
    )


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
    when: Condition | None = Field(
        None,
        description="Computes the condition from a derived measure; any answer in `conditions` is then ignored. "
        "Null (default): the condition holds only when the evaluation answers it `true` in `conditions`; an "
        "unanswered condition does not hold.",
    )


def zero_if(score: ArrayLike, condition: ArrayLike) -> np.ndarray:
    """Zero-if override: 0 where the condition holds (procurement over plan; 虚列/挤占/挪用 spending)."""
    return np.where(np.asarray(condition, bool), 0.0, arr(score))


def held(ctx, conditions: list[ZeroIf], inputs, loc: tuple) -> list[str]:
    """The texts of the zero-if conditions that hold.

    A condition holds when its measure shows it or the evaluation says so in ``conditions``; one the
    evaluation does not answer and no measure decides is taken as not holding (documented default).
    """
    out = []
    given = (inputs.conditions if inputs is not None else None) or {}
    ids = {z.id for z in conditions}
    for extra in sorted(set(given) - ids):
        ctx.problem(loc + ("conditions", extra), f"no such zero-if condition; this indicator has "
                    f"{', '.join(sorted(ids)) or 'none'}")
    for z in conditions:
        if z.when is not None:
            v = ctx.measure(z.when.measure, loc)
            if v is not None and bool(_OPS[z.when.op](v, z.when.value)):
                out.append(z.text)
        elif given.get(z.id):
            out.append(z.text)
    return out
