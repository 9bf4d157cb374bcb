"""The portfolio notebook (notebooks/portfolio.ipynb) on more evaluations than the shipped three
department-years hold: its charts keep a readable, bounded size however many evaluations there are."""

from __future__ import annotations

import base64
import io
import re
import shutil

import nbformat
import pytest
from PIL import Image

from perfkit.run.portfolio import execute_portfolio

from conftest import PARAMS, params_copy


def _copy_unit(params, department: str, year: int, new: str) -> None:
    """``department``'s folder again under the id ``new`` (its own id rewritten): another department-year."""
    shutil.copytree(PARAMS / department, params / new)
    path = params / new / f"{year}.yaml"
    text, k = re.subn(rf"(?m)^(\s+id: ){re.escape(department)}$", rf"\g<1>{new}", path.read_text(encoding="utf-8"),
                      count=1)
    assert k == 1
    path.write_text(text, encoding="utf-8")


def _images(executed) -> list[tuple[str, tuple[int, int]]]:
    """(alt text, (width, height) in pixels) of every chart the executed notebook shows."""
    nb = nbformat.reads(executed.notebook_text, as_version=4)
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if "image/png" in o.get("data", {}):
                size = Image.open(io.BytesIO(base64.b64decode(o["data"]["image/png"]))).size
                out.append((o.get("metadata", {}).get("image/png", {}).get("alt", ""), size))
    return out


@pytest.mark.slow
def test_many_evaluations_get_each_indicators_spread_instead_of_a_row_each(tmp_path):
    """Beijing 2021 holds 37 evaluations: two copies of it and Shenzhen 2020 (2) make 76, past the 60 rows a
    heat map shows; the level-1 chart becomes one box per indicator, no taller than the shipped portfolio's
    heat map of 40 rows, and says how many evaluations it summarises."""
    params = params_copy(tmp_path, "shenzhen-lfsb")
    _copy_unit(params, "beijing-lfsb", 2021, "beijing-lfsb-a")
    _copy_unit(params, "beijing-lfsb", 2021, "beijing-lfsb-b")
    executed = execute_portfolio(params)
    assert executed.error is None, executed.error
    charts = _images(executed)
    rates = [(alt, size) for alt, size in charts if "level-1 score rates" in alt]
    assert len(rates) == 1, charts
    alt, (width, height) = rates[0]
    assert "over 76 evaluations" in alt and "76 项评价" in alt
    assert height < 0.22 * 76 * 110, "a row per evaluation would be this tall"  # figure inches × DPI 110

    shipped = execute_portfolio(PARAMS)
    assert shipped.error is None, shipped.error
    [(shipped_alt, (_, shipped_height))] = [(a, s) for a, s in _images(shipped) if "level-1 score rates" in a]
    assert shipped_alt == "一级指标得分率 level-1 score rates"  # 40 evaluations: one row each
    assert height < shipped_height
