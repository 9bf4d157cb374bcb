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
