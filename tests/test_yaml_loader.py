"""The YAML reader uses libyaml (PyYAML's C parser) under PyYAML's composer where it is available: the same
data and the same line of every field as the pure-Python loader, for every shipped file, and faster."""

import time

import pytest

from perfkit import load

from conftest import PARAMS

FILES = sorted(p for p in PARAMS.rglob("*.y*ml"))


def _read_with(cls, path, monkeypatch):
    monkeypatch.setattr(load, "_LOADERS", [cls])
    return load.read_yaml(path)


@pytest.mark.skipif(len(load._LOADERS) < 2, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PARAMS)))
def test_libyaml_reads_every_shipped_file_as_the_python_loader_does(path, monkeypatch):
    c_loader = load._LOADERS[0]
    fast = _read_with(c_loader, path, monkeypatch)
    slow = _read_with(load._Loader, path, monkeypatch)
    assert c_loader is not load._Loader
    assert fast.data == slow.data and fast.lines == slow.lines
    assert len(fast.lines) > 50


@pytest.mark.skipif(len(load._LOADERS) < 2, reason="PyYAML built without libyaml")
def test_libyaml_is_several_times_faster(monkeypatch):
    path = PARAMS / "beijing-lfsb" / "2021" / "forms-01.yaml"  # the largest shipped file
    fast = load._LOADERS[0]

    def best(cls):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            _read_with(cls, path, monkeypatch)
            times.append(time.perf_counter() - t)
        return min(times)

    assert best(load._Loader) > 2 * best(fast)
