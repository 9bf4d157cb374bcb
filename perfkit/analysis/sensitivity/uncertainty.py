"""What is uncertain, and the total under it: the :class:`FactorSpace` of uncertain factors (target
multipliers, rule-reading switches, the base b of base-plus-slope rules, weight noise), the totals of a
sample of it (:func:`evaluate`), and the Monte Carlo distribution of total and grade (:func:`monte_carlo`).

A factor space is what SALib calls a *problem* (names, bounds, distributions, groups); one is shared by
Monte Carlo here and by Sobol and Morris (``indices``). References are in the package's docstring.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np
from SALib.util import scale_samples

from ...core.compile import CompileContext, compile_rule
from ...rules import REGISTRY
from ...rules.base import Uncertain, alternative_rule
from ..targets import _row_inputs
from .defaults import DEFAULT_DRAWS, DEFAULT_SEED
from .model import TargetModel


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
class FactorSpace:
    """The uncertain factors of one analysis, in order — what SALib calls the *problem*; ``salib()``
    gives the plain dict SALib's functions take. Spaces add up (``target_factors(m) + base_factor(m)``)."""

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

    def __add__(self, other: "FactorSpace") -> "FactorSpace":
        return FactorSpace(self.factors + other.factors)


def target_factors(model: TargetModel, spread: float = 0.10, flagged: Literal["to_actual", "spread"] = "to_actual"
                   ) -> FactorSpace:
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
    return FactorSpace(tuple(out))


def _alternative_args(model: TargetModel, row, alt) -> list[tuple[str, float]] | None:
    """The scalar arguments an alternative reading changes on one compiled row, recompiled from the
    row's inputs (so a driver switch brings the prior-year figure it needs); None if it cannot be
    expressed as argument overrides (a different family, list-valued settings, missing inputs)."""
    rule = row.rule
    try:
        new_rule = alternative_rule(rule, alt)  # its settings merged over the rule's, or a whole rule
    except Exception:  # noqa: BLE001 - an alternative the schema rejects is simply not a switch
        return None
    leaf = model.compiled.leaves[row.leaf]
    inputs = _row_inputs(model.compiled, row)
    # The budget the rules were scored against (``scoring_budget``), not the one targets are compared
    # with: a recompiled rule must see the same measures as the compiled one, or unchanged arguments
    # would differ (or the switch fail to compile) for want of a budget.
    ctx = CompileContext(None, model.result.scoring_budget)
    args = compile_rule(ctx, new_rule, row.points, inputs, leaf.loc)
    if args is None or args.get("judged") or ctx.problems or new_rule.family != row.family:
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


def switch_factors(model: TargetModel) -> FactorSpace:
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
    return FactorSpace(tuple(out))


def base_factor(model: TargetModel, bounds: tuple[float, float] | None = None) -> FactorSpace:
    """The uncertain settings of the families in the model (``Family.uncertain``), each one multiplier of
    that setting on every row of its family. For base-plus-slope rules it is the base b, whose default
    range moves the common 70% across the 50%–80% the Shenzhen fund framework itself uses (×0.714 to
    ×1.143); ``bounds`` replaces a family's default range."""
    return FactorSpace(tuple(
        Factor(u.name, "base", "unif", tuple(bounds or u.bounds), label=u.label, uncertain=u)
        for name, fam in REGISTRY.items() if name in model.compiled.blocks for u in fam.uncertain
    ))


def weight_factors(model: TargetModel, noise: float = 0.10, group: str | None = "weights") -> FactorSpace:
    """Relative weight noise ε ~ unif[−noise, noise] per leaf, renormalised to the framework's total
    (composite-indicator practice, Saisana et al. 2005). Grouped as one factor by default, so Sobol
    gives the share of variance due to weights as a whole."""
    out = [Factor(f"weight:{lf.id}", "weight", "unif", (-noise, noise), index=j, group=group, label=lf.id)
           for j, lf in enumerate(model.compiled.leaves) if lf.points > 0]
    return FactorSpace(tuple(out))


def sensitivity_problem(model: TargetModel, spread: float = 0.10, switches: bool = True, base: bool = True,
                        weight_noise: float | None = 0.10) -> FactorSpace:
    """The default factor space of Sobol and Morris (SALib's "problem", hence the name): target
    multipliers, rule-reading switches, the base b, weight noise."""
    p = target_factors(model, spread)
    if switches:
        p = p + switch_factors(model)
    if base:
        p = p + base_factor(model)
    if weight_noise:
        p = p + weight_factors(model, weight_noise)
    if any(f.group for f in p.factors):  # SALib needs a group for every factor once any has one
        p = FactorSpace(tuple(f if f.group else dataclasses.replace(f, group=f.name) for f in p.factors))
    return p


def evaluate(model: TargetModel, space: FactorSpace, X: np.ndarray) -> np.ndarray:
    """Totals for a sample matrix X (N × factors, values already on each factor's scale).

    Builds one override array per argument and rescores all N scenarios in one call; the loop is over
    factor *kinds* and switch factors, never over scenarios or rows.
    """
    X = np.atleast_2d(np.asarray(X, float))
    N, n_rows = X.shape[0], len(model.compiled.rows)
    fs = space.factors
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


#: Why an analysis has nothing to vary (``MonteCarlo.nothing_to_vary``, ``frame.attrs["nothing_to_vary"]`` of
#: ``sobol_indices`` and ``morris_screening``): ``no_target_rows`` (no scored row has a numeric target: every
#: measured row is computed from the budget, or is a judgement or qualitative), ``no_factors`` (the factor
#: space given is empty), ``constant_total`` (the total is the same in every scenario). Codes, not sentences:
#: the report words them (``perfkit.report.target_summary``).
NOTHING_TO_VARY = ("no_target_rows", "no_factors", "constant_total")


def nothing_to_vary(model: TargetModel, space: FactorSpace, totals: np.ndarray | None = None) -> str | None:
    """Why ``space`` moves nothing in ``model`` (one of :data:`NOTHING_TO_VARY`), or None: an empty space
    (``no_target_rows`` when the model has no target rows to vary, else ``no_factors``), or ``totals``
    drawn over it that are all equal (``constant_total``)."""
    if not space.factors:
        return "no_target_rows" if model.n_targets == 0 else "no_factors"
    if totals is not None and np.ptp(totals) == 0:
        return "constant_total"
    return None


def _scale(space: FactorSpace, U: np.ndarray) -> np.ndarray:
    """Uniform draws on [0, 1) mapped to each factor's distribution (SALib's ``scale_samples``)."""
    return scale_samples(U, space.salib()) if space.factors else U


@dataclass
class MonteCarlo:
    """Totals of ``draws`` scenarios, the share of them ending in each grade (``probabilities``, kept under
    that name: shares of scenarios drawn within the stated intervals, not probabilities of a grade), and
    what produced them."""

    totals: np.ndarray
    grades: np.ndarray
    probabilities: dict[str, float]
    seed: int
    draws: int
    space: FactorSpace
    nothing_to_vary: str | None = None  # one of NOTHING_TO_VARY when every draw gives the same total

    @property
    def problem(self) -> FactorSpace:
        """:attr:`space` by SALib's name for it (notebooks and the benchmark read ``mc.problem``)."""
        return self.space

    def summary(self) -> dict:
        t = self.totals
        q = np.percentile(t, [5, 50, 95])
        return {"mean": float(t.mean()), "sd": float(t.std()), "p05": float(q[0]), "p50": float(q[1]),
                "p95": float(q[2]), "min": float(t.min()), "max": float(t.max())}


def monte_carlo(model: TargetModel, space: FactorSpace | None = None, draws: int = DEFAULT_DRAWS,
                seed: int = DEFAULT_SEED) -> MonteCarlo:
    """Score distribution and the share of scenarios ending in each grade, over factors drawn from the
    space's distributions.

    Draws are ``numpy.random.default_rng(seed).random((draws, D))`` mapped through SALib's
    ``scale_samples``, so the same seed gives the same numbers; the default space is
    :func:`target_factors`. When nothing varies (no factors, or every draw gives the same total) the
    result says why in ``nothing_to_vary`` (:func:`nothing_to_vary`); its probabilities are then 1 for
    the baseline grade.
    """
    space = target_factors(model) if space is None else space
    rng = np.random.default_rng(seed)
    U = rng.random((draws, len(space.factors)))
    totals = evaluate(model, space, _scale(space, U)) if space.factors else np.full(draws, model.baseline_total)
    grades = model.grades(totals)
    labels = model.grade_labels
    counts = {g: int(np.count_nonzero(grades == g)) for g in labels}
    probs = {g: counts[g] / draws for g in labels}
    return MonteCarlo(totals, grades, probs, seed, draws, space, nothing_to_vary(model, space, totals))
