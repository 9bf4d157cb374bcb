"""Everything for one evaluation, as ``perfkit targets`` prints it and the report states it: the
recorded :class:`Settings` of a run, :func:`analyse` (diagnostics, counterfactuals, grade flip and
Monte Carlo) and its :class:`TargetReport`, :func:`analyse_bundle` for a department-year and
:func:`bundle_dict`, the ``perfkit targets --json`` document.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ...fmt import json_safe
from ..targets import DEFAULT_THRESHOLDS, Thresholds, TargetDiagnostic, diagnose
from .defaults import COUNTERFACTUAL_RULES, DEFAULT_DRAWS, DEFAULT_K, DEFAULT_SEED
from .model import TargetModel, build_model
from .overlays import OverlayOption
from .scenarios import Counterfactuals, counterfactuals, grade_flip
from .uncertainty import MonteCarlo, monte_carlo


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
        linked = {(d.id, d.indicator): d for d in self.model.diagnostics if d.source == "linked"}
        out = []
        for d in self.diagnostics:
            rec = {"id": d.id, "name": d.name, "source": d.source, "indicator": d.indicator,
                   "target": d.target, "actual": d.actual, "prior_actual": d.prior_actual,
                   "ratio": None if d.ratio is None else round(d.ratio, 6), "flags": list(d.flags),
                   "score_at_risk": None, "target_text": d.target_text, "actual_text": d.actual_text,
                   "direction": d.direction, "unit": d.unit}
            if d.reading_notes:  # the grammar was unsure: what it understood
                rec["reading_notes"] = list(d.reading_notes)
                rec["understood"] = d.understood
            if d.source == "scored" and d.id in at_risk.index:
                row = at_risk.loc[d.id]
                rec["score_at_risk"] = round(float(row[self.settings.at_risk_rule]), 6)
                rec["score_at_risk_by_rule"] = {k: round(float(v), 6) for k, v in row.items()}
                rec["points"] = d.points
                rec["score"] = round(float(self.model.baseline_rows[d.row]), 6)
            elif d.source == "target_table" and (d.id, d.indicator) in linked and d.id in at_risk.index:
                m = linked[(d.id, d.indicator)]  # a row a table-scored leaf is scored from: its leaf's points
                row = at_risk.loc[d.id]
                rec["score_at_risk"] = round(float(row[self.settings.at_risk_rule]), 6)
                rec["score_at_risk_by_rule"] = {k: round(float(v), 6) for k, v in row.items()}
                rec["scored_as"] = "linked"
                rec["points"] = m.points
                rec["score"] = round(float(self.model.baseline_rows[m.row]), 6)
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
            "monte_carlo": {"draws": mc.draws, "seed": mc.seed, "factors": mc.space.describe()},
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
    """Diagnostics, counterfactuals, grade flip and Monte Carlo of one scored evaluation.

    Targets are compared with ``result.target_budget``; ``budget``, when given, is a department-year
    budget in place of the result's (``perfkit.analysis.targets.diagnose``)."""
    diags = diagnose(result, budget, settings.thresholds)
    model = build_model(result, budget, settings.overlay, settings.anchor, settings.thresholds,
                        diagnostics=[d for d in diags if d.source == "scored"])
    cf = counterfactuals(model, COUNTERFACTUAL_RULES, settings.k)
    flip = grade_flip(model, k_max=settings.k_max, correction=settings.at_risk_rule, k=settings.k)
    mc = monte_carlo(model, draws=settings.draws, seed=settings.seed)
    return TargetReport(result, model, diags, cf, flip, mc, settings)


def analyse_bundle(bundle, results, settings: Settings = Settings()) -> list[TargetReport]:
    """:func:`analyse` for every evaluation of a department-year (``results`` are ``score_bundle(bundle)``'s,
    so each carries the bundle's budget)."""
    return [analyse(r, settings=settings) for r in results]


def bundle_dict(bundle, reports: list[TargetReport]) -> dict:
    """The ``perfkit targets --json`` document; valid JSON: a figure that is undefined (a ratio over a zero
    budget) is null, never NaN."""
    settings = reports[0].settings.describe() if reports else {}
    return json_safe({
        "department": {"id": bundle.department.id, "name": bundle.department.name},
        "year": bundle.year,
        "settings": settings,
        "evaluations": [r.to_dict() for r in reports],
    })
