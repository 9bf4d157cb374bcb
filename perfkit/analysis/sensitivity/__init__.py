"""Rescoring under other targets, rule readings and weights (目标设置敏感性分析).

This package owns what a target is *worth*: how the total and the grade move when targets, the reading
of an ambiguous rule, or the weights change. ``perfkit.analysis.targets`` says which targets look low;
here every question is answered by rescoring through ``perfkit.core.compile.Compiled`` — arrays of
targets in, arrays of totals out, scenarios on the leading axes — so 100k Monte Carlo draws cost one
call, not 100k. One module per concern, in the order a reader meets them:

* ``defaults`` — the recorded defaults (seed, draws, k) and the overlay names; imports nothing.
* ``overlays`` — :class:`LowTargetOverlay`, the 偏离度 penalty as an option: :func:`beijing_overlay`
  (Beijing 2021 forms note 2, with its ambiguous bounds as explicit settings) and
  :func:`ten_hao_overlay` (财预〔2020〕10号 says only "按照偏离度适度调减分值": a stepwise reading).
* ``model`` — :class:`TargetModel`, one evaluation ready for rescoring: its target rows, their
  direction, and the chosen overlay (:func:`build_model`). Multipliers are direction-aware: ``m > 1``
  is always *more* ambitious.
* ``scenarios`` — :func:`counterfactuals` (targets replaced by ``prior_year``, ``max_prior_year``,
  ``actual``, ``scaled``; per row the points that depend on the target, :func:`score_at_risk`),
  :func:`grade_flip` (the smallest uniform uplift that changes the grade, the fewest corrections that
  do) and :func:`tornado` (one-at-a-time swings).
* ``uncertainty`` — :class:`FactorSpace`, the uncertain factors (target multipliers, rule-reading
  switches, the base b of base-plus-slope rules, weight noise) in SALib's terms, their totals
  (:func:`evaluate`) and :func:`monte_carlo`.
* ``indices`` — :func:`sobol_indices` and :func:`morris_screening` over a factor space.
* ``target_report`` — :func:`analyse`: all of it for one evaluation (what ``perfkit targets`` prints),
  a :class:`TargetReport` the report states through ``perfkit.report.sentences``.

Names are resolved lazily (PEP 562), as ``perfkit/__init__.py`` does: ``perfkit targets --help``
reads ``defaults`` without NumPy, and SALib's Sobol and Morris (``scipy.stats``, seconds) load only
when ``sobol_indices`` or ``morris_screening`` is first used, not for ``perfkit targets`` or a report.

References: Sobol' (2001) Math. Comput. Simul. 55:271–280; Saltelli (2002) Comput. Phys. Commun.
145:280–297; Saltelli et al. (2010) Comput. Phys. Commun. 181:259–270; Morris (1991) Technometrics
33:161–174; Campolongo, Cariboni & Saltelli (2007) Environ. Model. Softw. 22:1509–1518; Saisana,
Saltelli & Tarantola (2005) J. R. Stat. Soc. A 168:307–323 (uncertainty and sensitivity analysis of
composite indicators); Herman & Usher (2017) J. Open Source Softw. 2(9):97 (SALib).
"""

from __future__ import annotations

import importlib

# Module of this package → the public names it holds. The one table of where each name lives.
_MODULES: dict[str, tuple[str, ...]] = {
    "defaults": ("DEFAULT_SEED", "DEFAULT_DRAWS", "DEFAULT_K", "COUNTERFACTUAL_RULES", "OVERLAY_NAMES"),
    "overlays": ("LowTargetOverlay", "PenaltyBand", "beijing_overlay", "ten_hao_overlay", "OVERLAYS",
                 "OverlayOption", "strip_penalties"),
    "model": ("TargetModel", "build_model"),
    "scenarios": ("counterfactual_targets", "Counterfactuals", "counterfactuals", "score_at_risk", "grade_flip",
                  "tornado"),
    "uncertainty": ("Factor", "FactorSpace", "target_factors", "switch_factors", "base_factor", "weight_factors",
                    "sensitivity_problem", "evaluate", "MonteCarlo", "monte_carlo", "NOTHING_TO_VARY",
                    "nothing_to_vary",
                    "_scale"),  # _scale: benchmarks/bench_sensitivity.py draws through it
    "indices": ("sobol_indices", "morris_screening"),
    "target_report": ("Settings", "TargetReport", "analyse", "analyse_bundle", "bundle_dict"),
}
_EXPORTS: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [name for name in _EXPORTS if not name.startswith("_")]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value  # resolved once; later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
