"""Executors: how a batch maps one picklable task function over its tasks, as a registry (:data:`EXECUTORS`).

An executor is a function ``run(fn, tasks, workers, *, on_error, **options)`` that yields ``fn(task)`` for
every task as it finishes, or ``on_error(task, exc)`` where a worker could not return one, plus a ``check()``
that raises :class:`~perfkit.errors.RunError` before anything runs if it cannot be used. A new executor is
one :class:`Executor` and one entry in :data:`EXECUTORS`; nothing else names it.

- ``process``: local processes (the default; spawned; the batch tells them where its shared fork server is);
- ``dask``: a Dask cluster (optional extra ``dask``); its workers must see the caller's files at the same paths.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

from ..errors import RunError

Task = dict[str, Any]
TaskFunction = Callable[[Task], Any]
OnError = Callable[[Task, BaseException], Any]


def _start_worker(env: dict[str, str]) -> None:
    """In each worker process as it starts: Ctrl-C is the batch's to handle; ``env`` is added to its
    environment (the address of the batch's shared fork server)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(env)


def _in_worker(fn: TaskFunction, task: Task) -> Any:
    """``fn(task)`` in a process-pool worker; after its first task, :func:`_settle`."""
    try:
        return fn(task)
    finally:
        _settle()


@lru_cache(maxsize=1)
def _settle() -> None:
    """Once, in a worker process of ours, after its first task: what it has imported and cached by then (nbconvert,
    papermill, perfkit, their templates) stays for the worker's life, so it goes out of the cyclic garbage
    collector's sight (gc.freeze) and later full collections walk only the units' objects (0.054 → 0.021 s a
    report). Never in the caller's process (``workers`` 1) or a Dask worker: their objects are not ours to freeze."""
    gc.collect()
    gc.freeze()


def process_executor(fn: TaskFunction, tasks: list[Task], workers: int, *, on_error: OnError,
                     worker_env: dict[str, str] | None = None, **_options) -> Iterator[Any]:
    """Local process pool (spawned processes, given the variables ``worker_env``); in this process if
    ``workers`` is 1."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if workers <= 1:
        for t in tasks:
            yield fn(t)
        return
    # Ctrl-C reaches this process alone (workers ignore SIGINT: no traceback from each of them); it then
    # ends the workers, whose units are unfinished (their temporary files go at the next run, their kernels
    # exit with their parent).
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(dict(worker_env or {}),)) as pool:
        futures = {pool.submit(_in_worker, fn, t): t for t in tasks}
        try:
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker process died (BrokenProcessPool, …)
                    yield on_error(futures[fut], exc)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list((getattr(pool, "_processes", None) or {}).values()):  # no public way before 3.14
                proc.terminate()
            raise


def check_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise RunError("--executor dask needs the optional extra 'dask' (the distributed package): "
                       ".venv/bin/pip install -e '.[dask]'") from None


def dask_executor(fn: TaskFunction, tasks: list[Task], workers: int, *, on_error: OnError,
                  scheduler: str | None = None, **_options) -> Iterator[Any]:
    """A Dask cluster: ``scheduler`` is its address, else a local cluster of ``workers`` single-threaded
    processes. Workers must see the caller's parameters, notebook and output directory at the same paths.
    A worker of another cluster may run several units at once in threads: that is safe, as each unit gives
    its kernel its own environment, working directory and stderr (:func:`perfkit.run.engine.kernel_config`)."""
    from distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler))
            except OSError as exc:  # distributed's connection timeout and refusal are OSErrors
                raise RunError(f"cannot reach the Dask scheduler at {scheduler} (--scheduler): {exc}") from None
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        futures = {client.submit(fn, t, pure=False): t for t in tasks}
        for fut in as_completed(list(futures)):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker and friends
                yield on_error(futures[fut], exc)


def _usable() -> None:
    """The check of an executor that needs nothing beyond perfkit's own dependencies."""


@dataclass(frozen=True)
class Executor:
    """How to map tasks over workers: ``check()`` raises RunError before anything runs if it cannot be
    used; ``run(fn, tasks, workers, on_error=…, **options)`` yields one result per task as they finish."""

    run: Callable[..., Iterator[Any]]
    check: Callable[[], None] = _usable


EXECUTORS: dict[str, Executor] = {
    "process": Executor(process_executor),
    "dask": Executor(dask_executor, check_dask),
}


def get_executor(name: str) -> Executor:
    """The registered executor ``name``, checked usable; RunError naming the choices otherwise."""
    if name not in EXECUTORS:
        raise RunError(f"unknown executor {name!r}; expected one of {', '.join(EXECUTORS)}")
    executor = EXECUTORS[name]
    executor.check()
    return executor


def default_workers(n_tasks: int) -> int:
    """One worker per CPU this process may use, at most one per task."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_tasks))
