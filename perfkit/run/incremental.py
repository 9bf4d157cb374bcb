"""Incremental batches: which units must run again, and why (``perfkit batch`` skips the others).

A unit in one language is skipped when the manifest's record of its last run says ``ok`` and nothing it was
made from has changed since: the same bytes in every input file (its department-year file, the files its
``include:`` patterns match, now as then, and its frameworks), the same notebook, the same report templates,
the same perfkit (version and source: :func:`~perfkit.run.units.code_stamp`) and the same kernel; and every
output it recorded is present with the hash recorded. Anything else runs, with the first reason found
(:class:`Decision`). A unit that failed or was invalid always runs again (a failure may have been
passing: a timeout, a full disk). Nothing here parses a parameter file: the check reads hashes only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .manifest import OK, UnitRecord
from .units import DOCUMENTS, include_matches, sha256_file, unit_stamp

# Why a unit runs (the first that applies), as ``--dry-run`` prints it.
NEW, FORCED, NOT_OK = "no earlier run recorded", "--force", "the last run did not finish ok"


@dataclass(frozen=True)
class Decision:
    """What a batch does with one unit in one language: ``run`` (with ``reason``) or skip it, keeping
    ``earlier`` (its last run's record)."""

    department: str
    year: int
    language: str
    run: bool
    reason: str
    earlier: UnitRecord | None = None

    @property
    def key(self) -> tuple[str, int, str]:
        return self.department, self.year, self.language


class _Hashes:
    """sha256 of files, each read once per plan (frameworks are shared by many units)."""

    def __init__(self) -> None:
        self._seen: dict[Path, str | None] = {}

    def __call__(self, path: Path) -> str | None:
        if path not in self._seen:
            try:
                self._seen[path] = sha256_file(path)
            except OSError:
                self._seen[path] = None
        return self._seen[path]


def plan(keys: list[tuple[str, int, str]], earlier: dict[tuple, dict[str, Any]], *, params_dir: Path,
         out_dir: Path, notebook: Path, kernel_name: str, force: bool = False,
         templates: str | None = None, documents: tuple[str, ...] = DOCUMENTS) -> list[Decision]:
    """One :class:`Decision` per (department, year, language) in ``keys``, from ``earlier`` (the manifest's
    entries by key)."""
    hashes, stamp = _Hashes(), unit_stamp(templates, documents)
    decisions = []
    for key in keys:
        entry = earlier.get(key)
        rec = UnitRecord.from_dict(entry) if entry else None
        reason = FORCED if force else why_run(rec, params_dir=params_dir, out_dir=out_dir, notebook=notebook,
                                              kernel_name=kernel_name, stamp=stamp, hashes=hashes)
        decisions.append(Decision(*key, run=reason is not None, reason=reason or "unchanged",
                                  earlier=None if reason else rec))
    return decisions


def why_run(rec: UnitRecord | None, *, params_dir: Path, out_dir: Path, notebook: Path, kernel_name: str,
            stamp: dict[str, str], hashes=sha256_file) -> str | None:
    """Why the unit of ``rec`` (its last run's record) must run again, or None if it may be skipped."""
    if rec is None:
        return NEW
    if rec.status != OK:
        return f"{NOT_OK} ({rec.status})"
    inputs, old_stamp = rec.inputs or {}, rec.stamp or {}
    files = inputs.get("files") or {}
    if not files or not old_stamp or not rec.output_hashes:
        return "the last run's record has no hashes to compare (written by an older perfkit)"
    for what, label in (("perfkit", "perfkit's version"), ("code", "perfkit's source"), ("templates", "the report templates"),
                        ("overrides", "the sentence overrides (--templates)"),
                        ("documents", "the documents asked for (--documents)")):
        if old_stamp.get(what) != stamp.get(what):
            return f"{label} changed"
    if (rec.kernel or {}).get("name", kernel_name) != kernel_name:
        return f"another kernel ({kernel_name}, was {(rec.kernel or {}).get('name')})"
    for name, sha in files.items():
        if name.startswith("notebook/"):
            if hashes(Path(notebook)) != sha or Path(notebook).name != name.removeprefix("notebook/"):
                return "the notebook changed"
            continue
        path = params_dir / name.removeprefix("params/") if name.startswith("params/") else Path(name)
        now = hashes(path)
        if now != sha:
            return f"{name} {'is gone' if now is None else 'changed'}"
    unit_file = params_dir / rec.department / f"{rec.year}.yaml"
    if not unit_file.is_file():
        unit_file = unit_file.with_suffix(".yml")
    for pattern, matched in include_matches(unit_file, list((inputs.get("includes") or {})), params_dir).items():
        if matched != inputs["includes"][pattern]:
            return f"include {pattern!r} now matches other files"
    for what, relative in rec.outputs.items():
        path = out_dir / relative
        if not path.is_file():
            return f"output {relative} is missing"
        if hashes(path) != rec.output_hashes.get(what):
            return f"output {relative} changed since it was written"
    return None


def describe(decisions: list[Decision]) -> list[str]:
    """One line per unit: ``run  luohu-fsa 2022 [zh]: the notebook changed`` or ``skip …: unchanged``."""
    return [f"{'run ' if d.run else 'skip'} {d.department} {d.year} [{d.language}]: {d.reason}" for d in decisions]


def output_hashes(outputs: dict[str, str], out_dir: str | os.PathLike) -> dict[str, str]:
    """sha256 of each output file (``outputs``: name → path relative to ``out_dir``), as recorded so the next
    batch can tell an intact report from one changed or cut short since."""
    return {name: sha256_file(Path(out_dir) / rel) for name, rel in outputs.items()}
