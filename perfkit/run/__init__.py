"""Running reports (above report, below cli): the evaluation notebook per department-year and language, alone or in batches.

- :mod:`~perfkit.run.batch` — :func:`run_unit`, :func:`run_batch`, failures described and grouped;
- :mod:`~perfkit.run.engine` — executing one notebook (papermill, the kernel's configuration, error causes);
- :mod:`~perfkit.run.units` — finding units, their parameter files, output names per language, input hashes;
- :mod:`~perfkit.run.manifest` — the records of ``<out>/manifest.json``, read and merged under a lock;
- :mod:`~perfkit.run.executors` — the registry of executors (local processes, Dask);
- :mod:`~perfkit.run.files` — atomic file writes;
- :mod:`~perfkit.run.portfolio` — the portfolio notebook run after a batch's units (``<out>/portfolio.*``).
"""
