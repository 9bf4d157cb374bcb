"""Rescoring under other targets: counterfactual target rules and the points that depend on targets
(:func:`counterfactuals`, :func:`score_at_risk`), the smallest change of targets that changes the grade
(:func:`grade_flip`), and one-at-a-time swings (:func:`tornado`).

Each question is one vectorised call of :class:`~.model.TargetModel` over stacked scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from .defaults import COUNTERFACTUAL_RULES, DEFAULT_K
from .model import TargetModel


def counterfactual_targets(model: TargetModel, rule: str, k: float = DEFAULT_K) -> np.ndarray:
    """Target vector under a counterfactual rule (direction-aware):

    ``prior_year`` the prior-year actual (kept where unknown); ``max_prior_year`` the more ambitious
    of target and prior-year actual; ``actual`` the more ambitious of target and actual (a target is
    raised to what was achieved, never lowered to a miss); ``scaled`` target × k (÷ k where lower is
    better), only where the target can be more ambitious. Rescored through ``TargetModel.row_scores``, a
    target made more ambitious never raises its row's score (a 偏离度 deduction is kept), so "targets =
    actuals" never raises a total.
    """
    t, p = model.target, model.prior
    if rule == "prior_year":
        return np.where(np.isnan(p), t, p)
    if rule == "max_prior_year":
        best = np.where(model.sign > 0, np.fmax(t, p), np.fmin(t, p))
        return np.where(np.isnan(p), t, best)
    if rule == "actual":
        a = model.actual
        best = np.where(model.sign > 0, np.fmax(model.target, a), np.fmin(model.target, a))
        return np.where(np.isnan(a), model.target, best)
    if rule == "scaled":
        return model.scaled(np.full(model.n_targets, k))
    raise ValueError(f"unknown counterfactual rule {rule!r}; expected one of {', '.join(COUNTERFACTUAL_RULES)}")


@dataclass
class Counterfactuals:
    """Totals and grades under each rule (``table``), the per-target score change (``at_risk``), and per rule
    the targets whose rows kept their score because the more ambitious target would have raised it
    (``kept``: the deduction the framework made for the low target stays; ``TargetModel.row_scores``)."""

    table: pd.DataFrame
    at_risk: pd.DataFrame  # rows: target rows (ids); columns: rules; points lost (≥ 0)
    k: float
    kept: dict[str, list[str]] = field(default_factory=dict)


def counterfactuals(model: TargetModel, rules_: Sequence[str] = COUNTERFACTUAL_RULES, k: float = DEFAULT_K
                    ) -> Counterfactuals:
    """Rescore under each counterfactual rule in one vectorised call."""
    T = np.stack([counterfactual_targets(model, r, k) for r in rules_]) if model.n_targets else \
        np.zeros((len(rules_), 0))
    totals = model.totals(T) if model.n_targets else np.full(len(rules_), model.baseline_total)
    grades = model.grades(totals)
    table = pd.DataFrame({
        "rule": list(rules_),
        "k": [k if r == "scaled" else None for r in rules_],
        "total": totals,
        "grade": grades,
        "change": totals - model.baseline_total,
    })
    # Points of each target: its row's loss when that target alone is reset (targets sharing a table-scored
    # row are counted one at a time; a scored row has one target, so this is its loss under the rule).
    n = model.n_targets
    if n:
        single = np.broadcast_to(model.target, (len(rules_), n, n)).copy()
        single[:, np.arange(n), np.arange(n)] = T
        alone = model.row_scores(single)[:, np.arange(n), model.rows]
        loss = model.baseline_rows[model.rows][None, :] - alone
        kept_mask = model.kept_charges(T)
    else:
        loss, kept_mask = np.zeros((len(rules_), 0)), np.zeros((len(rules_), 0), bool)
    at_risk = pd.DataFrame(np.maximum(loss, 0.0).T, index=model.ids, columns=list(rules_))
    kept = {r: [model.ids[i] for i in np.flatnonzero(kept_mask[j])] for j, r in enumerate(rules_)}
    return Counterfactuals(table, at_risk, k, kept)


def score_at_risk(model: TargetModel, rule: str = "actual", k: float = DEFAULT_K) -> pd.Series:
    """Points of each target row that depend on its target: the score lost if the target were set by
    ``rule`` (default: equal to the actual, so over-achievement earns nothing beyond meeting it).

    A capped ratio row loses nothing under ``actual`` — capped scoring already ignores the overshoot;
    base-plus-slope rows, which pay for overshoot, lose the overshoot's points.
    """
    return counterfactuals(model, (rule,), k).at_risk[rule]


def _first_flip(model: TargetModel, mask: np.ndarray, k_max: float, grid: int) -> dict | None:
    """Smallest k in [1, k_max] (two-stage grid) at which the grade differs from the baseline."""
    if not mask.any():
        return None

    def flips(ks):
        m = np.where(mask, ks[:, None], 1.0)
        tot = model.totals(model.scaled(m))
        return tot, model.grades(tot) != model.baseline_grade

    ks = np.linspace(1.0, k_max, grid)
    tot, ch = flips(ks)
    if not ch.any():
        return None
    j = int(np.argmax(ch))
    if j > 0:
        ks = np.linspace(ks[j - 1], ks[j], grid)
        tot, ch = flips(ks)
        j = int(np.argmax(ch))
    return {"k": float(ks[j]), "total": float(tot[j]), "grade": str(model.grades(tot[j]))}


def grade_flip(model: TargetModel, k_max: float = 10.0, grid: int = 2001, correction: str = "actual",
               candidates: Literal["flagged", "all"] = "flagged", k: float = DEFAULT_K) -> dict:
    """When does the grade change?

    * ``flagged`` / ``all``: the smallest uniform uplift k (direction-aware, k ≥ 1) of the flagged
      targets / of all targets at which the grade differs from the baseline, searched on a grid over
      [1, ``k_max``] and refined on a second grid between the bracketing points (resolution about
      (k_max − 1)/grid²); None when no k up to ``k_max`` changes it.
    * ``fewest``: the fewest indicators whose target, corrected by ``correction`` (default: set to the
      actual), changes the grade. Candidates are ranked by the points each loses alone; prefixes of
      that ranking are rescored in one call, which is exact when rows add up independently (they do,
      except where leaf caps bind).
    """
    out = {"baseline_total": model.baseline_total, "baseline_grade": model.baseline_grade,
           "k_max": k_max, "correction": correction, "anchor": model.anchor}
    out["flagged"] = _first_flip(model, model.flagged & model.movable, k_max, grid)
    out["all"] = _first_flip(model, model.movable.copy(), k_max, grid)
    cand = np.flatnonzero(model.flagged if candidates == "flagged" else np.ones(model.n_targets, bool))
    fewest = None
    if cand.size:
        corrected = counterfactual_targets(model, correction, k)
        single = np.broadcast_to(model.target, (cand.size, model.n_targets)).copy()
        single[np.arange(cand.size), cand] = corrected[cand]
        loss = model.baseline_total - model.totals(single)
        rank = np.argsort(-loss, kind="stable")
        order = cand[rank][loss[rank] > 1e-12]  # only corrections that cost points can flip it down
        if order.size:
            prefix = np.broadcast_to(model.target, (order.size, model.n_targets)).copy()
            upto = np.arange(order.size)[:, None] >= np.arange(order.size)[None, :]
            prefix[:, order] = np.where(upto, corrected[order], model.target[order])
            tot = model.totals(prefix)
            ch = model.grades(tot) != model.baseline_grade
            if ch.any():
                j = int(np.argmax(ch))
                fewest = {"count": j + 1, "indicators": [model.ids[i] for i in order[: j + 1]],
                          "total": float(tot[j]), "grade": str(model.grades(tot[j]))}
    out["fewest"] = fewest
    out["candidates"] = candidates
    return out


def tornado(model: TargetModel, low: float = 0.8, high: float = 1.2) -> pd.DataFrame:
    """One-at-a-time: each target alone at multiplier ``low`` and ``high`` (m > 1 more ambitious),
    the others as set; sorted by swing. One vectorised call of 2 × n scenarios."""
    n = model.n_targets
    cols = ["id", "name", "target", "total_low", "total_high", "swing"]
    if not n:
        return pd.DataFrame(columns=cols)
    m = np.ones((2, n, n))
    m[0][np.diag_indices(n)] = low
    m[1][np.diag_indices(n)] = high
    tot = model.totals(model.scaled(m))
    df = pd.DataFrame({"id": model.ids, "name": model.names, "target": model.target,
                       "total_low": tot[0], "total_high": tot[1]})
    df["swing"] = (df["total_low"] - df["total_high"]).abs()
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
