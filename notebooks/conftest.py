"""pytest settings for the notebooks: nbval re-runs each one, which starts a kernel and takes about a
minute, so every notebook cell is marked ``slow`` (``pytest -m "not slow"`` is the quick loop; the
README's test command runs everything)."""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
