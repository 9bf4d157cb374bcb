"""Reconciliation: what a published report states against what its own rules and figures give.

Every check here produces :class:`~perfkit.findings.Finding` objects with a stable code. Nothing is
silently fixed: a reported score the rule does not produce stays reported, and the finding says by
how much it differs and, where the rule declares alternative readings, which reading reproduces it.
"""

from __future__ import annotations

import numpy as np

from .budget import MEASURES, all_measures
from .compile import CompileContext, Compiled, Leaf, leaf_rows
from .findings import Finding
from .framework import TOLERANCE, grade_of, points_findings
from ..params import Budget
from ..rules import family
from .quantity import parse_quantity
from .target_checks import target_findings

RATE_TOLERANCE = 0.005  # stated rates are printed with two decimals


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def rescore_leaf(result, index: int, rule, part: str | None = None) -> float | None:
    """The score of leaf ``index`` with its rule (or one part's rule) replaced; None if it cannot run."""
    compiled = result.compiled
    leaf = compiled.leaves[index]
    if part is not None:
        rule = leaf.rule.model_copy(update={"parts": [p.model_copy(update={"rule": rule}) if p.id == part else p
                                                      for p in leaf.rule.parts]})
    ctx = CompileContext(result.located, result.scoring_budget)
    rows = leaf_rows(ctx, 0, leaf, rule)
    if ctx.problems:
        return None
    mini = Compiled(compiled.framework, [leaf.node], [Leaf(leaf.node, rule, leaf.inputs, leaf.loc, leaf.zero)], rows)
    return float(mini.leaf_scores()[0])


def _alternatives(leaf):
    """(alternative, rule under it, part) for every declared alternative reading of a leaf's rule."""
    return family(leaf.rule.family).alternatives(leaf.rule)


def _missed_target(leaf) -> tuple[float, float] | None:
    """(target, actual) when a target-based leaf's actual falls short of its target (its family's ``missed``)."""
    inp, missed = leaf.inputs, family(leaf.rule.family).missed
    if inp is None or missed is None:
        return None
    t, a = parse_quantity(inp.target), parse_quantity(inp.actual)
    if inp.target_value is not None or inp.actual_value is not None:
        tv = inp.target_value if inp.target_value is not None else t.value
        av = inp.actual_value if inp.actual_value is not None else a.value
    elif t.measurable and a.measurable:
        tv, av = t.value, (a.value if inp.unit is not None else a.comparable(t))
    else:
        return None
    if tv is None or av is None:
        return None
    return (tv, av) if missed(tv, av) else None


def leaf_findings(result) -> list[Finding]:
    findings = []
    scores = result.table.set_index("id")["score"]
    reproduces = result.evaluation.reported is not None
    for i, leaf in enumerate(result.compiled.leaves):
        name = leaf.node.indicator.name
        rep = leaf.inputs.reported_score if leaf.inputs is not None else None
        got = float(scores[leaf.id])
        rows = [result.compiled.rows[j] for j in result.compiled.rows_of_leaf[i]]
        for r in rows:
            if r.args.get("judged"):
                findings.append(Finding(
                    "JUDGED_WITHOUT_MEASUREMENT", "info", leaf.id,
                    f"{name}{' (' + r.part + ')' if r.part else ''}: the {r.rule.family} rule has no measurement to "
                    f"work on; the evaluator's {r.args['score']:g} is used as a judgement",
                    {"rule": r.rule.family, "score": r.args["score"], "part": r.part},
                ))
            for check in family(r.family).checks(r.rule, r.points, r.args):
                findings.append(Finding(check.code, check.severity, leaf.id, f"{name}: {check.message}", check.data))
        if rep is None:
            if reproduces:
                findings.append(Finding("NO_REPORTED_SCORE", "info", leaf.id,
                                        f"{name}: the report gives no score for this indicator", {}))
            continue
        if rep > leaf.points + TOLERANCE:
            findings.append(Finding(
                "SCORE_ABOVE_POINTS", "error", leaf.id,
                f"{name}: reported {rep:g} exceeds its {leaf.points:g} points", {"reported": rep,
                                                                                "points": leaf.points},
            ))
        if abs(got - rep) > TOLERANCE:
            reading = getattr(leaf.rule, "reading", None)
            msg = (f"{name}: the {leaf.rule.family} rule gives {_fmt(got)}, the report awards {_fmt(rep)} "
                   f"(difference {rep - got:+.2f})")
            if reading:
                msg += f"; reading used: {reading}"
            data = {"recomputed": round(got, 6), "reported": rep, "rule": leaf.rule.family,
                    "reading": reading, "alternatives": []}
            matched = None
            for alt, rule, part in _alternatives(leaf):
                alt_score = rescore_leaf(result, i, rule, part)
                data["alternatives"].append({"label": alt.label, "description": alt.description,
                                             "label_en": alt.label_en, "description_en": alt.description_en,
                                             "score": alt_score})
                if alt_score is not None and abs(alt_score - rep) <= TOLERANCE and matched is None:
                    matched = (alt.label, alt.description, alt_score)
            if matched:
                msg += (f". The alternative reading '{matched[0]}' ({matched[1]}) gives {_fmt(matched[2])} and "
                        "reproduces the reported score")
                data["reproduced_by"] = matched[0]
            elif data["alternatives"]:
                msg += ". None of the declared alternative readings reproduces it (" + ", ".join(
                    f"{a['label']}: {'n/a' if a['score'] is None else _fmt(a['score'])}"
                    for a in data["alternatives"]) + ")"
            findings.append(Finding("SCORE_MISMATCH", "error", leaf.id, msg, data))
        missed = _missed_target(leaf)
        if missed and rep >= leaf.points - TOLERANCE and leaf.points > 0:
            findings.append(Finding(
                "FULL_MARKS_ON_MISSED_TARGET", "error", leaf.id,
                f"{name}: full marks ({rep:g}/{leaf.points:g}) although the actual {missed[1]:g} misses the "
                f"target {missed[0]:g}",
                {"target": missed[0], "actual": missed[1], "reported": rep, "points": leaf.points},
            ))
    return findings


def sum_findings(result) -> list[Finding]:
    """Reported subtotals and total against the reported scores beneath them, and the grade."""
    findings = []
    rep = result.evaluation.reported
    if rep is None:
        return findings
    nodes = result.nodes.set_index("id")  # reported.nodes name nodes of the tree (checked by compile_evaluation)
    for node_id, stated in rep.nodes.items():
        row = nodes.loc[node_id]
        leaf_sum = row["reported_leaf_sum"]
        if leaf_sum is not None and not np.isnan(leaf_sum) and abs(leaf_sum - stated) > TOLERANCE:
            findings.append(Finding(
                "REPORTED_NODE_MISMATCH", "error", node_id,
                f"{row['name']} is stated as {_fmt(stated)} but its reported indicator scores sum to "
                f"{_fmt(leaf_sum)}",
                {"stated": stated, "sum": leaf_sum},
            ))
    reported_scores = result.table["reported_score"]
    if rep.total is not None and reported_scores.notna().all():
        s = float(reported_scores.sum())
        if abs(s - rep.total) > TOLERANCE:
            findings.append(Finding(
                "REPORTED_SUM_MISMATCH", "error", None,
                f"the reported indicator scores sum to {_fmt(s)}, the reported total is {_fmt(rep.total)}",
                {"sum": s, "reported_total": rep.total},
            ))
    if rep.total is not None and not result.reproduces_total(TOLERANCE):
        g = grade_of(result.total, result.framework)
        findings.append(Finding(
            "TOTAL_MISMATCH", "warning", None,
            f"recomputed total {_fmt(result.total)} ({g}) against the reported {_fmt(rep.total)}"
            f" ({grade_of(rep.total, result.framework)})",
            {"recomputed": result.total, "reported": rep.total, "recomputed_grade": g,
             "reported_total_grade": grade_of(rep.total, result.framework)},
        ))
    if rep.grade is not None and rep.total is not None:
        g = grade_of(rep.total, result.framework)
        if g != rep.grade:
            findings.append(Finding(
                "GRADE_MISMATCH", "error", None,
                f"the report grades {_fmt(rep.total)} as {rep.grade}; the framework's bands give {g}",
                {"reported_grade": rep.grade, "band_grade": g},
            ))
    return findings


def rate_findings(budget: Budget | None, owner: str) -> list[Finding]:
    """Rates a report states against the rates computed from its own budget figures."""
    if budget is None:
        return []
    findings = []
    computed = all_measures(budget)
    for key, stated in budget.stated.items():
        if key not in MEASURES:
            continue  # validated elsewhere
        if key not in computed:
            continue
        got = computed[key]
        pairs = list(zip(stated, got)) if isinstance(stated, list) else [(stated, got)]
        for j, (s, g) in enumerate(pairs):
            if isinstance(g, list):
                continue
            if abs(round(g, 2) - s) > RATE_TOLERANCE + 1e-9:
                which = f" (item {j + 1})" if isinstance(stated, list) else ""
                findings.append(Finding(
                    "RATE_MISMATCH", "error", None,
                    f"{owner}: {MEASURES[key].term} stated as {s:.2f}%{which}, but "
                    f"{MEASURES[key].formula} gives {g:.2f}%",
                    {"measure": key, "stated": s, "computed": g, "item": j if isinstance(stated, list) else None},
                ))
    return findings


def reconcile(result) -> list[Finding]:
    findings = points_findings(result.compiled.nodes, result.framework)
    findings += leaf_findings(result)
    findings += target_findings(result)
    findings += sum_findings(result)
    owner = "the evaluation's budget" if result.evaluation.budget is not None else "the department budget"
    findings += rate_findings(result.scoring_budget, owner)
    return findings
