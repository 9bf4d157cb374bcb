"""The public face: ``import perfkit`` gives every name a notebook needs, lazily, and a seed figure through it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import perfkit

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"
HEAVY = ("pandas", "matplotlib", "numpy", "scipy", "pydantic", "yaml", "jinja2", "papermill", "SALib")


def _imported_after(code: str) -> list[str]:
    """Heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(set(out.stdout.split()) & set(HEAVY))


@pytest.mark.parametrize("name", perfkit.__all__)
def test_every_public_name_resolves(name):
    assert getattr(perfkit, name) is not None
    assert name in dir(perfkit)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'score_bundle'"):
        perfkit.score_bundle  # noqa: B018


def test_import_perfkit_alone_imports_no_heavy_package():
    assert _imported_after("import perfkit") == []


def test_the_error_types_and_the_command_line_stay_light():
    assert _imported_after("import perfkit\nperfkit.PerfkitError\nperfkit.CJKFontNotFound") == []
    assert "pandas" not in _imported_after("import perfkit.cli")


def test_errors_share_one_root():
    for name in ("ParameterError", "RunError", "MeasureUnavailable", "CJKFontNotFound"):
        assert issubclass(getattr(perfkit, name), perfkit.PerfkitError)


def test_public_functions_do_not_collide_with_submodules():
    """A public function named like a submodule (``load`` ↔ perfkit/load.py) would be replaced by the
    module once that is imported; no public name is also a submodule's name."""
    submodules = {m.name for m in pkgutil.iter_modules(perfkit.__path__)}
    assert not (set(perfkit.__all__) & submodules) - {"plots", "rules", "targets", "sensitivity"}
    assert isinstance(perfkit.plots, types.ModuleType) and callable(perfkit.plots.tornado_chart)


def test_luohu_2022_through_the_public_api():
    """罗湖区金融服务署 2022: reported 88.62; the written rules give 86.53 (预算执行率 3.53 against 4.62)."""
    bundle = perfkit.load_unit("luohu-fsa", 2022, params_dir=str(PARAMS))
    (result,) = perfkit.evaluate(bundle)
    assert isinstance(result, perfkit.EvaluationResult)
    assert result.reported_total == 88.62
    assert round(result.total, 2) == 86.53 and result.grade == "良"
    assert perfkit.grade_of(result.reported_total, result.framework) == "良"
    execution = result.table.set_index("id").loc["budget-execution"]
    assert round(execution["score"], 2) == 3.53 and execution["reported_score"] == 4.62
    codes = {f.code for f in result.findings}
    assert {"SCORE_MISMATCH", "TOTAL_MISMATCH"} <= codes <= set(perfkit.FINDING_CODES)
    same = perfkit.load_file(PARAMS / "luohu-fsa" / "2022.yaml")
    assert [r.total for r in perfkit.evaluate(same)] == [result.total]


def test_targets_and_report_through_the_public_api():
    bundle = perfkit.load_unit("shenzhen-lfsb", 2020, params_dir=str(PARAMS))
    fund = {r.evaluation.id: r for r in perfkit.evaluate(bundle)}["fund"]
    analysis = perfkit.analyse_targets(fund, bundle.data.budget, settings=perfkit.TargetSettings(draws=200))
    assert isinstance(analysis, perfkit.TargetReport)
    assert round(analysis.model.baseline_total, 2) == 90.09 and fund.reported_total == 90.21
    assert any(d.flagged for d in perfkit.diagnose_targets(fund, bundle.data.budget))
    report = perfkit.build_report(bundle, language="en")
    assert isinstance(report, perfkit.Report) and report.language == "en"
    assert [r.total for r in report.results] == [r.total for r in perfkit.evaluate(bundle)]
