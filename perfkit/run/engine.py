"""Executing one notebook: papermill with a configured kernel, and what the execution says.

Owns the preconditions of a run (:func:`check_notebook`, :func:`check_kernel`), the parameters a notebook is
given (:func:`notebook_parameters`), the kernel's environment, working directory and stderr
(:func:`kernel_manager_class`, :func:`kernel_config`), the execution itself (:func:`execute`, which never
raises for a failing notebook: its :class:`Execution` says what happened), the short cause of a failure
(:func:`summarize_execution_error`) and the removal of what varies between runs (:func:`normalize_notebook`).

Imports of papermill, nbformat and jupyter_client are made on first use: ``perfkit --help`` does not pay them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import RunError
from .files import private_dir
from .forkserver import kernel_manager_class

DEFAULT_KERNEL = "python3"
# How a notebook's cells are executed: "perfkit" runs them in an IPython shell forked from a server that has
# imported perfkit already, with no kernel (perfkit.run.shell, perfkit.run.cells); "perfkit-kernel" runs them
# in a Jupyter kernel forked from that server (perfkit.run.forkserver); "nbclient" starts a fresh kernel for
# each notebook, as papermill does (the reference). The reports are the same.
ENGINES = ("perfkit", "perfkit-kernel", "nbclient")
DEFAULT_ENGINE = "perfkit"
DEFAULT_CELL_TIMEOUT = 600  # seconds one notebook cell may run before the unit is failed
REQUIRED_PARAMETERS = ("department", "year", "language", "params_dir")

# Environment of the kernel, whatever the caller's: a fixed hash seed so set iteration order cannot change
# a number, and matplotlib's inline backend so charts land in the notebook even if the caller set
# MPLBACKEND=Agg (as test suites do), which would silently drop every chart from the report.
KERNEL_ENV = {"PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

# Lines the kernel process prints on its stderr that say nothing about the report.
KERNEL_NOISE = ("Kernel is running over TCP without encryption", "does not end in one of ['.ipynb'",
                "warnings.warn(f\"The specified file")


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


# The kernel finds the parameters directory in this variable of its environment (``perfkit.load.resolve_params_dir``
# reads it when the notebook's ``params_dir`` is empty), so report.ipynb names no place on this machine.
PARAMS_ENV = "PERFKIT_PARAMS"
TEMPLATES_ENV = "PERFKIT_TEMPLATES"  # the same name as perfkit.report.overrides.TEMPLATES_ENV
VALIDATED_ENV = "PERFKIT_VALIDATED"  # the same name as perfkit.core.validated.VALIDATED_ENV


def notebook_parameters(department: str, year: int, language: str) -> dict[str, Any]:
    """The values of :data:`REQUIRED_PARAMETERS` injected into the notebook's cell tagged 'parameters'.

    ``params_dir`` is empty: :func:`execute` gives the kernel the directory in ``$PERFKIT_PARAMS``, so the
    same files give the same report.ipynb wherever they sit (a checkout, a copy of the parameters elsewhere)."""
    return {"department": department, "year": year, "language": language, "params_dir": ""}


# --------------------------------------------------------------------------------------------
# The kernel: its environment, working directory and stderr
# --------------------------------------------------------------------------------------------

# The kernel's environment, working directory and stderr are given to the kernel process alone, through a
# kernel manager that passes them to its Popen, never by changing ``os.environ``, the working directory or
# file descriptor 2 of this process: a Dask worker may run several units at once in threads of one process
# (``--scheduler`` with ``nthreads > 1``), and process-wide changes would then undo each other.

@contextlib.contextmanager
def kernel_config(cwd: Path, env: dict[str, str] | None = None):
    """The config of one notebook run: yields (config, function returning the lines the kernel printed on
    its stderr, less known noise). The kernel gets ``KERNEL_ENV`` and ``env``, runs in ``cwd`` and writes its stderr to a
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
    c.PerfkitKernelManager.kernel_env = {**KERNEL_ENV, **(env or {})}
    c.PerfkitKernelManager.kernel_cwd = str(cwd)
    lines: list[str] = []
    with contextlib.ExitStack() as stack:
        f = stack.enter_context(tempfile.TemporaryFile(mode="w+b"))
        c.PerfkitKernelManager.kernel_stderr = f.fileno()  # open until the kernel is gone
        if os.name == "posix":
            sockets = private_dir("perfkit-kernel-")
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


# --------------------------------------------------------------------------------------------
# Executing, and what an execution says
# --------------------------------------------------------------------------------------------


@dataclass
class Execution:
    """The outcome of :func:`execute`: the executed notebook (None if it failed), the cause of a failure
    (a dict with ``kind`` and ``summary``), and the kernel's stderr lines (less known noise)."""

    notebook: Any = None
    error: dict[str, Any] | None = None
    stderr: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def execute(notebook: Path, output: Path, parameters: dict[str, Any], *, params_dir: Path | None = None,
            kernel_name: str = DEFAULT_KERNEL, timeout: float | None = DEFAULT_CELL_TIMEOUT,
            templates: str | None = None, engine: str = DEFAULT_ENGINE,
            validated: str | os.PathLike | None = None) -> Execution:
    """Execute ``notebook`` with papermill into ``output`` (saved when the run ends, with papermill's error
    markers when a cell raised; not after every cell: writing and validating the whole notebook 30 times cost
    a report about a second of CPU; a run that timed out or whose process died leaves no notebook),
    ``parameters`` injected, the kernel configured by :func:`kernel_config` and running in the notebook's
    folder, ``params_dir`` in its ``$PERFKIT_PARAMS`` (see :func:`notebook_parameters`), a templates directory
    of sentence overrides in its ``$PERFKIT_TEMPLATES`` (read by ``Report.load``), the unit as the batch
    validated it in its ``$PERFKIT_VALIDATED`` (:mod:`perfkit.core.validated`: ``Report.load`` then reads
    the file instead of loading and scoring the unit again, when it holds that unit). Never raises for a failure of the
    notebook or its kernel: the :class:`Execution` says what went wrong."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    stderr: Callable[[], list[str]] = list
    run = Execution()
    try:
        # The kernel runs in the notebook's directory (set by the kernel manager, not papermill's cwd=,
        # which would change this whole process's working directory).
        env = {PARAMS_ENV: str(params_dir)} if params_dir is not None else {}
        if templates:
            env[TEMPLATES_ENV] = str(templates)
        if validated:
            env[VALIDATED_ENV] = str(validated)
        env = env or None
        if engine == "perfkit":
            from .papermill_engine import register

            register()
        with kernel_config(notebook.parent, env) as (config, stderr):
            run.notebook = papermill.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=kernel_name,
                progress_bar=False, log_output=False,
                execution_timeout=timeout, request_save_on_cell_execute=False, config=config, engine_name=engine,
                shutdown_kernel="immediate")  # every output is in by then: no graceful wait (about 0.5 s)
    except PapermillExecutionError as exc:
        run.error = summarize_execution_error(exc)
    except Exception as exc:  # noqa: BLE001 - kernel died, cell timed out, kernel would not start …
        run.error = {"kind": "execution", "summary": error_summary(exc), "stderr_tail": stderr()[-20:]}
    run.stderr = list(stderr())
    if run.error:
        run.notebook = None
    return run


def error_summary(exc: BaseException) -> str:
    """``Name: message`` on one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


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


def read_notebook(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def notebook_text(nb) -> str:
    """The notebook as written to disk (nbformat's JSON and a final newline)."""
    import nbformat

    return nbformat.writes(nb) + "\n"
