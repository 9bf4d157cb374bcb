"""Compiling an evaluation: its tree, inputs and rules into arrays, one block per rule family.

An evaluation is *compiled* once into a :class:`Compiled` object: one row per scored unit (a leaf, or
one part of a composite leaf) with its family's arguments as arrays. ``Compiled.leaf_scores`` then
evaluates every family with one call per family, optionally under *overrides* — arrays of
alternative targets, actuals or rule settings with any number of leading scenario dimensions — so
that reproducing one report, rescoring a portfolio and 100k Monte Carlo draws are the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError, Problem, format_loc
from ..load import Located, YamlDoc
from ..params import Budget, Framework, IndicatorInput
from ..rules import family
from ..rules.judgement import JudgementRule
from ..rules.zero_if import held as zero_if_held
from .budget import MeasureUnavailable, measure, undefined, undefined_reason
from .projects import all_targets, combined_budget, target_locations
from .framework import Node, framework_problems, leaf_factors, resolve_rule, sibling_shares, tree_problems, walk
from .quantity import parse_quantity
from .target_rows import is_cost_category, linked, rows_for
from .target_text import read_target
from ..rules.spending_ceiling import SpendingCeilingRule

# A measured rule whose inputs give the evaluator's score instead of a measurement is scored as this.
JUDGED = JudgementRule(family="judgement")


@dataclass
class Row:
    """One scored unit: a leaf, or a part of a composite (``sum``) leaf."""

    leaf: int
    part: str | None
    family: str
    points: float
    args: dict[str, Any]
    zero: bool = False
    zero_reasons: list[str] = field(default_factory=list)
    rule: Any = None
    linked: list = field(default_factory=list)  # the 目标表 rows a table-scored row was scored from


@dataclass
class Leaf:
    node: Node
    rule: Any
    inputs: IndicatorInput | None
    loc: tuple  # where the inputs are (or would be) in the evaluation's file
    zero: bool = False
    zero_reasons: list[str] = field(default_factory=list)
    undefined: list = field(default_factory=list)  # budget.Undefined: why it cannot be computed (an undefined measure)

    @property
    def id(self) -> str:
        return self.node.id

    @property
    def not_applicable(self) -> str | None:
        """The reason the leaf does not apply (不适用), or None."""
        return None if self.inputs is None else self.inputs.not_applicable

    @property
    def counted(self) -> bool:
        """Whether the leaf has a score: it applies and can be computed."""
        return self.not_applicable is None and not self.undefined

    @property
    def points(self) -> float:
        return self.node.indicator.points


class CompileContext:
    """Collects problems while compiling, so that every one is reported, not only the first.

    It is the :class:`perfkit.rules.base.Context` the families compile through: reading numbers and
    quantities from inputs, budget measures, and problems located in the evaluation's file.
    """

    def __init__(self, located: Located | None, budget: Budget | None):
        self.located = located
        self.budget = budget
        self.problems: list[Problem] = []
        self.undefined: list = []  # measures that are NaN (a rate over a zero base), with the field to fill
        self.leaf_id: str | None = None  # the leaf being compiled (its linked 目标表 rows)
        self.last_linked: list = []

    def problem(self, loc: tuple, message: str) -> None:
        if self.located is None:
            self.problems.append(Problem("<evaluation>", format_loc(loc), message))
        else:
            f, fld, line = self.located.where(*loc)
            self.problems.append(Problem(f, fld, message, line))

    def measure(self, name: str, loc: tuple):
        try:
            value = measure(self.budget, name)
        except MeasureUnavailable as exc:
            self.problem(loc, str(exc))
            return None
        if undefined(value):  # not an error in the file: the leaves using it are not computable
            reason = undefined_reason(self.budget, name)
            if reason not in self.undefined:
                self.undefined.append(reason)
            return None
        return value


    # ---- reading inputs (perfkit.rules.base.Context) ---------------------------------------

    def number(self, inputs: IndicatorInput | None, name: str, loc: tuple, rule_name: str) -> float | None:
        explicit = getattr(inputs, f"{name}_value", None) if inputs is not None else None
        if explicit is not None:
            return explicit
        raw = getattr(inputs, name, None) if inputs is not None else None
        if raw is None:
            self.problem(loc + (name,), f"required by the {rule_name} rule: expected a number")
            return None
        q = parse_quantity(raw)
        if not q.measurable:
            self.problem(loc + (name,), f"expected a number (or text with one) for the {rule_name} rule, got {raw!r}")
            return None
        return q.value

    def target_actual(self, inputs, loc: tuple, rule_name: str) -> tuple[float | None, float | None]:
        """Target and actual as numbers on a common scale (亿 against 亿元, 万 against 亿)."""
        t = self.number(inputs, "target", loc, rule_name)
        a = self.number(inputs, "actual", loc, rule_name)
        explicit = inputs is not None and (inputs.target_value is not None or inputs.actual_value is not None)
        if t is not None and a is not None and inputs.unit is None and not explicit:
            qt, qa = parse_quantity(inputs.target), parse_quantity(inputs.actual)
            a = qa.comparable(qt)
        return t, a

    def measured(self, rule, inputs, loc: tuple, rule_name: str, many: bool = False):
        """The rule's measured value: from its ``measure`` when set, else the input ``value``/``values``."""
        if getattr(rule, "measure", None):
            return self.measure(rule.measure, loc)
        key = "values" if many else "value"
        raw = getattr(inputs, key, None) if inputs is not None else None
        if raw is None:
            self.problem(loc + (key,), f"required by the {rule_name} rule (it names no measure): expected "
                         + ("a list of numbers" if many else "a number"))
        return raw


    def linked_rows(self, loc: tuple, rule_name: str, year: int | None = None):
        """The 目标表 rows whose ``indicator`` is the leaf being compiled, read (None with a problem if none)."""
        targets = self.located.evaluation.targets if self.located is not None else []
        rows = [linked(r) for r in rows_for(targets, self.leaf_id, year)] if self.leaf_id else []
        if not rows:
            self.problem(loc, f"the {rule_name} rule scores from the target table, but no row of `targets` names "
                              f"this leaf ({self.leaf_id!r}) in its `indicator`")
            return None
        self.last_linked = rows
        return rows


# --------------------------------------------------------------------------------------------
# Compiling one rule application into arguments
# --------------------------------------------------------------------------------------------


def compile_rule(ctx: CompileContext, rule, points: float, inputs: IndicatorInput | None, loc: tuple) -> dict | None:
    """Arguments for one application of ``rule``; None (with problems recorded) if inputs are lacking."""
    fam = family(rule.family)
    if not fam.evaluator_scored and inputs is not None and inputs.score is not None:
        # The evaluator scored a measured rule without a measurement (e.g. satisfaction bands, no survey
        # held): accepted as a judgement with its reason, and reported as a finding by reconcile().
        args = compile_rule(ctx, JUDGED, points, inputs, loc)
        return None if args is None else {**args, "judged": True}
    return fam.compile(ctx, rule, points, inputs, loc)


def _family(rule, args: dict) -> str:
    return JUDGED.family if args.get("judged") else rule.family


# --------------------------------------------------------------------------------------------
# The compiled evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class Compiled:
    """An evaluation ready to score: rows (scored units) grouped by family, and the tree."""

    framework: Framework
    nodes: list[Node]
    leaves: list[Leaf]
    rows: list[Row]
    blocks: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]] = field(default_factory=dict)

    def __post_init__(self):
        self._build_blocks()
        n_rows, n_leaves = len(self.rows), len(self.leaves)
        self.row_leaf = np.array([r.leaf for r in self.rows], dtype=int)
        self.row_points = np.array([r.points for r in self.rows])
        self.row_zero = np.array([r.zero for r in self.rows], dtype=bool)
        self.leaf_points = np.array([lf.points for lf in self.leaves])
        self.leaf_zero = np.array([lf.zero for lf in self.leaves], dtype=bool)
        # Leaves without a score (not applicable, or not computable) count 0 in the arrays; the total says so.
        self.leaf_counted = np.array([lf.counted for lf in self.leaves], dtype=bool)
        self.leaf_applicable = np.array([lf.not_applicable is None for lf in self.leaves], dtype=bool)
        factors = leaf_factors(self.nodes, self.framework)
        self.leaf_factor = np.array([factors[lf.id] for lf in self.leaves])
        # not_applicable: siblings: what each leaf's weighted points are worth once a not-applicable leaf's points
        # are shared among its siblings (None: the whole total is rescaled, or everything applies)
        self.leaf_share = None
        if self.framework.not_applicable == "siblings" and not self.leaf_applicable.all():
            shares = sibling_shares(self.nodes, factors, {lf.id: lf.not_applicable is None for lf in self.leaves})
            self.leaf_share = np.array([shares[lf.id] for lf in self.leaves])
        self.plain_total = bool((self.leaf_factor == 1.0).all() and self.leaf_applicable.all())
        self.rows_of_leaf = [[] for _ in range(n_leaves)]  # row indices of each leaf
        for j, r in enumerate(self.rows):
            self.rows_of_leaf[r.leaf].append(j)
        self.aggregate = np.zeros((n_rows, n_leaves))
        self.aggregate[np.arange(n_rows), self.row_leaf] = 1.0
        self.target_rows = np.array(
            [i for i, r in enumerate(self.rows) if "target" in r.args and not np.isnan(r.args["target"])], dtype=int
        )

    def _build_blocks(self) -> None:
        by_family: dict[str, list[int]] = {}
        for i, r in enumerate(self.rows):
            by_family.setdefault(r.family, []).append(i)
        for fam, idx in by_family.items():
            self.blocks[fam] = (np.array(idx), _stack([self.rows[i].args for i in idx]))

    # ---- scoring ---------------------------------------------------------------------------

    def row_scores(self, overrides: dict[str, np.ndarray] | None = None,
                   lists: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Scores of every row, shape ``(*scenarios, n_rows)``.

        ``overrides`` maps an argument name (``target``, ``actual``, ``base``, ``points``, ...) to an
        array whose last axis has one entry per row; NaN keeps the compiled value. ``lists`` does the same
        for list-valued arguments (the ``met`` and ``completion`` of the linked 目标表 rows a table-scored row
        is scored from): arrays of shape ``(*scenarios, n_rows, width)``, entry ``[..., j, k]`` the value of
        row j's k-th list item; NaN keeps the compiled value (a family block uses the first items it has).
        """
        overrides = overrides or {}
        lists = lists or {}
        shapes = [np.shape(v)[:-1] for v in overrides.values()] + [np.shape(v)[:-2] for v in lists.values()]
        lead = np.broadcast_shapes(*shapes) if shapes else ()
        out = np.zeros(lead + (len(self.rows),))
        for fam, (idx, args) in self.blocks.items():
            a = dict(args)
            for name, ov in overrides.items():
                if name in a or name == "points":
                    sub = np.asarray(ov, float)[..., idx]
                    base = self.row_points[idx] if name == "points" else a[name]
                    a[name] = np.where(np.isnan(sub), base, sub)
            for name, ov in lists.items():
                if name in a and np.ndim(a[name]) == 2:
                    width = a[name].shape[-1]
                    sub = np.asarray(ov, float)[..., idx, :width]
                    if sub.shape[-1] < width:  # items beyond the given width keep their compiled values
                        pad = np.full(sub.shape[:-1] + (width - sub.shape[-1],), np.nan)
                        sub = np.concatenate([sub, pad], axis=-1)
                    a[name] = np.where(np.isnan(sub), a[name], sub)
            W = a.pop("points", self.row_points[idx])
            out[..., idx] = family(fam).evaluate(W, a)
        return np.where(self.row_zero, 0.0, out)

    def leaf_scores(self, overrides: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Scores of every leaf, shape ``(*scenarios, n_leaves)``, after zero-if overrides."""
        return self.leaves_from_rows(self.row_scores(overrides))

    def leaves_from_rows(self, row_scores: np.ndarray) -> np.ndarray:
        """Leaf scores from given row scores, shape ``(*scenarios, n_rows)`` → ``(*scenarios, n_leaves)``:
        a leaf's rows added up, capped at the leaf's points, and 0 where the leaf's zero-if holds.

        The one aggregation of rows into leaves: :meth:`leaf_scores` uses it on the compiled rows, and
        rescoring that changes row scores afterwards (a sensitivity overlay) uses it on its own."""
        leaf = np.minimum(row_scores @ self.aggregate, self.leaf_points)
        return np.where(self.leaf_zero | ~self.leaf_counted, 0.0, leaf)

    def totals(self, overrides: dict[str, np.ndarray] | None = None) -> np.ndarray:
        return self.total_of(self.leaf_scores(overrides))

    def total_of(self, leaf_scores: np.ndarray) -> np.ndarray:
        """The total of leaf scores, shape ``(*scenarios, n_leaves)`` → ``(*scenarios,)``: their sum, with each
        leaf's block-weight factor, and rescaled to the framework's total over the applicable leaves'
        (weighted) points when a leaf is not applicable (``Framework.not_applicable: rescale``), or with the
        not-applicable leaves' points shared among their siblings (``siblings``, :func:`sibling_shares`). A leaf that
        cannot be computed counts 0 (its points are the total's gap, :attr:`gap_points`)."""
        if self.plain_total:
            return np.asarray(leaf_scores).sum(axis=-1)
        if self.leaf_share is not None:
            return (np.asarray(leaf_scores) * self.leaf_factor * self.leaf_share).sum(axis=-1)
        weighted = (np.asarray(leaf_scores) * self.leaf_factor).sum(axis=-1)
        if self.leaf_applicable.all():
            return weighted
        applicable = float((self.leaf_points * self.leaf_factor)[self.leaf_applicable].sum())
        return weighted * (self.framework.total / applicable) if applicable > 0 else weighted * 0.0

    @property
    def total_scale(self) -> float:
        """What one point of a leaf is worth in the total after rescaling for not-applicable leaves (1 without).
        With ``not_applicable: siblings`` a point's worth differs by leaf: :attr:`leaf_share`."""
        if self.leaf_applicable.all():
            return 1.0
        applicable = float((self.leaf_points * self.leaf_factor)[self.leaf_applicable].sum())
        return self.framework.total / applicable if applicable > 0 else 0.0

    @property
    def gap_points(self) -> float:
        """The points, in the total's terms, of the applicable leaves that cannot be computed (0 when none)."""
        gap = self.leaf_applicable & ~self.leaf_counted
        if self.leaf_share is not None:
            return float((self.leaf_points * self.leaf_factor * self.leaf_share)[gap].sum())
        return float((self.leaf_points * self.leaf_factor)[gap].sum() * self.total_scale)

    def grades(self, totals: np.ndarray) -> np.ndarray:
        """Grades of an array of totals (vectorised band lookup)."""
        mins = np.array([g.min for g in self.framework.grades])
        labels = np.array([g.grade for g in self.framework.grades])
        t = np.round(np.asarray(totals, float), 2)
        idx = np.argmax(t[..., None] >= mins, axis=-1)
        return labels[idx]

    def row_vector(self, name: str) -> np.ndarray:
        """A compiled argument as a row vector (NaN where a row has no such argument)."""
        values = [r.args.get(name, np.nan) for r in self.rows]
        return np.array([float(v) if np.isscalar(v) else np.nan for v in values])


def _pad(rows: list[list], fill=np.nan) -> np.ndarray:
    width = max(len(r) for r in rows)
    return np.array([list(r) + [fill] * (width - len(r)) for r in rows], dtype=float)


def _stack(arg_rows: list[dict]) -> dict[str, np.ndarray]:
    keys = {k for a in arg_rows for k in a}
    out = {}
    for k in keys:
        vals = [a.get(k) for a in arg_rows]
        if any(isinstance(v, str) for v in vals):  # a label (the tier a qualitative row names): kept, never summed
            out[k] = np.array(vals, dtype=object)
        elif any(isinstance(v, (list, tuple)) for v in vals):
            fill = False if k in ("loi", "hii", "pen_loi", "pen_hii") else (0.0 if k in ("pen_share",) else np.nan)
            out[k] = _pad([v if v is not None else [] for v in vals], fill)
        else:
            out[k] = np.array([np.nan if v is None else v for v in vals], dtype=float)
    return out


def leaf_rows(ctx: CompileContext, index: int, leaf: Leaf, rule) -> list[Row]:
    """The scored rows of leaf ``index`` under ``rule``: one row, or one per part of a ``sum`` rule.

    A unit whose inputs are lacking gets no row and a problem in ``ctx``.
    """
    inputs, loc = leaf.inputs, leaf.loc
    ctx.leaf_id, ctx.last_linked = leaf.id, []
    if not family(rule.family).composite:
        args = compile_rule(ctx, rule, leaf.points, inputs, loc)
        return [] if args is None else [Row(index, None, _family(rule, args), leaf.points, args, False, [], rule,
                                            ctx.last_linked)]
    part_inputs = (inputs.parts if inputs is not None else None) or {}
    part_ids = {p.id for p in rule.parts}
    for extra in sorted(set(part_inputs) - part_ids):
        ctx.problem(loc + ("parts", extra), f"no such part; the parts are {', '.join(sorted(part_ids))}")
    rows = []
    for p in rule.parts:
        pin = part_inputs.get(p.id)
        ploc = loc + ("parts", p.id)
        args = compile_rule(ctx, p.rule, p.points, pin, ploc)
        held = zero_if_held(ctx, p.zero_if, pin, ploc)
        if args is not None:
            rows.append(Row(index, p.id, _family(p.rule, args), p.points, args, bool(held), held, p.rule))
    return rows


def is_cost_row(node: Node) -> bool:
    """A leaf under a 成本指标 heading, or named for a budget control figure (项目预算控制数)."""
    return is_cost_category(node.names)


def cost_row_rule(node: Node, rule, inputs: IndicatorInput | None):
    """A ratio rule on a cost row whose target reads as a ceiling on spending is scored as
    ``spending_ceiling`` unless the rule says ``cost_rows: ratio``; every other rule is kept."""
    if rule.family != "ratio" or getattr(rule, "cost_rows", "ratio") != "ceiling" or inputs is None:
        return rule
    if inputs.target is None or not is_cost_row(node):
        return rule
    if read_target(inputs.target, cost=True).kind != "ceiling":
        return rule
    reading = ("cost row read as a ceiling on spending (a ratio rule's default for 成本指标 rows, cost_rows: "
               "ceiling): full points at or below the budget, A/B × W above it")
    return SpendingCeilingRule(family="spending_ceiling", reading=reading, source=rule.source)


def budget_for_scoring(evaluation, department_budget: Budget | None) -> Budget | None:
    """The budget an evaluation's rules are scored against (the budget measures they name): the
    evaluation's own budget, else the department-year's — for every kind of evaluation, so a project
    without a budget of its own may still score a department rate. ``EvaluationResult.scoring_budget``
    is this choice for a scored evaluation; compare ``perfkit.core.result.budget_for_targets``."""
    if evaluation.budget is not None:
        return evaluation.budget
    combined = combined_budget(evaluation.projects)
    return combined if combined is not None else department_budget


def checked_framework(framework: Framework, framework_doc: YamlDoc | None = None) -> list[Problem]:
    """The framework's own problems (:func:`~perfkit.core.framework.framework_problems`), located in
    ``framework_doc`` (without it they name the framework by id only)."""
    return framework_problems(framework, framework_doc.where if framework_doc is not None else (
        lambda loc: (f"framework {framework.id}", format_loc(loc), None)))


def compile_evaluation(located: Located, framework: Framework, budget: Budget | None,
                       framework_doc: YamlDoc | None = None, *,
                       framework_checked: list[Problem] | None = None) -> Compiled:
    """Resolve the tree, inputs and measures of an evaluation; ParameterError lists every problem.

    ``budget`` is the department-year's budget; the rules see :func:`budget_for_scoring`'s choice.
    ``framework_doc`` is the framework's file, where the framework's own problems are located (without it
    they name the framework by id only). ``framework_checked``: the framework's own problems
    (:func:`checked_framework`), when the caller has found them already for the evaluations that share it."""
    ev = located.evaluation
    ctx = CompileContext(located, budget_for_scoring(ev, budget))
    ctx.problems += checked_framework(framework, framework_doc) if framework_checked is None else framework_checked
    if ev.tree is not None:
        tree = ev.tree
        ctx.problems += tree_problems(tree, framework, lambda loc: located.where(*loc))
    elif framework.tree is not None:
        tree = framework.tree
    else:
        ctx.problem(("tree",), f"framework {framework.id!r} is a template without a tree: the evaluation must "
                               "give its own `tree`")
    if ctx.problems:
        raise ParameterError(ctx.problems)
    nodes = walk(tree)

    leaf_nodes = [n for n in nodes if n.is_leaf]
    leaf_ids = {n.id for n in leaf_nodes}
    for key in ev.indicators:
        if key not in leaf_ids:
            ctx.problem(("indicators", key), f"no leaf indicator {key!r} in the tree; leaves are "
                        + ", ".join(n.id for n in leaf_nodes))
    project_ids = [p.id for p in ev.projects]
    for j, pid in enumerate(project_ids):
        if pid in project_ids[:j]:
            ctx.problem(("projects", j, "id"), f"project id {pid!r} is used twice; ids must be unique")
    for at, (target, _) in zip(target_locations(ev), all_targets(ev)):
        if target.indicator is not None and target.indicator not in leaf_ids:
            ctx.problem(at + ("indicator",), f"no leaf indicator {target.indicator!r} in the tree; "
                        "leaves are " + ", ".join(n.id for n in leaf_nodes))
        if target.project is not None and target.project not in project_ids:
            ctx.problem(at + ("project",), f"no project {target.project!r} in this evaluation; projects are "
                        + (", ".join(project_ids) or "none"))
        elif target.project is not None and at[0] == "projects" and target.project != ev.projects[at[1]].id:
            ctx.problem(at + ("project",), f"the row is listed under project {ev.projects[at[1]].id!r} but names "
                        f"project {target.project!r}")
    node_ids = [n.id for n in nodes]
    for key in (ev.reported.nodes if ev.reported is not None else {}):
        if key not in node_ids:
            ctx.problem(("reported", "nodes", key), f"no node {key!r} in the tree; nodes are " + ", ".join(node_ids))

    leaves: list[Leaf] = []
    rows: list[Row] = []
    for n in leaf_nodes:
        inline = n.indicator.inputs
        given = ev.indicators.get(n.id)
        if inline is not None and given is not None:
            ctx.problem(("indicators", n.id), "inputs are given twice: in the tree and under indicators")
        inputs, loc = (inline, n.loc + ("inputs",)) if inline is not None else (given, ("indicators", n.id))
        rule = cost_row_rule(n, resolve_rule(n.indicator, framework), inputs)
        leaf = Leaf(n, rule, inputs, loc)
        leaves.append(leaf)
        if leaf.not_applicable is not None:  # not scored: no inputs needed, no rows
            if framework.not_applicable == "forbidden":
                ctx.problem(loc + ("not_applicable",), f"framework {framework.id!r} declares every indicator "
                            "applicable (not_applicable: forbidden); score it, or use a framework that allows it")
            continue
        ctx.undefined = []
        leaf.zero_reasons = zero_if_held(ctx, n.indicator.zero_if, inputs, loc)
        leaf.zero = bool(leaf.zero_reasons)
        its_rows = leaf_rows(ctx, len(leaves) - 1, leaf, rule)
        leaf.undefined = list(ctx.undefined)
        if not leaf.undefined:
            rows += its_rows
    if ctx.problems:
        raise ParameterError(ctx.problems)
    return Compiled(framework, nodes, leaves, rows)


def explain(row: Row, score: float) -> str:
    """The arithmetic of one row, as a formula with its numbers (language-neutral)."""
    text = family(row.family).explain(row.args, row.points, score)
    if row.linked:  # a table-scored row: which linked rows were missed, and which had no figure to judge
        missed = [r.name for r in row.linked if r.met is False]
        unknown = [r.name for r in row.linked if r.met is None]
        text += f" ({len(missed)} of {sum(r.met is not None for r in row.linked)} targets missed"
        text += (": " + ", ".join(missed) + ")") if missed else ")"
        if unknown:
            text += "; not measurable or no actual: " + ", ".join(unknown)
    return text
