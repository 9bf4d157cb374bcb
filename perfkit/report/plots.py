"""Charts for evaluation reports, drawn with matplotlib in a font that renders Chinese.

This module owns two things:

* **the font** — :func:`find_cjk_font` looks through matplotlib's font list for an installed CJK
  font (Noto Sans/Serif CJK, Source Han, WenQuanYi, …) and checks that it really holds Chinese
  glyphs. When none is listed it rebuilds matplotlib's font cache once (a font installed after
  matplotlib built its cache is otherwise invisible) and looks again; if there is still none it
  raises :class:`CJKFontNotFound` saying how to install one. :func:`use_cjk_font` puts the font
  into ``rcParams`` and returns which font it chose.
* **the charts** — budget by category (initial against adjusted), cumulative quarterly execution
  against the 25/50/75/100% schedule (序时进度), points against score by level-1 and level-2
  node, the distribution of project totals and grades of a department-year with many project
  evaluations, and the target-sensitivity charts (``perfkit.analysis.sensitivity``): points at risk,
  the grade-flip curve, the low-target penalty readings, the tornado, the Monte Carlo distribution and
  the Sobol indices. Grade lines come from the framework's grade bands.

Every chart is a :class:`matplotlib.figure.Figure` of a fixed size built without pyplot (so a
notebook shows it once, through :func:`show`), and renders to PNG without timestamps or software
metadata, so the same inputs give the same bytes. Labels come from the narrative templates of the
chosen language (``perfkit/report/templates/narrative.<lang>.yaml``, key ``chart``). Names from parameter
files are drawn literally (no mathtext), since a chart is a picture and has no markup to escape.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import matplotlib
import matplotlib.text
import numpy as np
import PIL.Image
from IPython.display import Image, display
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core.budget import MEASURES, SCHEDULE
from ..core.result import reported_grade
from ..errors import CJKFontNotFound
from ..fmt import display_width, money
from .language import Language, load_templates

log = logging.getLogger(__name__)

# Families tried first, best first. Any other installed font that holds the sample glyphs is used
# after these, so an unlisted CJK font still works.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK KR",
    "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Source Han Sans",
    "Noto Serif CJK SC", "Noto Serif CJK JP", "Noto Serif CJK TC", "Source Han Serif SC", "Source Han Serif CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
    "SimHei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "Arial Unicode MS",
)
# Characters every chart label may use: a font must hold all of them to be chosen.
SAMPLE = "预算绩效评价得分执行率调整后年初季度序时进度万元优良中差一二三四级指标合计项目总分等"

INSTALL_HELP = (
    "No font with Chinese glyphs is installed, so charts cannot render Chinese text. Install one, e.g. on "
    "Debian/Ubuntu as root: `apt-get install -y fonts-noto-cjk` (or the smaller fonts-wqy-microhei); "
    "the project's `scripts/bootstrap.sh` installs one and refreshes matplotlib's font cache. "
    "Then restart the Python kernel."
)

# Chart geometry: fixed sizes so output does not depend on the screen or the backend.
DPI = 110
WIDTH = 9.0
COLORS = {
    "initial": "#9fb7d4",
    "adjusted": "#2f5d8c",
    "spent": "#d98c3f",
    "points": "#dde3ea",
    "score": "#2f5d8c",
    "schedule": "#c0392b",
    "reported": "#d98c3f",
    "grid": "#e6e6e6",
}


@dataclass(frozen=True)
class FontChoice:
    """The font charts use: its family name, its file, and whether the font cache had to be rebuilt."""

    name: str
    path: str
    rebuilt_cache: bool = False

    def __str__(self) -> str:
        return f"{self.name} ({self.path})"


# --------------------------------------------------------------------------------------------
# Finding a CJK font
# --------------------------------------------------------------------------------------------


def _covers(path: str, sample: str = SAMPLE) -> bool:
    """Does the font file hold a glyph for every character of ``sample``?"""
    try:
        font = matplotlib.ft2font.FT2Font(path)
    except Exception:  # unreadable or unsupported font file
        return False
    return all(font.get_char_index(ord(ch)) for ch in sample)


def _search(manager: font_manager.FontManager) -> tuple[str, str] | None:
    """(family, file) of the best CJK font the manager lists, or None."""
    entries = sorted({(f.name, f.fname) for f in manager.ttflist})
    by_name: dict[str, list[str]] = {}
    for name, fname in entries:
        by_name.setdefault(name, []).append(fname)
    checked: dict[str, bool] = {}

    def ok(fname: str) -> bool:
        if fname not in checked:
            checked[fname] = _covers(fname)
        return checked[fname]

    for family in CJK_FAMILIES:
        for fname in by_name.get(family, []):
            if ok(fname):
                return family, fname
    for name, fname in entries:  # any other font that holds the glyphs
        if ok(fname):
            return name, fname
    return None


def _cache_file() -> Path:
    return Path(matplotlib.get_cachedir(), f"fontlist-v{font_manager.FontManager.__version__}.json")


def rebuild_font_cache() -> None:
    """Rescan the system's fonts, write matplotlib's font cache anew and use the fresh list now."""
    fresh = font_manager.FontManager()
    try:
        font_manager.json_dump(fresh, _cache_file())
    except OSError as exc:  # a read-only cache directory still lets this process use the fresh list
        log.warning("could not write matplotlib's font cache %s: %s", _cache_file(), exc)
    live = font_manager.fontManager
    live.ttflist = fresh.ttflist
    live.afmlist = fresh.afmlist
    live._findfont_cached.cache_clear()


_CHOICE: FontChoice | None = None


def find_cjk_font(rebuild: bool = True) -> FontChoice:
    """The installed font charts should use for Chinese text.

    Looks through matplotlib's font list; when it holds no CJK font and ``rebuild`` is true, rebuilds
    the font cache once (fonts installed after matplotlib built its cache) and looks again.
    Raises :class:`CJKFontNotFound` with installation instructions when there is none.
    """
    found = _search(font_manager.fontManager)
    rebuilt = False
    if found is None and rebuild:
        log.info("no CJK font in matplotlib's font list; rebuilding the font cache %s", _cache_file())
        rebuild_font_cache()
        rebuilt = True
        found = _search(font_manager.fontManager)
    if found is None:
        raise CJKFontNotFound(INSTALL_HELP)
    return FontChoice(found[0], found[1], rebuilt)


def use_cjk_font(verbose: bool = False) -> FontChoice:
    """Configure matplotlib to draw Chinese text and return the font chosen (found once per process)."""
    global _CHOICE
    if _CHOICE is None or not os.path.exists(_CHOICE.path):
        _CHOICE = find_cjk_font()
        log.info("charts use the font %s", _CHOICE)
    rc = matplotlib.rcParams
    rc["font.family"] = ["sans-serif"]
    rc["font.sans-serif"] = [_CHOICE.name] + [f for f in rc["font.sans-serif"] if f != _CHOICE.name]
    rc["axes.unicode_minus"] = False  # many CJK fonts lack U+2212; use the hyphen-minus
    rc["svg.hashsalt"] = "perfkit"  # deterministic ids should anyone save SVG
    rc["text.parse_math"] = False  # text from parameter files is drawn as written: '$x$' is not mathtext
    if verbose:
        print(f"Charts use the font {_CHOICE}" + (" (after rebuilding matplotlib's font cache)"
                                                   if _CHOICE.rebuilt_cache else ""))
    return _CHOICE


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Every character drawn: fallback fonts for what the chosen font lacks (㮾, 䶮 in place names …)
# --------------------------------------------------------------------------------------------

_FONT_FILES: dict[str, "matplotlib.ft2font.FT2Font | None"] = {}
_FALLBACK: dict[str, str | None] = {}


def _holds(path: str, ch: str) -> bool:
    """Does the font file hold a glyph for ``ch``?"""
    if path not in _FONT_FILES:
        try:
            _FONT_FILES[path] = matplotlib.ft2font.FT2Font(path)
        except Exception:  # unreadable or unsupported font file
            _FONT_FILES[path] = None
    font = _FONT_FILES[path]
    return font is not None and bool(font.get_char_index(ord(ch)))


class _WeightNote(logging.Filter):
    """Drops matplotlib's note that a fallback font has no 'normal' weight (WenQuanYi Zen Hei is 'medium'):
    the font is used all the same, and the note would land in every report's warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to find font weight" not in record.getMessage()


logging.getLogger("matplotlib.font_manager").addFilter(_WeightNote())

# Fonts that hold a placeholder box for every character, not the character: never a fallback.
PLACEHOLDER_FONTS = ("Last Resort",)
_REBUILT_FOR_FALLBACK = False


def _find_fallback(ch: str) -> str | None:
    entries = sorted({(f.name, f.fname) for f in font_manager.fontManager.ttflist
                      if not f.name.startswith(PLACEHOLDER_FONTS)})
    rank = {name: i for i, name in enumerate(CJK_FAMILIES)}
    entries.sort(key=lambda e: (rank.get(e[0], len(rank)), e))
    return next((name for name, fname in entries if _holds(fname, ch)), None)


def fallback_font(ch: str) -> str | None:
    """The family of an installed font that holds ``ch`` (the CJK families first, best first), or None.
    When matplotlib's font list has none, it is rebuilt once (a font installed after the list was made)."""
    global _REBUILT_FOR_FALLBACK
    if ch not in _FALLBACK:
        found = _find_fallback(ch)
        if found is None and not _REBUILT_FOR_FALLBACK:
            _REBUILT_FOR_FALLBACK = True
            log.info("no font in matplotlib's font list holds %r; rebuilding the font cache", ch)
            rebuild_font_cache()
            _FALLBACK.clear()
            found = _find_fallback(ch)
        _FALLBACK[ch] = found
    return _FALLBACK[ch]


def cover_text(fig: Figure) -> list[str]:
    """Give each text of ``fig`` whose characters the chart font lacks the installed fonts that hold them,
    after the chart font (matplotlib draws each character from the first font of the list that has it), so
    a rare character in a name (㮾 in 㮾下, 䶮) is drawn rather than left blank. Returns the characters no
    installed font holds (logged as a warning naming them and the remedy)."""
    choice = use_cjk_font()
    missing: set[str] = set()
    for text in fig.findobj(matplotlib.text.Text):
        lacking = sorted({ch for ch in text.get_text() if not ch.isspace() and not _holds(choice.path, ch)})
        if not lacking:
            continue
        families = list(dict.fromkeys(f for ch in lacking if (f := fallback_font(ch)) is not None))
        missing.update(ch for ch in lacking if fallback_font(ch) is None)
        if families:
            text.set_fontfamily([choice.name, *families])
    if missing:
        log.warning("no installed font holds %s (U+%s); charts leave them blank. Install a font that does, e.g. "
                    "`apt-get install fonts-wqy-zenhei` (scripts/bootstrap.sh installs it)", "".join(sorted(missing)),
                    ", U+".join(f"{ord(c):04X}" for c in sorted(missing)))
    return sorted(missing)


PNG_COMPRESS_LEVEL = 1  # zlib's fastest: an opaque chart's RGB at level 1 is the size of its RGBA at PIL's default 6


def to_png(fig: Figure, dpi: float = DPI) -> bytes:
    """The figure as PNG bytes at ``dpi`` (the screen's by default; the Word document prints at a higher one),
    every character in a font that holds it (:func:`cover_text`), without timestamps or software metadata
    (same input, same bytes).

    An opaque figure (every chart here: a white face) is stored as RGB, not RGBA, at zlib level
    :data:`PNG_COMPRESS_LEVEL`: the same pixels as ``savefig`` draws, in about the bytes of its RGBA PNG, encoded
    in 15 ms a chart instead of 25 (the 34 charts of the six shipped reports). A figure with any transparent pixel
    keeps its alpha channel."""
    cover_text(fig)
    if not isinstance(fig.canvas, FigureCanvasAgg):  # a pyplot figure on another backend: savefig switches canvas
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        return buf.getvalue()
    # savefig would lay the figure out in a draw of its own (every artist, nothing painted) with a renderer it
    # then drops, and draw it again with another: every text measured twice. Laid out here, at the output's
    # resolution, with the canvas's renderer, which the drawing reuses (and its measurements): the same pixels.
    engine = fig.get_layout_engine()
    screen = fig.dpi
    fig.dpi = dpi
    try:
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine(None)  # none at all: a draw with an engine lays the figure out again
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
        fig.dpi = screen
    image = PIL.Image.fromarray(rgba[..., :3] if bool((rgba[..., 3] == 255).all()) else rgba)
    buf = io.BytesIO()
    image.save(buf, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def alt_text(fig: Figure) -> str | None:
    """What a figure shows, in words, for its image's text alternative (``alt``): its title, or its plots'
    titles (in the report's language, as drawn); None if it has none."""
    titles = [fig._suptitle.get_text()] if fig._suptitle is not None and fig._suptitle.get_text() else []
    titles = titles or [t for ax in fig.axes if (t := ax.get_title())]
    if not titles:
        return None
    return ("；" if any(not t.isascii() for t in titles) else "; ").join(titles)


def show(fig: Figure) -> None:
    """Display a figure once in a notebook, as an embedded PNG whose ``alt`` is :func:`alt_text`."""
    display(Image(data=to_png(fig), format="png", alt=alt_text(fig)))


def _title(ax, text: str, **kw) -> None:
    """``ax.set_title(text, **kw)`` at the top of the axes (``y=1.0``, where matplotlib puts a title by default),
    fixed there. Left to place a title itself, matplotlib measures every tick label of the y axis at each layout
    pass and at the draw, to move the title above an offset text (such as ×1e6) should one overlap it. These
    charts' y axes have none (category labels, a formatter of ours, or counts and points from 0), so the title
    lands where it did (the same pixels), for 6–15 % less of a chart's drawing time."""
    ax.set_title(text, y=1.0, **kw)


def _figure(height: float, ncols: int = 1, width: float = WIDTH, nrows: int = 1, **kw) -> tuple[Figure, list]:
    use_cjk_font()
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(nrows, ncols, squeeze=False, **kw).flat)
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_axisbelow(True)
    return fig, axes


def _labels(language: str) -> dict:
    return load_templates(language)["chart"]


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def budget_chart_lines(budget) -> list:
    """The top-level category lines (``budget.by_category``) :func:`budget_chart` draws: those with a figure
    other than zero. Empty when no line has one (the table may still list them by name)."""
    return [ln for ln in budget.by_category if any((getattr(ln, k) or 0) for k in ("initial", "adjusted", "spent"))]


def budget_chart(budget, language: str = "zh") -> Figure:
    """Initial against adjusted budget (and spending where given) by top-level category, 万元. ValueError when
    no category line has a figure to draw (:func:`budget_chart_lines` is empty)."""
    lab = _labels(language)
    lines = budget_chart_lines(budget)
    if not lines:
        raise ValueError("budget.by_category: no line has an initial, adjusted or spent figure to chart")
    names = [Language.of(language).pick(ln.name, ln.name_en) for ln in lines]
    series = [(k, lab[f"budget_{k}"]) for k in ("initial", "adjusted", "spent")
              if any(getattr(ln, k) is not None for ln in lines)]
    fig, (ax,) = _figure(1.4 + 0.9 * max(len(lines), 1) * max(len(series), 1) / 2)
    n = len(series)
    height = 0.8 / max(n, 1)
    y = np.arange(len(lines))
    top = max([getattr(ln, k) or 0 for ln in lines for k, _ in series] + [1.0])
    for j, (key, label) in enumerate(series):
        vals = np.array([getattr(ln, key) or 0.0 for ln in lines], dtype=float)
        pos = y - 0.4 + height * (j + 0.5)
        ax.barh(pos, vals, height=height * 0.92, color=COLORS[key], label=label)
        for p, v, ln in zip(pos, vals, lines):
            if getattr(ln, key) is not None:
                ax.text(v + top * 0.01, p, money(v), va="center", fontsize=8)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.22)
    ax.set_xlabel(lab["money_unit"])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(axis="x", color=COLORS["grid"])
    _title(ax, lab["budget_title"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(series), frameon=False)
    return fig


def execution_chart(budget, language: str = "zh", schedule: Sequence[float] = SCHEDULE) -> Figure:
    """Cumulative execution rate at each quarter end against the time-elapsed schedule (序时进度).

    With an adjusted budget of 0 the rates are undefined (NaN): the quarters are drawn without bars.
    """
    lab = _labels(language)
    if budget.quarterly_spent is None:
        raise ValueError("the budget gives no quarterly spending (budget.quarterly_spent)")
    rates = MEASURES["quarterly_execution_rates"].compute(budget)
    fig, (ax,) = _figure(3.8)
    x = np.arange(len(rates))
    bars = ax.bar(x, rates, width=0.55, color=COLORS["adjusted"], label=lab["execution_actual"])
    ax.plot(x, schedule[: len(rates)], color=COLORS["schedule"], marker="o", linestyle="--",
            label=lab["execution_schedule"])
    for b, r in zip(bars, rates):
        if np.isfinite(r):
            ax.text(b.get_x() + b.get_width() / 2, r + 1.5, f"{r:.2f}%", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, [f"{q}\n{lab['execution_schedule_short']} {s:g}%" for q, s in zip(lab["quarters"], schedule)])
    ax.set_ylim(0, max([110.0] + [r + 12 for r in rates if np.isfinite(r)]))
    ax.set_ylabel(lab["execution_ylabel"])
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.grid(axis="y", color=COLORS["grid"])
    _title(ax, lab["execution_title"])
    ax.legend(loc="upper left", frameon=False)
    return fig


def _node_name(row, lang: Language) -> str:
    return lang.pick(row["name"], row.get("name_en"))


def _wrap(text: str, width: int) -> str:
    """Wrap a label to lines of about ``width`` display columns (a CJK character counts two)."""
    out, line, w = [], "", 0
    for word in (text.split(" ") if " " in text else list(text)):
        piece = (word + " ") if " " in text else word
        pw = display_width(piece)
        if w + pw > width and line:
            out.append(line.rstrip())
            line, w = "", 0
        line += piece
        w += pw
    out.append(line.rstrip())
    return "\n".join(out)


def _wrapped(labels, lang: Language) -> list[str]:
    """Row labels wrapped at the language's chart label width."""
    return [_wrap(n, lang.label_width) for n in labels]


def scores_chart(result, language: str = "zh") -> Figure:
    """Points against score of every level-1 node (top panel) and level-2 node (bottom panel)."""
    lab, lang = _labels(language), Language.of(language)
    nodes = result.nodes
    panels = [(lvl, lab[f"scores_level{lvl}"]) for lvl in (1, 2) if (nodes["level"] == lvl).any()]
    counts = [int((nodes["level"] == lvl).sum()) for lvl, _ in panels]
    fig, axes = _figure(1.0 + 0.8 * len(panels) + 0.34 * sum(counts), nrows=len(panels),
                        gridspec_kw={"height_ratios": [c + 1.2 for c in counts]})
    for ax, (lvl, title) in zip(axes, panels):
        sub = nodes[nodes["level"] == lvl].to_dict("records")
        names = _wrapped([_node_name(r, lang) for r in sub], lang)
        pts = np.array([r["points"] for r in sub], dtype=float)
        sc = np.array([r["score"] for r in sub], dtype=float)
        y = np.arange(len(sub))
        ax.barh(y, pts, height=0.72, color=COLORS["points"], label=lab["scores_points"])
        ax.barh(y, sc, height=0.42, color=COLORS["score"], label=lab["scores_score"])
        top = float(pts.max()) if len(pts) else 1.0
        for yi, p, s in zip(y, pts, sc):
            ax.text(p + top * 0.01, yi, f"{s:.2f} / {p:g}", va="center", fontsize=8)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_ylim(len(sub) - 0.5, -0.5)
        ax.set_xlim(0, top * 1.18)
        ax.grid(axis="x", color=COLORS["grid"])
        _title(ax, title, fontsize=10)
    axes[-1].set_xlabel(lab["points_unit"])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", ncol=2, frameon=False, fontsize=8)
    return fig


def portfolio_chart(results, language: str = "zh") -> Figure:
    """Distribution of recomputed (and reported) totals with grade bands, and the count per grade."""
    lab = _labels(language)
    fw = results[0].framework
    grades = [g.grade for g in fw.grades]
    totals = np.array([r.total for r in results], dtype=float)
    reported = np.array([r.reported_total for r in results if r.reported_total is not None], dtype=float)
    fig, (ax, bx) = _figure(3.8, ncols=2, width=WIDTH + 2.5, gridspec_kw={"width_ratios": [1.6, 1.0]})
    lo = float(np.floor(min(totals.min(), reported.min() if len(reported) else 100) / 2) * 2) - 2
    bins = np.arange(lo, 102.0, 2.0)
    ax.hist(totals, bins=bins, color=COLORS["score"], alpha=0.85, label=lab["portfolio_recomputed"])
    if len(reported):
        ax.hist(reported, bins=bins, histtype="step", linewidth=1.8, color=COLORS["reported"],
                label=lab["portfolio_reported"])
    for g in fw.grades:
        if lo < g.min <= 100:
            ax.axvline(g.min, color="#888888", linewidth=0.8, linestyle=":")
            ax.text(g.min + 0.2, 0.98, g.grade, transform=ax.get_xaxis_transform(), va="top", fontsize=9)
    ax.set_xlabel(lab["portfolio_total"])
    ax.set_ylabel(lab["portfolio_count"])
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.grid(axis="y", color=COLORS["grid"])
    _title(ax, lab["portfolio_hist_title"])
    ax.legend(loc="upper left", frameon=False, fontsize=8)

    lang = Language.of(language)
    names = {g.grade: lang.pick(g.grade, f"{g.name_en} ({g.grade})" if g.name_en else None) for g in fw.grades}
    rec_counts = [int(sum(r.grade == g for r in results)) for g in grades]
    rep_grades = [reported_grade(r) for r in results]
    rep_counts = [int(sum(x == g for x in rep_grades)) for g in grades]
    x = np.arange(len(grades))
    b1 = bx.bar(x - 0.2, rec_counts, width=0.38, color=COLORS["score"], label=lab["portfolio_recomputed"])
    bars = [b1]
    if any(g is not None for g in rep_grades):
        bars.append(bx.bar(x + 0.2, rep_counts, width=0.38, color=COLORS["reported"],
                           label=lab["portfolio_reported"]))
    for group in bars:
        for b in group:
            bx.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.2, f"{int(b.get_height())}", ha="center",
                    va="bottom", fontsize=8)
    bx.set_xticks(x, [names[g] for g in grades], fontsize=8)
    bx.set_ylim(0, max(rec_counts + rep_counts + [1]) * 1.2 + 0.5)
    bx.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    bx.set_ylabel(lab["portfolio_count"])
    bx.grid(axis="y", color=COLORS["grid"])
    _title(bx, lab["portfolio_grades_title"])
    bx.legend(loc="upper right", frameon=False, fontsize=8)
    return fig


def tornado_chart(table, baseline: float, language: str = "zh", names: Sequence[str] | None = None,
                  limit: int = 12, review: bool = True) -> Figure:
    """One-at-a-time swings of the total: each target lowered and raised alone (``sensitivity.tornado``).

    ``table`` has columns ``name``, ``total_low`` and ``total_high``, sorted by swing; ``names``
    replaces the row labels (e.g. English indicator names). ``review``: the baseline is a recomputed total (a
    review of published scores); otherwise the evaluation's own total.
    """
    lab = _labels(language)
    rows = table.head(limit).to_dict("records")
    labels = list(names)[: len(rows)] if names is not None else [r["name"] for r in rows]
    fig, (ax,) = _figure(1.4 + 0.38 * max(len(rows), 1))
    y = np.arange(len(rows))
    low = np.array([r["total_low"] for r in rows], dtype=float) - baseline
    high = np.array([r["total_high"] for r in rows], dtype=float) - baseline
    # a side whose bars are all zero (targets already met: lowering them changes nothing) is not in the legend
    shown = [bool((np.abs(side) >= 0.005).any()) for side in (low, high)]
    ax.barh(y, low, height=0.6, color=COLORS["initial"], label=lab["tornado_low"] if shown[0] else "_nolegend_")
    ax.barh(y, high, height=0.6, color=COLORS["schedule"], label=lab["tornado_high"] if shown[1] else "_nolegend_")
    ax.axvline(0, color="#333333", linewidth=0.8)
    span = float(max(np.abs(low).max(initial=0), np.abs(high).max(initial=0), 0.01))
    for yi, lo, hi in zip(y, low, high):
        for v in (lo, hi):
            if abs(v) >= 0.005:
                ax.text(v + (span * 0.02 if v > 0 else -span * 0.02), yi, f"{v:+.2f}", va="center",
                        ha="left" if v > 0 else "right", fontsize=8)
    ax.set_yticks(y, _wrapped(labels, Language.of(language)), fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-span * 1.35, span * 1.35)
    ax.set_xlabel(lab["tornado_axis"].format(total=lab["tornado_baseline" if review else "tornado_total"],
                                             baseline=f"{baseline:.2f}"))
    ax.grid(axis="x", color=COLORS["grid"])
    # The legend sits between the title and the bars: below the axes it collides with the x label when
    # there are only one or two rows (the axes are then short, and offsets in axes units shrink with them).
    _title(ax, lab["tornado_title"], pad=22)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=max(sum(shown), 1), frameon=False, fontsize=8)
    return fig


# --------------------------------------------------------------------------------------------
# Target sensitivity (perfkit.analysis.sensitivity)
# --------------------------------------------------------------------------------------------


def _grade_lines(ax, framework, lo: float, hi: float, axis: str = "y", language: str = "zh") -> None:
    """A dashed line at every grade boundary of the framework between ``lo`` and ``hi``, labelled
    with the grades on either side, as ``language`` names them, and the boundary (优/良 90, Excellent/Good 90)."""
    lang = Language.of(language)
    bands = sorted(framework.grades, key=lambda g: -g.min)
    for upper, lower in zip(bands, bands[1:]):
        if not lo <= upper.min <= hi:
            continue
        label = f"{lang.grade_label(upper.grade, framework)}/{lang.grade_label(lower.grade, framework)} {upper.min:g}"
        if axis == "y":
            ax.axhline(upper.min, color="#7f7f7f", linewidth=0.8, linestyle="--")
            ax.text(0.99, upper.min, label, transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=8)
        else:
            ax.axvline(upper.min, color=COLORS["schedule"], linewidth=1, linestyle="--")
            ax.text(upper.min, 0.98, f"{label} ", transform=ax.get_xaxis_transform(), ha="right", va="top", fontsize=8)


def _target_labels(model) -> list[str]:
    return [f"{i} {n}" for i, n in zip(model.ids, model.names)]


def at_risk_chart(model, counterfactuals, rule: str = "actual", language: str = "zh") -> Figure:
    """The points each target's score depends on: lost when the target is replaced under ``rule``
    (``sensitivity.counterfactuals``); flagged targets in red."""
    lab = _labels(language)
    at_risk = np.asarray(counterfactuals.at_risk[rule], dtype=float)
    fig, (ax,) = _figure(1.4 + 0.3 * max(model.n_targets, 1))
    y = np.arange(model.n_targets)
    ax.barh(y, at_risk, color=np.where(model.flagged, COLORS["schedule"], COLORS["initial"]))
    ax.set_yticks(y, _wrapped(_target_labels(model), Language.of(language)), fontsize=8)
    ax.set_ylim(model.n_targets - 0.5, -0.5)
    ax.set_xlabel(lab["at_risk_xlabel"][rule])
    ax.grid(axis="x", color=COLORS["grid"])
    _title(ax, lab["at_risk_title"])
    return fig


def grade_flip_chart(model, k_max: float = 2.0, steps: int = 201, language: str = "zh") -> Figure:
    """The total as the flagged targets, and all targets, are raised together by k (1 to ``k_max``),
    with the framework's grade boundaries (``sensitivity.grade_flip`` finds where it crosses one)."""
    lab = _labels(language)
    ks = np.linspace(1.0, k_max, steps)
    fig, (ax,) = _figure(3.2)
    curves = []
    for mask, label in [(model.flagged, lab["flip_flagged"]), (np.ones(model.n_targets, bool), lab["flip_all"])]:
        totals = model.totals(model.scaled(np.where(mask, ks[:, None], 1.0)))
        ax.plot(ks, totals, label=label)
        curves.append(totals)
    _grade_lines(ax, model.compiled.framework, float(np.min(curves)), float(np.max(curves)) + 0.5, axis="y",
                 language=language)
    ax.set_xlabel(lab["flip_xlabel"])
    ax.set_ylabel(lab["total"])
    ax.grid(axis="y", color=COLORS["grid"])
    ax.legend(frameon=False, fontsize=8)
    return fig


def overlay_chart(overlays: dict, ratios: Sequence[float] = tuple(np.linspace(1, 8, 701)), language: str = "zh"
                  ) -> Figure:
    """The deduction (% of the points) each low-target penalty (偏离度) reading takes, by the ambition
    ratio actual ÷ target; one panel per reading, titled with its key in ``overlays``."""
    lab = _labels(language)
    r = np.asarray(ratios, dtype=float)
    fig, axes = _figure(2.6, ncols=len(overlays), sharey=True)
    for ax, (label, overlay) in zip(axes, overlays.items()):
        ax.step(r, overlay.deduction(1.0, r) * 100, where="post", color=COLORS["adjusted"])
        _title(ax, label, fontsize=8)
        ax.set_xlabel(lab["overlay_xlabel"], fontsize=8)
        ax.set_xticks(np.arange(np.ceil(r.min()), np.floor(r.max()) + 1))
        ax.grid(axis="y", color=COLORS["grid"])
    axes[0].set_ylabel(lab["overlay_ylabel"])
    return fig


def monte_carlo_chart(model, monte_carlo, language: str = "zh") -> Figure:
    """The distribution of totals over the Monte Carlo draws (``sensitivity.monte_carlo``), with the
    recomputed total and the framework's grade boundaries."""
    lab = _labels(language)
    totals = np.asarray(monte_carlo.totals, dtype=float)
    fig, (ax,) = _figure(3.0)
    ax.hist(totals, bins=60, color=COLORS["adjusted"])
    ax.axvline(model.baseline_total, color="black", linewidth=1)
    _grade_lines(ax, model.compiled.framework, float(totals.min()), float(totals.max()) + 0.5, axis="x",
                 language=language)
    ax.set_xlabel(lab["total"])
    ax.set_ylabel(lab["monte_carlo_ylabel"])
    ax.grid(axis="y", color=COLORS["grid"])
    _title(ax, lab["monte_carlo_title"].format(draws=monte_carlo.draws, seed=monte_carlo.seed))
    return fig


def sobol_chart(indices, language: str = "zh") -> Figure:
    """Total-order (ST) and first-order (S1) Sobol' indices of each factor (``sensitivity.sobol_indices``)."""
    lab = _labels(language)
    fig, (ax,) = _figure(1.2 + 0.25 * max(len(indices), 1))
    y = np.arange(len(indices))
    ax.barh(y - 0.2, indices["ST"].clip(lower=0), height=0.4, color=COLORS["adjusted"], label=lab["sobol_total"])
    ax.barh(y + 0.2, indices["S1"].clip(lower=0), height=0.4, color=COLORS["initial"], label=lab["sobol_first"])
    ax.set_yticks(y, list(indices.index), fontsize=8)
    ax.set_ylim(len(indices) - 0.5, -0.5)
    ax.set_xlabel(lab["sobol_xlabel"])
    ax.grid(axis="x", color=COLORS["grid"])
    ax.legend(frameon=False, fontsize=8)
    return fig
