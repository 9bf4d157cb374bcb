"""One scored evaluation prepared for rescoring its targets: :class:`TargetModel` and :func:`build_model`.

Every question of the analysis is answered here by rescoring through ``perfkit.core.compile.Compiled``
— arrays of targets in, arrays of totals out, scenarios on the leading axes — so 100k Monte Carlo
draws cost one call, not 100k. Multipliers are direction-aware: ``m > 1`` is always *more* ambitious
(target × m where higher is better, target ÷ m where lower is better).

The targets are of two sources: scored rows with a numeric target (a ratio, a base-plus-slope), whose
``target`` argument is replaced, and the 绩效目标表 rows a table-scored leaf is scored from
(``perfkit.analysis.targets.diagnose_linked``), whose met and completion are read again from the moved target
and the row's actual, so a count of missed rows changes when a target moves past its actual.

**A more ambitious target never raises a score.** Rescoring asks what a score owes to targets set low; where
a framework already charges a low target (the 偏离度 deduction of the Beijing forms), making that target more
ambitious would remove the charge and raise the score. Such a row keeps its score (:meth:`TargetModel.kept_charges`
names the targets where this happened): the deduction it carries is the framework's own charge for the low
target. Rows whose targets move the other way, or partly both ways, are rescored as they come.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.compile import Compiled
from ...core.target_text import Reading, read_target
from ...rules.base import clip_to_points
from ..targets import DEFAULT_THRESHOLDS, Thresholds, TargetDiagnostic, diagnose_linked, diagnose_scored
from .overlays import LowTargetOverlay, OverlayOption, strip_penalties


@dataclass
class TargetModel:
    """One scored evaluation prepared for rescoring its targets.

    Arrays indexed by *target row* (``rows`` gives their index in ``compiled.rows``): ``target``,
    ``actual``, ``prior`` (NaN where unknown), ``sign`` (+1 higher is better, −1 lower is better) and
    ``flagged`` (the diagnostics found an ambition flag). ``offset`` shifts every total (0, or the
    reported minus the recomputed total when anchored on the report). ``readings`` holds, per target, the
    reading of a linked 目标表 row (source ``linked``: its compiled row is the leaf's, its place among that
    row's linked rows is the diagnostic's ``position``) and None for a scored row's target.
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
    limit: np.ndarray | None = None  # the most ambitious value a target can take (100 for a share in %, else inf)
    overlay: LowTargetOverlay | None = None
    readings: list | None = None  # Reading of each linked target, None for a scored row's target
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
        if self.limit is None:
            self.limit = np.full(len(self.rows), np.inf)
        if self.readings is None:
            self.readings = [None] * len(self.rows)
        self.is_linked = np.array([r is not None for r in self.readings], bool)
        fam = np.array([self.compiled.rows[i].family for i in self.rows], dtype=object)
        self.scope = (np.isin(fam, self.overlay.families) if self.overlay is not None
                      else np.zeros(len(self.rows), bool)) & ~self.is_linked
        self.baseline_rows = self.row_scores()
        self.baseline_total = float(self.totals())
        self.baseline_grade = str(self.grades(self.baseline_total))

    # ---- sizes and labels -------------------------------------------------------------------

    @property
    def n_targets(self) -> int:
        return len(self.rows)

    @property
    def has_prior(self) -> bool:
        """Whether any target has a previous year's actual: without one, the scenarios that set targets from it
        (``PRIOR_RULES``) only repeat the total, and are not stated."""
        return bool(np.isfinite(np.asarray(self.prior, dtype=float)).any())

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
        Targets that cannot be more ambitious (``movable`` false) keep their value; a higher-is-better target
        never passes its ``limit`` (a share in percent stops at 100%: a 95% 合格率 × 1.5 is 100%, not 142.5%)."""
        m = np.where(self.movable, np.asarray(multipliers, float), 1.0)
        return np.where(self.sign > 0, np.minimum(self.target * m, self.limit), self.target / m)

    def _overrides(self, targets, overrides) -> dict:
        ov = dict(overrides or {})
        if targets is not None and (~self.is_linked).any():
            t = np.asarray(targets, float)[..., ~self.is_linked]
            full = np.full(t.shape[:-1] + (len(self.compiled.rows),), np.nan)
            full[..., self.rows[~self.is_linked]] = t
            if "target" in ov:
                full = np.where(np.isnan(full), ov["target"], full)
            ov["target"] = full
        return ov

    def _lists(self, targets) -> dict | None:
        """``met`` and ``completion`` of the linked 目标表 rows under ``targets`` (``Compiled.row_scores``'
        ``lists``), NaN where a row keeps its compiled value; None without linked targets."""
        if targets is None or not self.is_linked.any():
            return None
        t = np.asarray(targets, float)
        lead = t.shape[:-1]
        width = 1 + max(d.position for d, linked in zip(self.diagnostics, self.is_linked) if linked)
        met = np.full(lead + (len(self.compiled.rows), width), np.nan)
        done = met.copy()
        for i in np.flatnonzero(self.is_linked):
            d, r = self.diagnostics[i], self.readings[i]
            m, c = linked_row_met(r, self.target[i], t[..., i], self.actual[i])
            met[..., d.row, d.position] = m
            done[..., d.row, d.position] = c
        return {"met": met, "completion": done}

    def _raw_row_scores(self, targets=None, overrides=None) -> np.ndarray:
        ov = self._overrides(targets, overrides)
        s = self.compiled.row_scores(ov or None, self._lists(targets))
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

    def raised(self, targets) -> np.ndarray:
        """Per compiled row, shape (..., n_rows): whether ``targets`` make some target of the row more ambitious
        than set and none less ambitious (direction-aware)."""
        t = np.asarray(targets, float)
        up = (t - self.target) * self.sign > 1e-12 * np.maximum(np.abs(self.target), 1.0)
        down = (self.target - t) * self.sign > 1e-12 * np.maximum(np.abs(self.target), 1.0)
        n_rows = len(self.compiled.rows)
        any_up = np.zeros(t.shape[:-1] + (n_rows,), bool)
        any_down = any_up.copy()
        for i, j in enumerate(self.rows):
            any_up[..., j] |= up[..., i]
            any_down[..., j] |= down[..., i]
        return any_up & ~any_down

    def row_scores(self, targets=None, overrides=None) -> np.ndarray:
        """Scores of every compiled row, shape (..., n_rows), with the overlay applied.

        A row whose targets ``targets`` make more ambitious (:meth:`raised`) scores at most what it scores with
        its targets as set under the same ``overrides``: the deduction a framework makes for a low target is its
        charge for that target, and rescoring under a more ambitious one does not give it back."""
        s = self._raw_row_scores(targets, overrides)
        if targets is None:
            return s
        ref = self._raw_row_scores(None, overrides)
        ref = np.broadcast_to(ref, s.shape)
        return np.where(self.raised(targets) & (s > ref), ref, s)

    def kept_charges(self, targets) -> np.ndarray:
        """Per target, shape (..., n_targets): whether its row keeps its score under ``targets`` because the more
        ambitious target would have raised it (see :meth:`row_scores`)."""
        s = self._raw_row_scores(targets)
        ref = np.broadcast_to(self.baseline_rows, s.shape)
        kept = self.raised(targets) & (s > ref + 1e-9)
        return kept[..., self.rows]

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


def share_limit(d) -> float:
    """The most a higher-is-better target can be raised to: 100 for a rate in percent set at or below 100% (a
    合格率, a 覆盖率, a 满意度: a share of a whole), else no limit (a growth, a count, money)."""
    if d.direction == "negative" or d.target is None or not 0 < d.target <= 100:
        return float("inf")
    reading = read_target(d.target_text) if d.target_text is not None else None
    if reading is not None and reading.kind == "growth":  # 增长80%: a change, which may pass 100%
        return float("inf")
    unit = d.unit or (reading.unit if reading is not None else None) or ""
    return 100.0 if "%" in unit else float("inf")


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
    linked = diagnose_linked(result, budget, thresholds)
    readings = [None] * len(scored) + [rr.target for _, rr in linked]
    scored = scored + [d for d, _ in linked]
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
        limit=np.array([share_limit(d) for d in scored], float),
        overlay=ov, readings=readings, offset=offset, anchor=anchor,
        overlay_name=overlay if isinstance(overlay, str) else overlay.name,
    )


def linked_row_met(reading: Reading, target: float, moved, actual: float) -> tuple[np.ndarray, np.ndarray]:
    """Met (1/0) and completion (capped at 1) of one linked 目标表 row whose target ``target`` is moved to
    ``moved`` (any shape), the actual fixed: every bound of the reading scaled by ``moved / target``, then
    judged as ``perfkit.core.target_text.met`` and ``completion`` judge the row (≥ at or above, ≤ at or below,
    a range inside, a bare figure or "=" at or above; completion actual ÷ bound, or bound ÷ actual for an
    upper limit; a growth row 0 when missed)."""
    moved = np.asarray(moved, float)
    f = moved / target if target else np.ones_like(moved)
    lo = None if reading.lo is None else reading.lo * f
    hi = None if reading.hi is None else reading.hi * f
    a = float(actual)
    if reading.comparator in (None, "==") and reading.kind != "ceiling":
        ok = a >= (lo if lo is not None else hi)
    else:
        ok = np.ones_like(moved, bool)
        if lo is not None:
            ok = ok & ((a >= lo) if reading.lo_inclusive else (a > lo))
        if hi is not None:
            ok = ok & ((a <= hi) if reading.hi_inclusive else (a < hi))
    with np.errstate(divide="ignore", invalid="ignore"):
        if reading.kind in ("date", "growth"):
            part = np.zeros_like(moved)
        elif reading.direction == "negative" or reading.kind == "ceiling":
            part = np.where((a > 0) & (hi >= 0), np.clip(hi / a, 0.0, 1.0), 0.0) if hi is not None else 0.0 * moved
        else:
            bound = lo if lo is not None else hi
            part = np.where(bound > 0, np.clip(a / bound, 0.0, 1.0), 0.0)
    ok = np.asarray(ok, bool)
    return ok.astype(float), np.where(ok, 1.0, part)
