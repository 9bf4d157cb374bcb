"""Rescoring under other targets, rule readings and weights (目标设置敏感性分析).

This module owns what a target is *worth*: how the total and the grade move when targets, the reading
of an ambiguous rule, or the weights change. ``perfkit.targets`` says which targets look low; here
every question is answered by rescoring through ``perfkit.scoring.Compiled`` — arrays of targets in,
arrays of totals out, scenarios on the leading axes — so 100k Monte Carlo draws cost one call, not
100k.

The pieces, in the order a reader meets them:

* :class:`LowTargetOverlay` — the 偏离度 penalty as an option: :func:`beijing_overlay` (Beijing 2021
  forms note 2, with its ambiguous bounds as explicit settings) and :func:`ten_hao_overlay`
  (财预〔2020〕10号 says only "按照偏离度适度调减分值": a configurable stepwise reading).
* :class:`TargetModel` — one evaluation ready for rescoring: its target rows, their direction, and
  the chosen overlay. Multipliers are direction-aware: ``m > 1`` is always *more* ambitious (target × m
  where higher is better, target ÷ m where lower is better).
* :func:`counterfactuals` — targets replaced by a rule (``prior_year``, ``max_prior_year``,
  ``actual``, ``scaled``): new total and grade, and per row the points that depend on the target
  (:func:`score_at_risk`).
* :func:`grade_flip` — the smallest uniform uplift k of the flagged (and of all) targets that changes
  the grade, and the fewest indicators whose correction changes it.
* :func:`tornado` — one-at-a-time swings.
* :class:`Problem` — one SALib-style description of uncertain factors (target multipliers, rule-reading
  switches, the base b of base-plus-slope rules, weight noise) shared by :func:`monte_carlo`,
  :func:`sobol_indices` and :func:`morris_screening` through :func:`evaluate`.
* :func:`analyse` — all of it for one evaluation (what ``perfkit targets`` prints); the report states
  its findings through ``perfkit.report.sentences``.

References: Sobol' (2001) Math. Comput. Simul. 55:271–280; Saltelli (2002) Comput. Phys. Commun.
145:280–297; Saltelli et al. (2010) Comput. Phys. Commun. 181:259–270; Morris (1991) Technometrics
33:161–174; Campolongo, Cariboni & Saltelli (2007) Environ. Model. Softw. 22:1509–1518; Saisana,
Saltelli & Tarantola (2005) J. R. Stat. Soc. A 168:307–323 (uncertainty and sensitivity analysis of
composite indicators); Herman & Usher (2017) J. Open Source Softw. 2(9):97 (SALib).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from ..core.compile import CompileContext, Compiled, compile_rule
from ..rules import REGISTRY
from ..rules import low_target_penalty as ltp
from ..rules.base import Uncertain, clip_to_points
from ..rules.low_target_penalty import PenaltyBand
from .targets import DEFAULT_THRESHOLDS, Thresholds, TargetDiagnostic, _row_inputs, diagnose, diagnose_scored

DEFAULT_SEED = 20200101
"""Seed used when none is given; every output that draws random numbers records the seed it used."""

DEFAULT_DRAWS = 10_000
COUNTERFACTUAL_RULES = ("prior_year", "max_prior_year", "actual", "scaled")
DEFAULT_K = 1.5
"""Default k of the ``scaled`` counterfactual: every target half as high again (direction-aware).
It sits between the overshoots a third-party evaluator called low in the Shenzhen fund (×1.36, ×1.65)."""

# --------------------------------------------------------------------------------------------
# The low-target penalty overlay (偏离度)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowTargetOverlay:
    """A 偏离度 penalty applied after the rule, to every target row of the given families.

    ``measure`` is ``deviation`` — (r − 1) × 100, r the direction-aware ambition ratio, i.e.
    (B − A)/A for higher-is-better rows — or ``ratio`` (r × 100). The deduction is W × share of the
    band holding the measure (the largest share if bands overlap), and the score is floored at 0.
    Applying an overlay first removes any penalty the framework itself compiled, so a framework's
    own reading and an overlay never stack. The bands and the deduction are those of a framework's
    ``low_target_penalty`` (``perfkit.rules.low_target_penalty``); ``families`` defaults to every
    family that takes the overlay (``Family.overlay``).
    """

    name: str
    measure: Literal["deviation", "ratio"]
    bands: tuple[PenaltyBand, ...]
    families: tuple[str, ...] = tuple(name for name, fam in REGISTRY.items() if fam.overlay)
    reading: str = ""

    def deduction(self, points, ratio) -> np.ndarray:
        """Points deducted, vectorised over any shape of ``points`` and ``ratio`` (broadcast)."""
        return ltp.deduction_of(points, ltp.measure_of_ratio(ratio, self.measure), ltp.band_arrays(self.bands))


def beijing_overlay(measure: Literal["deviation", "ratio"] = "deviation",
                    at_300: Literal["none", "lower", "upper"] = "none",
                    above_500: Literal["none", "upper"] = "none") -> LowTargetOverlay:
    """Beijing 2021 project forms, 填报注意事项 2, with every ambiguous bound an explicit setting.

    The note: d = (B − A)/A × 100%; "200%-300%（含200%）" → deduct 10% of the points; "300%-5000%
    （含500%）" → deduct 30%. Settings:

    * ``measure``: ``deviation`` as printed, or ``ratio`` (B/A), the misreading that catches S19
      金融大讲堂 20 → 50 (B/A 250%, −10%) which the printed formula (d = 150%) does not;
    * ``at_300``: exactly 300% is in neither printed band (``none``), or in the 10% band (``lower``),
      or in the 30% band (``upper``);
    * ``above_500``: "5000%" read as a misprint for 500%, so nothing above 500% is deducted (``none``),
      or the upper band open-ended (``upper``).
    """
    upper_hi = None if above_500 == "upper" else 500.0
    bands = (
        PenaltyBand(min=200.0, max=300.0, deduct_share=0.10, min_inclusive=True, max_inclusive=at_300 == "lower"),
        PenaltyBand(min=300.0, max=upper_hi, deduct_share=0.30, min_inclusive=at_300 == "upper", max_inclusive=True),
    )
    return LowTargetOverlay(
        name=f"beijing-{measure}" + ("" if at_300 == "none" else f"-300{at_300}")
        + ("" if above_500 == "none" else "-open"),
        measure=measure, bands=bands,
        reading=f"Beijing note 2 as {measure}; 300% {at_300}; above 500% {above_500}",
    )


def ten_hao_overlay(start: float = 100.0, step: float = 100.0, share_per_step: float = 0.10,
                    max_share: float = 0.30, measure: Literal["deviation", "ratio"] = "deviation"
                    ) -> LowTargetOverlay:
    """A 财预〔2020〕10号-style reading: "按照偏离度适度调减分值", which states no numbers.

    Stepwise: from ``start`` (deviation in percent) deduct ``share_per_step`` of the points for each
    ``step`` begun, up to ``max_share``. The defaults — from a deviation of 100% (actual twice the
    target), 10% per 100 points, at most 30% — borrow the Beijing shares (10%, 30%) and start where
    the ambition ratio reaches 2; they are an illustration to vary, not a rule any text gives.
    """
    n = int(np.ceil(max_share / share_per_step - 1e-9))
    bands = []
    for i in range(n):
        lo = start + i * step
        last = i == n - 1
        bands.append(PenaltyBand(min=lo, max=None if last else lo + step,
                                 deduct_share=min((i + 1) * share_per_step, max_share)))
    return LowTargetOverlay(name="ten-hao", measure=measure, bands=tuple(bands),
                            reading=f"10号-style: from {start:g}% by {share_per_step:.0%} per {step:g} points, "
                                    f"at most {max_share:.0%}")


OVERLAYS = {
    "beijing": lambda: beijing_overlay(),
    "beijing-ratio": lambda: beijing_overlay(measure="ratio"),
    "beijing-closed": lambda: beijing_overlay(at_300="upper", above_500="upper"),
    "ten-hao": lambda: ten_hao_overlay(),
}
"""Named overlays for the command line; ``framework`` keeps what the framework compiles, ``none``
removes every penalty."""

OverlayOption = LowTargetOverlay | Literal["framework", "none"]


def _strip_penalties(compiled: Compiled) -> Compiled:
    """The same compiled evaluation without any compiled 偏离度 penalty (rows otherwise unchanged)."""
    if not any(ltp.has_penalty(r.args) for r in compiled.rows):
        return compiled
    rows = [dataclasses.replace(r, args=ltp.without_penalty(r.args)) for r in compiled.rows]
    return Compiled(compiled.framework, compiled.nodes, compiled.leaves, rows)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


@dataclass
class TargetModel:
    """One scored evaluation prepared for rescoring its targets.

    Arrays indexed by *target row* (``rows`` gives their index in ``compiled.rows``): ``target``,
    ``actual``, ``prior`` (NaN where unknown), ``sign`` (+1 higher is better, −1 lower is better) and
    ``flagged`` (the diagnostics found an ambition flag). ``offset`` shifts every total (0, or the
    reported minus the recomputed total when anchored on the report).
    """

    result: object
    compiled: Compiled
    diagnostics: list[TargetDiagnostic]
    rows: np.ndarray
    target: np.ndarray
    actual: np.ndarray
    prior: np.ndarray
    sign: np.ndarray
    flagged: np.ndarray
    overlay: LowTargetOverlay | None = None
    offset: float = 0.0
    anchor: str = "computed"
    department_budget: object = None
    overlay_name: str = "framework"
    scope: np.ndarray = field(init=False)
    baseline_total: float = field(init=False)
    baseline_grade: str = field(init=False)
    baseline_rows: np.ndarray = field(init=False)

    def __post_init__(self):
        fam = np.array([self.compiled.rows[i].family for i in self.rows], dtype=object)
        self.scope = (np.isin(fam, self.overlay.families) if self.overlay is not None
                      else np.zeros(len(self.rows), bool))
        self.baseline_rows = self.row_scores()
        self.baseline_total = float(self.totals())
        self.baseline_grade = str(self.grades(self.baseline_total))

    # ---- sizes and labels -------------------------------------------------------------------

    @property
    def n_targets(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.diagnostics]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.diagnostics]

    @property
    def grade_labels(self) -> list[str]:
        return [g.grade for g in self.compiled.framework.grades]

    # ---- rescoring --------------------------------------------------------------------------

    def scaled(self, multipliers) -> np.ndarray:
        """Targets under direction-aware multipliers (m > 1 more ambitious); shape (..., n_targets)."""
        return self.target * np.asarray(multipliers, float) ** self.sign

    def _overrides(self, targets, overrides) -> dict:
        ov = dict(overrides or {})
        if targets is not None:
            t = np.asarray(targets, float)
            full = np.full(t.shape[:-1] + (len(self.compiled.rows),), np.nan)
            full[..., self.rows] = t
            if "target" in ov:
                full = np.where(np.isnan(full), ov["target"], full)
            ov["target"] = full
        return ov

    def row_scores(self, targets=None, overrides=None) -> np.ndarray:
        """Scores of every compiled row, shape (..., n_rows), with the overlay applied."""
        ov = self._overrides(targets, overrides)
        s = self.compiled.row_scores(ov or None)
        if self.overlay is None or not self.scope.any():
            return s
        idx = self.rows[self.scope]
        T = np.broadcast_to(self.target[self.scope], s.shape[:-1] + (len(idx),))
        if "target" in ov:
            given = np.asarray(ov["target"], float)[..., idx]
            T = np.where(np.isnan(given), T, given)
        B, sg = self.actual[self.scope], self.sign[self.scope]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(sg > 0, B / T, T / B)
        W = self.compiled.row_points[idx]
        ded = self.overlay.deduction(W, r)
        s = np.array(s, float, copy=True)
        s[..., idx] = clip_to_points(s[..., idx] - ded, W)
        return s

    def leaf_scores(self, targets=None, overrides=None) -> np.ndarray:
        """Leaf scores, as ``Compiled.leaf_scores`` aggregates rows (capped, zero-if applied)."""
        c = self.compiled
        leaf = np.minimum(self.row_scores(targets, overrides) @ c.aggregate, c.leaf_points)
        return np.where(c.leaf_zero, 0.0, leaf)

    def totals(self, targets=None, overrides=None, leaf_weights=None) -> np.ndarray:
        """Totals, shape (...,); ``leaf_weights`` multiplies each leaf's score (weight noise)."""
        leaf = self.leaf_scores(targets, overrides)
        if leaf_weights is not None:
            leaf = leaf * leaf_weights
        return leaf.sum(axis=-1) + self.offset

    def grades(self, totals) -> np.ndarray:
        return self.compiled.grades(totals)


def build_model(result, budget=None, overlay: OverlayOption = "framework", anchor: str = "computed",
                thresholds: Thresholds = DEFAULT_THRESHOLDS,
                diagnostics: list[TargetDiagnostic] | None = None) -> TargetModel:
    """A :class:`TargetModel` for a scored evaluation (``perfkit.scoring.EvaluationResult``).

    ``overlay``: ``"framework"`` keeps the penalty the framework compiles (Beijing forms carry one),
    ``"none"`` removes it, a :class:`LowTargetOverlay` replaces it. ``anchor``: ``"computed"`` reports
    recomputed totals; ``"reported"`` shifts them so the baseline equals the reported total.
    ``budget`` is the department-year budget, used by the diagnostics of a department evaluation.
    """
    compiled = result.compiled
    if overlay != "framework":
        compiled = _strip_penalties(compiled)
    ov = overlay if isinstance(overlay, LowTargetOverlay) else None
    if isinstance(overlay, str) and overlay not in ("framework", "none"):
        raise ValueError(f"overlay must be 'framework', 'none' or a LowTargetOverlay, got {overlay!r}")
    scored = diagnostics if diagnostics is not None else diagnose_scored(result, budget, thresholds)
    scored = [d for d in scored if d.source == "scored"]
    rows = np.array([d.row for d in scored], dtype=int)
    arr = lambda xs: np.array([np.nan if x is None else x for x in xs], float)  # noqa: E731
    offset = 0.0
    if anchor == "reported" and getattr(result, "reported_total", None) is not None:
        offset = float(result.reported_total) - float(compiled.totals())
    elif anchor not in ("computed", "reported"):
        raise ValueError(f"anchor must be 'computed' or 'reported', got {anchor!r}")
    return TargetModel(
        result=result, compiled=compiled, diagnostics=scored, rows=rows,
        target=arr([d.target for d in scored]), actual=arr([d.actual for d in scored]),
        prior=arr([d.prior_actual for d in scored]),
        sign=np.array([-1.0 if d.direction == "negative" else 1.0 for d in scored]),
        flagged=np.array([d.flagged for d in scored], bool), overlay=ov, offset=offset, anchor=anchor,
        department_budget=budget, overlay_name=overlay if isinstance(overlay, str) else overlay.name,
    )


# --------------------------------------------------------------------------------------------
# Counterfactual targets
# --------------------------------------------------------------------------------------------


def counterfactual_targets(model: TargetModel, rule: str, k: float = DEFAULT_K) -> np.ndarray:
    """Target vector under a counterfactual rule (direction-aware):

    ``prior_year`` the prior-year actual (kept where unknown); ``max_prior_year`` the more ambitious
    of target and prior-year actual; ``actual`` the actual; ``scaled`` target × k (÷ k where lower is
    better).
    """
    t, p = model.target, model.prior
    if rule == "prior_year":
        return np.where(np.isnan(p), t, p)
    if rule == "max_prior_year":
        best = np.where(model.sign > 0, np.fmax(t, p), np.fmin(t, p))
        return np.where(np.isnan(p), t, best)
    if rule == "actual":
        return model.actual.copy()
    if rule == "scaled":
        return model.scaled(np.full(model.n_targets, k))
    raise ValueError(f"unknown counterfactual rule {rule!r}; expected one of {', '.join(COUNTERFACTUAL_RULES)}")


@dataclass
class Counterfactuals:
    """Totals and grades under each rule (``table``) and the per-row score change (``at_risk``)."""

    table: pd.DataFrame
    at_risk: pd.DataFrame  # rows: target rows (ids); columns: rules; points lost (≥ 0)
    k: float


def counterfactuals(model: TargetModel, rules_: Sequence[str] = COUNTERFACTUAL_RULES, k: float = DEFAULT_K
                    ) -> Counterfactuals:
    """Rescore under each counterfactual rule in one vectorised call."""
    T = np.stack([counterfactual_targets(model, r, k) for r in rules_]) if model.n_targets else \
        np.zeros((len(rules_), 0))
    rows = model.row_scores(T) if model.n_targets else np.broadcast_to(model.baseline_rows,
                                                                         (len(rules_), len(model.baseline_rows)))
    totals = model.totals(T) if model.n_targets else np.full(len(rules_), model.baseline_total)
    grades = model.grades(totals)
    table = pd.DataFrame({
        "rule": list(rules_),
        "k": [k if r == "scaled" else None for r in rules_],
        "total": totals,
        "grade": grades,
        "change": totals - model.baseline_total,
    })
    loss = model.baseline_rows[model.rows][None, :] - rows[:, model.rows]
    at_risk = pd.DataFrame(np.maximum(loss, 0.0).T, index=model.ids, columns=list(rules_))
    return Counterfactuals(table, at_risk, k)


def score_at_risk(model: TargetModel, rule: str = "actual", k: float = DEFAULT_K) -> pd.Series:
    """Points of each target row that depend on its target: the score lost if the target were set by
    ``rule`` (default: equal to the actual, so over-achievement earns nothing beyond meeting it).

    A capped ratio row loses nothing under ``actual`` — capped scoring already ignores the overshoot;
    base-plus-slope rows, which pay for overshoot, lose the overshoot's points.
    """
    return counterfactuals(model, (rule,), k).at_risk[rule]


# --------------------------------------------------------------------------------------------
# Grade flip
# --------------------------------------------------------------------------------------------


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
    out["flagged"] = _first_flip(model, model.flagged, k_max, grid)
    out["all"] = _first_flip(model, np.ones(model.n_targets, bool), k_max, grid)
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


# --------------------------------------------------------------------------------------------
# Tornado
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# One problem description for Monte Carlo, Sobol and Morris
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One uncertain input. ``dist``/``bounds`` follow SALib (``unif`` [a, b]; ``triang`` [a, b, peak
    share]; ``norm`` [mean, sd]; ``truncnorm`` [a, b, mean, sd]; ``lognorm`` [ln-mean, ln-sd]).

    ``kind``: ``target`` (multiplier of target row ``index``, m > 1 more ambitious), ``switch``
    (a rule-reading alternative, on when the draw is ≥ 0.5; ``settings`` are (argument, one value
    per row of ``rows``)), ``base`` (multiplier of the base b of every base-plus-slope row; the only
    rows with a base, so it needs no ``rows``), ``weight`` (relative noise ε on leaf ``index``'s weight;
    weights are renormalised to the same total). ``rows`` is read for switches only.
    """

    name: str
    kind: Literal["target", "switch", "base", "weight"]
    dist: str
    bounds: tuple[float, ...]
    index: int = -1
    rows: tuple[int, ...] = ()
    settings: tuple[tuple[str, tuple[float, ...]], ...] = ()
    group: str | None = None
    label: str = ""
    uncertain: Uncertain | None = None  # for ``base``: the family setting it multiplies


@dataclass(frozen=True)
class Problem:
    """The SALib problem: factors in order. ``salib()`` gives the plain dict SALib functions take."""

    factors: tuple[Factor, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    def salib(self) -> dict:
        d = {"num_vars": len(self.factors), "names": self.names,
             "bounds": [list(f.bounds) for f in self.factors], "dists": [f.dist for f in self.factors]}
        if any(f.group for f in self.factors):
            d["groups"] = [f.group or f.name for f in self.factors]
        return d

    def describe(self) -> list[dict]:
        return [{"name": f.name, "kind": f.kind, "dist": f.dist, "bounds": list(f.bounds),
                 **({"group": f.group} if f.group else {})} for f in self.factors]

    def __add__(self, other: "Problem") -> "Problem":
        return Problem(self.factors + other.factors)


def target_factors(model: TargetModel, spread: float = 0.10, flagged: Literal["to_actual", "spread"] = "to_actual"
                   ) -> Problem:
    """Target multipliers: a flagged target whose actual overshot it is ``unif`` between itself and the
    actual (m in [1, ratio]: the honest target lies somewhere between what was written and what was
    achieved); every other target ``unif`` [1 − spread, 1 + spread] (default ±10%, ordinary
    uncertainty about a target that shows no sign of being low)."""
    out = []
    for i, d in enumerate(model.diagnostics):
        r = d.ratio
        if flagged == "to_actual" and model.flagged[i] and r is not None and r > 1 + spread / 10:
            b = (1.0, float(r))
        else:
            b = (1.0 - spread, 1.0 + spread)
        out.append(Factor(f"target:{d.id}", "target", "unif", b, index=i, label=d.name))
    return Problem(tuple(out))


def _alternative_args(model: "TargetModel", row, alt) -> list[tuple[str, float]] | None:
    """The scalar arguments an alternative reading changes on one compiled row, recompiled from the
    row's inputs (so a driver switch brings the prior-year figure it needs); None if it cannot be
    expressed as argument overrides (a different family, list-valued settings, missing inputs)."""
    rule = row.rule
    try:
        new_rule = type(rule).model_validate({**rule.model_dump(exclude_unset=False), **alt.set})
    except Exception:  # noqa: BLE001 - an alternative the schema rejects is simply not a switch
        return None
    leaf = model.compiled.leaves[row.leaf]
    inputs = _row_inputs(model.compiled, row)
    # The budget the rules were compiled against, as ``scoring.compile_evaluation`` chooses it (own
    # budget, else the department's, for every kind of evaluation) — not ``targets._budget_for``, which
    # chooses the budget a *target is compared with* and gives a project without a budget none: a
    # recompiled rule must see the same measures as the compiled one, or unchanged arguments would
    # differ (or the switch fail to compile) for want of a budget.
    ev = model.result.evaluation
    ctx = CompileContext(None, ev.budget or model.result.department_budget)
    args = compile_rule(ctx, new_rule, row.points, inputs, leaf.loc)
    if args is None or args.get("judged") or ctx.problems:
        return None
    out = []
    for key in sorted(set(args) | set(row.args)):
        new, old = args.get(key), row.args.get(key)
        if isinstance(new, (list, tuple)) or isinstance(old, (list, tuple)):
            if list(new or []) != list(old or []):
                return None
            continue
        new_f = np.nan if new is None else float(new)
        old_f = np.nan if old is None else float(old)
        if np.isnan(new_f) or new_f == old_f:
            continue  # unchanged, or not used by the alternative reading
        if key not in row.args:
            return None
        out.append((key, new_f))
    return out or None


def switch_factors(model: TargetModel) -> Problem:
    """Rule-reading switches from the framework's declared ``alternatives``.

    Each distinct alternative (label and settings) is one factor, covering every row that declares it
    (the Shenzhen fund's 字面斜率 switches all its base-plus-slope rows at once; 计算所用基数 is one
    factor for D16 and another for D17, their settings differ). The alternative rule is recompiled
    from each row's inputs and the arguments it changes become per-row overrides; alternatives that
    change list-valued settings (a whole ``low_target_penalty``) are left to the overlay option.
    """
    found: dict[tuple, list[tuple[int, list]]] = {}
    for i, row in enumerate(model.compiled.rows):
        for alt in getattr(row.rule, "alternatives", None) or []:
            changed = _alternative_args(model, row, alt)
            if changed:
                key = (alt.label, repr(sorted(alt.set.items(), key=lambda kv: kv[0])))
                found.setdefault(key, []).append((i, changed))
    out = []
    for (label, _), hits in found.items():
        rows_ = tuple(i for i, _ in hits)
        args = sorted({a for _, ch in hits for a, _ in ch})
        settings = tuple((a, tuple(dict(ch).get(a, np.nan) for _, ch in hits)) for a in args)
        leaves = sorted({model.compiled.leaves[model.compiled.rows[r].leaf].id for r in rows_})
        name = f"switch:{label}" + ("" if len(leaves) > 3 else f" ({', '.join(leaves)})")
        out.append(Factor(name, "switch", "unif", (0.0, 1.0), rows=rows_, settings=settings, label=label))
    return Problem(tuple(out))


def base_factor(model: TargetModel, bounds: tuple[float, float] | None = None) -> Problem:
    """The uncertain settings of the families in the model (``Family.uncertain``), each one multiplier of
    that setting on every row of its family. For base-plus-slope rules it is the base b, whose default
    range moves the common 70% across the 50%–80% the Shenzhen fund framework itself uses (×0.714 to
    ×1.143); ``bounds`` replaces a family's default range."""
    return Problem(tuple(
        Factor(u.name, "base", "unif", tuple(bounds or u.bounds), label=u.label, uncertain=u)
        for name, fam in REGISTRY.items() if name in model.compiled.blocks for u in fam.uncertain
    ))


def weight_factors(model: TargetModel, noise: float = 0.10, group: str | None = "weights") -> Problem:
    """Relative weight noise ε ~ unif[−noise, noise] per leaf, renormalised to the framework's total
    (composite-indicator practice, Saisana et al. 2005). Grouped as one factor by default, so Sobol
    gives the share of variance due to weights as a whole."""
    out = [Factor(f"weight:{lf.id}", "weight", "unif", (-noise, noise), index=j, group=group, label=lf.id)
           for j, lf in enumerate(model.compiled.leaves) if lf.points > 0]
    return Problem(tuple(out))


def sensitivity_problem(model: TargetModel, spread: float = 0.10, switches: bool = True, base: bool = True,
                        weight_noise: float | None = 0.10) -> Problem:
    """The default problem for Sobol and Morris: target multipliers, rule switches, base b, weights."""
    p = target_factors(model, spread)
    if switches:
        p = p + switch_factors(model)
    if base:
        p = p + base_factor(model)
    if weight_noise:
        p = p + weight_factors(model, weight_noise)
    if any(f.group for f in p.factors):  # SALib needs a group for every factor once any has one
        p = Problem(tuple(f if f.group else dataclasses.replace(f, group=f.name) for f in p.factors))
    return p


def evaluate(model: TargetModel, problem: Problem, X: np.ndarray) -> np.ndarray:
    """Totals for a sample matrix X (N × factors, values already on each factor's scale).

    Builds one override array per argument and rescores all N scenarios in one call; the loop is over
    factor *kinds* and switch factors, never over scenarios or rows.
    """
    X = np.atleast_2d(np.asarray(X, float))
    N, n_rows = X.shape[0], len(model.compiled.rows)
    fs = problem.factors
    col = {kind: [j for j, f in enumerate(fs) if f.kind == kind] for kind in ("target", "switch", "base", "weight")}
    targets = None
    if col["target"] and model.n_targets:
        pos = np.array([fs[j].index for j in col["target"]])
        m = np.ones((N, model.n_targets))
        m[:, pos] = X[:, col["target"]]
        targets = model.scaled(m)
    ov: dict[str, np.ndarray] = {}
    for j in col["switch"]:
        on = X[:, j] >= 0.5
        r = list(fs[j].rows)
        for arg, values in fs[j].settings:
            v = np.asarray(values, float)
            a = ov.setdefault(arg, np.full((N, n_rows), np.nan))
            a[:, r] = np.where(on[:, None] & ~np.isnan(v), v, a[:, r])
    for j in col["base"]:
        u = fs[j].uncertain
        b = model.compiled.row_vector(u.arg)
        cur = np.where(np.isnan(ov[u.arg]), b, ov[u.arg]) if u.arg in ov else np.broadcast_to(b, (N, n_rows))
        ov[u.arg] = np.clip(cur * X[:, j][:, None], *u.clip)
    weights = None
    if col["weight"]:
        pts = model.compiled.leaf_points
        eps = np.zeros((N, len(pts)))
        eps[:, [fs[j].index for j in col["weight"]]] = X[:, col["weight"]]
        w = pts * (1.0 + eps)
        w = w * (pts.sum() / w.sum(axis=-1, keepdims=True))
        weights = np.where(pts > 0, w / np.where(pts > 0, pts, 1.0), 1.0)
    return model.totals(targets, ov or None, weights)


def _scale(problem: Problem, U: np.ndarray) -> np.ndarray:
    from SALib.util import scale_samples

    return scale_samples(U, problem.salib()) if problem.factors else U


# --------------------------------------------------------------------------------------------
# Monte Carlo, Sobol, Morris
# --------------------------------------------------------------------------------------------


@dataclass
class MonteCarlo:
    """Totals of ``draws`` scenarios, the probability of each grade, and what produced them."""

    totals: np.ndarray
    grades: np.ndarray
    probabilities: dict[str, float]
    seed: int
    draws: int
    problem: Problem

    def summary(self) -> dict:
        t = self.totals
        q = np.percentile(t, [5, 50, 95])
        return {"mean": float(t.mean()), "sd": float(t.std()), "p05": float(q[0]), "p50": float(q[1]),
                "p95": float(q[2]), "min": float(t.min()), "max": float(t.max())}


def monte_carlo(model: TargetModel, problem: Problem | None = None, draws: int = DEFAULT_DRAWS,
                seed: int = DEFAULT_SEED) -> MonteCarlo:
    """Score distribution and grade probabilities over factors drawn from the problem's distributions.

    Draws are ``numpy.random.default_rng(seed).random((draws, D))`` mapped through SALib's
    ``scale_samples``, so the same seed gives the same numbers; the default problem is
    :func:`target_factors`.
    """
    problem = target_factors(model) if problem is None else problem
    rng = np.random.default_rng(seed)
    U = rng.random((draws, len(problem.factors)))
    totals = evaluate(model, problem, _scale(problem, U)) if problem.factors else np.full(draws, model.baseline_total)
    grades = model.grades(totals)
    labels = model.grade_labels
    counts = {g: int(np.count_nonzero(grades == g)) for g in labels}
    probs = {g: counts[g] / draws for g in labels}
    return MonteCarlo(totals, grades, probs, seed, draws, problem)


def _salib_frame(si, names: list[str], keys: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({k: np.asarray(si[k], float) for k in keys}, index=pd.Index(names, name="factor"))


def _unique_groups(problem: Problem) -> list[str]:
    d = problem.salib()
    return list(dict.fromkeys(d["groups"])) if "groups" in d else d["names"]


def sobol_indices(model: TargetModel, problem: Problem | None = None, n: int = 1024, seed: int = DEFAULT_SEED
                  ) -> pd.DataFrame:
    """First-order (S1) and total-order (ST) Sobol' indices of the total, with bootstrap intervals.

    Saltelli's sampling scheme on a scrambled Sobol' sequence (N (D + 2) runs for D factors or
    groups; ``n`` a power of 2) and the Saltelli (2010) / Jansen estimators as SALib implements them.
    Sobol' (2001); Saltelli (2002); Saltelli et al. (2010). Rows are factors, or groups when the
    problem has groups (weights as one). A model whose total does not vary gives zeros.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = sensitivity_problem(model) if problem is None else problem
    names = _unique_groups(problem)
    keys = ["S1", "S1_conf", "ST", "ST_conf"]
    if not problem.factors:
        return pd.DataFrame(columns=keys)
    X = sobol_sample.sample(problem.salib(), n, calc_second_order=False, seed=seed)
    Y = evaluate(model, problem, X)
    if np.ptp(Y) == 0:
        return pd.DataFrame(0.0, index=pd.Index(names, name="factor"), columns=keys)
    si = sobol_analyze.analyze(problem.salib(), Y, calc_second_order=False, seed=seed)
    return _salib_frame(si, names, keys)


def morris_screening(model: TargetModel, problem: Problem | None = None, trajectories: int = 100,
                     levels: int = 4, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Morris elementary effects: μ* (mean absolute effect), μ and σ per factor (or group).

    Morris (1991) one-at-a-time trajectories with the μ* measure of Campolongo et al. (2007), as
    SALib implements them; ``trajectories`` × (D + 1) runs. A cheap screen before Sobol.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = sensitivity_problem(model) if problem is None else problem
    names = _unique_groups(problem)
    keys = ["mu", "mu_star", "sigma", "mu_star_conf"]
    if not problem.factors:
        return pd.DataFrame(columns=keys)
    X = morris_sample.sample(problem.salib(), trajectories, num_levels=levels, seed=seed)
    Y = evaluate(model, problem, X)
    si = morris_analyze.analyze(problem.salib(), X, Y, num_levels=levels, seed=seed)
    return _salib_frame(si, names, keys)


# --------------------------------------------------------------------------------------------
# Everything for one evaluation (what the command and the notebooks show)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The recorded choices of a target-sensitivity run (defaults documented where defined)."""

    seed: int = DEFAULT_SEED
    draws: int = DEFAULT_DRAWS
    k: float = DEFAULT_K
    k_max: float = 10.0
    overlay: OverlayOption = "framework"
    anchor: str = "computed"
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    at_risk_rule: str = "actual"

    def describe(self) -> dict:
        ov = self.overlay if isinstance(self.overlay, str) else self.overlay.name
        return {"seed": self.seed, "draws": self.draws, "k": self.k, "k_max": self.k_max, "overlay": ov,
                "anchor": self.anchor, "at_risk_rule": self.at_risk_rule,
                "thresholds": dataclasses.asdict(self.thresholds)}


@dataclass
class TargetReport:
    """Diagnostics and rescoring of one evaluation."""

    result: object
    model: TargetModel
    diagnostics: list[TargetDiagnostic]
    counterfactuals: Counterfactuals
    grade_flip: dict
    monte_carlo: MonteCarlo
    settings: Settings

    def indicators(self) -> list[dict]:
        """One record per target-based indicator (scored rows, then the 绩效目标表)."""
        at_risk = self.counterfactuals.at_risk
        out = []
        for d in self.diagnostics:
            rec = {"id": d.id, "name": d.name, "source": d.source, "indicator": d.indicator,
                   "target": d.target, "actual": d.actual, "prior_actual": d.prior_actual,
                   "ratio": None if d.ratio is None else round(d.ratio, 6), "flags": list(d.flags),
                   "score_at_risk": None, "target_text": d.target_text, "actual_text": d.actual_text,
                   "direction": d.direction, "unit": d.unit}
            if d.source == "scored" and d.id in at_risk.index:
                row = at_risk.loc[d.id]
                rec["score_at_risk"] = round(float(row[self.settings.at_risk_rule]), 6)
                rec["score_at_risk_by_rule"] = {k: round(float(v), 6) for k, v in row.items()}
                rec["points"] = d.points
                rec["score"] = round(float(self.model.baseline_rows[d.row]), 6)
            out.append(rec)
        return out

    def to_dict(self) -> dict:
        ev = self.result.evaluation
        cf = self.counterfactuals.table
        mc = self.monte_carlo
        return {
            "id": ev.id,
            "title": ev.title,
            "kind": ev.kind,
            "total": round(self.model.baseline_total, 6),
            "grade": self.model.baseline_grade,
            "reported_total": self.result.reported_total,
            "anchor": self.model.anchor,
            "overlay": self.model.overlay_name,
            "indicators": self.indicators(),
            "counterfactuals": [
                {"rule": r.rule, "total": round(float(r.total), 6), "grade": r.grade,
                 "change": round(float(r.change), 6), **({"k": float(r.k)} if r.rule == "scaled" else {})}
                for r in cf.itertuples()
            ],
            "grade_flip": _rounded(self.grade_flip),
            "grade_probabilities": {g: round(p, 6) for g, p in mc.probabilities.items()},
            "score_distribution": {k: round(v, 6) for k, v in mc.summary().items()},
            "monte_carlo": {"draws": mc.draws, "seed": mc.seed, "factors": mc.problem.describe()},
            "seed": mc.seed,
        }


def _rounded(x):
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def analyse(result, budget=None, settings: Settings = Settings()) -> TargetReport:
    """Diagnostics, counterfactuals, grade flip and Monte Carlo of one scored evaluation."""
    diags = diagnose(result, budget, settings.thresholds)
    model = build_model(result, budget, settings.overlay, settings.anchor, settings.thresholds,
                        diagnostics=[d for d in diags if d.source == "scored"])
    cf = counterfactuals(model, COUNTERFACTUAL_RULES, settings.k)
    flip = grade_flip(model, k_max=settings.k_max, correction=settings.at_risk_rule, k=settings.k)
    mc = monte_carlo(model, draws=settings.draws, seed=settings.seed)
    return TargetReport(result, model, diags, cf, flip, mc, settings)


def analyse_bundle(bundle, results, settings: Settings = Settings()) -> list[TargetReport]:
    """:func:`analyse` for every evaluation of a department-year."""
    return [analyse(r, bundle.data.budget, settings) for r in results]


def bundle_dict(bundle, reports: list[TargetReport]) -> dict:
    """The ``perfkit targets --json`` document."""
    settings = reports[0].settings.describe() if reports else {}
    return {
        "department": {"id": bundle.department.id, "name": bundle.department.name},
        "year": bundle.year,
        "settings": settings,
        "evaluations": [r.to_dict() for r in reports],
    }
