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
from ..load import Located
from ..params import Budget, Framework, IndicatorInput, Interval, JudgementRule, SumRule, ZeroIf
from . import rules
from .budget import MeasureUnavailable, measure
from .framework import Node, resolve_rule, structure_problems, walk
from .quantity import parse_quantity

JUDGED = JudgementRule(family="judgement")

# Drivers of the base-plus-slope rule, as codes for vectorised selection.
DRIVERS = {"value": 0, "relative_to_target": 1, "difference_to_target": 2, "change_from_prior": 3}
_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal}


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


@dataclass
class Leaf:
    node: Node
    rule: Any
    inputs: IndicatorInput | None
    loc: tuple  # where the inputs are (or would be) in the evaluation's file
    zero: bool = False
    zero_reasons: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.node.id

    @property
    def points(self) -> float:
        return self.node.indicator.points


class CompileContext:
    """Collects problems while compiling, so that every one is reported, not only the first."""

    def __init__(self, located: Located | None, budget: Budget | None):
        self.located = located
        self.budget = budget
        self.problems: list[Problem] = []

    def problem(self, loc: tuple, message: str) -> None:
        if self.located is None:
            self.problems.append(Problem("<evaluation>", format_loc(loc), message))
        else:
            f, fld, line = self.located.where(*loc)
            self.problems.append(Problem(f, fld, message, line))

    def measure(self, name: str, loc: tuple):
        try:
            return measure(self.budget, name)
        except MeasureUnavailable as exc:
            self.problem(loc, str(exc))
            return None


# --------------------------------------------------------------------------------------------
# Reading inputs
# --------------------------------------------------------------------------------------------


def _number(ctx: CompileContext, inputs: IndicatorInput | None, name: str, loc: tuple, rule_name: str) -> float | None:
    explicit = getattr(inputs, f"{name}_value", None) if inputs is not None else None
    if explicit is not None:
        return explicit
    raw = getattr(inputs, name, None) if inputs is not None else None
    if raw is None:
        ctx.problem(loc + (name,), f"required by the {rule_name} rule: expected a number")
        return None
    q = parse_quantity(raw)
    if not q.measurable:
        ctx.problem(loc + (name,), f"expected a number (or text with one) for the {rule_name} rule, got {raw!r}")
        return None
    return q.value


def _target_actual(ctx, inputs, loc, rule_name) -> tuple[float | None, float | None]:
    """Target and actual as numbers on a common scale (亿 against 亿元, 万 against 亿)."""
    t = _number(ctx, inputs, "target", loc, rule_name)
    a = _number(ctx, inputs, "actual", loc, rule_name)
    explicit = inputs.target_value is not None or inputs.actual_value is not None
    if t is not None and a is not None and inputs.unit is None and not explicit:
        qt, qa = parse_quantity(inputs.target), parse_quantity(inputs.actual)
        a = qa.comparable(qt)
    return t, a


def _measured(ctx, rule, inputs, loc, rule_name, many=False):
    """The rule's measured value: from its ``measure`` when set, else the input ``value``/``values``."""
    if getattr(rule, "measure", None):
        return ctx.measure(rule.measure, loc)
    key = "values" if many else "value"
    raw = getattr(inputs, key, None) if inputs is not None else None
    if raw is None:
        ctx.problem(loc + (key,), f"required by the {rule_name} rule (it names no measure): expected "
                    + ("a list of numbers" if many else "a number"))
    return raw


# --------------------------------------------------------------------------------------------
# Compiling one rule application into arguments
# --------------------------------------------------------------------------------------------


def _interval_arrays(intervals: list[Interval]) -> dict[str, list]:
    return {
        "lo": [np.nan if b.min is None else b.min for b in intervals],
        "hi": [np.nan if b.max is None else b.max for b in intervals],
        "loi": [b.min_inclusive for b in intervals],
        "hii": [b.max_inclusive for b in intervals],
    }


def compile_rule(ctx: CompileContext, rule, points: float, inputs: IndicatorInput | None, loc: tuple) -> dict | None:
    """Arguments for one application of ``rule``; None (with problems recorded) if inputs are lacking."""
    fam = rule.family
    if fam not in ("judgement", "qualitative_tiers") and inputs is not None and inputs.score is not None:
        # The evaluator scored a measured rule without a measurement (e.g. satisfaction bands, no survey
        # held): accepted as a judgement with its reason, and reported as a finding by reconcile().
        args = compile_rule(ctx, JUDGED, points, inputs, loc)
        return None if args is None else {**args, "judged": True}
    if fam == "ratio":
        t, a = _target_actual(ctx, inputs, loc, fam)
        if t is None or a is None:
            return None
        args = {"target": t, "actual": a, "cap": rule.cap}
        pen = rule.low_target_penalty
        if pen is not None:
            iv = _interval_arrays(pen.bands)
            args.update(pen_lo=iv["lo"], pen_hi=iv["hi"], pen_loi=iv["loi"], pen_hii=iv["hii"],
                        pen_share=[b.deduct_share for b in pen.bands], pen_ratio=pen.measure == "ratio")
        return args
    if fam == "inverse_ratio":
        t, a = _target_actual(ctx, inputs, loc, fam)
        return None if t is None or a is None else {"target": t, "actual": a, "cap": rule.cap}
    if fam == "bands":
        v = _measured(ctx, rule, inputs, loc, fam)
        if v is None:
            return None
        iv = _interval_arrays(rule.bands)
        pts = [b.points for b in rule.bands]
        hit = rules.bands(points, np.array([v]), iv["lo"], iv["hi"], iv["loi"], iv["hii"], pts)
        if np.isnan(hit).all():
            labels = "; ".join(b.label() for b in rule.bands)
            ctx.problem(loc, f"the measured value {v:.2f} falls in none of the rule's bands ({labels})")
            return None
        return {"value": float(v), "lo": iv["lo"], "hi": iv["hi"], "loi": iv["loi"], "hii": iv["hii"],
                "band_points": pts}
    if fam == "deduct_per_item":
        n = inputs.count if inputs is not None else None
        if n is None:
            ctx.problem(loc + ("count",), "required by the deduct_per_item rule: the number of items found "
                                          "(0 when none)")
            return None
        k = rule.per_item if rule.per_item is not None else rule.per_item_share * points
        return {"count": n, "per_item": k}
    if fam == "checklist":
        answers = (inputs.answers if inputs is not None else None) or {}
        ids = [i.id for i in rule.items]
        for extra in sorted(set(answers) - set(ids)):
            ctx.problem(loc + ("answers", extra), f"no such checklist item; the rule's items are {', '.join(ids)}")
        met = []
        for item in rule.items:
            ans = answers.get(item.id)
            if ans is None:
                ctx.problem(loc + ("answers", item.id),
                            f"checklist item {item.id!r} ({item.text}) is not answered: expected true/false, "
                            "a share between 0 and 1" + (", or one of the tiers " + ", ".join(item.tiers)
                                                           if item.tiers else ""))
                met.append(np.nan)
            elif isinstance(ans, bool):
                met.append(1.0 if ans else 0.0)
            elif isinstance(ans, str):
                if not item.tiers or ans not in item.tiers:
                    ctx.problem(loc + ("answers", item.id), f"unknown tier {ans!r}; expected one of "
                                + (", ".join(item.tiers) if item.tiers else "true/false or a share (no tiers)"))
                    met.append(np.nan)
                else:
                    met.append(item.tiers[ans] / item.points if item.points else 0.0)
            elif 0 <= ans <= 1:
                met.append(float(ans))
            else:
                ctx.problem(loc + ("answers", item.id), f"expected a share between 0 and 1, got {ans!r}")
                met.append(np.nan)
        if any(np.isnan(met)):
            return None
        return {"item_points": [i.points for i in rule.items], "met": met}
    if fam == "overrun_penalty":
        v = _measured(ctx, rule, inputs, loc, fam)
        if v is None:
            return None
        k = rule.per_unit if rule.per_unit is not None else rule.per_unit_share * points
        return {"value": float(v), "threshold": rule.threshold, "per_unit": k,
                "above": rule.direction == "above"}
    if fam == "schedule_progress":
        vals = _measured(ctx, rule, inputs, loc, fam, many=True)
        if vals is None:
            return None
        if len(vals) != len(rule.schedule):
            ctx.problem(loc + ("values",), f"expected {len(rule.schedule)} cumulative rates (one per "
                                           f"schedule point), got {len(vals)}")
            return None
        return {"rates": list(vals), "schedule": rule.schedule, "quarter_points": rule.quarter_points,
                "average_points": rule.average_points, "year_end": rule.average == "year_end",
                "cap_quarters": rule.cap_quarters}
    if fam == "rate_weight":
        v = _measured(ctx, rule, inputs, loc, fam)
        return None if v is None else {"rate": float(v)}
    if fam == "base_slope":
        args = {"driver": DRIVERS[rule.driver], "base": rule.base, "slope": rule.slope,
                "slope_of_base": rule.slope_of == "base", "value": np.nan, "target": np.nan,
                "actual": np.nan, "prior": np.nan,
                "sign": -1.0 if inputs is not None and inputs.direction == "negative" else 1.0}
        if rule.driver == "value":
            v = _number(ctx, inputs, "value", loc, "base_slope (driver: value)")
            if v is None:
                return None
            args["value"] = v
        elif rule.driver == "change_from_prior":
            a = _number(ctx, inputs, "actual", loc, "base_slope (driver: change_from_prior)")
            p = _number(ctx, inputs, "prior_actual", loc, "base_slope (driver: change_from_prior)")
            if a is None or p is None:
                return None
            args.update(actual=a, prior=p)
        else:
            t, a = _target_actual(ctx, inputs, loc, f"base_slope (driver: {rule.driver})")
            if t is None or a is None:
                return None
            args.update(target=t, actual=a)
        return args
    if fam in ("judgement", "qualitative_tiers"):
        score = inputs.score if inputs is not None else None
        reason = inputs.reason if inputs is not None else None
        ok = True
        if score is None:
            ctx.problem(loc + ("score",), f"required by the {fam} rule: the evaluator's score (0 to {points:g})")
            ok = False
        elif not 0 <= score <= points + 1e-9:
            ctx.problem(loc + ("score",), f"expected a score between 0 and {points:g}, got {score:g}")
            ok = False
        if fam == "judgement" and not (reason and reason.strip()):
            ctx.problem(loc + ("reason",), "a judgement score needs a written reason (酌情扣分须说明理由)")
            ok = False
        args = {"score": score}
        if fam == "qualitative_tiers":
            tier = inputs.tier if inputs is not None else None
            if tier not in rule.tiers:
                ctx.problem(loc + ("tier",), f"expected one of the tiers {', '.join(rule.tiers)}, got {tier!r}")
                ok = False
            else:
                args["tier"] = tier
        return args if ok else None
    raise AssertionError(f"no compiler for rule family {fam!r}")  # pragma: no cover - schema forbids


def _family(rule, args: dict) -> str:
    return "judgement" if args.get("judged") else rule.family


def _zero(ctx: CompileContext, zero_if: list[ZeroIf], inputs: IndicatorInput | None, loc: tuple) -> list[str]:
    """The texts of the zero-if conditions that hold.

    A condition holds when its measure shows it or the evaluation says so in ``conditions``; one the
    evaluation does not answer and no measure decides is taken as not holding (documented default).
    """
    held = []
    given = (inputs.conditions if inputs is not None else None) or {}
    ids = {z.id for z in zero_if}
    for extra in sorted(set(given) - ids):
        ctx.problem(loc + ("conditions", extra), f"no such zero-if condition; this indicator has "
                    f"{', '.join(sorted(ids)) or 'none'}")
    for z in zero_if:
        if z.when is not None:
            v = ctx.measure(z.when.measure, loc)
            if v is not None and bool(_OPS[z.when.op](v, z.when.value)):
                held.append(z.text)
        elif given.get(z.id):
            held.append(z.text)
    return held


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

    def row_scores(self, overrides: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Scores of every row, shape ``(*scenarios, n_rows)``.

        ``overrides`` maps an argument name (``target``, ``actual``, ``base``, ``points``, ...) to an
        array whose last axis has one entry per row; NaN keeps the compiled value.
        """
        overrides = overrides or {}
        lead = np.broadcast_shapes(*[np.shape(v)[:-1] for v in overrides.values()]) if overrides else ()
        out = np.zeros(lead + (len(self.rows),))
        for fam, (idx, args) in self.blocks.items():
            a = dict(args)
            for name, ov in overrides.items():
                if name in a or name == "points":
                    sub = np.asarray(ov, float)[..., idx]
                    base = self.row_points[idx] if name == "points" else a[name]
                    a[name] = np.where(np.isnan(sub), base, sub)
            W = a.pop("points", self.row_points[idx])
            out[..., idx] = _FAMILY_EVAL[fam](W, a)
        return np.where(self.row_zero, 0.0, out)

    def leaf_scores(self, overrides: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Scores of every leaf, shape ``(*scenarios, n_leaves)``, after zero-if overrides."""
        leaf = self.row_scores(overrides) @ self.aggregate
        leaf = np.minimum(leaf, self.leaf_points)
        return np.where(self.leaf_zero, 0.0, leaf)

    def totals(self, overrides: dict[str, np.ndarray] | None = None) -> np.ndarray:
        return self.leaf_scores(overrides).sum(axis=-1)

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
        if any(isinstance(v, (list, tuple)) for v in vals):
            fill = False if k in ("loi", "hii", "pen_loi", "pen_hii") else (0.0 if k in ("pen_share",) else np.nan)
            out[k] = _pad([v if v is not None else [] for v in vals], fill)
        else:
            out[k] = np.array([np.nan if v is None else v for v in vals], dtype=float)
    return out


def _eval_ratio(W, a):
    score = rules.ratio(W, a["target"], a["actual"], a["cap"])
    if "pen_share" in a:
        A, B = a["target"], a["actual"]
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.where(a["pen_ratio"] > 0, 100.0 * B / A, 100.0 * (B - A) / A)
        ded = rules.low_target_deduction(
            W, np.nan_to_num(dev, nan=-np.inf)[..., None], a["pen_lo"], a["pen_hi"],
            a["pen_loi"].astype(bool), a["pen_hii"].astype(bool), a["pen_share"],
        )
        score = rules.clip_to_points(score - np.nan_to_num(ded), W)
    return score


def _eval_base_slope(W, a):
    A, B, P = a["target"], a["actual"], a["prior"]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.select(
            [a["driver"] == 0, a["driver"] == 1, a["driver"] == 2, a["driver"] == 3],
            [a["value"], 100.0 * (B - A) / A, B - A, B - P],
        )
    return rules.base_slope(W, a["sign"] * x, a["base"], a["slope"], a["slope_of_base"].astype(bool))


_FAMILY_EVAL = {
    "ratio": _eval_ratio,
    "inverse_ratio": lambda W, a: rules.inverse_ratio(W, a["target"], a["actual"], a["cap"]),
    "bands": lambda W, a: rules.bands(W, a["value"][..., None], a["lo"], a["hi"], a["loi"].astype(bool),
                                      a["hii"].astype(bool), a["band_points"]),
    "deduct_per_item": lambda W, a: rules.deduct_per_item(W, a["count"], a["per_item"]),
    "checklist": lambda W, a: rules.checklist(W, np.nan_to_num(a["item_points"]), np.nan_to_num(a["met"])),
    "overrun_penalty": lambda W, a: rules.overrun_penalty(W, a["value"], a["threshold"], a["per_unit"],
                                                          a["above"].astype(bool)),
    "schedule_progress": lambda W, a: rules.schedule_progress(
        a["rates"], a["schedule"], a["quarter_points"], a["average_points"][..., None][..., 0],
        a["year_end"].astype(bool), a["cap_quarters"].astype(bool), W),
    "rate_weight": lambda W, a: rules.rate_weight(W, a["rate"]),
    "base_slope": _eval_base_slope,
    "judgement": lambda W, a: rules.judgement(W, a["score"]),
    "qualitative_tiers": lambda W, a: rules.judgement(W, a["score"]),
}


def leaf_rows(ctx: CompileContext, index: int, leaf: Leaf, rule) -> list[Row]:
    """The scored rows of leaf ``index`` under ``rule``: one row, or one per part of a ``sum`` rule.

    A unit whose inputs are lacking gets no row and a problem in ``ctx``.
    """
    inputs, loc = leaf.inputs, leaf.loc
    if not isinstance(rule, SumRule):
        args = compile_rule(ctx, rule, leaf.points, inputs, loc)
        return [] if args is None else [Row(index, None, _family(rule, args), leaf.points, args, False, [], rule)]
    part_inputs = (inputs.parts if inputs is not None else None) or {}
    part_ids = {p.id for p in rule.parts}
    for extra in sorted(set(part_inputs) - part_ids):
        ctx.problem(loc + ("parts", extra), f"no such part; the parts are {', '.join(sorted(part_ids))}")
    rows = []
    for p in rule.parts:
        pin = part_inputs.get(p.id)
        ploc = loc + ("parts", p.id)
        args = compile_rule(ctx, p.rule, p.points, pin, ploc)
        held = _zero(ctx, p.zero_if, pin, ploc)
        if args is not None:
            rows.append(Row(index, p.id, _family(p.rule, args), p.points, args, bool(held), held, p.rule))
    return rows


def compile_evaluation(located: Located, framework: Framework, budget: Budget | None) -> Compiled:
    """Resolve the tree, inputs and measures of an evaluation; ParameterError lists every problem."""
    ev = located.evaluation
    ctx = CompileContext(located, ev.budget or budget)
    if ev.tree is not None:
        tree, tree_loc, tree_file, tree_lines = ev.tree, ("tree",), located.file, lambda loc: located.doc.line(
            located.loc + loc)
    elif framework.tree is not None:
        tree, tree_loc, tree_file, tree_lines = framework.tree, ("tree",), f"framework {framework.id}", lambda loc: None
    else:
        ctx.problem(("tree",), f"framework {framework.id!r} is a template without a tree: the evaluation must "
                               "give its own `tree`")
        raise ParameterError(ctx.problems)
    nodes = walk(tree, tree_loc)
    probs = structure_problems(nodes, framework, tree_file, tree_lines)
    if ev.tree is not None:  # report inline-tree problems against the evaluation's own file
        probs = [Problem(located.file, format_loc(located.loc) + "." + p.field, p.message, p.line) for p in probs]
    ctx.problems += probs
    if ctx.problems:
        raise ParameterError(ctx.problems)

    leaf_nodes = [n for n in nodes if n.is_leaf]
    leaf_ids = {n.id for n in leaf_nodes}
    for key in ev.indicators:
        if key not in leaf_ids:
            ctx.problem(("indicators", key), f"no leaf indicator {key!r} in the tree; leaves are "
                        + ", ".join(n.id for n in leaf_nodes))

    leaves: list[Leaf] = []
    rows: list[Row] = []
    for n in leaf_nodes:
        inline = n.indicator.inputs
        given = ev.indicators.get(n.id)
        if inline is not None and given is not None:
            ctx.problem(("indicators", n.id), "inputs are given twice: in the tree and under indicators")
        inputs, loc = (inline, n.loc + ("inputs",)) if inline is not None else (given, ("indicators", n.id))
        rule = resolve_rule(n.indicator, framework)
        leaf = Leaf(n, rule, inputs, loc)
        leaf.zero_reasons = _zero(ctx, n.indicator.zero_if, inputs, loc)
        leaf.zero = bool(leaf.zero_reasons)
        rows += leaf_rows(ctx, len(leaves), leaf, rule)
        leaves.append(leaf)
    if ctx.problems:
        raise ParameterError(ctx.problems)
    return Compiled(framework, nodes, leaves, rows)


def explain(row: Row, score: float) -> str:
    """The arithmetic of one row, as a formula with its numbers (language-neutral)."""
    a, W = row.args, row.points
    f = row.family
    if f == "ratio":
        s = f"{W:g} × min({a['actual']:g} / {a['target']:g}, {a['cap']:g})"
        return s + (" − 偏离度" if "pen_share" in a and score < W * min(a["actual"] / a["target"], 1) - 1e-9
                    and a["target"] else "")
    if f == "inverse_ratio":
        return f"{W:g} × min({a['target']:g} / {a['actual']:g}, {a['cap']:g})" if a["actual"] else f"{W:g} (actual 0)"
    if f == "bands":
        return f"{a['value']:.2f} → {score:g}"
    if f == "deduct_per_item":
        return f"{W:g} − {a['per_item']:g} × {a['count']:g}"
    if f == "checklist":
        return " + ".join(f"{p:g}×{m:.2g}" for p, m in zip(a["item_points"], a["met"]))
    if f == "overrun_penalty":
        beyond = a["value"] - a["threshold"] if a["above"] else a["threshold"] - a["value"]
        return f"{W:g} − {a['per_unit']:g} × max({beyond:.2f}, 0)"
    if f == "schedule_progress":
        qs = " + ".join(f"{p:g}×min({c:.2f}/{s:g}, 1)" for c, s, p in zip(a["rates"], a["schedule"],
                                                                           a["quarter_points"]))
        avg = a["rates"][-1] if a["year_end"] else float(np.mean(a["rates"]))
        return f"{qs} + {a['average_points']:g}×{avg / 100:.4f}"
    if f == "rate_weight":
        return f"{W:g} × {a['rate']:.2f}%"
    if f == "base_slope":
        return f"clamp({W:g}×{a['base']:g} + slope {a['slope']:g} × driver, 0, {W:g})"
    return f"{score:g}"
