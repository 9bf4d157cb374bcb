"""The YAML reader uses libyaml (PyYAML's C parser) where it is available: composing in C for a text without
anchors, else under PyYAML's composer, which keeps the limits while composing. Each reads every shipped file as
the pure-Python loader does: the same data and the same line of every field (the speed is measured by
benchmarks/bench_yaml.py, not here). The test environment's PyYAML (a manylinux wheel) includes libyaml;
without it these tests fail rather than skip."""

import pytest

from perfkit import load
from perfkit.errors import ParameterError

from conftest import PARAMS

FILES = sorted(p for p in PARAMS.rglob("*.y*ml"))


def _read_with(cls, path, monkeypatch):
    monkeypatch.setattr(load, "_LOADERS", [cls])
    return load.read_yaml(path)


def _problem(path):
    with pytest.raises(ParameterError) as info:
        load.read_yaml(path)
    (problem,) = info.value.problems
    return str(problem)


def test_libyaml_is_here_and_tried_first():
    assert len(load._LOADERS) == 3, "PyYAML without libyaml: perfkit falls back to the pure-Python loader"
    assert load._LOADERS[0] is load._CComposer and load._LOADERS[1] is load._CLoader
    assert load._LOADERS[-1] is load._Loader


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PARAMS)))
@pytest.mark.parametrize("fast", ["_CComposer", "_CLoader"])
def test_libyaml_reads_every_shipped_file_as_the_python_loader_does(path, fast, monkeypatch):
    got = _read_with(getattr(load, fast), path, monkeypatch)
    slow = _read_with(load._Loader, path, monkeypatch)
    assert got.data == slow.data and got.lines == slow.lines
    assert len(got.lines) > 50


def test_a_text_with_anchors_is_composed_with_the_limits(tmp_path, monkeypatch):
    # Merge keys and aliases: read by the loader that checks while composing, with the alias's own line kept.
    path = tmp_path / "anchors.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2]}\nthis:\n  <<: *b\n  z: 3\nthat:\n  - 0\n  - *b\n", encoding="utf-8")
    used = []
    real = load._parse
    monkeypatch.setattr(load, "_parse", lambda p, text, cls: used.append(cls) or real(p, text, cls))
    doc = load.read_yaml(path)
    assert used == [load._CLoader]
    assert doc.data["this"] == {"x": 1, "y": [1, 2], "z": 3} and doc.data["that"][1] == {"x": 1, "y": [1, 2]}
    assert doc.line(("that", 1)) == 7 and doc.line(("that", 1, "x")) == 7


@pytest.mark.parametrize("text,line,expect", [
    ("x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), 50, "x.k1.k2"),
    ("x: " + "[" * 60 + "]" * 60 + "\n", 1, "nested deeper than 50 levels"),
    ("v:\n" + "".join(f"  - [{i}, {i}]\n" for i in range(400)), 335, "v[333]: more than 1000 values"),
    ("v:\n" + "".join(f"  k{i}: {i}\n" for i in range(499)), 2, "v: more than 1000 values"),
])
def test_past_the_limits_a_text_without_anchors_gets_the_message_of_the_composer_with_them(
        tmp_path, monkeypatch, text, line, expect):
    # The C composer reads it, the line map refuses it, and the loaders that check while composing say why,
    # as they say it for a text with anchors. (MAX_NODES is lowered to 1000 to keep the files small.)
    monkeypatch.setattr(load, "MAX_NODES", 1000)
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    used = []
    real = load._parse
    monkeypatch.setattr(load, "_parse", lambda p, text, cls: used.append(cls) or real(p, text, cls))
    message = _problem(path)
    assert used == [load._CComposer, load._Loader]
    assert message.startswith(f"{path}:{line}:") and expect in message
    monkeypatch.setattr(load, "_LOADERS", [load._CLoader, load._Loader])
    assert _problem(path) == message


def test_just_inside_the_limits_a_text_without_anchors_is_read_by_the_c_composer(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "MAX_NODES", 1000)
    # 1 root + 1 key + 1 list + 948 items + 1 key + 48 nested lists = 1000 nodes; 49 levels
    path = tmp_path / "big.yaml"
    path.write_text("v:\n" + "".join(f"  - {i}\n" for i in range(948))
                    + "w: " + "[" * 48 + "]" * 48 + "\n", encoding="utf-8")
    used = []
    real = load._parse
    monkeypatch.setattr(load, "_parse", lambda p, text, cls: used.append(cls) or real(p, text, cls))
    doc = load.read_yaml(path)
    assert used == [load._CComposer]
    assert len(doc.data["v"]) == 948 and doc.line(("v", 947)) == 949
    assert _read_with(load._Loader, path, monkeypatch).data == doc.data  # the same limit, counted alike
    monkeypatch.setattr(load, "_LOADERS", [load._CComposer, load._CLoader, load._Loader])
    path.write_text(path.read_text(encoding="utf-8") + "z: 1\n", encoding="utf-8")  # two nodes more
    assert "more than 1000 values" in _problem(path)
