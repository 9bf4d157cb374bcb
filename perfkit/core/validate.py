"""Validating parameter files without scoring them: what ``perfkit validate`` reports.

A path is a department-year file (``<params>/<department>/<year>.yaml``: loaded and scored, so every check
of ``perfkit score`` runs), a framework (``<params>/frameworks/<id>.yaml``: loaded, its tree checked)
or a directory (every department-year file under it). Each file's outcome is its structural findings
(points that do not add up, …) or the :class:`~perfkit.errors.ParameterError` naming its problems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError, Problem
from ..load import discover, load, load_framework
from .findings import DATA_CODES, STRUCTURE_CODES, Finding
from .framework import framework_problems, points_findings, walk
from .scoring import score_bundle
from .target_rows import unsure_readings


# Findings of scoring that ``validate`` prints without -v (with every error): a file that scores but gives no
# grade is not simply valid, and a figure entered as a share against a percentage (or in another unit than its
# target, or spending above its budget) is most likely a slip in the file (``DATA_CODES``).
WARNED = ("NOT_COMPUTABLE", "TOTAL_NOT_GRADED") + DATA_CODES


def kind_of(f: Finding) -> str:
    """How ``validate`` counts a finding: ``reading`` (a target read with an assumption), ``structural``, ``data``
    (a figure most likely entered wrong), ``error`` (a score or figure against its rule or arithmetic) or ``other``
    (the rest of what scoring finds: warnings and remarks)."""
    if f.code == "TARGET_READING_UNSURE":
        return "reading"
    if f.code in STRUCTURE_CODES:
        return "structural"
    if f.code in DATA_CODES:
        return "data"
    return "error" if f.severity == "error" else "other"


def shown_without_v(f: Finding) -> bool:
    """Printed by ``validate`` without -v: every error, an ungraded total and the figures most likely wrong."""
    return f.severity == "error" or f.code in WARNED


@dataclass
class Validated:
    """The outcome of one file: its structural findings, or the error naming its problems."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: ParameterError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def is_framework(path: str | os.PathLike) -> bool:
    """A framework file is one in a folder named ``frameworks``."""
    return Path(path).parent.name == "frameworks"


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, directories replaced by the department-year files under them; ParameterError for a
    directory with none."""
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = discover(p)
            if not found:
                raise ParameterError([Problem(p, "", "no <department>/<year>.yaml files found under this directory")])
            files += found
        else:
            files.append(p)
    return files


def validate_file(path: str) -> list[Finding]:
    """One file's findings: for a department-year every finding of scoring (structural ones among them; its errors
    are what ``perfkit score --strict`` fails on) and the targets read with an assumption (:func:`kind_of` sorts
    them); ParameterError if invalid. A framework is loaded and its own problems
    checked (:func:`~perfkit.core.framework.framework_problems`); a department-year goes through every check
    ``perfkit score`` makes, by scoring it (:func:`~perfkit.core.scoring.score_bundle`), so that ``validate``
    fails exactly when ``score`` does."""
    if is_framework(path):
        fw, doc = load_framework(Path(path).stem, str(Path(path).parent.parent))
        if problems := framework_problems(fw, doc.where):
            raise ParameterError(problems)
        return points_findings(walk(fw.tree), fw) if fw.tree else []
    return [f for result in score_bundle(load(path)) for f in result.findings + reading_findings(result)]


def reading_findings(result) -> list[Finding]:
    """TARGET_READING_UNSURE (info): each target of the evaluation its words were read with an assumption
    (``perfkit.core.target_rows.unsure_readings``), saying what was understood and how to settle it."""
    out = []
    located = result.located
    for u in unsure_readings(result.evaluation, result.compiled.leaves):
        where = f"{result.evaluation.id}/" + (f"targets/{u.row}" if u.row else u.indicator)
        settle = "target_value or kind" if u.row else "target_value"
        if "prior_level_unknown" in u.codes:  # "不低于上年" without last year's figure
            settle = "prior_actual (last year's actual) or target_value"
        elif "prior_level_units" in u.codes:  # "不低于上年" with last year's 120家 against this year's 1.3万人
            settle = "prior_actual and actual in one unit, or target_value"
        elif "per_period_unstated" in u.codes:  # "每月2次" against "30次"
            settle = "the actual's period in its words (全年30次, 每月2.5次) or actual_value"
        file, _, line = located.where(*u.loc) if u.loc is not None else (None, None, None)
        out.append(Finding(
            "TARGET_READING_UNSURE", "info", u.indicator,
            f"{where} {u.name}: target {u.text!r} read as {u.understood} ({'; '.join(u.notes)}); give {settle} "
            "to settle it",
            {"evaluation": result.evaluation.id, "row": u.row, "target_name": u.name, "target": u.text,
             "understood": u.understood, "notes": list(u.codes), "value": u.value, "unit": u.unit},
            where=f"{file}:{line}" if line is not None else None,
        ))
    return out


def validate_paths(paths: list[str]) -> list[Validated]:
    """Every file of ``paths`` (directories expanded) with its outcome, in order. Raises ParameterError
    before validating anything if a directory holds no department-year file."""
    outcomes = []
    for path in expand_paths(paths):
        try:
            outcomes.append(Validated(path, validate_file(path)))
        except ParameterError as exc:
            outcomes.append(Validated(path, error=exc))
    return outcomes
