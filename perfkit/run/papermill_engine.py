"""papermill's engine ``perfkit``: nbclient's execution, with a kernel forked from a warm server.

Registered through the ``papermill.engine`` entry point (pyproject.toml), so that
``papermill --engine perfkit IN.ipynb OUT.ipynb -p …`` uses it, as ``perfkit run`` and ``perfkit batch`` do
(``--engine perfkit``, the default). Everything is papermill's ``nbclient`` engine (parameters, error cells,
timeouts, outputs) except how the kernel process starts: see :mod:`perfkit.run.forkserver`.

papermill imports this module while it imports its own engines: the class is made on first access.
"""

from __future__ import annotations

from typing import Any

ENGINE_NAME = "perfkit"
_made: dict[str, type] = {}


def _make() -> type:
    from papermill.engines import NBClientEngine  # defined before papermill reads its entry points

    if "PerfkitEngine" in _made:  # made meanwhile: importing papermill.engines loaded the entry point
        return _made["PerfkitEngine"]

    class PerfkitEngine(NBClientEngine):
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

    _made["PerfkitEngine"] = PerfkitEngine
    return PerfkitEngine


def __getattr__(name: str) -> Any:
    # The class is made on first access, not at import: papermill imports this module (its entry point)
    # from the middle of importing papermill.engines, and this module may equally be imported first.
    if name == "PerfkitEngine":
        return _made.get(name) or _make()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register() -> None:
    """Register the engine with papermill in this process (what the entry point does where perfkit is
    installed; also works from a source tree that was not)."""
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, __getattr__("PerfkitEngine"))
