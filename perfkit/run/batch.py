"""Running the evaluation notebook: one department-year (:func:`run_unit`) or all of them (:func:`run_batch`).

Owns: executing ``notebooks/evaluation.ipynb`` with papermill per unit (department-year) and language,
exporting the client HTML, writing reports atomically, isolating failures, and the run manifest
(``<out>/manifest.json``). The layout of ``<out>`` is described in ``reports/README.md``:

    <out>/<department>/<year>/report.ipynb        executed notebook, Chinese (zh)
    <out>/<department>/<year>/report.html         client version: no code, no prompts, charts embedded
    <out>/<department>/<year>/report.en.ipynb     the same in English (en)
    <out>/<department>/<year>/report.en.html
    <out>/<department>/<year>/report[.en].failed.ipynb   a failed run's executed notebook, with the error
    <out>/manifest.json                           per unit and language: status, timings, input hashes, versions

A unit's parameters are validated (loaded and scored) before any kernel starts, so a unit with invalid
parameters fails fast with the problem lines of :class:`~perfkit.errors.ParameterError`. Every file is
written to a temporary name beside its final one and moved into place with ``os.replace``, so a report
in its final name is always a finished one; the folder of a unit always reflects its latest run (a run
that fails removes the reports of an earlier run, which no longer match the parameters).

Executors (``EXECUTORS``) map the same picklable task over a pool: ``process`` (local processes, the
default) and ``dask`` (a Dask cluster, optional extra ``distributed``; the workers must see the same
file system as the caller).
"""

from __future__ import annotations

import contextlib
import hashlib
import html as html_lib
import json
import logging
import os
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import ParameterError, Problem, RunError

DEFAULT_KERNEL = "python3"
DEFAULT_CELL_TIMEOUT = 600  # seconds one notebook cell may run before the unit is failed
REQUIRED_PARAMETERS = ("department", "year", "language", "params_dir")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
VERSIONED_PACKAGES = ("perfkit", "pandas", "numpy", "matplotlib", "papermill", "nbconvert", "nbclient", "ipykernel")

# Statuses of a unit in the manifest.
OK, FAILED, INVALID, ERROR = "ok", "failed", "invalid", "error"

# Environment of the kernel, whatever the caller's: a fixed hash seed so set iteration order cannot change
# a number, and matplotlib's inline backend so charts land in the notebook even if the caller set
# MPLBACKEND=Agg (as test suites do), which would silently drop every chart from the report.
KERNEL_ENV = {"PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

# nbconvert template of the client HTML (lab without network scripts); see its index.html.j2.
TEMPLATES = Path(__file__).resolve().parents[1] / "report" / "templates" / "nbconvert"

# Lines the kernel process prints on its stderr that say nothing about the report.
KERNEL_NOISE = ("Kernel is running over TCP without encryption", "does not end in one of ['.ipynb'",
                "warnings.warn(f\"The specified file")

# Cells a notebook author can keep out of the client HTML (they stay in report.ipynb).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")


# --------------------------------------------------------------------------------------------
# Languages and output names (a registry: a new language is one line here and templates in narrative)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outputs:
    """The file names of one language's report in ``<out>/<department>/<year>/``."""

    notebook: str
    html: str
    failed: str


LANGUAGES: dict[str, Outputs] = {
    "zh": Outputs("report.ipynb", "report.html", "report.failed.ipynb"),
    "en": Outputs("report.en.ipynb", "report.en.html", "report.en.failed.ipynb"),
}


def languages_of(choice: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"all"``/``None`` → every language; ``"zh"`` → ``["zh"]``; a list is checked."""
    if choice is None or choice == "all":
        return list(LANGUAGES)
    chosen = [choice] if isinstance(choice, str) else list(choice)
    unknown = [c for c in chosen if c not in LANGUAGES]
    if unknown:
        raise RunError(f"unknown language {unknown[0]!r}; expected one of {', '.join(LANGUAGES)} or all")
    return chosen


def unit_dir(out_dir: str | os.PathLike, department: str, year: int) -> Path:
    return Path(out_dir) / department / str(year)


# --------------------------------------------------------------------------------------------
# Preconditions: the notebook and the kernel
# --------------------------------------------------------------------------------------------


def default_notebook() -> Path:
    """``notebooks/evaluation.ipynb`` of the source tree perfkit is installed from (editable install)."""
    return Path(__file__).resolve().parents[2] / "notebooks" / "evaluation.ipynb"


def check_notebook(path: str | os.PathLike) -> Path:
    """The notebook exists and declares every parameter perfkit passes; RunError saying what is missing."""
    import papermill

    path = Path(path)
    if not path.is_file():
        raise RunError(f"{path}: notebook not found (the evaluation notebook is notebooks/evaluation.ipynb "
                       "in the source tree; pass --notebook PATH for another)")
    try:
        declared = papermill.inspect_notebook(str(path))
    except Exception as exc:  # noqa: BLE001 - a notebook that cannot be read is a user-facing problem
        raise RunError(f"{path}: cannot be read as a notebook ({type(exc).__name__}: {exc})") from None
    missing = [p for p in REQUIRED_PARAMETERS if p not in declared]
    if missing:
        what = "has no cell tagged 'parameters'" if not declared else f"does not declare {', '.join(missing)}"
        raise RunError(f"{path}: the notebook {what}; perfkit passes {', '.join(REQUIRED_PARAMETERS)} "
                       "through its cell tagged 'parameters'")
    return path


def check_kernel(name: str = DEFAULT_KERNEL) -> dict[str, str]:
    """The Jupyter kernel spec papermill will start; RunError with the remedy if there is none."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    ksm = KernelSpecManager()
    try:
        spec = ksm.get_kernel_spec(name)
    except NoSuchKernel:
        found = ", ".join(sorted(ksm.find_kernel_specs())) or "none"
        raise RunError(f"no Jupyter kernel named {name!r} (found: {found}). scripts/bootstrap.sh registers "
                       f"{DEFAULT_KERNEL!r} inside .venv; or pass --kernel NAME") from None
    exe = spec.argv[0] if spec.argv else ""
    if os.path.isabs(exe) and not os.path.exists(exe):
        raise RunError(f"Jupyter kernel {name!r} ({spec.resource_dir}) starts {exe}, which does not exist "
                       "(a moved or deleted virtual environment?); rerun scripts/bootstrap.sh to register it again")
    return {"name": name, "display_name": spec.display_name, "executable": exe}


# --------------------------------------------------------------------------------------------
# What a record holds: input hashes, versions, error summaries
# --------------------------------------------------------------------------------------------


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


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"File (\S+?):(\d+)")


def summarize_execution_error(err) -> dict[str, Any]:
    """A short cause from papermill's PapermillExecutionError: cell, exception name and value, and the
    innermost source location named in the traceback."""
    source = (err.source or "").strip().splitlines()
    first = next((ln.strip() for ln in source if ln.strip() and not ln.lstrip().startswith("#")), "")
    where = None
    for line in err.traceback or []:
        for m in _FRAME.finditer(_ANSI.sub("", line)):
            where = f"{m.group(1)}:{m.group(2)}"
    evalue = " ".join((err.evalue or "").split())
    summary = f"cell {err.cell_index} (In [{err.exec_count}]"
    summary += f": {first[:70] + ('…' if len(first) > 70 else '')})" if first else ")"
    summary += f": {err.ename}: {evalue}" if evalue else f": {err.ename}"
    if where:
        summary += f" (at {where})"
    if err.ename in ("ModuleNotFoundError", "ImportError") and "perfkit" in evalue:
        summary += "; the kernel's Python does not have perfkit installed: rerun scripts/bootstrap.sh"
    return {"kind": "notebook_error", "summary": summary, "cell": err.cell_index,
            "execution_count": err.exec_count, "ename": err.ename, "evalue": err.evalue, "where": where}


# --------------------------------------------------------------------------------------------
# Notebook post-processing: reproducible report.ipynb, title, client HTML
# --------------------------------------------------------------------------------------------

_TIMING_KEYS = ("start_time", "end_time", "duration")


def normalize_notebook(nb, notebook: Path, output_name: str) -> None:
    """Remove what varies between runs of the same inputs (timings, random ids of inserted cells,
    temporary paths) so report.ipynb changes only when its content does. Timings go to the manifest."""
    pm = nb.metadata.get("papermill", {})
    for key in _TIMING_KEYS:
        pm.pop(key, None)
    pm["input_path"] = notebook.name
    pm["output_path"] = output_name
    counts: dict[str, int] = {}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's iopub/shell timestamps
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for key in _TIMING_KEYS:
                cpm.pop(key, None)
        tags = cell.metadata.get("tags", [])
        # Cells papermill inserts get random ids; give them stable ones.
        for tag in ("injected-parameters", "papermill-error-cell-tag"):
            if tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
                cell["id"] = tag if counts[tag] == 1 else f"{tag}-{counts[tag]}"


_MD_H1 = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)
_HTML_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")


def _clean_title(text: str) -> str:
    text = html_lib.unescape(_TAGS.sub("", text)).replace("¶", "")
    return " ".join(text.replace("**", "").replace("__", "").split())


def report_title(nb, fallback: str) -> str:
    """The report's title: its first level-1 heading, in a Markdown cell or a Markdown/HTML output."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = _MD_H1.search(cell.source)
            if m:
                return _clean_title(m.group(1))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data and (m := _MD_H1.search("".join(data["text/markdown"]))):
                return _clean_title(m.group(1))
            if "text/html" in data and (m := _HTML_H1.search("".join(data["text/html"]))):
                return _clean_title(m.group(1))
    return fallback


def fallback_title(bundle, language: str) -> str:
    dept = bundle.department
    if language == "en":
        return f"{getattr(dept, 'name_en', None) or dept.name}: performance evaluation report, {bundle.year}"
    return f"{dept.name}{bundle.year}年度绩效评价报告"


def client_notebook(nb):
    """A copy for the client HTML: stderr (warnings) dropped; they are recorded in the manifest instead."""
    import copy

    client = copy.deepcopy(nb)
    for cell in client.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return client


def stderr_outputs(nb, limit: int = 20, width: int = 300) -> list[str]:
    """Warnings and other stderr text the notebook printed, for the manifest."""
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                text = " ".join("".join(o.get("text", "")).split())
                if text:
                    out.append(f"cell {i}: {text[:width]}{'…' if len(text) > width else ''}")
    return out[:limit]


def export_html(nb, title: str, language: str) -> str:
    """The client version: no code, no prompts, images embedded as data URIs, titled, self-contained."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.exclude_anchor_links = True
    c.HTMLExporter.language_code = language if language in LANGUAGES else "en"
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(config=c, extra_template_basedirs=[str(TEMPLATES)], template_name="perfkit_report")
    client = client_notebook(nb)
    client.metadata["title"] = title
    body, _ = exporter.from_notebook_node(client, resources={"metadata": {"name": title}})
    return body


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _tmp_name(final: Path) -> Path:
    """A hidden name beside ``final`` with the same suffix (papermill wants .ipynb), unique per process."""
    return final.with_name(f".{final.stem}.{os.getpid()}.tmp{final.suffix}")


def atomic_write_text(path: Path, text: str) -> None:
    tmp = _tmp_name(path)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _remove(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


# The kernel's environment, working directory and stderr are given to the kernel process alone, through a
# kernel manager that passes them to its Popen, never by changing ``os.environ``, the working directory or
# file descriptor 2 of this process: a Dask worker may run several units at once in threads of one process
# (``--scheduler`` with ``nthreads > 1``), and process-wide changes would then undo each other.

@lru_cache(maxsize=1)
def kernel_manager_class() -> type:
    """``PerfkitKernelManager``: a Jupyter kernel manager that starts its kernel with extra environment
    variables (``kernel_env``), in ``kernel_cwd`` and with its stderr on file descriptor ``kernel_stderr``,
    all set through the config nbclient hands it; a restart reuses them. (Made on first use: importing
    jupyter_client costs every perfkit command otherwise.)"""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Dict, Int, Unicode

    class PerfkitKernelManager(AsyncKernelManager):
        kernel_env = Dict(config=True, help="variables added to the kernel's environment")
        kernel_cwd = Unicode("", config=True, help="the kernel's working directory")
        kernel_stderr = Int(-1, config=True, help="file descriptor the kernel's stderr goes to (-1: inherited)")

        async def start_kernel(self, **kw):
            if self.kernel_env:
                kw["env"] = {**(kw.get("env") or os.environ), **self.kernel_env}
            if self.kernel_cwd:
                kw.setdefault("cwd", self.kernel_cwd)
            if self.kernel_stderr >= 0:
                kw.setdefault("stderr", self.kernel_stderr)
            await super().start_kernel(**kw)

    return PerfkitKernelManager


@contextlib.contextmanager
def _kernel_config(cwd: Path):
    """The config of one notebook run: yields (config, function returning the lines the kernel printed on
    its stderr, less known noise). The kernel gets ``KERNEL_ENV``, runs in ``cwd`` and writes its stderr to a
    private temporary file (which keeps the terminal and the progress bar clean; what the kernel said goes
    to the manifest instead).

    Kernels talk over Unix sockets in a private directory where there are such sockets: kernels started at
    once in parallel then cannot race for the same free TCP port (which kills a kernel's heartbeat with
    "Address already in use"), and no socket file lands in the notebook's directory."""
    import shutil
    import tempfile

    from traitlets.config import Config

    c = Config()
    c.NotebookClient.kernel_manager_class = kernel_manager_class()
    c.PerfkitKernelManager.kernel_env = dict(KERNEL_ENV)
    c.PerfkitKernelManager.kernel_cwd = str(cwd)
    lines: list[str] = []
    with contextlib.ExitStack() as stack:
        f = stack.enter_context(tempfile.TemporaryFile(mode="w+b"))
        c.PerfkitKernelManager.kernel_stderr = f.fileno()  # open until the kernel is gone
        if os.name == "posix":
            sockets = tempfile.mkdtemp(prefix="perfkit-kernel-")
            stack.callback(shutil.rmtree, sockets, ignore_errors=True)
            c.KernelManager.transport = "ipc"
            c.KernelManager.ip = os.path.join(sockets, "k")  # sockets k-1, k-2, …: short (Unix limit ~107 bytes)
        try:
            yield c, lambda: lines
        finally:
            f.seek(0)
            text = f.read().decode("utf-8", "replace")
            lines += [ln.rstrip() for ln in text.splitlines()
                      if ln.strip() and not any(noise in ln for noise in KERNEL_NOISE)]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------------------------
# One unit
# --------------------------------------------------------------------------------------------


@dataclass
class UnitRecord:
    """What one run of one unit in one language did: the manifest entry."""

    department: str
    year: int
    language: str
    status: str = ERROR
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    title: str | None = None
    inputs: dict[str, Any] | None = None
    versions: dict[str, str] = field(default_factory=dict)
    kernel: dict[str, str] | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def key(self) -> tuple[str, int, str]:
        return self.department, self.year, self.language

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "UnitRecord":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def validate_unit(params_dir: str | os.PathLike, department: str, year: int | str):
    """Load and score a unit without running anything: ParameterError names every problem."""
    from ..load import find_unit, load
    from ..core.scoring import score_bundle

    bundle = load(find_unit(params_dir, department, year), str(params_dir))
    score_bundle(bundle)
    return bundle


def run_unit(department: str, year: int | str, language: str = "zh", params_dir: str | os.PathLike = "parameters",
             out_dir: str | os.PathLike = "reports", *, notebook: str | os.PathLike | None = None,
             kernel_name: str = DEFAULT_KERNEL, timeout: float | None = DEFAULT_CELL_TIMEOUT,
             record: bool = True, checked: bool = False) -> UnitRecord:
    """Run the evaluation notebook for one department-year in one language and write its report.

    Returns the manifest record; never raises for a problem of the unit (its status says what happened).
    Raises RunError before doing anything if the notebook, kernel or language cannot be used.
    ``record=True`` also merges the record into ``<out_dir>/manifest.json``; ``checked=True`` skips the
    notebook and kernel checks (the batch does them once).
    """
    from ..load import find_unit

    languages_of(language)
    year = int(year)
    if not Path(params_dir).is_dir():
        raise RunError(f"{params_dir}: parameters directory not found")
    find_unit(params_dir, department, year)  # ParameterError naming what exists, before any record is made
    params_dir = Path(params_dir).resolve()
    notebook = Path(notebook) if notebook else default_notebook()
    kernel = None
    if not checked:
        check_notebook(notebook)
        kernel = check_kernel(kernel_name)
    rec = UnitRecord(department, year, language, started=_now(), versions=versions(),
                     kernel=kernel or {"name": kernel_name})
    t0 = time.monotonic()
    try:
        _run_unit(rec, params_dir, Path(out_dir), notebook.resolve(), kernel_name, timeout)
    except Exception as exc:  # noqa: BLE001 - a unit's failure is recorded, never raised at the batch
        rec.status = ERROR
        rec.error = {"kind": "error", "summary": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
        names, udir = LANGUAGES[language], unit_dir(out_dir, department, year)
        _remove(udir / names.notebook, udir / names.html)  # no earlier report poses as this run's
    rec.finished = _now()
    rec.duration_s = round(time.monotonic() - t0, 3)
    if record:
        write_manifest(out_dir, [rec], params_dir=params_dir, notebook=notebook)
    return rec


def notebook_relative(params_dir: Path, notebook: Path) -> str:
    """``params_dir`` as the notebook is given it: relative to the notebook's folder, where its kernel runs
    (``perfkit.report.narrative.resolve_params_dir`` resolves it against the working directory), so report.ipynb
    does not name the checkout it was made in; absolute only where no relative path exists (another drive)."""
    try:
        return Path(os.path.relpath(params_dir, notebook.parent)).as_posix()
    except ValueError:
        return str(params_dir)


def _run_unit(rec: UnitRecord, params_dir: Path, out_dir: Path, notebook: Path, kernel_name: str,
              timeout: float | None) -> None:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    names = LANGUAGES[rec.language]
    udir = unit_dir(out_dir, rec.department, rec.year)
    final_nb, final_html, failed_nb = udir / names.notebook, udir / names.html, udir / names.failed

    # 1. Parameters first: an invalid unit fails here, with the problem lines, and no kernel is started.
    from ..load import find_unit

    unit_file = find_unit(params_dir, rec.department, rec.year)
    if len(files := unit_files(params_dir, rec.department, rec.year)) > 1:
        rec.inputs = hash_inputs(files, params_dir, notebook)
        rec.status, rec.error = INVALID, _invalid(ambiguous_unit(files))
        _remove(final_nb, final_html, failed_nb)
        return
    try:
        bundle = validate_unit(params_dir, rec.department, rec.year)
        rec.inputs = hash_inputs(bundle.input_files(), params_dir, notebook)
    except ParameterError as exc:
        rec.inputs = hash_inputs([unit_file], params_dir, notebook)
        rec.status, rec.error = INVALID, _invalid(exc)
        _remove(final_nb, final_html, failed_nb)  # an earlier run's files no longer match these parameters
        return

    # 2. Execute into a temporary file beside the final one.
    udir.mkdir(parents=True, exist_ok=True)
    tmp_nb = _tmp_name(final_nb)
    parameters = {"department": rec.department, "year": rec.year, "language": rec.language,
                  "params_dir": notebook_relative(params_dir, notebook)}
    logging.getLogger("papermill").setLevel(logging.ERROR)
    try:
        stderr: Callable[[], list[str]] = list
        try:
            # The kernel runs in the notebook's directory (set by the kernel manager, not papermill's cwd=,
            # which would change this whole process's working directory).
            with _kernel_config(notebook.parent) as (config, stderr):
                nb = papermill.execute_notebook(
                    str(notebook), str(tmp_nb), parameters=parameters, kernel_name=kernel_name,
                    progress_bar=False, log_output=False,
                    execution_timeout=timeout, request_save_on_cell_execute=True, config=config)
        except PapermillExecutionError as exc:
            rec.status, rec.error = FAILED, summarize_execution_error(exc)
            _keep_failed(rec, tmp_nb, failed_nb, notebook, out_dir)
            _remove(final_nb, final_html)
            return
        except Exception as exc:  # noqa: BLE001 - kernel died, cell timed out, kernel would not start …
            rec.status = FAILED
            rec.error = {"kind": "execution", "summary": f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                         "stderr_tail": stderr()[-20:]}
            _keep_failed(rec, tmp_nb, failed_nb, notebook, out_dir)
            _remove(final_nb, final_html)
            return
        finally:
            rec.warnings = [f"kernel stderr: {ln[:300]}" for ln in stderr()[:20]]

        # 3. The finished report: normalized notebook and client HTML, each moved into place.
        normalize_notebook(nb, notebook, names.notebook)
        lang = nb.metadata.get("language_info", {})
        rec.kernel = {**(rec.kernel or {}), "language": lang.get("name"), "version": lang.get("version")}
        rec.title = report_title(nb, fallback_title(bundle, rec.language))
        rec.warnings += stderr_outputs(nb)
        nb.metadata["title"] = rec.title
        html = export_html(nb, rec.title, rec.language)
        atomic_write_text(final_nb, nbformat.writes(nb) + "\n")
        atomic_write_text(final_html, html)
        _remove(failed_nb)
        rec.status = OK
        rec.outputs = {"notebook": _rel(final_nb, out_dir), "html": _rel(final_html, out_dir)}
    finally:
        _remove(tmp_nb)


def _keep_failed(rec: UnitRecord, tmp_nb: Path, failed_nb: Path, notebook: Path, out_dir: Path) -> None:
    """Move the executed notebook (with papermill's error markers) to its failed name."""
    import nbformat

    if not tmp_nb.exists():
        return
    try:
        nb = nbformat.read(tmp_nb, as_version=4)
        normalize_notebook(nb, notebook, failed_nb.name)
        atomic_write_text(failed_nb, nbformat.writes(nb) + "\n")
    except Exception:  # noqa: BLE001 - a half-written notebook: keep it as it is
        os.replace(tmp_nb, failed_nb)
    rec.outputs = {"failed_notebook": _rel(failed_nb, out_dir)}


def _invalid(exc: ParameterError) -> dict[str, Any]:
    lines = [str(p) for p in exc.problems]
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    return {"kind": "invalid_parameters", "summary": f"invalid parameters: {lines[0] if lines else exc}{more}",
            "problems": lines}


def _rel(path: Path, out_dir: Path) -> str:
    try:
        return path.resolve().relative_to(Path(out_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# The manifest
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(out_dir: Path):
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (atomic replace still keeps the file whole)
        yield
        return
    with open(out_dir / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_manifest(out_dir: str | os.PathLike) -> dict[str, Any] | None:
    path = Path(out_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def write_manifest(out_dir: str | os.PathLike, records: list[UnitRecord], *, params_dir=None, notebook=None,
                   replace: bool = False) -> Path:
    """Merge records into ``<out_dir>/manifest.json`` (by department, year, language) and write it atomically.

    ``replace=True`` drops entries of units that are no longer under ``params_dir`` (a full batch)."""
    out_dir = Path(out_dir)
    with _locked(out_dir):
        old = read_manifest(out_dir) or {}
        units = {(u["department"], u["year"], u["language"]): u for u in old.get("units", [])}
        if replace and params_dir is not None:
            present = {(d, y) for d, y in discover_units(params_dir)}
            units = {k: v for k, v in units.items() if (k[0], k[1]) in present}
        for r in records:
            units[r.key] = r.to_dict()
        order = {lang: i for i, lang in enumerate(LANGUAGES)}
        entries = sorted(units.values(), key=lambda u: (u["department"], u["year"], order.get(u["language"], 99)))
        counts: dict[str, int] = {}
        for u in entries:
            counts[u["status"]] = counts.get(u["status"], 0) + 1
        manifest = {
            "format": MANIFEST_FORMAT,
            "written": _now(),
            "params_dir": str(Path(params_dir).resolve()) if params_dir else old.get("params_dir"),
            "notebook": str(Path(notebook).resolve()) if notebook else old.get("notebook"),
            "summary": {"units": len(entries), **dict(sorted(counts.items()))},
            "units": entries,
        }
        path = out_dir / MANIFEST_NAME
        atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Many units: executors and the batch
# --------------------------------------------------------------------------------------------


def discover_units(params_dir: str | os.PathLike) -> list[tuple[str, int]]:
    """Every (department, year) under a parameters directory, once each, from the file layout alone (a unit
    whose file is invalid is still found, so that it is reported rather than silently skipped; so is one with
    both ``<year>.yaml`` and ``<year>.yml``, which runs as invalid: see :func:`unit_files`)."""
    from ..load import discover

    if not Path(params_dir).is_dir():
        raise RunError(f"{params_dir}: parameters directory not found")
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


def _run_task(task: dict[str, Any]) -> dict[str, Any]:
    """The unit of work an executor maps: plain dicts in and out, so it pickles to any worker."""
    try:
        return run_unit(**task, record=False, checked=True).to_dict()
    except Exception as exc:  # noqa: BLE001 - never lose a unit's result to a worker-side surprise
        return _error_record(task, exc).to_dict()


def _error_record(task: dict[str, Any], exc: BaseException) -> UnitRecord:
    return UnitRecord(task["department"], int(task["year"]), task["language"], status=ERROR, finished=_now(),
                      versions=versions(),
                      error={"kind": "error", "summary": f"{type(exc).__name__}: {' '.join(str(exc).split())}"})


def _process_executor(tasks: list[dict], workers: int, **_options) -> Iterator[dict]:
    """Local process pool (spawned processes: each one starts its own kernels)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if workers <= 1:
        for t in tasks:
            yield _run_task(t)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_run_task, t): t for t in tasks}
        try:
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker process died (BrokenProcessPool, …)
                    yield _error_record(futures[fut], exc).to_dict()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _check_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise RunError("--executor dask needs the optional extra 'dask' (the distributed package): "
                       ".venv/bin/pip install -e '.[dask]'") from None


def _dask_executor(tasks: list[dict], workers: int, *, scheduler: str | None = None, **_options) -> Iterator[dict]:
    """A Dask cluster: ``scheduler`` is its address, else a local cluster of ``workers`` single-threaded
    processes. Workers must see the caller's parameters, notebook and output directory at the same paths.
    A worker of another cluster may run several units at once in threads: that is safe, as each unit gives
    its kernel its own environment, working directory and stderr (:func:`kernel_manager_class`)."""
    from distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        futures = {client.submit(_run_task, t, pure=False): t for t in tasks}
        for fut in as_completed(list(futures)):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker and friends
                yield _error_record(futures[fut], exc).to_dict()


@dataclass(frozen=True)
class Executor:
    """How to map tasks over workers: ``check()`` raises RunError before anything runs if it cannot be
    used; ``run(tasks, workers, **options)`` yields one record dict per task as they finish."""

    run: Callable[..., Iterator[dict]]
    check: Callable[[], None] = lambda: None


EXECUTORS: dict[str, Executor] = {
    "process": Executor(_process_executor),
    "dask": Executor(_dask_executor, _check_dask),
}


@dataclass
class BatchResult:
    records: list[UnitRecord]
    manifest: Path
    duration_s: float

    @property
    def failed(self) -> list[UnitRecord]:
        return [r for r in self.records if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


def default_workers(n_tasks: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_tasks))


def run_batch(params_dir: str | os.PathLike = "parameters", out_dir: str | os.PathLike = "reports",
              workers: int | None = None, languages: str | list[str] | None = "all", *,
              notebook: str | os.PathLike | None = None, kernel_name: str = DEFAULT_KERNEL,
              timeout: float | None = DEFAULT_CELL_TIMEOUT, executor: str = "process",
              scheduler: str | None = None, progress: bool = True) -> BatchResult:
    """Run every department-year under ``params_dir`` in every chosen language, in parallel.

    A unit that fails does not stop the others; every outcome is in the returned records and the manifest.
    Raises RunError (before any unit runs) if the notebook, kernel, executor or options cannot be used.
    """
    from tqdm import tqdm

    t0 = time.monotonic()
    langs = languages_of(languages)
    if executor not in EXECUTORS:
        raise RunError(f"unknown executor {executor!r}; expected one of {', '.join(EXECUTORS)}")
    EXECUTORS[executor].check()
    if workers is not None and workers < 1:
        raise RunError(f"--workers must be at least 1, got {workers}")
    params_dir = Path(params_dir).resolve()
    units = discover_units(params_dir)
    if not units:
        raise RunError(f"{params_dir}: no <department>/<year>.yaml files found")
    notebook = check_notebook(Path(notebook) if notebook else default_notebook()).resolve()
    kernel = check_kernel(kernel_name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [dict(department=d, year=y, language=lang, params_dir=str(params_dir), out_dir=str(out_dir.resolve()),
                  notebook=str(notebook), kernel_name=kernel_name, timeout=timeout)
             for d, y in units for lang in langs]
    workers = workers or default_workers(len(tasks))
    records: list[UnitRecord] = []
    told: set[tuple] = set()
    with tqdm(total=len(tasks), desc="reports", unit="report", file=sys.stderr, disable=not progress,
              dynamic_ncols=True) as bar:
        for result in EXECUTORS[executor].run(tasks, workers, scheduler=scheduler):
            rec = UnitRecord.from_dict(result)
            rec.kernel = {**kernel, **(rec.kernel or {})}
            records.append(rec)
            # Recorded as it finishes: a batch interrupted half-way leaves a manifest describing the reports
            # on disk (the ones written so far, with the earlier run's entries for the others).
            write_manifest(out_dir, [rec], params_dir=params_dir, notebook=notebook)
            said = failure_key(rec)
            if not rec.ok and said not in told:  # an invalid unit fails alike in every language: say it once
                told.add(said)
                bar.write(f"✗ {describe_failure(rec, out_dir)}", file=sys.stderr)
            bar.set_postfix_str(f"{rec.department} {rec.year} {rec.language}: {rec.status}", refresh=False)
            bar.update(1)
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    records.sort(key=lambda r: (r.department, r.year, order.get(r.language, 99)))
    manifest = write_manifest(out_dir, records, params_dir=params_dir, notebook=notebook,
                              replace=set(langs) == set(LANGUAGES))
    return BatchResult(records, manifest, round(time.monotonic() - t0, 3))


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
