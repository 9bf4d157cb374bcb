import os
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"

# Notebooks under tests/fixtures are inputs to the batch tests (one fails on purpose), not nbval tests.
collect_ignore_glob = ["fixtures/*"]

UNITS = {
    "luohu": PARAMS / "luohu-fsa" / "2022.yaml",
    "shenzhen": PARAMS / "shenzhen-lfsb" / "2020.yaml",
    "beijing": PARAMS / "beijing-lfsb" / "2021.yaml",
}


@lru_cache(maxsize=None)
def _scored(name):
    from perfkit.load import load
    from perfkit.core.scoring import score_bundle

    bundle = load(UNITS[name])
    return bundle, {r.evaluation.id: r for r in score_bundle(bundle)}


@pytest.fixture(scope="session")
def scored():
    """scored(unit) -> (bundle, {evaluation id: EvaluationResult}) for a shipped department-year."""
    return _scored


@pytest.fixture(autouse=True)
def _repo_root_cwd(monkeypatch):
    monkeypatch.chdir(ROOT)
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """nbval re-runs each notebook (a kernel, about a minute): every notebook cell is ``slow``, so
    ``pytest -m "not slow"`` is the quick loop and the README's test command still runs everything."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


class CliRun:
    """What a run of the ``perfkit`` command gave: ``returncode``, ``stdout``, ``stderr`` (as subprocess's)."""

    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_cli(*args, cwd=ROOT) -> CliRun:
    """``perfkit ARGS`` in this process (``perfkit.cli.main``), from ``cwd``: the same exit code and output
    as the command, without a new interpreter per call. Tests of the process itself (start-up imports,
    the console entry point) use a subprocess instead."""
    import contextlib
    import io

    from perfkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse: usage errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        os.chdir(old)
    return CliRun(code, out.getvalue(), err.getvalue())


def params_copy(tmp_path: Path, *departments: str) -> Path:
    """``tmp_path/parameters`` holding the shipped frameworks and the named departments' folders (a copy a
    test may change or run a batch over)."""
    import shutil

    small = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", small / "frameworks")
    for d in departments:
        shutil.copytree(PARAMS / d, small / d)
    return small


@pytest.fixture
def kernels_started(monkeypatch):
    """The notebooks papermill is asked to execute in this test (its API, the way every report and the portfolio
    run), each refused with a RuntimeError as a kernel that cannot start would be. The test fails at its end if one
    of them is a unit's report; the portfolio notebook, which a batch with as many workers as reports starts before
    any unit has come back (and drops when none comes back ok), is allowed."""
    started: list[str] = []

    def refuse(input_path, *args, **kwargs):
        started.append(Path(str(input_path)).name)
        raise RuntimeError("no kernel in this test")

    monkeypatch.setattr("papermill.execute_notebook", refuse)
    yield started
    reports = [name for name in started if name != "portfolio.ipynb"]
    assert not reports, f"a kernel was started for {reports}"
