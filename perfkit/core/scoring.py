"""Scoring: one evaluation (or every evaluation of a department-year) compiled, scored, reconciled.

``score`` is the one entry point that turns a located evaluation into an :class:`EvaluationResult`;
compiling lives in ``perfkit.core.compile`` and the checks against reported figures in
``perfkit.core.reconcile``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping

import numpy as np

if TYPE_CHECKING:  # an annotation only: numpy.typing is not imported at run time (perfkit validate)
    from numpy.typing import ArrayLike

from ..errors import ParameterError, Problem
from ..load import Bundle, Located, YamlDoc
from ..params import Budget, Framework
from .compile import Compiled, checked_framework, compile_evaluation, explain
from .findings import Finding
from .framework import grade_of
from .reconcile import reconcile
from .target_checks import cross_evaluation_findings
from .result import EvaluationResult


def score(located: Located, framework: Framework, budget: Budget | None,
          framework_doc: YamlDoc | None = None, *, framework_checked: list[Problem] | None = None) -> EvaluationResult:
    """Score one evaluation and reconcile it with what its report states (``framework_doc`` and
    ``framework_checked``: see :func:`~perfkit.core.compile.compile_evaluation`)."""
    compiled = compile_evaluation(located, framework, budget, framework_doc, framework_checked=framework_checked)
    row_scores = compiled.row_scores()
    leaf_scores = compiled.leaf_scores()
    records = []
    for i, leaf in enumerate(compiled.leaves):
        rows = [(compiled.rows[j], row_scores[j]) for j in compiled.rows_of_leaf[i]]
        inp = leaf.inputs
        records.append({
            "id": leaf.id,
            "path": "/".join(leaf.node.path),
            "level1": leaf.node.names[0],
            "level2": leaf.node.names[1] if len(leaf.node.names) > 2 else None,
            "name": leaf.node.indicator.name,
            "name_en": leaf.node.indicator.name_en,
            "points": leaf.points,
            "rule": leaf.rule.family,
            "score": float(leaf_scores[i]) if leaf.counted else float("nan"),  # none: not applicable / computable
            "status": "not_applicable" if leaf.not_applicable is not None else (
                "not_computable" if leaf.undefined else "scored"),
            "reported_score": None if inp is None else inp.reported_score,
            "explanation": "; ".join(
                (f"{r.part}: " if r.part else "") + explain(r, s) + (" → 0 (" + "; ".join(r.zero_reasons) + ")"
                                                                     if r.zero else "")
                for r, s in rows
            ) + (" → 0 (" + "; ".join(leaf.zero_reasons) + ")" if leaf.zero else ""),
            "target": None if inp is None else inp.target,
            "actual": None if inp is None else inp.actual,
            "reason": None if inp is None else (inp.reported_reason or inp.not_applicable or inp.reason),
        })
    nodes = node_records(compiled, leaf_scores, located.evaluation.reported)
    total = float(compiled.total_of(leaf_scores))
    graded = compiled.gap_points == 0 or framework.not_computable == "graded_with_gap"
    result = EvaluationResult(located, framework, compiled, records, nodes, total,
                              grade_of(total, framework) if graded else None, department_budget=budget)
    result.findings = located_findings(reconcile(result), compiled, located, framework_doc)
    return result


def located_findings(findings: list[Finding], compiled: Compiled, located: Located,
                     framework_doc: YamlDoc | None) -> list[Finding]:
    """``findings`` with :attr:`Finding.where` set to the line of the indicator they are about: a leaf's inputs in
    the evaluation's file (where it gives them; else the leaf in the framework), a node in the framework's file;
    left as they are where the message already names its file, or the indicator is none of these."""
    own_tree = located.evaluation.tree is not None  # the tree is the evaluation's (a form's rows), not the framework's

    def in_tree(loc: tuple) -> tuple | None:
        if own_tree:
            return located.where(*loc)
        return framework_doc.where(loc) if framework_doc is not None else None

    places: dict[str, str] = {}
    for node in compiled.nodes:
        if (found := in_tree(node.loc)) is not None and found[2] is not None:
            places[node.id] = f"{found[0]}:{found[2]}"
    for leaf in compiled.leaves:  # its inputs: under the evaluation's indicators, or written in its tree
        found = in_tree(leaf.loc) if leaf.node.indicator.inputs is not None else located.where(*leaf.loc)
        if found is not None and found[2] is not None:
            places[leaf.id] = f"{found[0]}:{found[2]}"
    out = []
    for f in findings:
        where = places.get(f.indicator) if f.indicator is not None and f.where is None else None
        out.append(replace(f, where=where) if where and where.split(":")[0] not in f.message else f)
    return out


def node_records(compiled: Compiled, leaf_scores: np.ndarray, reported) -> list[dict]:
    """Every node with stated points, points of its leaves, recomputed and reported scores: the rows of
    :attr:`EvaluationResult.nodes <perfkit.core.result.EvaluationResult.nodes>`, one dict per node."""
    pos = {lf.id: i for i, lf in enumerate(compiled.leaves)}
    counted = {lf.id for lf in compiled.leaves if lf.counted}  # a leaf without a score adds no points
    rep_leaf = {lf.id: (lf.inputs.reported_score if lf.inputs else None) for lf in compiled.leaves}
    rows = []
    for n in compiled.nodes:
        leaves = n.leaves()
        ids = [x.id for x in leaves]
        rep = [rep_leaf[i] for i in ids]
        rows.append({
            "id": n.id,
            "path": "/".join(n.path),
            "level": n.level,
            "name": n.indicator.name,
            "name_en": n.indicator.name_en,
            "stated_points": n.indicator.points,
            "points": float(sum(x.indicator.points for x in leaves if x.id in counted)),
            "score": float(sum(leaf_scores[pos[i]] for i in ids)),
            "reported_leaf_sum": None if any(r is None for r in rep) else float(sum(rep)),
            "reported": (reported.nodes.get(n.id) if reported is not None else None),
            "is_leaf": n.is_leaf,
        })
    return rows


def score_bundle(bundle: Bundle) -> list[EvaluationResult]:
    """Score every evaluation of a department-year; ParameterError lists the problems of all of them (a
    framework's own problems once, however many evaluations use it). ``perfkit validate`` runs this too."""
    results, problems = [], []
    checked: dict[str, list[Problem]] = {}  # a framework's own problems, found once for its evaluations
    for located in bundle.evaluations:
        fid = located.evaluation.framework
        framework, doc = bundle.frameworks[fid], bundle.framework_docs.get(fid)
        if fid not in checked:
            checked[fid] = checked_framework(framework, doc)
        try:
            results.append(score(located, framework, bundle.data.budget, doc, framework_checked=checked[fid]))
        except ParameterError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise ParameterError(problems)
    across = cross_evaluation_findings(results)  # one evaluation's targets against another's
    for r in results:
        r.findings.extend(across.get(r.evaluation.id, []))
    return results


@dataclass
class PortfolioScores:
    """Scores of many evaluations that share one compiled framework and tree (:func:`score_portfolio`):
    ``totals`` shape ``(n,)`` in points, ``grades`` shape ``(n,)`` (the framework's grade labels),
    ``leaf_scores`` shape ``(n, n_leaves)`` in the order of ``compiled.leaves``."""

    totals: np.ndarray
    grades: np.ndarray
    leaf_scores: np.ndarray


def score_portfolio(template: EvaluationResult, inputs: Mapping[str, ArrayLike]) -> PortfolioScores:
    """Score a portfolio of evaluations that share ``template``'s framework and tree in one vectorised pass:
    the framework is compiled once (``template.compiled``) and every evaluation is a row of ``inputs``.

    ``inputs`` maps a rule argument (``target``, ``actual``, ``base``, ``points``, …: those of
    :meth:`~perfkit.core.compile.Compiled.row_scores`) to an array of shape ``(n, n_rows)``, one column per
    scored row in the order of ``template.compiled.rows``; NaN keeps the template's value. Raises ValueError
    naming the argument if an array has another number of columns or the arrays disagree on ``n``.
    Scores only: reconciliation with reported figures stays per evaluation (:func:`score`)."""
    compiled = template.compiled
    arrays = {name: np.atleast_2d(np.asarray(a, dtype=float)) for name, a in inputs.items()}
    n_rows = len(compiled.rows)
    for name, a in arrays.items():
        if a.ndim != 2 or a.shape[1] != n_rows:
            raise ValueError(f"inputs[{name!r}] has shape {a.shape}; expected (evaluations, {n_rows}): one column "
                             f"per scored row of framework {template.framework.id!r}")
    counts = {a.shape[0] for a in arrays.values()}
    if len(counts) > 1:
        raise ValueError(f"the inputs disagree on the number of evaluations: {sorted(counts)}")
    leaf = compiled.leaf_scores(arrays) if arrays else compiled.leaf_scores()[None, :]
    totals = compiled.total_of(leaf)  # block weights and the framework's not-applicable rule, as score() adds them
    return PortfolioScores(totals, compiled.grades(totals), leaf)
