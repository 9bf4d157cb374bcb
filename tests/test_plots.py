"""Charts render Chinese on this machine: the font finder, the missing-glyph warning as an error, fixed output."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from perfkit.report import plots
from perfkit.report.document import Report

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"
UNITS = [("luohu-fsa", 2022), ("shenzhen-lfsb", 2020), ("beijing-lfsb", 2021)]
MISSING_GLYPH = r".*Glyph .* missing from font"
pytestmark = pytest.mark.filterwarnings("error:Glyph .* missing from font")  # in every test of this module


@pytest.fixture
def no_cjk_in_font_list(monkeypatch, tmp_path):
    """matplotlib's font list as it would be had its cache been built before any CJK font was installed."""
    kept = [f for f in font_manager.fontManager.ttflist if not plots._covers(f.fname)]
    assert len(kept) < len(font_manager.fontManager.ttflist), "this machine has no CJK font to hide"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", kept)
    monkeypatch.setattr(plots, "_cache_file", lambda: tmp_path / "fontlist.json")
    font_manager.fontManager._findfont_cached.cache_clear()
    yield tmp_path
    font_manager.fontManager._findfont_cached.cache_clear()


def strict_png(fig: Figure) -> bytes:
    """Render as the notebooks do, with matplotlib's missing-glyph warning turned into an error."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        return plots.to_png(fig)


def test_finds_an_installed_cjk_font_that_holds_chinese_glyphs():
    choice = plots.find_cjk_font()
    assert os.path.exists(choice.path)
    assert plots._covers(choice.path, "预算绩效评价优良中差")
    assert choice.name in {f.name for f in font_manager.fontManager.ttflist}
    assert choice.name in str(choice) and choice.path in str(choice)


def test_use_cjk_font_puts_it_first_and_says_which(capsys):
    choice = plots.use_cjk_font(verbose=True)
    import matplotlib

    assert matplotlib.rcParams["font.sans-serif"][0] == choice.name
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert f"Charts use the font {choice.name}" in capsys.readouterr().out


def test_rebuilds_a_stale_font_cache_once_and_finds_the_font(no_cjk_in_font_list):
    assert plots._search(font_manager.fontManager) is None
    choice = plots.find_cjk_font()
    assert choice.rebuilt_cache
    assert plots._covers(choice.path)
    assert (no_cjk_in_font_list / "fontlist.json").exists()  # the rebuilt cache is written for the next process


def test_no_font_at_all_is_a_clear_error_saying_how_to_install_one(no_cjk_in_font_list, monkeypatch):
    class NoCJK:  # a system without any CJK font: rescanning finds none either
        def __init__(self):
            self.ttflist = list(font_manager.fontManager.ttflist)
            self.afmlist = []

    monkeypatch.setattr(font_manager, "FontManager", NoCJK)
    monkeypatch.setattr(font_manager, "json_dump", lambda data, filename: None)
    with pytest.raises(plots.CJKFontNotFound) as err:
        plots.find_cjk_font()
    message = str(err.value)
    assert "apt-get install -y fonts-noto-cjk" in message
    assert "scripts/bootstrap.sh" in message


def test_the_missing_glyph_check_catches_a_font_without_chinese():
    """The guard the chart tests rely on: drawing Chinese in DejaVu Sans must fail under it."""
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.set_title("预算执行率", fontfamily="DejaVu Sans")
    with pytest.raises(UserWarning, match="missing from font"):
        strict_png(fig)


def _charts(department: str, year: int, language: str) -> dict[str, Figure]:
    report = Report.load(department, year, language=language, params_dir=str(PARAMS))
    budget = report.bundle.data.budget
    charts = {"budget": plots.budget_chart(budget, language)}
    if budget.quarterly_spent is not None:
        charts["execution"] = plots.execution_chart(budget, language)
    for r in report.results:
        charts[f"scores:{r.evaluation.id}"] = plots.scores_chart(r, language)
    if report.portfolio:
        charts["portfolio"] = plots.portfolio_chart(report.portfolio, language)
    for i, fig in enumerate(b for kind, b in report.targets_section().blocks if kind == "fig"):
        charts[f"tornado:{i}"] = fig
    return charts


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("department,year", UNITS)
def test_every_chart_renders_without_a_missing_glyph(department, year, language):
    charts = _charts(department, year, language)
    assert "budget" in charts and any(k.startswith("scores:") for k in charts)
    for name, fig in charts.items():
        png = strict_png(fig)
        assert png.startswith(b"\x89PNG"), name
    if language == "zh":  # the labels really are Chinese
        texts = [t.get_text() for t in charts["budget"].findobj(lambda o: hasattr(o, "get_text"))]
        assert any("预算" in t for t in texts)


def test_charts_are_deterministic_and_fixed_size():
    a = _charts("luohu-fsa", 2022, "zh")
    b = _charts("luohu-fsa", 2022, "zh")
    for name in a:
        assert strict_png(a[name]) == strict_png(b[name]), name
    assert tuple(a["budget"].get_size_inches()) == tuple(b["budget"].get_size_inches())
    assert b"Software" not in plots.to_png(a["budget"])  # no software/time metadata in the PNG


def test_execution_chart_needs_quarterly_figures():
    report = Report.load("beijing-lfsb", 2021, params_dir=str(PARAMS))
    with pytest.raises(ValueError, match="quarterly"):
        plots.execution_chart(report.bundle.data.budget)


def test_execution_chart_with_a_zero_budget_does_not_divide_by_zero():
    report = Report.load("luohu-fsa", 2022, params_dir=str(PARAMS))
    budget = report.bundle.data.budget.model_copy(update={"adjusted": 0.0})
    fig = plots.execution_chart(budget)  # rates undefined (NaN): no ZeroDivisionError, no "nan%" label
    texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    assert not any("nan" in t for t in texts)
    assert strict_png(fig).startswith(b"\x89PNG")


def test_charts_share_the_report_helpers():
    """Reported grades, money and label widths come from the core result and fmt, not from copies here."""
    from perfkit import fmt
    from perfkit.core import result

    assert plots.money is fmt.money and plots.reported_grade is result.reported_grade
    assert plots.display_width is fmt.display_width
    assert plots._wrap("预算执行率预算执行率", 10) == "预算执行率\n预算执行率"
    report = Report.load("beijing-lfsb", 2021, params_dir=str(PARAMS))
    assert [plots.reported_grade(r) for r in report.portfolio] == [report.reported_grade(r) for r in report.portfolio]
