"""EvaluationResult.table_rows and node_rows (perfkit.core.result.records): the rows pandas' to_dict("records")
gives, the same keys, values and types, for every evaluation of the shipped department-years and for the
columns pandas stores in other ways (object columns holding NumPy numbers, missing values, nullable dtypes)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from perfkit.core.result import records
from perfkit.core.scoring import score_bundle
from perfkit.load import discover, load, resolve_params_dir


def _same(a, b) -> bool:
    """Equal values of the same type (NaN equal to NaN, pd.NA to pd.NA, NaT to NaT)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if a is pd.NA or a is pd.NaT:
        return b is a
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _units():
    params = resolve_params_dir("")
    return [(params, path) for path in discover(params)]


@pytest.mark.parametrize("params, path", _units(), ids=lambda x: str(x).rsplit("/", 2)[-2] if "/" in str(x) else "")
def test_rows_of_every_shipped_evaluation_are_pandas_records(params, path):
    results = score_bundle(load(path, str(params)))
    assert results
    for r in results:
        assert _same(r.table_rows, r.table.to_dict("records")), r.evaluation.id
        assert _same(r.node_rows, r.nodes.to_dict("records")), r.evaluation.id
        assert len(r.table_rows) == len(r.leaf_records) and len(r.node_rows) == len(r.node_records)


def test_columns_pandas_stores_in_other_ways():
    frame = pd.DataFrame({
        "id": ["a", "b", None],  # a string column with a missing value
        "points": [10, 20, 30],  # int64
        "score": [1.5, None, 3.0],  # float64 with NaN
        "mixed": [np.float64(2.5), "text", np.int64(4)],  # object, NumPy numbers in it
        "flag": [True, False, True],  # bool
        "maybe": [np.bool_(True), None, 1],  # object with a NumPy bool and None
        "nullable": pd.array([1, None, 3], dtype="Int64"),  # pandas' nullable integers
        "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
    })
    expected = frame.to_dict("records")
    got = records(frame)
    assert _same(got, expected)
    assert type(got[0]["mixed"]) is float and type(got[2]["mixed"]) is int and type(got[0]["maybe"]) is bool
    assert type(got[0]["points"]) is int and math.isnan(got[1]["score"])


def test_an_empty_frame_gives_no_rows():
    frame = pd.DataFrame({"id": pd.Series([], dtype=object), "score": pd.Series([], dtype=float)})
    assert records(frame) == frame.to_dict("records") == []
