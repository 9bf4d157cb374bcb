"""Units of a run: a department-year in one language. Where a unit's parameters are, where its reports go,
and the hash of its inputs.

A unit is found from the file layout alone (``<params>/<department>/<year>.yaml``), so a unit whose file is
invalid is still found and reported rather than silently skipped. The report languages are those of
:data:`perfkit.report.language.LANGUAGES` (the first is the default); each has its file names here
(:data:`LANGUAGES`): ``report.*`` for the default language, ``report.<code>.*`` for the others.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import report
from ..errors import ParameterError, Problem, RunError
from ..report import language
from .files import tmp_name


@dataclass(frozen=True)
class Outputs:
    """The file names of one language's report in ``<out>/<department>/<year>/``."""

    notebook: str
    html: str
    failed: str
    docx: str  # the Word document, beside the HTML
    xlsx: str  # the score sheet (评分表)
    pdf: str  # the HTML printed to PDF (where Chromium is installed)

    @classmethod
    def of(cls, language: str) -> "Outputs":
        stem = "report" if language == DEFAULT_LANGUAGE else f"report.{language}"
        return cls(f"{stem}.ipynb", f"{stem}.html", f"{stem}.failed.ipynb", f"{stem}.docx", f"{stem}.xlsx",
                   f"{stem}.pdf")

    @property
    def documents(self) -> tuple[str, ...]:
        """The files written beside the HTML (:mod:`perfkit.run.documents`)."""
        return self.docx, self.xlsx, self.pdf


DEFAULT_LANGUAGE = language.LANGUAGES[0]
# The documents a unit may write beside its notebook and HTML (``--documents``); all by default.
DOCUMENTS = ("docx", "xlsx", "pdf")


def documents_of(choice: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``None``/``"all"`` → every one of :data:`DOCUMENTS`; ``"none"`` → none; ``"docx,pdf"`` → those (in
    :data:`DOCUMENTS`' order). RunError naming the choices for anything else."""
    if choice is None or choice == "all":
        return DOCUMENTS
    if choice == "none":
        return ()
    chosen = [c.strip() for c in choice.split(",")] if isinstance(choice, str) else list(choice)
    unknown = [c for c in chosen if c not in DOCUMENTS]
    if unknown or not chosen:
        raise RunError(f"unknown document {(unknown or [''])[0]!r}; expected a comma-separated list of "
                       f"{', '.join(DOCUMENTS)}, or all, or none")
    return tuple(d for d in DOCUMENTS if d in chosen)
LANGUAGES: dict[str, Outputs] = {code: Outputs.of(code) for code in language.LANGUAGES}


def languages_of(choice: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"all"``/``None`` → every language; ``"zh"`` → ``["zh"]``; a list is checked."""
    if choice is None or choice == "all":
        return list(LANGUAGES)
    chosen = [choice] if isinstance(choice, str) else list(choice)
    unknown = [c for c in chosen if c not in LANGUAGES]
    if unknown:
        raise RunError(f"unknown language {unknown[0]!r}; expected one of {', '.join(LANGUAGES)} or all")
    return chosen


def language_order(language: str) -> int:
    """The position of a language in :data:`LANGUAGES` (unknown ones last): how records are sorted."""
    return next((i for i, code in enumerate(LANGUAGES) if code == language), len(LANGUAGES))


def unit_name(department: Any, year: Any) -> tuple[str, int]:
    """A department id and year checked as names, never paths (:func:`perfkit.load.unit_name_problem`);
    RunError saying why not."""
    from ..load import unit_name_problem

    if why := unit_name_problem(department, year):
        raise RunError(why)
    return department, int(year)


def unit_dir(out_dir: str | os.PathLike, department: str, year: int) -> Path:
    return Path(out_dir) / department / str(year)


def unit_outputs(out_dir: str | os.PathLike, department: str, year: int, language: str) -> list[Path]:
    """Every path a unit in one language may write: its folder, its files and their temporary names."""
    udir, names = unit_dir(out_dir, department, year), LANGUAGES[language]
    files = [udir / names.notebook, udir / names.html, udir / names.failed, *(udir / d for d in names.documents)]
    return [udir, *files, *(tmp_name(f) for f in files)]


def check_params_dir(params_dir: str | os.PathLike) -> None:
    if not Path(params_dir).is_dir():
        raise RunError(f"{params_dir}: parameters directory not found")


def discover_units(params_dir: str | os.PathLike) -> list[tuple[str, int]]:
    """Every (department, year) under a parameters directory, once each, from the file layout alone (a unit
    whose file is invalid is still found, so that it is reported rather than silently skipped; so is one with
    both ``<year>.yaml`` and ``<year>.yml``, which runs as invalid: see :func:`unit_files`)."""
    from ..load import discover

    check_params_dir(params_dir)
    return list(dict.fromkeys((Path(f).parent.name, int(Path(f).stem)) for f in discover(params_dir)))


def unit_files(params_dir: str | os.PathLike, department: str, year: int) -> list[str]:
    """The files that could be a unit's parameters: one normally, two if both ``.yaml`` and ``.yml`` exist."""
    base = Path(params_dir) / department
    return [str(base / f"{year}.{ext}") for ext in ("yaml", "yml") if (base / f"{year}.{ext}").is_file()]


def ambiguous_unit(files: list[str]) -> ParameterError:
    """Two files for one department-year: neither is chosen silently."""
    names = " and ".join(Path(f).name for f in files)
    return ParameterError([Problem(f, "", f"{names} both exist for this department-year; keep one of them")
                           for f in files])


_VALIDATED: dict[tuple, tuple[tuple, Any, Any]] = {}  # (params_dir, department, year) → (file states, bundle, results)
_VALIDATED_MAX = 64


def validate_unit(params_dir: str | os.PathLike, department: str, year: int | str, *, with_results: bool = False):
    """Load and score a unit without running anything: ParameterError names every problem. Returns the
    bundle, or with ``with_results`` (bundle, its scoring results: :func:`perfkit.core.scoring.score_bundle`'s),
    which the unit's Word document and score sheet are written from instead of scoring it again.

    A unit validated before in this process whose files (and their folders) are as they were is not read
    again: a batch worker runs each unit once per language."""
    from ..core.scoring import score_bundle
    from ..load import find_unit, input_states, load

    key = (str(Path(params_dir).resolve()), department, int(year))
    if key in _VALIDATED:
        states, bundle, results = _VALIDATED[key]
        if input_states(bundle.input_files()) == states:
            return (bundle, results) if with_results else bundle
    bundle = load(find_unit(params_dir, department, year), str(params_dir))
    results = score_bundle(bundle)
    if len(_VALIDATED) >= _VALIDATED_MAX:
        _VALIDATED.pop(next(iter(_VALIDATED)))
    _VALIDATED[key] = (input_states(bundle.input_files()), bundle, results)
    return (bundle, results) if with_results else bundle


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def hash_inputs(files: list[str], params_dir: str | os.PathLike, notebook: str | os.PathLike) -> dict[str, Any]:
    """sha256 of every input file, named relative to the parameters directory (``params/…``) or as
    ``notebook/<name>``, and one sha256 over the sorted (name, hash) pairs: independent of where the
    parameters directory lives, so a copy of the same files has the same hash."""
    pdir = Path(params_dir).resolve()
    named: dict[str, str] = {}
    for f in files:
        p = Path(f).resolve()
        try:
            name = "params/" + p.relative_to(pdir).as_posix()
        except ValueError:
            name = p.as_posix()
        named[name] = sha256_file(p)
    named["notebook/" + Path(notebook).name] = sha256_file(notebook)
    combined = hashlib.sha256("".join(f"{k}\0{v}\n" for k, v in sorted(named.items())).encode()).hexdigest()
    return {"sha256": combined, "files": dict(sorted(named.items()))}


def include_matches(unit_file: str | os.PathLike, patterns: list[str], params_dir: str | os.PathLike) -> dict[str, list[str]]:
    """Each ``include:`` pattern of a department-year file and the files it matches now, named as in
    :func:`hash_inputs` (``params/…``): an incremental batch compares them with the last run's, so a file
    added beside the unit that a pattern now matches reruns it."""
    pdir, base = Path(params_dir).resolve(), os.path.dirname(str(unit_file))
    out: dict[str, list[str]] = {}
    for pattern in patterns:
        found = []
        for f in sorted(glob.glob(os.path.join(base, pattern))):
            p = Path(f).resolve()
            found.append("params/" + p.relative_to(pdir).as_posix() if p.is_relative_to(pdir) else p.as_posix())
        out[pattern] = found
    return out


def _tree_sha256(root: Path, suffixes: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts:
            h.update(f"{p.relative_to(root).as_posix()}\0{sha256_file(p)}\n".encode())
    return h.hexdigest()


def unit_stamp(overrides: str | None = None, documents: tuple[str, ...] = DOCUMENTS) -> dict[str, str]:
    """:func:`code_stamp`, and the documents asked for when they are not all of :data:`DOCUMENTS` (a unit
    made with other documents runs again: ``perfkit batch`` reruns a unit whose outputs are not those asked
    for)."""
    stamp = code_stamp(overrides)
    return stamp if tuple(documents) == DOCUMENTS else {**stamp, "documents": ",".join(documents) or "none"}


@lru_cache(maxsize=8)
def code_stamp(overrides: str | None = None) -> dict[str, str]:
    """What the reports depend on besides their inputs and the notebook: perfkit's version, the sha256 of
    its source (``perfkit/**/*.py``: an edit in a checkout changes the reports without changing the
    version) and of the report templates (``perfkit/report/templates``: narrative text, the HTML
    template), and of a firm's sentence overrides (``--templates DIR``) when given. Computed once per process
    (a few milliseconds)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        perfkit_version = version("perfkit")
    except PackageNotFoundError:  # a source tree on the path, not installed
        perfkit_version = "not installed"
    package = Path(__file__).resolve().parents[1]
    templates = Path(report.__file__).resolve().parent / "templates"
    return {"perfkit": perfkit_version, "code": _tree_sha256(package, (".py",)),
            "templates": _tree_sha256(templates, (".yaml", ".yml", ".j2", ".json", ".css", ".tpl")),
            **({"overrides": _tree_sha256(Path(overrides), (".yaml", ".yml"))} if overrides else {})}
