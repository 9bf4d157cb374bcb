"""The YAML reader uses libyaml (PyYAML's C parser) under PyYAML's composer where it is available: the same
data and the same line of every field as the pure-Python loader, for every shipped file (the speed is measured by benchmarks/bench_yaml.py, not here). The test environment's
PyYAML (a manylinux wheel) includes libyaml; without it these tests fail rather than skip."""

import pytest

from perfkit import load

from conftest import PARAMS

FILES = sorted(p for p in PARAMS.rglob("*.y*ml"))


def _read_with(cls, path, monkeypatch):
    monkeypatch.setattr(load, "_LOADERS", [cls])
    return load.read_yaml(path)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PARAMS)))
def test_libyaml_reads_every_shipped_file_as_the_python_loader_does(path, monkeypatch):
    assert len(load._LOADERS) == 2, "PyYAML without libyaml: perfkit falls back to the pure-Python loader"
    c_loader = load._LOADERS[0]
    fast = _read_with(c_loader, path, monkeypatch)
    slow = _read_with(load._Loader, path, monkeypatch)
    assert c_loader is not load._Loader
    assert fast.data == slow.data and fast.lines == slow.lines
    assert len(fast.lines) > 50
