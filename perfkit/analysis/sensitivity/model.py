"""One scored evaluation prepared for rescoring its targets: :class:`TargetModel` and :func:`build_model`.

Every question of the analysis is answered here by rescoring through ``perfkit.core.compile.Compiled``
— arrays of targets in, arrays of totals out, scenarios on the leading axes — so 100k Monte Carlo
draws cost one call, not 100k. Multipliers are direction-aware: ``m > 1`` is always *more* ambitious
(target × m where higher is better, target ÷ m where lower is better).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.compile import Compiled
from ...rules.base import clip_to_points
from ..targets import DEFAULT_THRESHOLDS, Thresholds, TargetDiagnostic, diagnose_scored
from .overlays import LowTargetOverlay, OverlayOption, strip_penalties


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
    movable: np.ndarray | None = None  # the target may be made more ambitious (not a ceiling, a 100% rate, …)
    overlay: LowTargetOverlay | None = None
    offset: float = 0.0
    anchor: str = "computed"
    overlay_name: str = "framework"
    scope: np.ndarray = field(init=False)
    baseline_total: float = field(init=False)
    baseline_grade: str = field(init=False)
    baseline_rows: np.ndarray = field(init=False)

    def __post_init__(self):
        if self.movable is None:
            self.movable = np.ones(len(self.rows), bool)
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
        """Targets under direction-aware multipliers (m > 1 more ambitious); shape (..., n_targets).
        Targets that cannot be more ambitious (``movable`` false) keep their value."""
        m = np.where(self.movable, np.asarray(multipliers, float), 1.0)
        return self.target * m ** self.sign

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
        """Leaf scores: :meth:`row_scores` (overlay applied) aggregated by ``Compiled.leaves_from_rows``."""
        return self.compiled.leaves_from_rows(self.row_scores(targets, overrides))

    def totals(self, targets=None, overrides=None, leaf_weights=None) -> np.ndarray:
        """Totals, shape (...,); ``leaf_weights`` multiplies each leaf's score (weight noise)."""
        leaf = self.leaf_scores(targets, overrides)
        if leaf_weights is not None:
            leaf = leaf * leaf_weights
        return self.compiled.total_of(leaf) + self.offset

    def grades(self, totals) -> np.ndarray:
        return self.compiled.grades(totals)


def build_model(result, budget=None, overlay: OverlayOption = "framework", anchor: str = "computed",
                thresholds: Thresholds = DEFAULT_THRESHOLDS,
                diagnostics: list[TargetDiagnostic] | None = None) -> TargetModel:
    """A :class:`TargetModel` for a scored evaluation (``perfkit.core.result.EvaluationResult``).

    ``overlay``: ``"framework"`` keeps the penalty the framework compiles (Beijing forms carry one),
    ``"none"`` removes it, a :class:`LowTargetOverlay` replaces it. ``anchor``: ``"computed"`` reports
    recomputed totals; ``"reported"`` shifts them so the baseline equals the reported total.
    The diagnostics compare targets with ``result.target_budget``; ``budget``, when given, is a
    department-year budget in place of the result's (``perfkit.analysis.targets.diagnose``).
    """
    compiled = result.compiled
    if overlay != "framework":
        compiled = strip_penalties(compiled)
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
        flagged=np.array([d.flagged for d in scored], bool), movable=np.array([d.movable for d in scored], bool),
        overlay=ov, offset=offset, anchor=anchor,
        overlay_name=overlay if isinstance(overlay, str) else overlay.name,
    )
