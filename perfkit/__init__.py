"""perfkit: budget performance evaluation (预算绩效评价) — the public API.

A consultant needs nothing but ``import perfkit``::

    import perfkit

    bundle = perfkit.load_unit("luohu-fsa", 2022)           # or perfkit.load_file("parameters/luohu-fsa/2022.yaml")
    results = perfkit.evaluate(bundle)                       # scored and reconciled, one per evaluation
    results[0].total, results[0].grade, results[0].findings
    targets = perfkit.analyse_targets(results[0], bundle.data.budget)   # diagnostics, counterfactuals, …
    report = perfkit.build_report(bundle, results, "en")     # report.results_section(), report.markdown()
    perfkit.plots.scores_chart(results[0])                   # charts
    perfkit.run_batch("parameters", "reports")               # every department-year, as ``perfkit batch``

Everything perfkit raises on purpose is a :class:`PerfkitError`.

Names are resolved lazily (PEP 562 ``__getattr__``): ``import perfkit`` imports nothing else, so the
command line (``perfkit --help``) and the lower layers (``perfkit.errors``, ``perfkit.params``) do not
pay for pandas, matplotlib or the report stack; the first use of a name imports the module that holds
it. :data:`_EXPORTS` is the one table of where each public name lives: after a module moves, repoint
its line there and nothing else changes.
"""

from __future__ import annotations

import importlib

# Public name → "module:attribute", or "module" for a namespace of related functions.
# The one place that knows where the public names live (repoint a line when a module moves).
_EXPORTS: dict[str, str] = {
    # Load a department-year (its parameter files, with the frameworks they name)
    "load_file": "perfkit.load:load",
    "Bundle": "perfkit.load:Bundle",
    # Evaluate it: scores, totals, grades and reconciliation findings
    "evaluate": "perfkit.core.scoring:score_bundle",
    "score_portfolio": "perfkit.core.scoring:score_portfolio",  # many evaluations of one framework, vectorised
    "PortfolioScores": "perfkit.core.scoring:PortfolioScores",
    "EvaluationResult": "perfkit.core.result:EvaluationResult",
    "Finding": "perfkit.core.findings:Finding",
    "FINDING_CODES": "perfkit.core.findings:CODES",
    "grade_of": "perfkit.core.framework:grade_of",
    "measure": "perfkit.core.budget:measure",
    "rules": "perfkit.rules.formulas",
    # Analyse its targets
    "diagnose_targets": "perfkit.analysis.targets:diagnose",
    "analyse_targets": "perfkit.analysis.sensitivity.target_report:analyse",
    "TargetReport": "perfkit.analysis.sensitivity.target_report:TargetReport",
    "TargetSettings": "perfkit.analysis.sensitivity.target_report:Settings",
    "targets": "perfkit.analysis.targets",
    "sensitivity": "perfkit.analysis.sensitivity",
    # Report on it
    "Report": "perfkit.report.document:Report",
    "explain_indicator": "perfkit.report.rules_text:explain_leaf",
    "target_sentences": "perfkit.report.sentences:target_sentences",
    "sensitivity_sentences": "perfkit.report.sentences:sensitivity_sentences",
    "plots": "perfkit.report.plots",
    # Run the report notebook for a unit or a batch
    "run_unit": "perfkit.run.batch:run_unit",
    "run_batch": "perfkit.run.batch:run_batch",
    # Errors, under one root
    "PerfkitError": "perfkit.errors:PerfkitError",
    "ParameterError": "perfkit.errors:ParameterError",
    "RunError": "perfkit.errors:RunError",
    "MeasureUnavailable": "perfkit.errors:MeasureUnavailable",
    "CJKFontNotFound": "perfkit.errors:CJKFontNotFound",
}
# What the functions below use, resolved through the same table (not public).
_USES: dict[str, str] = {
    "find_unit": "perfkit.load:find_unit",
    "resolve_params_dir": "perfkit.load:resolve_params_dir",
}

__all__ = [*_EXPORTS, "load_unit", "build_report"]


def _resolve(target: str):
    module, _, attribute = target.partition(":")
    obj = importlib.import_module(module)
    return getattr(obj, attribute) if attribute else obj


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'perfkit' has no attribute {name!r}")
    value = _resolve(_EXPORTS[name])
    globals()[name] = value  # resolved once; later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_unit(department: str, year: int | str, params_dir: str | None = None):
    """Load ``<params_dir>/<department>/<year>.yaml`` (a :class:`Bundle`).

    ``params_dir``: an absolute path is used as given; a relative one is tried against the working
    directory, then against the repository's ``notebooks/`` folder; None means ``$PERFKIT_PARAMS`` or the
    repository's ``parameters/``.
    """
    pdir = _resolve(_USES["resolve_params_dir"])(params_dir)
    return _resolve(_EXPORTS["load_file"])(_resolve(_USES["find_unit"])(pdir, department, year), pdir)


def build_report(bundle, results=None, language: str = "zh"):
    """The :class:`Report` of a department-year in ``language`` (``zh`` or ``en``); ``results`` default to
    :func:`evaluate` of the bundle."""
    results = _resolve(_EXPORTS["evaluate"])(bundle) if results is None else results
    return _resolve(_EXPORTS["Report"])(bundle, results, language)

