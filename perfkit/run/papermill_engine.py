"""papermill's engines ``perfkit`` and ``perfkit-kernel``: a notebook's cells run forked from a warm server.

``perfkit`` (the default of ``perfkit run`` and ``perfkit batch``): the cells run in an IPython shell in a
process forked from the server, without a Jupyter kernel; papermill's and nbclient's semantics (parameters,
error cells, per-cell timeout, outputs) are kept by :mod:`perfkit.run.cells`. ``perfkit-kernel``: papermill's
``nbclient`` engine, with the kernel process forked from the server (:mod:`perfkit.run.forkserver`) instead
of started; everything else is nbclient's. Both give the notebook a fresh kernel would give.

Registered through the ``papermill.engine`` entry points (pyproject.toml), so that
``papermill --engine perfkit IN.ipynb OUT.ipynb -p …`` uses them too.

papermill imports this module while it imports its own engines: the classes are made on first access.
"""

from __future__ import annotations

from typing import Any

ENGINE_NAME = "perfkit"
KERNEL_ENGINE_NAME = "perfkit-kernel"
_made: dict[str, type] = {}


def _make() -> dict[str, type]:
    from papermill.engines import Engine, NBClientEngine  # defined before papermill reads its entry points

    if _made:  # made meanwhile: importing papermill.engines loaded the entry point
        return _made

    class PerfkitEngine(Engine):
        """The cells run in an IPython shell forked from the warm server, no kernel (:mod:`perfkit.run.cells`)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            from .cells import execute_managed_notebook

            return execute_managed_notebook(nb_man, kernel_name, **kwargs)

    class PerfkitKernelEngine(NBClientEngine):
        """papermill's ``NBClientEngine`` whose kernels are forked (``PerfkitKernelManager`` with ``kernel_fork``)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            import copy

            from traitlets.config import Config

            from .forkserver import kernel_manager_class

            config = copy.deepcopy(kwargs.pop("config", None) or Config())
            config.NotebookClient.kernel_manager_class = config.NotebookClient.get("kernel_manager_class") or \
                kernel_manager_class()
            config.PerfkitKernelManager.kernel_fork = True
            return super().execute_managed_notebook(nb_man, kernel_name, config=config, **kwargs)

    _made.update(PerfkitEngine=PerfkitEngine, PerfkitKernelEngine=PerfkitKernelEngine)
    return _made


def __getattr__(name: str) -> Any:
    # The class is made on first access, not at import: papermill imports this module (its entry point)
    # from the middle of importing papermill.engines, and this module may equally be imported first.
    if name in ("PerfkitEngine", "PerfkitKernelEngine"):
        return (_made or _make())[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register() -> None:
    """Register the engine with papermill in this process (what the entry point does where perfkit is
    installed; also works from a source tree that was not)."""
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, __getattr__("PerfkitEngine"))
    papermill_engines.register(KERNEL_ENGINE_NAME, __getattr__("PerfkitKernelEngine"))
