"""Mutated parameter files (issue 10): hypothesis breaks one of the shipped files of a department-year (a key deleted,
a value's type swapped, a number made text, negative, huge or zero, a list item duplicated, an id changed, the
file cut short, junk bytes inserted) and runs ``validate``, ``score --json`` and ``targets --json`` in-process.

Each outcome is exit 0 with valid JSON that holds no NaN or Infinity, or exit 1 with lines that each name a file
of the parameters folder; never a traceback or an internal error, never more than a few seconds; and ``validate``
fails exactly when ``score`` does. Reproducible: ``derandomize=True`` draws the same examples on every run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PARAMS, run_cli

# What a department-year reads: (the unit's file, [files a mutation may break]), relative to parameters/.
UNITS = {
    "luohu": ("luohu-fsa/2022.yaml", ["luohu-fsa/2022.yaml", "frameworks/luohu-department-2022.yaml"]),
    "shenzhen": ("shenzhen-lfsb/2020.yaml", ["shenzhen-lfsb/2020.yaml", "shenzhen-lfsb/2020/fund.yaml",
                                             "frameworks/shenzhen-department-2020.yaml",
                                             "frameworks/shenzhen-fund-2020.yaml"]),
}
SECONDS = 60  # per command: a hang, not a slow machine (the shipped units take about 0.5 s warm, 10 s loaded)
MAX_LINES = 50  # problems one broken value may cause (a list of problems, each naming its file)

REPLACEMENTS = [  # what a value may become
    "", "abc", "十二", "1:30", "2022-12-31", "nosuch", "1e5", -1, -0.5, 0, 1e300, 1e15, 3.5, True, None, [], {},
    [1, 2], {"x": 1}, "NaN", "-.inf",
]
JUNK = [b"\x00", b"\xff\xfe", b"{[", b"&a *a", b"\t", b": :", b"- ", b"\x1b[31m", b"'", b"!!python/object ",
        "\u00a0全角：".encode()]


def _paths(data, loc=()):
    """Every field path of a parsed YAML document (mapping keys and list indices), the root excluded."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield loc + (k,)
            yield from _paths(v, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield loc + (i,)
            yield from _paths(v, loc + (i,))


def _parent(data, loc):
    for part in loc[:-1]:
        data = data[part]
    return data


def mutate(text: str, kind: str, pick: int, replacement) -> bytes:
    """``text`` (a shipped file) with one mutation; ``pick`` chooses where."""
    if kind == "truncate":
        return text.encode()[: pick % (len(text.encode()) + 1)]
    if kind == "junk":
        raw = text.encode()
        at = pick % (len(raw) + 1)
        return raw[:at] + JUNK[pick % len(JUNK)] + raw[at:]
    data = yaml.safe_load(text)
    paths = list(_paths(data))
    if kind == "change_id":
        paths = [p for p in paths if p[-1] == "id"] or paths
    loc = paths[pick % len(paths)]
    parent = _parent(data, loc)
    if kind == "delete":
        del parent[loc[-1]]
    elif kind == "duplicate":
        lists = [p for p in paths if isinstance(_parent(data, p), list)]
        if lists:
            loc = lists[pick % len(lists)]
            parent = _parent(data, loc)
            parent.insert(loc[-1], parent[loc[-1]])
    elif kind == "change_id":
        ids = [v for p in paths if p[-1] == "id" and isinstance(v := _parent(data, p)[p[-1]], str)]
        parent[loc[-1]] = ids[pick % len(ids)] if ids and pick % 2 else f"{parent[loc[-1]]}-x"
    else:  # replace
        parent[loc[-1]] = replacement
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def _no_nan(text: str):
    def refuse(name):
        raise AssertionError(f"{name} in the JSON output")
    return json.loads(text, parse_constant=refuse)


mutations = st.tuples(
    st.sampled_from(sorted(UNITS)),
    st.integers(0, 3),  # which of the unit's files
    st.sampled_from(["delete", "replace", "replace", "duplicate", "change_id", "truncate", "junk"]),
    st.integers(0, 10**6),
    st.sampled_from(REPLACEMENTS),
)


@pytest.fixture(scope="module")
def warm():
    """The commands run once on a shipped unit first, so the first example's time is not the imports'."""
    for command in (["validate"], ["score", "--json"], ["targets", "--json", "--draws", "64"]):
        assert run_cli(command[0], PARAMS / UNITS["luohu"][0], *command[1:]).returncode == 0


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutations)
def test_a_mutated_file_gives_valid_json_or_located_lines(warm, mutation):
    unit, which, kind, pick, replacement = mutation
    year, files = UNITS[unit]
    rel = files[which % len(files)]
    with tempfile.TemporaryDirectory() as tmp:
        params = Path(tmp) / "parameters"
        params.mkdir()
        for f in {*files, year}:
            (params / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PARAMS / f, params / f)
        (params / rel).write_bytes(mutate((PARAMS / rel).read_text(encoding="utf-8"), kind, pick, replacement))
        codes = {}
        for command in (["validate"], ["score", "--json"], ["targets", "--json", "--draws", "64"]):
            start = time.perf_counter()
            r = run_cli(command[0], params / year, *command[1:])
            took = time.perf_counter() - start
            context = (command[0], rel, kind, r.returncode, r.stderr[-2000:])
            assert took < SECONDS, context
            assert "Traceback" not in r.stderr and "internal error" not in r.stderr, context
            assert r.returncode in (0, 1), context
            codes[command[0]] = r.returncode
            if r.returncode == 0:
                if command[0] != "validate":  # NaN is neither in the JSON nor hidden as a null total
                    doc = _no_nan(r.stdout)
                    assert all(isinstance(ev["total"], (int, float)) for ev in doc["evaluations"]), context
                continue
            lines = r.stderr.splitlines()
            assert 1 <= len(lines) <= MAX_LINES, context
            assert all(line.startswith(f"{params}{os.sep}") for line in lines), context
        assert codes["validate"] == codes["score"], (rel, kind, codes)
