"""Local shim (NOT committed): the shared venv registers this papermill engine from another branch."""
from papermill.engines import NBClientEngine


class PerfkitEngine(NBClientEngine):
    pass
