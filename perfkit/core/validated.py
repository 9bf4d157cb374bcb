"""A department-year loaded and scored once per batch: the worker's validation handed to the notebook.

A batch validates each unit before it runs the unit's notebook (an invalid unit fails with its problem
lines and no notebook is started), and the notebook's first cell then loads and scores the same files
again: for a large department-year (Beijing 2021, 517 target cells in 37 evaluations) that is 0.7 s of a
report's 3 s, all of it repeated work (issue 13, "parse and validate a unit once").

:func:`write_validated` pickles what the validation made (the :class:`~perfkit.load.Bundle` and
:func:`~perfkit.core.scoring.score_bundle`'s results) into a private temporary file,
with the unit's key and the state of every file it was read from; the notebook's process finds the file in
``$PERFKIT_VALIDATED`` (set for that one run; a batch keeps one file per unit in a shared folder,
:func:`shared_handoff`, which the unit's other language and the portfolio notebook read too) and
:func:`load_scored` returns its contents when the key is the unit asked for and every input file (and
folder) has the same size and modification time as when it was read. Otherwise, and always outside a
batch, :func:`load_scored` loads and scores the files itself: both ways give the same objects (the pickle is
exact), so the report cannot tell them apart; only its time does. A file that cannot be read as such a handoff is ignored in the same way: it is a cache, never the
only source of a figure.

The file is read with :mod:`pickle`, which runs code named in the file: only a path in the environment
variable leads to one, and the batch creates it with ``mkstemp`` in the system's temporary folder (a file
only its user can read or write, in a folder where no other user may replace it).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from ..load import Bundle, find_unit, input_states, load
from .result import EvaluationResult
from .scoring import score_bundle

VALIDATED_ENV = "PERFKIT_VALIDATED"  # the path of the handoff file of the one unit a notebook run reports on
_FORMAT = 1  # raised when the file's layout changes: an older file is then read as a miss


def shared_handoff(folder: str | os.PathLike, department: str, year: int | str) -> Path:
    """Where a batch's shared handoff folder keeps one unit: ``<folder>/<department>-<year>.pickle``. A batch
    writes each unit there once, for the report in its other language and the portfolio notebook to read."""
    return Path(folder) / f"{department}-{int(year)}.pickle"


def unit_key(params_dir: str | os.PathLike, department: str, year: int | str) -> tuple[str, str, int]:
    """(resolved parameters directory, department id, year): which unit a handoff holds."""
    return str(Path(params_dir).resolve()), str(department), int(year)


def write_validated(path: str | os.PathLike, params_dir: str | os.PathLike, department: str, year: int | str,
                    bundle: Bundle, results: list[EvaluationResult]) -> None:
    """Pickle ``bundle`` and its ``results`` (as :func:`~perfkit.core.scoring.score_bundle` returned them)
    into ``path``, with the unit's key and its input files' states (:func:`~perfkit.load.input_states`).
    OSError if the file cannot be written."""
    payload = {"format": _FORMAT, "key": unit_key(params_dir, department, year),
               "states": input_states(bundle.input_files()), "bundle": bundle, "results": results}
    with open(path, "wb") as f:
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)


def read_validated(path: str | os.PathLike, params_dir: str | os.PathLike, department: str,
                   year: int | str) -> tuple[Bundle, list[EvaluationResult]] | None:
    """(bundle, results) from the handoff at ``path`` if it holds this unit read from files that have not
    changed since; None otherwise (no such file, another unit, a changed file, an unreadable file)."""
    try:
        with open(path, "rb") as f:
            payload: Any = pickle.load(f)
    except Exception:  # noqa: BLE001 - a missing, truncated or foreign file is a miss: the unit is loaded instead
        return None
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        return None
    if payload.get("key") != unit_key(params_dir, department, year):
        return None
    bundle = payload.get("bundle")
    if not isinstance(bundle, Bundle) or input_states(bundle.input_files()) != payload.get("states"):
        return None
    return bundle, payload["results"]


def load_scored(params_dir: str | os.PathLike, department: str,
                year: int | str) -> tuple[Bundle, list[EvaluationResult]]:
    """The department-year's bundle and the results of scoring it (:func:`~perfkit.load.load` of
    :func:`~perfkit.load.find_unit`, then :func:`~perfkit.core.scoring.score_bundle`), or the same objects
    from the handoff named by ``$PERFKIT_VALIDATED`` (a file, or a batch's shared folder:
    :func:`shared_handoff`) when it holds this unit and its files are unchanged. ParameterError as ``load``
    and ``score_bundle`` raise it."""
    handoff = os.environ.get(VALIDATED_ENV)
    if handoff:
        if os.path.isdir(handoff):
            handoff = str(shared_handoff(handoff, department, year))
        found = read_validated(handoff, params_dir, department, year)
        if found is not None:
            return found
    bundle = load(find_unit(params_dir, department, year), str(params_dir))
    return bundle, score_bundle(bundle)
