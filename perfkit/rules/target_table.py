"""What the target-table families share (no family of its own): the linked 绩效目标表 rows as arrays.

A leaf whose rule is ``target_completion``, ``target_deduct`` or ``target_share`` is scored from the rows
of its evaluation's ``targets:`` that name it in ``indicator:``; how many were met or missed is derived
from the rows, never typed. The compile context reads the rows (``Context.linked_rows``: target and
actual through the target grammar, met by the target's kind and direction); this module turns them into
the padded lists the score functions take: ``met`` (1 met, 0 missed, NaN unknown), ``completion``
(capped at 1, NaN unknown), ``weight`` and ``late`` (months late for deadlines, NaN otherwise).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .base import LinkedRow, arr

NAN = float("nan")


def year_field():
    return Field(None, ge=1990, le=2100,
                 description="The year of dates written without one (\"2月\") in the linked rows, normally the budget "
                 "year. Null: such dates compare only with dates also written without a year.")


def row_arrays(rows: list[LinkedRow]) -> dict[str, list[float]]:
    """The linked rows as lists of numbers (one entry per row)."""
    return {
        "met": [NAN if r.met is None else float(r.met) for r in rows],
        "completion": [NAN if r.completion is None else r.completion for r in rows],
        "weight": [r.weight for r in rows],
        "late": [NAN if r.late_months is None else r.late_months for r in rows],
    }


def measured_rows(ctx, rows: list[LinkedRow] | None, loc: tuple, rule_name: str) -> list[LinkedRow] | None:
    """The rows, or None with a problem when no row holds both a measurable target and an actual."""
    if rows is None:
        return None
    if not any(r.met is not None for r in rows):
        ctx.problem(loc, f"the {rule_name} rule scores from the target table, but none of the linked rows ("
                    + ", ".join(r.id for r in rows) + ") has both a measurable target and an actual")
        return None
    return rows


def counts(a: dict) -> tuple[np.ndarray, np.ndarray]:
    """(rows missed, rows measured) per scored row; rows are on the last axis of ``met``."""
    m = arr(a["met"])
    measured = np.sum(~np.isnan(m), axis=-1)
    missed = np.sum(np.nan_to_num(m, nan=1.0) == 0, axis=-1)
    return missed.astype(float), measured.astype(float)
