"""Charts render Chinese on this machine: the font finder, the missing-glyph warning as an error, fixed output."""

from __future__ import annotations

import dataclasses
import io
import os
import warnings
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import perfkit
from perfkit.params import GradeBand
from perfkit.report import plots
from perfkit import Report
from perfkit.report.language import load_templates

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


@pytest.mark.slow  # builds every report of every shipped unit
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


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
def test_charts_are_deterministic_and_fixed_size():
    a = _charts("luohu-fsa", 2022, "zh")
    b = _charts("luohu-fsa", 2022, "zh")
    for name in a:
        assert strict_png(a[name]) == strict_png(b[name]), name
    assert tuple(a["budget"].get_size_inches()) == tuple(b["budget"].get_size_inches())
    assert b"Software" not in plots.to_png(a["budget"])  # no software/time metadata in the PNG


def _pixels(png: bytes):
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.slow  # builds whole reports
@pytest.mark.parametrize("dpi", [plots.DPI, 150])  # the screen's, and the Word document's
def test_charts_lay_out_once_and_give_the_pixels_of_savefig_s_own_layout(dpi):
    """to_png lays a chart out itself, draws it once and encodes it itself; matplotlib's savefig lays it out in a
    draw of its own first. The two give the same pixels at the same resolution, and the chart keeps its layout
    engine and its screen resolution."""
    ours = _charts("beijing-lfsb", 2021, "zh")
    theirs = _charts("beijing-lfsb", 2021, "zh")
    assert len(ours) >= 5
    for name, fig in ours.items():
        engine = fig.get_layout_engine()
        png = plots.to_png(fig, dpi=dpi)
        assert fig.get_layout_engine() is engine and fig.dpi == plots.DPI, name
        plots.cover_text(theirs[name])
        buf = io.BytesIO()
        theirs[name].savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        mine, savefig_s = PIL.Image.open(io.BytesIO(png)), PIL.Image.open(buf)
        assert mine.mode == "RGB" and savefig_s.mode == "RGBA", name  # opaque: no alpha channel stored
        assert mine.info["dpi"] == pytest.approx(savefig_s.info["dpi"]), name
        assert np.array_equal(_pixels(png), _pixels(buf.getvalue())), name


@pytest.mark.slow  # builds whole reports
@pytest.mark.parametrize("department,year", UNITS)
def test_titles_fixed_at_the_top_land_where_matplotlib_would_place_them(department, year, monkeypatch):
    """The charts fix each title at the top of its axes (plots._title), which spares matplotlib measuring
    every y tick label to place it; the pixels are those of a title matplotlib places itself."""
    fixed = _charts(department, year, "zh")
    monkeypatch.setattr(plots, "_title", lambda ax, text, **kw: ax.set_title(text, **kw))
    placed = _charts(department, year, "zh")
    titled = [name for name, fig in fixed.items() if any(ax.get_title() for ax in fig.axes)]
    assert len(titled) >= 3 and set(placed) == set(fixed)
    for name in fixed:
        assert np.array_equal(_pixels(plots.to_png(fixed[name])), _pixels(plots.to_png(placed[name]))), name


def test_a_chart_with_transparent_pixels_keeps_its_alpha_channel():
    fig = Figure(figsize=(2, 1), dpi=plots.DPI)
    FigureCanvasAgg(fig)
    fig.patch.set_alpha(0.0)
    fig.add_subplot().plot([0, 1], [1, 0])
    png = plots.to_png(fig)
    image = PIL.Image.open(io.BytesIO(png))
    assert image.mode == "RGBA" and _pixels(png)[..., 3].min() == 0
    opaque = Figure(figsize=(2, 1), dpi=plots.DPI)
    FigureCanvasAgg(opaque)
    opaque.add_subplot().plot([0, 1], [1, 0])
    assert PIL.Image.open(io.BytesIO(plots.to_png(opaque))).mode == "RGB"


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


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
def test_charts_share_the_report_helpers():
    """Reported grades, money and label widths come from the core result and fmt, not from copies here."""
    from perfkit import fmt
    from perfkit.core import result

    assert plots.money is fmt.money and plots.reported_grade is result.reported_grade
    assert plots.display_width is fmt.display_width
    assert plots._wrap("预算执行率预算执行率", 10) == "预算执行率\n预算执行率"
    report = Report.load("beijing-lfsb", 2021, params_dir=str(PARAMS))
    assert [plots.reported_grade(r) for r in report.portfolio] == [report.reported_grade(r) for r in report.portfolio]


# ---- target-sensitivity charts ------------------------------------------------------------------


def _fund_model(framework_update: dict | None = None):
    bundle = perfkit.load_file(PARAMS / "shenzhen-lfsb" / "2020.yaml")
    fund = {r.evaluation.id: r for r in perfkit.evaluate(bundle)}["fund"]
    model = perfkit.sensitivity.build_model(fund, bundle.data.budget)
    if framework_update:
        fw = model.compiled.framework.model_copy(update=framework_update)
        model = dataclasses.replace(model, compiled=dataclasses.replace(model.compiled, framework=fw))
    return model


def _sensitivity_charts(model, language: str) -> dict[str, Figure]:
    S = perfkit.sensitivity
    overlays = {"as printed": S.beijing_overlay(), "B/A": S.beijing_overlay(measure="ratio"),
                "10号": S.ten_hao_overlay()}
    return {
        "at_risk": plots.at_risk_chart(model, S.counterfactuals(model), "actual", language),
        "grade_flip": plots.grade_flip_chart(model, 2.0, language=language),
        "overlay": plots.overlay_chart(overlays, language=language),
        "monte_carlo": plots.monte_carlo_chart(model, S.monte_carlo(model, draws=500), language),
        "sobol": plots.sobol_chart(S.sobol_indices(model, S.sensitivity_problem(model), n=64), language),
        "tornado": plots.tornado_chart(S.tornado(model), model.baseline_total, language),
    }


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_sensitivity_charts_render_with_the_labels_of_their_language(language):
    labels = load_templates(language)["chart"]
    charts = _sensitivity_charts(_fund_model(), language)
    for name, fig in charts.items():
        assert strict_png(fig).startswith(b"\x89PNG"), name  # and no missing glyph
    expected = {"at_risk": [labels["at_risk_title"], labels["at_risk_xlabel"]["actual"]],
                "grade_flip": [labels["flip_flagged"], labels["flip_all"], labels["flip_xlabel"], labels["total"]],
                "overlay": [labels["overlay_xlabel"], labels["overlay_ylabel"], "as printed", "10号"],
                "monte_carlo": [labels["monte_carlo_ylabel"], labels["monte_carlo_title"].format(draws=500, seed=20200101)],
                "sobol": [labels["sobol_total"], labels["sobol_first"], labels["sobol_xlabel"]]}
    for name, wanted in expected.items():
        texts = _texts(charts[name])
        for text in wanted:
            assert text in texts, (name, text)
    if language == "en":
        assert not any("\u4e00" <= ch <= "\u9fff" for t in _texts(charts["grade_flip"]) if "/" not in t for ch in t)


def test_sensitivity_chart_labels_exist_in_both_languages():
    keys = [k for k in load_templates("zh")["chart"] if k.startswith(("at_risk", "flip", "overlay", "monte", "sobol"))]
    assert len(keys) >= 10
    for lang in ("zh", "en"):
        chart = load_templates(lang)["chart"]
        assert all(chart.get(k) for k in keys), lang
        assert set(chart["at_risk_xlabel"]) == set(perfkit.sensitivity.COUNTERFACTUAL_RULES)


def _grade_line_positions(fig: Figure, axis: str) -> list[float]:
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    return sorted({float((ln.get_ydata() if axis == "y" else ln.get_xdata())[0]) for ln in lines})


def test_grade_lines_come_from_the_framework():
    """The fund's framework puts 优/良 at 90; a framework with another boundary moves the lines with it."""
    model = _fund_model()
    flip = plots.grade_flip_chart(model, 2.0)
    assert _grade_line_positions(flip, "y") == [90.0] and "优/良 90" in _texts(flip)
    mc = plots.monte_carlo_chart(model, perfkit.sensitivity.monte_carlo(model, draws=500))
    assert _grade_line_positions(mc, "x") == [90.0]
    # An English chart names the grades in English (the bands' name_en), not 优/良.
    assert "Excellent/Good 90" in _texts(plots.grade_flip_chart(model, 2.0, language="en"))
    mc_en = plots.monte_carlo_chart(model, perfkit.sensitivity.monte_carlo(model, draws=500), language="en")
    assert any(t.startswith("Excellent/Good 90") for t in _texts(mc_en))

    bands = [GradeBand(grade="A", min=88.5, name_en="a"), GradeBand(grade="B", min=85, name_en="b"),
             GradeBand(grade="C", min=0, name_en="c")]
    other = _fund_model({"grades": bands})
    flip = plots.grade_flip_chart(other, 2.0)
    assert _grade_line_positions(flip, "y") == [85.0, 88.5]
    assert {"A/B 88.5", "B/C 85"} <= set(_texts(flip)) and "优/良 90" not in _texts(flip)


# --------------------------------------------------------------------------------------------
# Every character drawn: rare characters of names fall back to a font that holds them
# --------------------------------------------------------------------------------------------

RARE = "㮾䶮"  # U+3BBE (㮾下, a place in Hunan), U+4DAE (䶮, in personal names): CJK Extension A, not in GBK fonts


def test_rare_characters_of_names_are_drawn_from_a_font_that_holds_them():
    choice = plots.use_cjk_font()
    fallback = {ch: plots.fallback_font(ch) for ch in RARE}
    assert all(fallback.values()), ("no installed font holds 㮾/䶮: scripts/bootstrap.sh installs fonts-wqy-zenhei", fallback)
    assert not any(f.startswith(plots.PLACEHOLDER_FONTS) for f in fallback.values())
    fig, (ax,) = plots._figure(2.0)
    ax.barh([0, 1], [3, 4])
    ax.set_yticks([0, 1], ["罗湖区㮾下社区", "䶮字项目"])
    ax.set_title("预算执行率")
    png = strict_png(fig)  # matplotlib's missing-glyph warning is an error in this module
    assert png.startswith(b"\x89PNG")
    labels = {t.get_text(): t for t in fig.findobj(lambda a: hasattr(a, "get_fontfamily") and hasattr(a, "get_text"))}
    if not all(plots._holds(choice.path, ch) for ch in RARE):  # the chart font lacks them: a fallback is named
        assert labels["罗湖区㮾下社区"].get_fontfamily()[:2] == [choice.name, fallback["㮾"]]
        assert labels["预算执行率"].get_fontfamily() != labels["罗湖区㮾下社区"].get_fontfamily()


def test_a_character_no_font_holds_is_named_in_a_warning(caplog):
    fig, (ax,) = plots._figure(2.0)
    ax.set_title("预算\U0010fffd")  # a private-use character of plane 16: no font holds it
    with caplog.at_level("WARNING", logger="perfkit.report.plots"):
        missing = plots.cover_text(fig)
    assert missing == ["\U0010fffd"]
    assert "U+10FFFD" in caplog.text and "fonts-wqy-zenhei" in caplog.text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_category_lines_without_figures_are_listed_and_not_charted(tmp_path, language):
    # Luohu's budget with its category lines named and every figure of theirs left out: the table lists them,
    # there is no chart to draw, and no sentence introduces one.
    from conftest import params_copy

    root = params_copy(tmp_path, "luohu-fsa")
    path = root / "luohu-fsa" / "2022.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "by_category:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() and
               len(lines[i]) - len(lines[i].lstrip()) <= indent)
    kept = [ln for ln in lines[start + 1:end]
            if ln.strip().split(":")[0].lstrip("- ") not in ("initial", "adjusted", "spent")]
    path.write_text("".join(lines[:start + 1] + kept + lines[end:]), encoding="utf-8")
    report = Report.load("luohu-fsa", 2022, language=language, params_dir=str(root))
    budget = report.bundle.data.budget
    assert budget.by_category and plots.budget_chart_lines(budget) == []
    with pytest.raises(ValueError, match="no line has an initial, adjusted or spent figure"):
        plots.budget_chart(budget, language)
    section = report.background()
    text = section.markdown()
    tables = "".join(b for kind, b in section.blocks if kind == "html")
    first = budget.by_category[0]
    assert (first.name if language == "zh" else first.name_en) in tables  # listed by name
    figures = [b for kind, b in section.blocks if kind == "fig"]
    assert len(figures) == 1 and figures[0] is not None  # the execution chart alone: Luohu gives its quarters
    for key in ("budget_chart_note", "budget_chart_note_no_initial"):
        assert load_templates(language)["background"][key] not in text
