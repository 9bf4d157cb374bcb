"""Running the evaluation notebook: one department-year (:func:`run_unit`) or all of them (:func:`run_batch`).

Owns the steps of one unit (validate its parameters, execute the notebook, write the executed notebook and
the client HTML or keep the failed notebook, record the outcome), the batch over an executor with its
progress bar, and how failures are described and grouped. The layout of ``<out>`` is described in
``reports/README.md``:

    <out>/<department>/<year>/report.ipynb        executed notebook, Chinese (zh)
    <out>/<department>/<year>/report.html         client version: no code, no prompts, charts embedded
    <out>/<department>/<year>/report.docx         the same as a Word document (perfkit.run.documents)
    <out>/<department>/<year>/report.xlsx         the score sheet (评分表)
    <out>/<department>/<year>/report.pdf          the HTML printed by headless Chromium, where installed
    <out>/<department>/<year>/report.en.ipynb     the same in English (en)
    <out>/<department>/<year>/report.en.html
    <out>/<department>/<year>/report[.en].failed.ipynb   a failed run's executed notebook, with the error
    <out>/manifest.json                           per unit and language: status, timings, input hashes, versions
    <out>/portfolio.ipynb, portfolio.html         the portfolio notebook over every unit (:mod:`.portfolio`)
    <out>/index.html                              every evaluation of every unit (:mod:`perfkit.report.index_page`)

A unit's parameters are validated (loaded and scored) before any kernel starts, so a unit with invalid
parameters fails fast with the problem lines of :class:`~perfkit.errors.ParameterError`. A batch validates
each unit once: every unit's first language runs before any second one, and the first keeps the unit as
validated in the batch's private folder of handoffs (:func:`perfkit.core.validated.shared_handoff`), which
the notebook, the unit's other language and the portfolio notebook (started once the units are there, or
half-way through a batch of one language) read instead of loading and scoring it again; the folder goes when
the batch ends. Every file is written atomically (:mod:`perfkit.run.files`), so a report in its final name
is always a finished one; the folder of a unit always reflects its latest run (a run that fails removes the
reports of an earlier run, which no longer match the parameters).

The other modules of :mod:`perfkit.run`: :mod:`~perfkit.run.engine` executes one notebook,
:mod:`~perfkit.run.units` finds units and names their files, :mod:`~perfkit.run.manifest` records them,
:mod:`~perfkit.run.executors` maps tasks over workers; the client HTML is :mod:`perfkit.report.notebook_html`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from ..errors import ParameterError, Problem, RunError
from . import documents, engine
from .engine import DEFAULT_CELL_TIMEOUT, DEFAULT_KERNEL, error_summary
from .executors import default_workers, get_executor
from .files import (atomic_write_text, check_inside, check_out_dir, private_dir, relative_to, remove, sweep_once,
                    sweep_temporaries, tmp_name)
from .manifest import (ERROR, FAILED, INVALID, MANIFEST_NAME, OK, UnitRecord, append_journal, now, read_manifest,
                       record_order, versions, write_manifest)
from .incremental import Decision, describe, output_hashes, plan
from .units import (DEFAULT_LANGUAGE, DOCUMENTS, LANGUAGES, ambiguous_unit, check_params_dir, discover_units, hash_inputs,
                    include_matches, language_order, languages_of, unit_dir, unit_files, unit_name, unit_outputs,
                    unit_stamp, validate_unit)

_documents = documents  # the module (``documents`` is also the name of a parameter below)


def _notebook_html():
    """:mod:`perfkit.report.notebook_html`, imported when a report is written (it imports nbconvert, about a
    second): a batch that skips every unit never pays for it."""
    import importlib

    return importlib.import_module("perfkit.report.notebook_html")


def __getattr__(name: str):
    if name == "notebook_html":  # ``batch.notebook_html`` as before the import became lazy
        return _notebook_html()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------------------------
# One unit
# --------------------------------------------------------------------------------------------


def run_unit(department: str, year: int | str, language: str = DEFAULT_LANGUAGE, params_dir: str | os.PathLike = "parameters",
             out_dir: str | os.PathLike = "reports", *, notebook: str | os.PathLike | None = None,
             kernel_name: str = DEFAULT_KERNEL, timeout: float | None = DEFAULT_CELL_TIMEOUT,
             record: bool = True, checked: bool = False, templates: str | os.PathLike | None = None,
             engine_name: str = engine.DEFAULT_ENGINE, documents: tuple[str, ...] = DOCUMENTS,
             handoffs: str | os.PathLike | None = None) -> UnitRecord:
    """Run the evaluation notebook for one department-year in one language and write its report.

    Returns the manifest record; never raises for a problem of the unit (its status says what happened).
    Raises RunError before doing anything if the notebook, kernel or language cannot be used, if the department
    id or year is not a name (ids and years are names, never paths), if ``out_dir`` is no directory it can
    write to, or if a path the unit would write resolves outside ``out_dir`` (links followed); a file that
    cannot be written (a full disk) fails the unit, with the cause in its record.
    ``record=True`` also merges the record into ``<out_dir>/manifest.json``; ``checked=True`` skips the
    notebook and kernel checks (the batch does them once). ``templates``: a directory of sentence overrides
    (:mod:`perfkit.report.overrides`), checked before anything runs. ``engine_name``: how the kernel is
    executed (:data:`perfkit.run.engine.ENGINES`; the reports are the same). ``documents``: which of
    :data:`~perfkit.run.units.DOCUMENTS` to write beside the notebook and HTML. ``handoffs``: a batch's shared
    folder of validated units (:func:`perfkit.core.validated.shared_handoff`): the unit is read from it when
    another report of the batch validated it already, and written to it otherwise.
    """
    from ..load import find_unit

    languages_of(language)
    department, year = unit_name(department, year)  # names, never paths
    check_inside(out_dir, *unit_outputs(out_dir, department, year, language))
    check_params_dir(params_dir)
    if not checked:  # ParameterError naming what exists, before any record is made (a batch found its units)
        find_unit(params_dir, department, year)
    params_dir = Path(params_dir).resolve()
    templates = check_templates(templates) if not checked else templates
    notebook = Path(notebook) if notebook else engine.default_notebook()
    kernel = None
    if not checked:
        engine.check_notebook(notebook)
        kernel = engine.check_kernel(kernel_name)
        check_out_dir(out_dir)
    rec = UnitRecord(department, year, language, started=now(), versions=versions(),
                     kernel=kernel or {"name": kernel_name}, stamp=unit_stamp(templates, documents))
    t0 = time.monotonic()
    try:
        _run_unit(rec, params_dir, Path(out_dir), notebook.resolve(), kernel_name, timeout, templates, engine_name,
                  documents, handoffs)
    except Exception as exc:  # noqa: BLE001 - a unit's failure is recorded, never raised at the batch
        rec.status = ERROR
        rec.error = {"kind": "error", "summary": error_summary(exc)}
        names, udir = LANGUAGES[language], unit_dir(out_dir, department, year)
        remove(udir / names.notebook, udir / names.html, *(udir / d for d in names.documents))  # no earlier report poses as this run's
    rec.finished = now()
    rec.duration_s = round(time.monotonic() - t0, 3)
    if record:
        write_manifest(out_dir, [rec], params_dir=params_dir, notebook=notebook)
    return rec


def check_templates(templates: str | os.PathLike | None) -> str | None:
    """The absolute templates directory, its overrides checked (a bad one is a RunError, one line per
    problem, before any unit runs); None for none."""
    from ..errors import ParameterError
    from ..report.overrides import load_overrides

    if not templates:
        return None
    try:
        load_overrides(templates)
    except ParameterError as exc:
        raise RunError(str(exc)) from None
    return str(Path(templates).expanduser().resolve())


def _run_unit(rec: UnitRecord, params_dir: Path, out_dir: Path, notebook: Path, kernel_name: str,
              timeout: float | None, templates: str | None = None, engine_name: str = engine.DEFAULT_ENGINE,
              documents: tuple[str, ...] = DOCUMENTS, handoffs: str | os.PathLike | None = None) -> None:
    from ..core.validated import read_validated, shared_handoff
    from ..load import find_unit

    names = LANGUAGES[rec.language]
    udir = unit_dir(out_dir, rec.department, rec.year)
    final_nb, final_html, failed_nb = udir / names.notebook, udir / names.html, udir / names.failed
    docs = [udir / d for d in names.documents]
    sweep_temporaries(udir)  # left by a run that was killed

    # 1. Parameters first: an invalid unit fails here, with the problem lines, and no kernel is started.
    try:
        unit_file = find_unit(params_dir, rec.department, rec.year)  # not a link out of params_dir
        files = unit_files(params_dir, rec.department, rec.year) or [unit_file]
        rec.inputs = hash_inputs(files, params_dir, notebook)
        if len(files) > 1:
            raise ambiguous_unit(files)
        shared = shared_handoff(handoffs, rec.department, rec.year) if handoffs else None
        found = read_validated(shared, params_dir, rec.department, rec.year) if shared else None
        bundle, results = found or validate_unit(params_dir, rec.department, rec.year, with_results=True)
        from ..report.index_page import scored_rows

        rec.scored = scored_rows(bundle, results)
        rec.inputs = hash_inputs(bundle.input_files(), params_dir, notebook)
        rec.inputs["includes"] = include_matches(unit_file, list(bundle.data.include), params_dir)
    except ParameterError as exc:
        rec.status, rec.error = INVALID, _invalid(exc)
        remove(final_nb, final_html, failed_nb, *docs)  # an earlier run's files no longer match these parameters
        return

    # 2. Execute into a temporary file beside the final one, the unit as validated handed to the notebook.
    tmp_nb = tmp_name(final_nb)
    parameters = engine.notebook_parameters(rec.department, rec.year, rec.language)
    handoff = shared if found else _handoff(params_dir, rec, bundle, results, shared)
    try:
        udir.mkdir(parents=True, exist_ok=True)
        run = engine.execute(notebook, tmp_nb, parameters, params_dir=params_dir, kernel_name=kernel_name,
                             timeout=timeout, templates=templates, engine=engine_name, validated=handoff)
        rec.warnings = [f"kernel stderr: {ln[:300]}" for ln in run.stderr[:20]]
        if not run.ok:
            rec.status, rec.error = FAILED, run.error
            _keep_failed(rec, tmp_nb, failed_nb, notebook, out_dir)
            remove(final_nb, final_html, *docs)
            return

        # 3. The finished report: normalized notebook and client HTML, each moved into place.
        nb = run.notebook
        engine.normalize_notebook(nb, notebook, names.notebook)
        lang = nb.metadata.get("language_info", {})
        rec.kernel = {**(rec.kernel or {}), "language": lang.get("name"), "version": lang.get("version")}
        rec.title = _notebook_html().report_title(nb, _notebook_html().fallback_title(bundle, rec.language))
        rec.warnings += _notebook_html().stderr_outputs(nb)
        nb.metadata["title"] = rec.title
        written = write_outputs(nb, rec, udir, bundle)
        remove(failed_nb)
        rec.status = OK
        rec.outputs = {name: relative_to(path, out_dir) for name, path in written.items()}
        _documents.write_documents(rec, bundle, udir, names, out_dir, final_html, templates, documents, results=results)
        rec.output_hashes = output_hashes(rec.outputs, out_dir)  # every output, the documents' included
    except OSError as exc:  # a full disk, a folder that cannot be written: this unit fails, not the batch
        rec.status, rec.error, rec.outputs = FAILED, _write_failure(exc, udir), {}
        with contextlib.suppress(OSError):
            remove(final_nb, final_html, *docs)  # one of them may be this run's, the other an earlier run's
    finally:
        with contextlib.suppress(OSError):
            remove(tmp_nb, *([handoff] if handoff and handoff != shared else []))  # the batch removes its shared ones


HANDOFF_PREFIX = "perfkit-validated-"  # then the worker's pid and a random part: <tmp>/perfkit-validated-PID-….pickle


def _handoff(params_dir: Path, rec: UnitRecord, bundle, results, shared: Path | None = None) -> Path | None:
    """A private temporary file holding the unit as validated (:func:`perfkit.core.validated.write_validated`),
    which the notebook reads instead of loading and scoring the unit again; None if it cannot be written
    (the notebook then loads the unit itself: the same report, a little later). With ``shared``, the file is
    moved there for the batch's other readers and ``shared`` is returned, where this worker can."""
    from ..core.validated import write_validated

    sweep_once(HANDOFF_PREFIX)  # handoffs of workers killed before they could remove theirs
    path = None
    try:
        fd, path = tempfile.mkstemp(prefix=f"{HANDOFF_PREFIX}{os.getpid()}-", suffix=".pickle")  # this user's only
        os.close(fd)
        write_validated(path, params_dir, rec.department, rec.year, bundle, results)
    except OSError:
        if path:
            with contextlib.suppress(OSError):
                os.unlink(path)
        return None
    if shared is not None:
        try:
            os.replace(path, shared)  # both in the temporary folder: a reader finds the whole file or none
            return shared
        except OSError:  # a folder this worker cannot see (a Dask worker elsewhere): the file stays its own
            pass
    return Path(path)


def write_outputs(nb, rec: UnitRecord, udir: Path, bundle) -> dict[str, Path]:
    """The report files of one finished unit in one language, each written atomically into ``udir``: the
    executed notebook (normalized) and the client HTML. Returns {name in the manifest's ``outputs``: path};
    every file named there is hashed into the record, so the next batch can tell whether it is intact."""
    names = LANGUAGES[rec.language]
    final_nb, final_html = udir / names.notebook, udir / names.html
    html = _notebook_html().export_html(nb, rec.title, rec.language)
    atomic_write_text(final_nb, engine.notebook_text(nb))
    atomic_write_text(final_html, html)
    return {"notebook": final_nb, "html": final_html}


def _write_failure(exc: OSError, udir: Path) -> dict[str, Any]:
    where = exc.filename or udir
    return {"kind": "write", "summary": f"cannot write {where}: {exc.strerror or exc}", "path": str(where)}


def _keep_failed(rec: UnitRecord, tmp_nb: Path, failed_nb: Path, notebook: Path, out_dir: Path) -> None:
    """Move the executed notebook (with papermill's error markers) to its failed name."""
    if not tmp_nb.exists():
        return
    try:
        nb = engine.read_notebook(tmp_nb)
        engine.normalize_notebook(nb, notebook, failed_nb.name)
        atomic_write_text(failed_nb, engine.notebook_text(nb))
    except Exception:  # noqa: BLE001 - a half-written notebook: keep it as it is
        os.replace(tmp_nb, failed_nb)
    rec.outputs = {"failed_notebook": relative_to(failed_nb, out_dir)}


def _invalid(exc: ParameterError) -> dict[str, Any]:
    lines = [str(p) for p in exc.problems]
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    return {"kind": "invalid_parameters", "summary": f"invalid parameters: {lines[0] if lines else exc}{more}",
            "problems": lines}


# --------------------------------------------------------------------------------------------
# Many units
# --------------------------------------------------------------------------------------------


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """The unit of work an executor maps: plain dicts in and out, so it pickles to any worker."""
    try:
        return run_unit(**task, record=False, checked=True).to_dict()
    except Exception as exc:  # noqa: BLE001 - never lose a unit's result to a worker-side surprise
        return task_error(task, exc)


def task_error(task: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    """The record (as a dict) of a task whose worker returned none: status ``error`` and the exception."""
    return UnitRecord(task["department"], int(task["year"]), task["language"], status=ERROR, finished=now(),
                      versions=versions(), error={"kind": "error", "summary": error_summary(exc)}).to_dict()


def misnamed_record(params_dir: Path, department: str, year: int, language: str, why: str) -> UnitRecord:
    """The record of a folder found under the parameters directory whose name is no department id: invalid,
    nothing run or written for it, the problem naming the folder and the rule."""
    problem = Problem(str(params_dir / department), "", why)
    return UnitRecord(department, year, language, status=INVALID, started=now(), finished=now(), versions=versions(),
                      error=_invalid(ParameterError([problem])))


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped by Ctrl-C (SIGINT): ``done`` of ``total`` units finished, each recorded in the manifest."""

    def __init__(self, done: int, total: int, manifest: Path):
        super().__init__(done, total)
        self.done, self.total, self.manifest = done, total, manifest

    def __str__(self) -> str:
        return f"interrupted after {self.done} of {self.total} units; the manifest lists the finished ones"


@dataclass
class BatchResult:
    """What a batch did: one record per unit and language (``skipped`` ones kept from their last run),
    the manifest written, the wall time; with ``dry_run``, the decisions alone and nothing written."""

    records: list[UnitRecord]
    manifest: Path | None
    duration_s: float
    decisions: list[Decision] = field(default_factory=list)

    @property
    def failed(self) -> list[UnitRecord]:
        return [r for r in self.records if not r.ok]

    @property
    def skipped(self) -> list[UnitRecord]:
        return [r for r in self.records if r.skipped]

    @property
    def ok(self) -> bool:
        return not self.failed

    def plan_lines(self) -> list[str]:
        """``--dry-run``: one line per unit, what would run and why."""
        return describe(self.decisions)


# How often (at most) a batch rewrites manifest.json from the journal while it runs: every SNAPSHOT_S seconds,
# and never more than SNAPSHOT_SHARE of its time (a rewrite costs more as the manifest grows).
SNAPSHOT_S, SNAPSHOT_SHARE = 5.0, 0.02


def select_units(units: list[tuple[str, int]], only: list[str] | None) -> list[tuple[str, int]]:
    """The units named by ``--only DEPARTMENT[/YEAR]`` (any of several), all if none; RunError for a choice
    that names no unit under the parameters directory."""
    if not only:
        return units
    chosen: list[tuple[str, int]] = []
    for choice in only:
        department, _, year = choice.strip("/").partition("/")
        found = [u for u in units if u[0] == department and (not year or str(u[1]) == year)]
        if not found:
            known = ", ".join(f"{d}/{y}" for d, y in units)
            raise RunError(f"--only {choice}: no such department-year under the parameters directory; "
                           f"expected DEPARTMENT or DEPARTMENT/YEAR among {known}")
        chosen += [u for u in found if u not in chosen]
    return [u for u in units if u in chosen]


def _share_server(kernel_name: str) -> str | None:
    """One warm server for the batch (:func:`perfkit.run.cells.share_server`): its workers and the portfolio
    fork their children from it, instead of each importing perfkit and its libraries into a server of its own
    (3 s of CPU each). None when there can be none (each worker then starts its own)."""
    from .cells import share_server

    return share_server(kernel_name, engine.KERNEL_ENV)


def run_batch(params_dir: str | os.PathLike = "parameters", out_dir: str | os.PathLike = "reports",
              workers: int | None = None, languages: str | list[str] | None = "all", *,
              notebook: str | os.PathLike | None = None, kernel_name: str = DEFAULT_KERNEL,
              timeout: float | None = DEFAULT_CELL_TIMEOUT, executor: str = "process",
              scheduler: str | None = None, progress: bool = True, force: bool = False,
              only: list[str] | None = None, dry_run: bool = False,
              templates: str | os.PathLike | None = None, engine_name: str = engine.DEFAULT_ENGINE,
              documents: tuple[str, ...] = DOCUMENTS) -> BatchResult:
    """Run every department-year under ``params_dir`` (or those ``only`` names: ``DEPARTMENT`` or
    ``DEPARTMENT/YEAR``) in every chosen language, in parallel, skipping the units whose inputs, notebook,
    templates (the shipped ones and ``templates``, a firm's overrides), perfkit and outputs are as their last
    ok run recorded (:mod:`perfkit.run.incremental`) unless ``force``. ``dry_run`` decides and returns the
    decisions without running or writing anything. ``engine_name`` chooses how the cells are executed
    (:data:`perfkit.run.engine.ENGINES`: forked from a warm server, or in fresh kernels as papermill does);
    ``documents`` which of :data:`~perfkit.run.units.DOCUMENTS` each unit writes (a unit whose last run wrote
    others runs again).

    A unit that fails does not stop the others; every outcome is in the returned records and the manifest.
    Raises RunError (before any unit runs) if the notebook, kernel, executor, options or output directory cannot
    be used, or if the manifest cannot be written at the end; :class:`BatchInterrupted` on Ctrl-C, once the
    units finished so far are in the manifest.
    """
    t0 = time.monotonic()
    langs = languages_of(languages)
    run = get_executor(executor).run
    if workers is not None and workers < 1:
        raise RunError(f"--workers must be at least 1, got {workers}")
    params_dir = Path(params_dir).resolve()
    out_dir = Path(out_dir)
    address = None
    shares = not dry_run and engine_name == "perfkit" and executor == "process" and workers != 1
    if shares and params_dir.is_dir() and not (out_dir / MANIFEST_NAME).exists():
        # No earlier run in this folder: every unit found will run, so the batch's warm server starts now, before
        # the imports and checks below (0.6 s): its own imports (2.5 s) are what the first reports wait for.
        address = _share_server(kernel_name)
    units = discover_units(params_dir)
    if not units:
        raise RunError(f"{params_dir}: no <department>/<year>.yaml files found")
    units = select_units(units, only)

    from tqdm import tqdm

    from ..load import unit_name_problem

    notebook = (Path(notebook) if notebook else engine.default_notebook()).resolve()
    templates = check_templates(templates)
    misnamed = {unit: why for unit in units if (why := unit_name_problem(*unit))}
    earlier = {(u["department"], u["year"], u["language"]): u
               for u in (read_manifest(out_dir) or {}).get("units", [])} if out_dir.is_dir() else {}
    decisions = plan([(d, y, lang) for d, y in units if (d, y) not in misnamed for lang in langs], earlier,
                     params_dir=params_dir, out_dir=out_dir.resolve(), notebook=notebook, kernel_name=kernel_name,
                     force=force, templates=templates, documents=documents)
    # The notebook and kernel are checked only when a unit is to run (papermill and jupyter_client cost about
    # a second to import): a batch that skips every unit takes a fraction of a second.
    kernel = {"name": kernel_name}
    to_run = sum(1 for d in decisions if d.run)
    workers = workers or default_workers(to_run)
    if to_run or misnamed:
        kernel = engine.check_kernel(kernel_name)
        if shares and address is None and min(workers, to_run) > 1:
            address = _share_server(kernel_name)
        engine.check_notebook(notebook)
    if dry_run:
        refused = [Decision(d, y, lang, True, f"invalid: {why}") for (d, y), why in misnamed.items() for lang in langs]
        return BatchResult([], None, round(time.monotonic() - t0, 3), sorted(refused + decisions,
                           key=lambda d: record_order(*d.key)))
    out_dir = check_out_dir(out_dir)
    # Every unit's first language before any second one: by the time a unit's report in its second language
    # starts, the first has validated the unit into the batch's shared folder (read there, not validated again).
    runs = sorted((d for d in decisions if d.run), key=lambda d: language_order(d.language))
    handoffs = private_dir(HANDOFF_PREFIX) if runs else None
    tasks = [dict(department=d.department, year=d.year, language=d.language, params_dir=str(params_dir),
                  out_dir=str(out_dir.resolve()), notebook=str(notebook), kernel_name=kernel_name, timeout=timeout,
                  templates=templates, engine_name=engine_name, documents=documents, handoffs=handoffs)
             for d in runs]
    kept = [_kept(d) for d in decisions if not d.run]
    refused = [misnamed_record(params_dir, d, y, lang, why).to_dict() for (d, y), why in misnamed.items() for lang in langs]
    records: list[UnitRecord] = list(kept)
    told: set[tuple] = set()
    total = len(tasks) + len(refused) + len(kept)
    snapshot = _Snapshot(out_dir, params_dir, notebook)
    worker_env: dict[str, str] = {}
    if tasks and address:
        from .forkserver import SHARED_ENV

        worker_env = {SHARED_ENV: address}
    alongside, reported = None, False  # reported: a unit of this batch's has come back ok
    start_at = portfolio_start(tasks, workers) if tasks and engine_name == "perfkit" else None  # None: not here
    if start_at == 0:  # as many workers as reports: none would be free for it later
        alongside = _portfolio_alongside(params_dir, kernel_name, timeout, engine_name, handoffs)
    try:
        with tqdm(total=total, initial=len(kept), desc="reports", unit="report", file=sys.stderr,
                  disable=not progress, dynamic_ncols=True) as bar:
            running = run(run_task, tasks, workers, on_error=task_error, scheduler=scheduler,
                          worker_env=worker_env) if tasks else iter(())
            try:
                for finished, result in enumerate(chain(refused, running), 1):
                    record = UnitRecord.from_dict(result)
                    # Started once a report has also come back ok: with none (every unit so far invalid or failed)
                    # there may be nothing for it to show, and the batch would drop it.
                    reported = reported or record.ok
                    if alongside is None and start_at is not None and finished > start_at and reported:
                        alongside = _portfolio_alongside(params_dir, kernel_name, timeout, engine_name, handoffs)
                    _take(record, records, told, bar, kernel, out_dir)
                    snapshot.maybe()
            except KeyboardInterrupt:
                if hasattr(running, "close"):
                    running.close()  # the executor stops its workers
                if alongside is not None:
                    alongside.cancel()
                with contextlib.suppress(RunError):
                    write_manifest(out_dir, [], params_dir=params_dir, notebook=notebook)  # fold the journal in
                raise BatchInterrupted(len(records) - len(kept), total - len(kept), out_dir / MANIFEST_NAME) from None
            except BaseException:  # anything else ends the batch too: its workers and the portfolio run with it
                if hasattr(running, "close"):
                    running.close()
                if alongside is not None:
                    alongside.cancel()
                raise
        if alongside is None and start_at is not None and reported:  # the first ok report came last: run it now
            alongside = _portfolio_alongside(params_dir, kernel_name, timeout, engine_name, handoffs)
        records.sort(key=lambda r: record_order(*r.key))
        manifest = finish_batch(out_dir, records, params_dir=params_dir, notebook=notebook,
                                full=set(langs) == set(LANGUAGES) and not only, kernel_name=kernel_name,
                                timeout=timeout, engine_name=engine_name, alongside=alongside)
    finally:
        if handoffs:  # after the portfolio, which reads them (finish_batch waits for it or cancels it)
            shutil.rmtree(handoffs, ignore_errors=True)
    return BatchResult(records, manifest, round(time.monotonic() - t0, 3), decisions)


def portfolio_start(tasks: list[dict[str, Any]], workers: int) -> int:
    """After how many finished reports a batch starts its portfolio notebook: once every unit has been
    validated into the shared folder (as many as there are units: the first languages), or half-way through a
    batch of one language, whichever comes first; at once (0) when no worker would be free later. It then
    reads the units there instead of loading and scoring each again (in a batch of one language, the first
    half of them), while the other reports still run."""
    units = len({(t["department"], t["year"]) for t in tasks})
    return min(units, len(tasks) // 2, max(len(tasks) - workers, 0))


def _portfolio_alongside(params_dir: Path, kernel_name: str, timeout: float | None, engine_name: str,
                         handoffs: str | None):
    from .portfolio import PortfolioAlongside

    return PortfolioAlongside(params_dir, kernel_name=kernel_name, timeout=timeout, engine_name=engine_name,
                              handoffs=handoffs)


def finish_batch(out_dir: Path, records: list[UnitRecord], *, params_dir: Path, notebook: Path, full: bool,
                 kernel_name: str = DEFAULT_KERNEL, timeout: float | None = DEFAULT_CELL_TIMEOUT,
                 engine_name: str = engine.DEFAULT_ENGINE, alongside=None) -> Path:
    """The end of a batch: every record (run, skipped, failed) merged into ``manifest.json``, written atomically
    (the journal folded in); a ``full`` batch (every unit, every language) also drops the entries of units no
    longer under ``params_dir``. Returns the manifest's path; RunError if it cannot be written. ``alongside``:
    the portfolio notebook already executed while the units ran (:class:`~perfkit.run.portfolio.PortfolioAlongside`)."""
    try:
        manifest = write_manifest(out_dir, records, params_dir=params_dir, notebook=notebook, replace=full)
    except BaseException:
        if alongside is not None:
            alongside.cancel()
        raise
    _portfolio_and_index(out_dir, records, params_dir=params_dir, kernel_name=kernel_name, timeout=timeout,
                         engine_name=engine_name, alongside=alongside)
    return manifest


def _portfolio_and_index(out_dir: Path, records: list[UnitRecord], *, params_dir: Path, kernel_name: str,
                         timeout: float | None, engine_name: str = engine.DEFAULT_ENGINE, alongside=None) -> None:
    """``<out>/portfolio.*`` (the portfolio notebook, run again only when a unit was rerun or it is missing;
    written from ``alongside`` when it was executed while the units ran) and ``<out>/index.html`` (every unit
    of the manifest, rewritten each time: it is cheap)."""
    from ..report import index_page

    rerun = any(r.ok and not getattr(r, "skipped", False) for r in records)
    missing = not (out_dir / "portfolio.html").exists()
    if any(r.ok for r in records) and (rerun or missing):
        from .portfolio import run_portfolio, write_portfolio  # a kernel and nbconvert: only when it reruns

        if alongside is not None:
            folio = write_portfolio(out_dir, alongside.result())
        else:
            folio = run_portfolio(out_dir, params_dir, kernel_name=kernel_name, timeout=timeout,
                                  engine_name=engine_name)
        if not folio.ok:
            print(f"✗ portfolio notebook: {folio.error}", file=sys.stderr)
    elif alongside is not None:
        alongside.cancel()  # no unit was rerun: the portfolio on disk stands
    index_page.write_index(out_dir, params_dir, (read_manifest(out_dir) or {}).get("units", []))


def _kept(decision: Decision) -> UnitRecord:
    """The record of a skipped unit: its last run's, marked ``skipped``."""
    rec = decision.earlier
    assert rec is not None
    rec.skipped = True
    return rec


class _Snapshot:
    """Rewrites ``manifest.json`` from the journal while a batch runs, at most every :data:`SNAPSHOT_S`
    seconds and within :data:`SNAPSHOT_SHARE` of the batch's time, so the file alone is never far behind
    (the journal beside it has the rest) while the controller's cost stays linear in the number of units."""

    def __init__(self, out_dir: Path, params_dir: Path, notebook: Path):
        self.out_dir, self.params_dir, self.notebook = out_dir, params_dir, notebook
        self.last, self.cost = time.monotonic(), 0.0

    def maybe(self) -> None:
        if time.monotonic() - self.last < max(SNAPSHOT_S, self.cost / SNAPSHOT_SHARE):
            return
        t = time.monotonic()
        with contextlib.suppress(RunError):  # a full disk: the final write says so if it still fails
            write_manifest(self.out_dir, [], params_dir=self.params_dir, notebook=self.notebook)
        self.last, self.cost = time.monotonic(), time.monotonic() - t


def _take(rec: UnitRecord, records: list[UnitRecord], told: set[tuple], bar, kernel: dict[str, str],
          out_dir: Path) -> None:
    """One finished unit of a batch: recorded, appended to the manifest's journal, its failure said once,
    counted."""
    rec.kernel = {**kernel, **(rec.kernel or {})}
    records.append(rec)
    # Recorded as it finishes: a batch interrupted or killed half-way leaves a manifest (with its journal)
    # describing the reports on disk. A journal that cannot be written now (a full disk) does not stop the
    # batch: the final write of the manifest says so if it still fails.
    with contextlib.suppress(OSError):
        append_journal(out_dir, rec)
    said = failure_key(rec)
    if not rec.ok and said not in told:  # an invalid unit fails alike in every language: say it once
        told.add(said)
        bar.write(f"✗ {describe_failure(rec, out_dir)}", file=sys.stderr)
    bar.set_postfix_str(f"{rec.department} {rec.year} {rec.language}: {rec.status}", refresh=False)
    bar.update(1)


# --------------------------------------------------------------------------------------------
# Failures, as a person reads them
# --------------------------------------------------------------------------------------------


def describe_failure(rec: UnitRecord, out_dir: str | os.PathLike | None = None,
                     languages: list[str] | None = None) -> str:
    """One line: which unit (and languages), what went wrong, where its failed notebook is."""
    err = rec.error or {}
    langs = ", ".join(languages or [rec.language])
    text = f"{rec.department} {rec.year} [{langs}] {rec.status}: {err.get('summary', 'no details')}"
    if kept := rec.outputs.get("failed_notebook"):
        where = Path(out_dir) / kept if out_dir is not None else kept
        text += f"; executed notebook with the error kept at {where}"
    return text


def failure_key(rec: UnitRecord) -> tuple:
    """Failures with the same key are one problem (an invalid unit fails alike in every language)."""
    return rec.department, rec.year, rec.status, (rec.error or {}).get("summary")


def group_failures(records: list[UnitRecord]) -> list[tuple[UnitRecord, list[str]]]:
    """Failed records with the same unit and cause merged: (first record, its languages)."""
    groups: dict[tuple, tuple[UnitRecord, list[str]]] = {}
    for r in records:
        if r.ok:
            continue
        groups.setdefault(failure_key(r), (r, []))[1].append(r.language)
    return list(groups.values())
