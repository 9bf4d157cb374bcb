"""Running reports (above report, below cli): the evaluation notebook per department-year and language, alone or in batches.

- :mod:`~perfkit.run.batch` — :func:`run_unit`, :func:`run_batch`, failures described and grouped;
- :mod:`~perfkit.run.engine` — executing one notebook (papermill, the kernel's configuration, error causes);
- :mod:`~perfkit.run.units` — finding units, their parameter files, output names per language, input hashes;
- :mod:`~perfkit.run.incremental` — which units must run again and why (the others are skipped);
- :mod:`~perfkit.run.manifest` — the records of ``<out>/manifest.json`` and its append-only journal;
- :mod:`~perfkit.run.executors` — the registry of executors (local processes, Dask);
- :mod:`~perfkit.run.files` — atomic file writes;
- :mod:`~perfkit.run.portfolio` — the portfolio notebook run after a batch's units (``<out>/portfolio.*``).
"""

import sys

# jsonschema (through nbformat, which papermill and nbconvert import) loads ``rfc3987_syntax`` when it is
# installed, only to check the "iri" string format, which no notebook schema uses; that module builds a
# Lark grammar at import, measured at 2.5–7.5 s on the 2-core machine: more than a report's own computation,
# paid by every batch and by each of its worker processes. perfkit's run processes do without it (jsonschema
# skips a format whose checker cannot be imported); a process that imported it already keeps it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
