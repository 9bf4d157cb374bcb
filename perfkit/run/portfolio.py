"""The portfolio notebook (``notebooks/portfolio.ipynb``) run with the units of a batch (beside them, in a
thread of the batch's process, with the engine ``perfkit``; after them otherwise), into
``<out>/portfolio.ipynb`` and ``<out>/portfolio.html`` (the client version, as a unit's report.html).

A failed run keeps its executed notebook as ``<out>/portfolio.failed.ipynb`` and removes an earlier run's
portfolio files, which no longer match the parameters; the failure is returned as a sentence, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..report import notebook_html
from ..report.language import load_templates
from . import engine
from .engine import DEFAULT_CELL_TIMEOUT, DEFAULT_KERNEL
from .files import atomic_write_text, private_dir, remove

PORTFOLIO_NOTEBOOK = "portfolio.ipynb"
PORTFOLIO_LANGUAGE = "zh"  # the notebook's headings are Chinese with English beside them


@dataclass
class PortfolioRun:
    """What running the portfolio notebook did: the files written, or why it failed."""

    outputs: list[Path]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def portfolio_notebook() -> Path:
    """``notebooks/portfolio.ipynb`` of the source tree perfkit is installed from, beside the evaluation notebook."""
    return engine.default_notebook().with_name(PORTFOLIO_NOTEBOOK)


@dataclass
class Executed:
    """The portfolio notebook executed, not yet written: the notebook and its HTML, or why it failed (with
    the executed notebook's text, when there is one)."""

    notebook_text: str | None = None
    html: str | None = None
    error: str | None = None
    failed_text: str | None = None


def execute_portfolio(params_dir: str | Path, *, kernel_name: str = DEFAULT_KERNEL,
                      timeout: float | None = DEFAULT_CELL_TIMEOUT, notebook: Path | None = None,
                      engine_name: str = engine.DEFAULT_ENGINE, handoffs: str | None = None) -> Executed:
    """Execute the portfolio notebook over ``params_dir`` (in a private temporary directory) and make its
    client HTML; nothing is written to the output directory (:func:`write_portfolio` does that).
    ``handoffs``: a batch's shared folder of validated units, which the notebook reads a unit from instead of
    loading and scoring it when it holds it (:func:`perfkit.core.validated.load_scored`)."""
    import shutil

    nb_path = notebook or portfolio_notebook()
    where = Path(private_dir("perfkit-portfolio-"))
    try:
        tmp_nb = where / PORTFOLIO_NOTEBOOK
        params = Path(params_dir).resolve()
        run = engine.execute(nb_path, tmp_nb, {"params_dir": str(params)}, params_dir=params, kernel_name=kernel_name,
                             timeout=timeout, engine=engine_name, validated=handoffs)
        if not run.ok:
            text = tmp_nb.read_text(encoding="utf-8") if tmp_nb.exists() else None
            return Executed(error=run.error.get("summary", "failed"), failed_text=text)
        nb = run.notebook
        engine.normalize_notebook(nb, nb_path, PORTFOLIO_NOTEBOOK)
        return Executed(engine.notebook_text(nb), notebook_html.export_html(
            nb, load_templates(PORTFOLIO_LANGUAGE)["index"]["portfolio_title"], PORTFOLIO_LANGUAGE))
    except Exception as exc:  # noqa: BLE001 - the units' reports stand whatever befalls the portfolio
        return Executed(error=engine.error_summary(exc))
    finally:
        shutil.rmtree(where, ignore_errors=True)


def write_portfolio(out_dir: str | Path, executed: Executed) -> PortfolioRun:
    """Write an executed portfolio into ``out_dir``: its notebook and HTML (atomically), or, for a failed
    run, its executed notebook as ``portfolio.failed.ipynb``, with an earlier run's files removed."""
    out = Path(out_dir)
    final_nb, final_html, failed = out / "portfolio.ipynb", out / "portfolio.html", out / "portfolio.failed.ipynb"
    try:
        if executed.error is not None:
            remove(final_nb, final_html)
            if executed.failed_text is None:
                return PortfolioRun([], executed.error)
            atomic_write_text(failed, executed.failed_text)
            return PortfolioRun([], f"{executed.error}; executed notebook kept at {failed}")
        atomic_write_text(final_nb, executed.notebook_text)
        atomic_write_text(final_html, executed.html)
        remove(failed)
        return PortfolioRun([final_nb, final_html])
    except OSError as exc:  # a full disk: the units' reports stand, the portfolio says why it is missing
        return PortfolioRun([], f"cannot write {exc.filename or out}: {exc.strerror or exc}")


def run_portfolio(out_dir: str | Path, params_dir: str | Path, *, kernel_name: str = DEFAULT_KERNEL,
                  timeout: float | None = DEFAULT_CELL_TIMEOUT, notebook: Path | None = None,
                  engine_name: str = engine.DEFAULT_ENGINE) -> PortfolioRun:
    """Execute the portfolio notebook over ``params_dir`` and write its notebook and client HTML into ``out_dir``."""
    return write_portfolio(out_dir, execute_portfolio(params_dir, kernel_name=kernel_name, timeout=timeout,
                                                      notebook=notebook, engine_name=engine_name))


class PortfolioAlongside:
    """The portfolio notebook executed in a thread of the batch's own process while the units run in the
    workers, instead of alone after them (11–17 s a batch spent with every worker idle); the batch starts it
    once the units are in its shared folder of validated units (``handoffs``), which it then reads them from.
    It reads only the parameters, as the units do, and writes nothing until :meth:`result` is taken and written; a batch that
    ends with no unit rerun, or is interrupted, drops it (:meth:`cancel`). Only for the engine ``perfkit``,
    whose cells run in a process forked by this process's fork server: the thread only waits on a socket."""

    def __init__(self, params_dir: Path, *, kernel_name: str, timeout: float | None, engine_name: str,
                 handoffs: str | None = None):
        import threading

        self.executed: Executed | None = None
        self.thread = threading.Thread(target=self._run, name="perfkit-portfolio", daemon=True,
                                       args=(params_dir, kernel_name, timeout, engine_name, handoffs))
        self.thread.start()

    def _run(self, params_dir: Path, kernel_name: str, timeout: float | None, engine_name: str,
             handoffs: str | None) -> None:
        self.executed = execute_portfolio(params_dir, kernel_name=kernel_name, timeout=timeout, engine_name=engine_name,
                                          handoffs=handoffs)

    def result(self) -> Executed:
        self.thread.join()
        return self.executed or Executed(error="the portfolio notebook did not finish")

    def cancel(self) -> None:
        """Stop it: the fork servers of this process stop, killing the process running its cells."""
        from .forkserver import shutdown

        shutdown()
        self.thread.join(timeout=30)
