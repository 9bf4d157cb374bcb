"""The portfolio notebook (``notebooks/portfolio.ipynb``) run after the units of a batch, into
``<out>/portfolio.ipynb`` and ``<out>/portfolio.html`` (the client version, as a unit's report.html).

A failed run keeps its executed notebook as ``<out>/portfolio.failed.ipynb`` and removes an earlier run's
portfolio files, which no longer match the parameters; the failure is returned as a sentence, never raised.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..report import notebook_html
from . import engine
from .engine import DEFAULT_CELL_TIMEOUT, DEFAULT_KERNEL
from .files import atomic_write_text, remove, tmp_name

PORTFOLIO_NOTEBOOK = "portfolio.ipynb"
TITLE = {"zh": "绩效评价总览", "en": "Portfolio of evaluations"}


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


def run_portfolio(out_dir: str | Path, params_dir: str | Path, *, kernel_name: str = DEFAULT_KERNEL,
                  timeout: float | None = DEFAULT_CELL_TIMEOUT, notebook: Path | None = None,
                  engine_name: str = engine.DEFAULT_ENGINE) -> PortfolioRun:
    """Execute the portfolio notebook over ``params_dir`` and write its notebook and client HTML into ``out_dir``."""
    out, nb_path = Path(out_dir), notebook or portfolio_notebook()
    final_nb, final_html, failed = out / "portfolio.ipynb", out / "portfolio.html", out / "portfolio.failed.ipynb"
    tmp_nb = tmp_name(final_nb)
    try:
        run = engine.execute(nb_path, tmp_nb, {"params_dir": str(Path(params_dir).resolve())},
                             params_dir=Path(params_dir).resolve(), kernel_name=kernel_name, timeout=timeout,
                             engine=engine_name)
        if not run.ok:
            remove(final_nb, final_html)
            if tmp_nb.exists():
                tmp_nb.replace(failed)
            return PortfolioRun([], f"{run.error.get('summary', 'failed')}; executed notebook kept at {failed}")
        nb = run.notebook
        engine.normalize_notebook(nb, nb_path, final_nb.name)
        atomic_write_text(final_nb, engine.notebook_text(nb))
        atomic_write_text(final_html, notebook_html.export_html(nb, TITLE["zh"], "zh"))
        remove(failed)
        return PortfolioRun([final_nb, final_html])
    except OSError as exc:  # a full disk: the units' reports stand, the portfolio says why it is missing
        return PortfolioRun([], f"cannot write {exc.filename or out}: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - the units' reports stand whatever befalls the portfolio
        return PortfolioRun([], engine.error_summary(exc))
    finally:
        with contextlib.suppress(OSError):
            remove(tmp_nb)
