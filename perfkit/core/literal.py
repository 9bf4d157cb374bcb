"""Literal readings: the framework's rules applied to the inputs they literally name, beside the report's own.

A transcription sometimes records the report's own computation as a leaf's input (Shenzhen fund D33: the
report scored the slowing of a decline, 12.02, where the rule names the decline rate, 2.13), so that the
recomputation reproduces the report. The literal inputs are then written under the leaf's ``literal``; this
module rescores those leaves with them and gives the total and grade the literal rules lead to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..rules import family
from .compile import CompileContext, Compiled, Leaf, leaf_rows
from .framework import grade_of


@dataclass(frozen=True)
class LiteralLeaf:
    """One leaf under its literal reading: the score as scored (the report's computation) and literally."""

    id: str
    name: str
    name_en: str | None
    points: float
    score: float
    literal_score: float
    explanation: str  # the literal arithmetic (language-neutral)
    reason: str | None  # the ``literal.note``: why the literal inputs differ

    @property
    def change(self) -> float:
        return self.literal_score - self.score


@dataclass(frozen=True)
class LiteralReading:
    """The evaluation under its leaves' literal readings: total and grade beside the scored ones.
    Totals out of the framework's ``total``; grades by its bands (None where the scored total is ungraded)."""

    total: float
    grade: str | None
    literal_total: float
    literal_grade: str | None
    leaves: list[LiteralLeaf] = field(default_factory=list)

    @property
    def change(self) -> float:
        return self.literal_total - self.total

    @property
    def grade_changes(self) -> bool:
        return self.grade != self.literal_grade


def literal_inputs(leaf: Leaf):
    """The leaf's inputs with its ``literal`` fields laid over them, or None when it has no literal reading."""
    inp = leaf.inputs
    if inp is None or inp.literal is None:
        return None
    given = inp.literal.model_dump(exclude_unset=True, exclude={"note"})
    return inp.model_copy(update={**given, "literal": None})


def literal_reading(result) -> LiteralReading | None:
    """The scored evaluation (``EvaluationResult``) under the literal readings its leaves record; None when no
    leaf records one. Raises nothing for a literal input the rule cannot use: that leaf keeps its score."""
    compiled = result.compiled
    base = compiled.leaf_scores()
    scores = np.array(base, float, copy=True)
    leaves = []
    for i, leaf in enumerate(compiled.leaves):
        inputs = literal_inputs(leaf)
        if inputs is None or not leaf.counted:
            continue
        ctx = CompileContext(result.located, result.scoring_budget)
        lit = Leaf(leaf.node, leaf.rule, inputs, leaf.loc, leaf.zero, list(leaf.zero_reasons))
        rows = leaf_rows(ctx, 0, lit, leaf.rule)
        if ctx.problems or ctx.undefined or not rows:
            continue
        mini = Compiled(compiled.framework, [leaf.node], [lit], rows)
        row_scores = mini.row_scores()
        got = float(mini.leaf_scores()[0])
        scores[i] = got
        ind = leaf.node.indicator
        leaves.append(LiteralLeaf(leaf.id, ind.name, ind.name_en, leaf.points, float(base[i]), got,
                                  "; ".join((f"{r.part}: " if r.part else "") + family(r.family).words(r.args, r.points, s)
                                            for r, s in zip(rows, row_scores)),
                                  leaf.inputs.literal.note))
    if not leaves:
        return None
    total = float(compiled.total_of(base))
    literal_total = float(compiled.total_of(scores))
    fw = compiled.framework
    graded = result.grade is not None
    return LiteralReading(total, result.grade, literal_total, grade_of(literal_total, fw) if graded else None, leaves)
