"""Narrative: the sentences, tables and section layout of an evaluation report, per language.

This module owns what a reader of a report reads. Every sentence comes from a template keyed by its
purpose in ``perfkit/report/templates/narrative.<language>.yaml`` (``zh`` by default, ``en`` on request),
rendered with numbers taken from the scoring results and formatted as the reports print them:

* money in 万元 with two decimals and thousands separators — :func:`money` (58993.4 → ``58,993.40``);
* rates as percentages with two decimals — :func:`pct` (98.62 → ``98.62%``);
* scores with two decimals — :func:`score`; points as written — :func:`pts` (6, 1.5).

No number is typed into a template or into this code: each comes from a result, a budget or a
framework. :class:`Report` assembles the sections of ``notebooks/evaluation.ipynb`` (基本情况, 评价结果,
目标设置, 核对, 问题与建议, and the summary of many project self-evaluations); each section is a
:class:`Section` of Markdown, HTML tables and charts that a notebook displays as a cell's result.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from ..analysis import sensitivity, targets
from ..core.budget import MEASURES, SCHEDULE, all_measures, category_table, percent, quarterly_spending, schedule_gaps
from ..core.framework import TOLERANCE
from ..core.result import reported_grade
from ..core.scoring import score_bundle
from ..fmt import chinese_number, missing as _missing, money, num, pct, pct0, pts, ratio, score
from ..load import find_unit, load
from . import plots
from .tables import TABLE_STYLE, Section, html_table
from .rules_text import describe_rule, inputs_text
from .text import LANGUAGES, Safe, Text, md_escape, tidy

PORTFOLIO_MIN = 5  # this many project self-evaluations or more get a summary section of their own
SCHEDULE_LAG = 10.0  # percentage points behind 序时进度 at a quarter end that count as a problem
ADJUSTMENT_LIMIT = 10.0  # in-year adjustment (% of the initial budget) beyond the common 10% criterion
LOST_LISTED = 8  # indicators listed by name among those that lost points; the rest are summed
LOWEST_LISTED = 5  # projects listed as the lowest-scoring
TORNADO = (0.8, 1.2)  # each target alone at 80% and 120% of its value in the one-at-a-time chart

# Where the notebooks live in a source checkout; relative parameter paths are also tried from here.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def heading_number(language: str, numbers: tuple[int, ...]) -> str:
    """Heading numbers as reports write them: 一、 / （一） / 1. in Chinese; 1 / 1.1 / 1.1.1 in English."""
    if language == "en":
        return ".".join(str(n) for n in numbers) + " "
    n = numbers[-1]
    return {1: f"{chinese_number(n)}、", 2: f"（{chinese_number(n)}）", 3: f"{n}. "}.get(len(numbers), f"（{n}）")


# --------------------------------------------------------------------------------------------
# Finding where the parameters are
# --------------------------------------------------------------------------------------------


def resolve_params_dir(params_dir: str | os.PathLike | None = None) -> str:
    """The parameters directory a notebook should read.

    An absolute path is used as given. A relative path is tried against the working directory and
    then against the repository's ``notebooks/`` folder, so the default ``"../parameters"`` works
    both when a notebook runs in ``notebooks/`` (nbval) and when papermill runs it from elsewhere.
    Empty or None means ``$PERFKIT_PARAMS`` or else the repository's ``parameters/``.
    """
    if not params_dir:
        params_dir = os.environ.get("PERFKIT_PARAMS") or str(NOTEBOOKS_DIR.parent / "parameters")
    p = Path(params_dir).expanduser()
    candidates = [p] if p.is_absolute() else [Path.cwd() / p, NOTEBOOKS_DIR / p]
    for c in candidates:
        if (c / "frameworks").is_dir():
            return str(c.resolve())
    raise FileNotFoundError(
        f"parameters directory {str(params_dir)!r} not found (looked for a folder with frameworks/ at "
        + ", ".join(str(c) for c in candidates) + "); pass an absolute path as params_dir")


# --------------------------------------------------------------------------------------------
# Target diagnostics
# --------------------------------------------------------------------------------------------


def target_diagnostics(result, budget=None) -> list:
    """The diagnostics of perfkit.targets for one evaluation (default thresholds)."""

    return targets.diagnose(result, budget)


def _low_ambition() -> float:
    """The completion ratio at or above which a target is flagged as set low (the reports' default)."""

    return targets.DEFAULT_THRESHOLDS.low_ambition


def target_status(d) -> str | None:
    """met / missed / no_actual / qualitative / not_applicable, or None for an unmeasurable target."""
    if not getattr(d, "applicable", True):
        return "not_applicable"
    if d.target is None:
        return None if "not_measurable" in d.flags else "qualitative"
    if d.actual is None:
        return "qualitative" if d.actual_text else "no_actual"
    if d.ratio is not None and d.ratio < 1 - 1e-9:
        return "missed"
    return "met"




# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


class Report:
    """The narrative of one department-year in one language, section by section.

    >>> report = Report.load("luohu-fsa", 2022, language="en")   # doctest: +SKIP
    >>> report.results_section()                                 # doctest: +SKIP

    Evaluations are split in two: the *main* ones (department, special fund, third-party project
    evaluations) get sections 2–5; when a department-year has ``PORTFOLIO_MIN`` or more project
    self-evaluations, those are summarised in a section of their own, with each one's scoring.
    """

    SECTION_NUMBERS = {"background": 1, "results": 2, "targets": 3, "reconciliation": 4, "problems": 5,
                       "portfolio": 6}

    def __init__(self, bundle, results, language: str = "zh"):
        self.bundle = bundle
        self.results = list(results)
        self.language = language
        self.t = Text(language)
        projects = [r for r in self.results if r.evaluation.kind == "project" and r.evaluation.evaluator == "self"]
        self.portfolio = projects if len(projects) >= PORTFOLIO_MIN else []
        ids = {id(r) for r in self.portfolio}
        self.main = [r for r in self.results if id(r) not in ids]
        self._names: dict[int, dict[str, tuple[str, str | None]]] = {}
        self._diagnostics: dict[int, list] = {}
        self._analyses: dict[int, Any] = {}
        self._row_scores: dict[int, Any] = {}

    @classmethod
    def load(cls, department: str, year: int, language: str = "zh", params_dir: str | None = "../parameters"
             ) -> "Report":
        """Load, score and reconcile a department-year (see :func:`resolve_params_dir` for the path)."""

        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
        pdir = resolve_params_dir(params_dir)
        bundle = load(find_unit(pdir, department, year), pdir)
        return cls(bundle, score_bundle(bundle), language)

    # ---- names and labels -------------------------------------------------------------------

    @property
    def en(self) -> bool:
        return self.language == "en"

    @property
    def department_name(self) -> str:
        d = self.bundle.department
        return (d.name_en or d.name) if self.en else d.name

    def _h(self, numbers: tuple[int, ...], text: str) -> str:
        return heading_number(self.language, numbers) + text

    def heading(self, key: str) -> str:
        return self.t.label(f"headings.{key}")

    def node_name(self, result, node_id: str | None) -> str:
        if node_id is None:
            return ""
        names = self._names.get(id(result))
        if names is None:
            names = {r["id"]: (r["name"], r["name_en"]) for r in result.nodes.to_dict("records")}
            self._names[id(result)] = names
        name, name_en = names.get(node_id, (node_id, None))
        return name_en if self.en and isinstance(name_en, str) and name_en else name

    def evaluation_title(self, result, with_id: bool = False) -> str:
        ev = result.evaluation
        title = (ev.title_en or ev.title) if self.en else ev.title
        return f"{ev.id.upper()} {title}" if with_id else title

    def kind_evaluator(self, result) -> str:
        ev = result.evaluation
        return self.t("kind_evaluator", kind=self.t.label(f"kind.{ev.kind}"),
                      evaluator=self.t.label(f"evaluator.{ev.evaluator}"))

    def grade_label(self, grade: str | None, framework) -> str:
        if grade is None:
            return "—"
        if not self.en:
            return grade
        band = next((g for g in framework.grades if g.grade == grade), None)
        return band.name_en.capitalize() if band is not None and band.name_en else grade

    def reported_grade(self, result) -> str | None:
        return reported_grade(result)

    def _budget_of(self, result):
        ev = result.evaluation
        if ev.budget is not None:
            return ev.budget
        return self.bundle.data.budget if ev.kind == "department" else None

    def analysis(self, result):
        """perfkit.sensitivity's analysis of one main evaluation (computed once)."""

        if id(result) not in self._analyses:
            self._analyses[id(result)] = sensitivity.analyse(result, self.bundle.data.budget)
        return self._analyses[id(result)]

    def diagnostics(self, result) -> list:
        """The target diagnostics of one evaluation, computed once: a main evaluation's come with its
        sensitivity analysis (which diagnoses the targets itself), a portfolio project's alone."""
        if id(result) not in self._diagnostics:
            if any(r is result for r in self.main):
                self._diagnostics[id(result)] = self.analysis(result).diagnostics
            else:
                self._diagnostics[id(result)] = target_diagnostics(result, self.bundle.data.budget)
        return self._diagnostics[id(result)]

    def row_scores(self, result):
        """``result.compiled.row_scores()``, computed once per evaluation."""
        if id(result) not in self._row_scores:
            self._row_scores[id(result)] = result.compiled.row_scores()
        return self._row_scores[id(result)]

    # ---- title ------------------------------------------------------------------------------

    def title(self) -> Section:
        """The report's title and opening paragraph."""
        t = self.t
        sec = Section()
        sec.html(TABLE_STYLE)
        sec.heading(1, t("headings.title", department=self.department_name, year=self.bundle.year))
        items = [t("intro_item", title=self.evaluation_title(r), kind=self.kind_evaluator(r)) for r in self.main]
        if self.portfolio:
            items.append(t("intro_portfolio", n=len(self.portfolio)))
        sec.md(t("intro", department=self.department_name, year=self.bundle.year, n=len(self.results), items=items))
        return sec

    # ---- 1 基本情况 --------------------------------------------------------------------------

    def background(self) -> Section:
        """Section 1: functions, key tasks, budget preparation and adjustment, execution, control rates."""
        t, sec, n = self.t, Section(), self.SECTION_NUMBERS["background"]
        dept = self.bundle.department
        sec.heading(2, self._h((n,), self.heading("background")))
        sec.heading(3, self._h((n, 1), self.heading("functions")))
        if dept.functions:
            sec.md(t("background.functions_intro", name=self.department_name, n=len(dept.functions)))
            sec.bullets([md_escape(tidy(f)) for f in dept.functions], numbered=True)
        else:
            sec.md(t("background.no_functions"))
        sec.heading(3, self._h((n, 2), self.heading("key_tasks")))
        if dept.key_tasks:
            sec.md(t("background.key_tasks_intro", year=self.bundle.year, n=len(dept.key_tasks)))
            sec.bullets([t("background.key_task", name=k.name, target=k.target, actual=k.actual)
                         for k in dept.key_tasks], numbered=True)
        else:
            sec.md(t("background.no_key_tasks"))
        budget = self.bundle.data.budget
        sec.heading(3, self._h((n, 3), self.heading("budget")))
        if budget is None:
            return sec.md(t("background.no_budget"))
        self._budget_preparation(sec, budget)
        sec.heading(3, self._h((n, 4), self.heading("execution")))
        self._execution(sec, budget)
        sec.heading(3, self._h((n, 5), self.heading("controls")))
        self._controls(sec, budget)
        return sec

    def _line_name(self, line) -> str:
        return (line.name_en or line.name) if self.en else line.name

    def _budget_lines(self, lines, depth=0):
        for line in lines:
            yield depth, line
            yield from self._budget_lines(line.children, depth + 1)

    def _category_numbers(self, budget) -> tuple[list, Any]:
        """The category lines walked in order beside ``budget.category_table`` (the same order, then 合计)."""
        return list(self._budget_lines(budget.by_category)), category_table(budget)

    def _budget_preparation(self, sec: Section, budget) -> None:

        t = self.t
        top = budget.by_category
        if budget.initial is not None:
            change = budget.adjusted - budget.initial
            sec.md(t("background.adjustment", year=self.bundle.year, initial=budget.initial, adjusted=budget.adjusted,
                     change=change, change_rate=all_measures(budget)["adjustment_rate"],
                     multiple=budget.adjusted / budget.initial if budget.initial else 0.0))
            lines = [ln for ln in top if ln.initial is not None and ln.adjusted is not None
                     and (ln.initial or ln.adjusted)]
            if lines:
                sec.md(t("background.adjustment_lines", items=[
                    t("background.adjustment_line", name=self._line_name(ln), initial=ln.initial, adjusted=ln.adjusted,
                      change=ln.adjusted - ln.initial) for ln in lines]))
        else:
            sec.md(t("background.no_initial", year=self.bundle.year, adjusted=budget.adjusted))
            lines = [ln for ln in top if ln.adjusted]
            if lines:
                sec.md(t("background.no_initial_lines", items=[
                    t("background.no_initial_line", name=self._line_name(ln), adjusted=ln.adjusted) for ln in lines]))
        if budget.by_category:
            sec.html(self._budget_table(budget, budget.by_category, with_total=True))
            sec.md(t("background.budget_chart_note" if budget.initial is not None
                     else "background.budget_chart_note_no_initial"))
            sec.figure(plots.budget_chart(budget, self.language))
        if budget.by_function:
            sec.md("**" + self.heading("by_function") + "**")
            sec.html(self._budget_table(budget, budget.by_function, with_total=False))

    def _budget_table(self, budget, lines, with_total: bool) -> str:
        t = self.t
        if lines is budget.by_category:
            walked, numbers = self._category_numbers(budget)
        else:
            walked, numbers = list(self._budget_lines(lines)), None
        records = []
        for i, (depth, ln) in enumerate(walked):
            rec = {"name": "　" * depth + self._line_name(ln), "initial": ln.initial, "adjusted": ln.adjusted,
                   "spent": ln.spent}
            if numbers is not None:
                rec.update(change=numbers.loc[i, "change"], rate=numbers.loc[i, "execution_rate"])
            records.append((rec, "level1" if depth == 0 else None))
        if with_total:
            rec = {"name": t.label("columns.total_row"), "initial": budget.initial, "adjusted": budget.adjusted,
                   "spent": budget.spent}
            if numbers is not None:
                rec.update(change=numbers.iloc[-1]["change"], rate=numbers.iloc[-1]["execution_rate"])
            records.append((rec, "total"))
        cols = [("initial", money), ("adjusted", money), ("change", money), ("spent", money),
                ("rate", pct)]
        cols = [(k, f) for k, f in cols if any(not _missing(r.get(k)) for r, _ in records)]
        labels = {"initial": "initial", "adjusted": "adjusted", "change": "change", "spent": "spent",
                  "rate": "execution_rate"}
        header = [t.label("columns.category")] + [t.label(f"columns.{labels[k]}") for k, _ in cols]
        rows = [([r["name"]] + [f(r.get(k)) if not _missing(r.get(k)) else "" for k, f in cols], cls)
                for r, cls in records]
        return html_table(header, rows, numeric=range(1, len(header)))

    def _execution(self, sec: Section, budget) -> None:

        t = self.t
        measures = all_measures(budget)
        lines = []
        if budget.by_category:
            walked, numbers = self._category_numbers(budget)
            lines = [(ln, numbers.loc[i, "execution_rate"]) for i, (depth, ln) in enumerate(walked)
                     if depth == 0 and ln.spent is not None and ln.adjusted]
        sec.md(t("background.execution", spent=budget.spent, adjusted=budget.adjusted,
                 rate=measures.get("execution_rate"), carry_over=budget.carry_over,
                 carry_rate=measures.get("carry_over_rate")))
        if lines:
            sec.md(t("background.execution_lines", items=[
                t("background.execution_line", name=self._line_name(ln), spent=ln.spent, rate=rate)
                for ln, rate in lines]))
        if budget.quarterly_spent is None:
            sec.md(t("background.no_quarters"))
            return
        rates = measures["quarterly_execution_rates"]
        gaps = schedule_gaps(budget)
        within = quarterly_spending(budget)
        qnames = t.raw("background.quarter_names")
        sec.md(t("background.quarters", cumulative=budget.quarterly_spent, rates=rates, schedule=list(SCHEDULE),
                 gaps=[t("background.quarter_gap", quarter=qnames[i], gap=g) for i, g in enumerate(gaps)],
                 gap_values=gaps, behind=sum(g < -0.005 for g in gaps), ahead=sum(g > 0.005 for g in gaps),
                 last=within[-1], last_share=percent(within[-1], budget.quarterly_spent[-1])))
        header = [t.label(f"columns.{c}") for c in ("quarter", "cumulative_spent", "quarter_spent", "cumulative_rate",
                                                   "schedule", "gap")]
        rows = [[t.raw("chart.quarters")[i], money(c), money(w), pct(r), pct0(s), f"{g:+.2f}"]
                for i, (c, w, r, s, g) in enumerate(zip(budget.quarterly_spent, within, rates, SCHEDULE, gaps))]
        sec.html(html_table(header, rows, numeric=range(1, 6)))
        sec.md(t("background.execution_chart_note"))
        sec.figure(plots.execution_chart(budget, self.language))

    def _controls(self, sec: Section, budget) -> None:
        t = self.t
        computed = all_measures(budget)
        rows = []
        for key, measure in MEASURES.items():
            value = computed.get(key)
            if value is None or isinstance(value, list):
                continue
            m = t.raw("measures")[key]
            figures = ""
            if measure.parts is not None:
                fmt = money if measure.unit == "万元" else num
                numer, denom = measure.parts(budget)
                figures = f"{fmt(numer)} / {fmt(denom)}"
            stated = budget.stated.get(key)
            rows.append([m["name"], m["formula"], figures, pct(value),
                         pct(stated) if stated is not None and not isinstance(stated, list) else ""])
        if not rows:
            sec.md(t("background.no_controls"))
            return
        sec.md(t("background.controls_intro"))
        header = [t.label(f"columns.{c}") for c in ("measure", "formula", "data", "computed", "stated")]
        sec.html(html_table(header, rows, numeric=(2, 3, 4)))

    # ---- 2 评价结果 --------------------------------------------------------------------------

    def results_section(self) -> Section:
        """Section 2: for each main evaluation, total, grade and its meaning, levels, full scoring table."""

        t, sec, n = self.t, Section(), self.SECTION_NUMBERS["results"]
        sec.heading(2, self._h((n,), self.heading("results")))
        for k, r in enumerate(self.main, 1):
            sec.heading(3, self._h((n, k), self.evaluation_title(r)))
            sec.md(*self.result_paragraphs(r))
            sec.heading(4, self._h((n, k, 1), self.heading("levels")))
            sec.md(t("results.levels_intro"), self._weakest(r))
            sec.html(self.levels_table(r))
            sec.figure(plots.scores_chart(r, self.language))
            sec.heading(4, self._h((n, k, 2), self.heading("scoring_table")))
            sec.md(t("results.scoring_intro"))
            sec.html(self.scoring_table(r))
        return sec

    def result_paragraphs(self, r) -> list[str]:
        """Overview, total and reconciliation with the reported total, and what the grade means."""
        t, fw = self.t, r.framework
        nodes = r.nodes
        overview = t("results.overview", kind_evaluator=self.kind_evaluator(r),
                     framework=(fw.name_en or fw.name) if self.en else fw.name,
                     n_level1=int((nodes["level"] == 1).sum()), n_leaves=len(r.table),
                     total_points=float(r.table["points"].sum()))
        grade = self.grade_label(r.grade, fw)
        total = t("results.total", total=r.total, grade=grade)
        sentences = [total]
        if r.reported_total is not None:
            diff = r.reported_total - r.total
            rep_grade = self.reported_grade(r)
            if abs(diff) <= TOLERANCE:
                sentences.append(t("results.reported_same", reported=r.reported_total))
            else:
                contributors, explained = [], 0.0
                for rec in r.table.to_dict("records"):
                    rep = rec["reported_score"]
                    if not _missing(rep) and abs(rep - rec["score"]) > TOLERANCE:
                        contributors.append(t("results.contributor", name=self.node_name(r, rec["id"]),
                                              reported=rep, score=rec["score"]))
                        explained += rep - rec["score"]
                residual = diff - explained if contributors else 0.0
                sentences.append(t("results.reported_diff", reported=r.reported_total,
                                   reported_grade=self.grade_label(rep_grade, fw), diff=diff, items=contributors,
                                   residual=residual if abs(residual) > TOLERANCE else 0.0))
            if rep_grade is not None and rep_grade != r.grade:
                sentences.append(t("results.grade_change", reported_grade=self.grade_label(rep_grade, fw),
                                   grade=grade))
        return [overview, (" " if self.en else "").join(sentences), self._grade_meaning(r)]

    def _grade_meaning(self, r) -> str:
        t, fw = self.t, r.framework
        grades = fw.grades
        bands = []
        for i, g in enumerate(grades):
            label = self.grade_label(g.grade, fw)
            if self.en and label != g.grade:
                label = f"{label} ({g.grade})"
            if i == 0:
                bands.append(t("results.band_top", lo=g.min, grade=label))
            elif g.min <= 0:
                bands.append(t("results.band_bottom", hi=grades[i - 1].min, grade=label))
            else:
                bands.append(t("results.band_mid", lo=g.min, hi=grades[i - 1].min, grade=label))
        meanings = t.raw("grades.meaning")
        meaning = meanings.get(r.grade) or t.label("grades.unknown")
        text = t("results.grade_bands", bands=bands, grade=self.grade_label(r.grade, fw), meaning=meaning)
        idx = next(i for i, g in enumerate(grades) if g.grade == r.grade)
        rounded = round(r.total, 2)
        margin = rounded - grades[idx].min
        up = grades[idx - 1] if idx > 0 else None
        text2 = t("results.margin", margin=margin, up_grade=self.grade_label(up.grade, fw) if up else None,
                  up_gap=(up.min - rounded) if up else 0.0)
        return text + (" " if self.en else "") + text2

    def _weakest(self, r) -> str:
        level1 = [x for x in r.nodes.to_dict("records") if x["level"] == 1 and x["points"] > 0]
        if not level1:
            return ""
        worst = min(level1, key=lambda x: (x["score"] / x["points"], x["path"]))
        if worst["points"] - worst["score"] <= TOLERANCE:
            return self.t("results.all_full")
        return self.t("results.weakest", name=self.node_name(r, worst["id"]),
                      rate=100.0 * worst["score"] / worst["points"], lost=worst["points"] - worst["score"])

    def levels_table(self, r) -> str:
        t = self.t
        level_names = t.raw("columns.level_names")
        rows = []
        has_reported = False
        for x in r.nodes.to_dict("records"):
            if x["level"] > 2:
                continue
            rep = x["reported"] if not _missing(x["reported"]) else x["reported_leaf_sum"]
            has_reported |= not _missing(rep)
            rate = 100.0 * x["score"] / x["points"] if x["points"] else float("nan")
            rows.append(([level_names[x["level"] - 1], ("　" if x["level"] == 2 else "") + self.node_name(r, x["id"]),
                          pts(x["points"]), score(x["score"]), pct(rate), score(x["points"] - x["score"]),
                          "" if _missing(rep) else score(rep)], "level1" if x["level"] == 1 else None))
        total_pts = float(r.table["points"].sum())
        rep_total = r.reported_total
        rows.append(([t.label("columns.total_row"), "", pts(total_pts), score(r.total),
                      pct(100.0 * r.total / total_pts if total_pts else float("nan")), score(total_pts - r.total),
                      "" if rep_total is None else score(rep_total)], "total"))
        header = [t.label(f"columns.{c}") for c in ("level", "indicator", "points", "score", "score_rate", "lost",
                                                   "reported")]
        if not has_reported and rep_total is None:
            header = header[:-1]
            rows = [(cells[:-1], cls) for cells, cls in rows]
        return html_table(header, rows, numeric=range(2, len(header)))

    def scoring_table(self, r) -> str:
        t = self.t
        cell = t.plain  # rendered text in HTML cells: no Markdown escaping
        row_scores = self.row_scores(r)
        records = r.table.to_dict("records")
        leaves = r.compiled.leaves
        has_reported = any(not _missing(x["reported_score"]) for x in records)
        rows, prev1, prev2 = [], None, None
        for i, (x, leaf) in enumerate(zip(records, leaves)):
            names = leaf.node.path
            l1 = self.node_name(r, names[0]) if len(names) > 1 else ""
            l2 = self.node_name(r, names[1]) if len(names) > 2 else ""
            show1, show2 = l1 if l1 != prev1 else "", l2 if (l2 != prev2 or l1 != prev1) else ""
            prev1, prev2 = l1, l2
            lost = x["points"] - x["score"]
            reason = x["reason"] if lost > TOLERANCE and isinstance(x["reason"], str) else ""
            rep = x["reported_score"]
            rep_text = "" if _missing(rep) else score(rep) + (" ≠" if abs(rep - x["score"]) > TOLERANCE else "")
            cells = [show1, show2, self.node_name(r, x["id"]), pts(x["points"]),
                     describe_rule(cell, leaf.rule, x["points"], leaf.inputs, leaf.node.indicator.zero_if),
                     inputs_text(cell, r, i, row_scores), score(x["score"])]
            if has_reported:
                cells.append(rep_text)
            cells.append(reason)
            rows.append(cells)
        cols = ["level1", "level2", "leaf", "points", "rule", "inputs", "score"] + (["reported"] if has_reported
                                                                                  else []) + ["reason"]
        header = [t.label(f"columns.{c}") for c in cols]
        numeric = [3, 6] + ([7] if has_reported else [])
        return html_table(header, rows, numeric=numeric, names=(0, 1, 2))

    # ---- 3 目标设置 --------------------------------------------------------------------------

    def targets_section(self) -> Section:
        """Section 3: each target against its actual with the ratio, and the signs of low targets."""
        t, sec, n = self.t, Section(), self.SECTION_NUMBERS["targets"]
        sec.heading(2, self._h((n,), self.heading("targets")))
        k = 0
        for k, r in enumerate(self.main, 1):
            sec.heading(3, self._h((n, k), self.evaluation_title(r)))
            diags = self.diagnostics(r)
            sec.md(*self.target_sentences(diags))
            if diags:
                sec.md(t("targets.table_note"))
                sec.html(self.targets_table(diags))
            sec.heading(4, self._h((n, k, 1), self.heading("sensitivity")))
            self.sensitivity_block(sec, r)
        if self.portfolio:
            k += 1
            sec.heading(3, self._h((n, k), self.heading("portfolio")))
            self._portfolio_targets(sec)
        return sec

    def sensitivity_block(self, sec: Section, r) -> None:
        """What the targets are worth (perfkit.sensitivity): counterfactual totals and grades, the
        grade flip, grade probabilities, points resting on targets, and the one-at-a-time tornado.
        """

        t, fw = self.t, r.framework
        analysis = self.analysis(r)
        doc = analysis.to_dict()
        model = analysis.model
        if not model.n_targets:
            sec.md(t("sensitivity.none"))
            return
        cfs = doc["counterfactuals"]
        sec.md(t("sensitivity.intro", n=model.n_targets))
        header = [t.label(f"sensitivity.columns.{c}") for c in ("scenario", "total", "grade", "change")]
        rows = [([t.plain("sensitivity.baseline"), score(doc["total"]), self.grade_label(doc["grade"], fw), ""],
                 "total")]
        for cf in cfs:
            label = t.plain(f"sensitivity.rules.{cf['rule']}", k=cf.get("k", 0.0)) if t.has(
                f"sensitivity.rules.{cf['rule']}") else cf["rule"]
            rows.append([label, score(cf["total"]), self.grade_label(cf["grade"], fw), f"{cf['change']:+.2f}"])
        sec.html(html_table(header, rows, numeric=(1, 3)))
        sentences = []
        actual = next((cf for cf in cfs if cf["rule"] == "actual"), None)
        if actual is not None:
            sentences.append(t("sensitivity.actual", total=actual["total"], change=actual["change"],
                               same=actual["grade"] == doc["grade"], grade=self.grade_label(actual["grade"], fw)))
        flip = doc.get("grade_flip") or {}
        uplift = flip.get("flagged") or flip.get("all")
        if uplift:
            sentences.append(t("sensitivity.flip_flagged", k=uplift["k"], total=uplift["total"],
                               flagged_only=bool(flip.get("flagged")),
                               baseline_grade=self.grade_label(doc["grade"], fw),
                               grade=self.grade_label(uplift["grade"], fw)))
        else:
            sentences.append(t("sensitivity.no_flip", k_max=flip.get("k_max", 0.0)))
        fewest = flip.get("fewest")
        if fewest:
            sentences.append(t("sensitivity.flip_fewest", count=fewest["count"], total=fewest["total"],
                               indicators=[self.node_name(r, i.split("/")[0]) for i in fewest["indicators"]],
                               grade=self.grade_label(fewest["grade"], fw)))
        dist = doc.get("score_distribution") or {}
        probs = doc.get("grade_probabilities") or {}
        if dist and probs:
            possible = [(g, p) for g, p in probs.items() if p > 0]
            sentences.append(t("sensitivity.monte_carlo", draws=doc["monte_carlo"]["draws"], seed=doc["seed"],
                               p50=dist["p50"], p05=dist["p05"], p95=dist["p95"],
                               only_grade=self.grade_label(possible[0][0], fw) if possible else "",
                               probabilities=[t("sensitivity.probability", grade=self.grade_label(g, fw), p=p)
                                              for g, p in possible]))
        sec.md((" " if self.en else "").join(sentences))
        at_risk = [x for x in analysis.indicators() if x.get("score_at_risk") not in (None, 0)
                   and x["score_at_risk"] > TOLERANCE]
        if at_risk:
            sec.md(t("sensitivity.at_risk_intro"))
            header = [t.label(f"columns.{c}") for c in ("indicator", "target", "actual", "ratio", "points", "score")]
            header.append(t.label("sensitivity.columns.at_risk"))
            sec.html(html_table(header, [[self.node_name(r, x["indicator"]), x["target_text"] or "—",
                                          x["actual_text"] or "—", ratio(x["ratio"]), pts(x.get("points")),
                                          score(x.get("score")), score(x["score_at_risk"])] for x in at_risk],
                                numeric=(3, 4, 5, 6)))
        else:
            sec.md(t("sensitivity.no_at_risk"))
        table = sensitivity.tornado(model, *TORNADO)
        table = table[table["swing"] > 1e-9]
        if len(table):
            sec.md(t("sensitivity.tornado_note", low=TORNADO[0], high=TORNADO[1]))
            names = [self.node_name(r, str(i).split("/")[0]) for i in table["id"]]
            sec.figure(plots.tornado_chart(table, doc["total"], self.language, names=names))

    def target_sentences(self, diags: list) -> list[str]:
        t = self.t
        if not diags:
            return [t("targets.none")]
        status = [target_status(d) for d in diags]

        def text(raw):
            return raw if raw else "—"

        out = [t("targets.summary", n=len(diags), n_measurable=sum(d.ratio is not None for d in diags),
                 n_met=sum(s == "met" for s in status))]
        missed = [t("targets.missed_item", name=d.name, target=text(d.target_text), actual=text(d.actual_text),
                    ratio=d.ratio) for d, s in zip(diags, status) if s == "missed"]
        if missed:
            out.append(t("targets.missed", items=missed))
        low = [t("targets.low_item", name=d.name, target=text(d.target_text), actual=text(d.actual_text),
                 ratio=d.ratio) for d in diags if "low_ambition" in d.flags]
        if low:
            out.append(t("targets.low", items=low, threshold=_low_ambition()))
        ratchet = [t("targets.ratchet_item", name=d.name, target=text(d.target_text), prior=text(d.prior_text))
                   for d in diags if "ratchet" in d.flags]
        if ratchet:
            out.append(t("targets.ratchet", items=ratchet))
        equal = [t("targets.equal_item", name=d.name, target=text(d.target_text)) for d in diags
                 if "equal_to_actual" in d.flags]
        if equal:
            out.append(t("targets.equal", items=equal))
        lowered = [t("targets.lowered_item", name=d.name, initial=d.initial_target, target=text(d.target_text),
                     actual=text(d.actual_text)) for d in diags if "lowered_in_year" in d.flags]
        if lowered:
            out.append(t("targets.lowered", items=lowered))
        vague = [t("targets.unmeasurable_item", name=d.name, target=text(d.target_text)) for d in diags
                 if "not_measurable" in d.flags]
        if vague:
            out.append(t("targets.unmeasurable", items=vague))
        budget_flag = [d for d in diags if {"unchanged_while_budget_grew", "unchanged_while_budget_cut"} & set(d.flags)]
        if budget_flag and budget_flag[0].budget_change is not None:
            out.append(t("targets.budget_grew", change=100.0 * budget_flag[0].budget_change, n=len(budget_flag)))
        no_actual = sum(s == "no_actual" for s in status)
        if no_actual:
            out.append(t("targets.no_actual", n=no_actual))
        return [(" " if self.en else "").join(out)]

    def _judgement(self, d) -> str:
        t = self.t
        words = []
        s = target_status(d)
        if s is not None:
            words.append(t.label(f"targets.status.{s}"))
        words += [t.label(f"targets.flags.{f}") for f in d.flags if t.has(f"targets.flags.{f}")]
        return ("；" if not self.en else "; ").join(words)

    def targets_table(self, diags: list, project_of: dict | None = None) -> str:
        t = self.t
        rows = []
        for d in diags:
            cells = [project_of[id(d)]] if project_of is not None else []
            cells += [d.name, t.label(f"targets.source.{d.source}") if t.has(f"targets.source.{d.source}") else d.source,
                      d.target_text or "—", d.actual_text or "—",
                      t.label(f"targets.direction.{d.direction}") if d.direction and t.has(
                          f"targets.direction.{d.direction}") else "—",
                      ratio(d.ratio) if d.ratio is not None else "—", self._judgement(d)]
            rows.append(cells)
        cols = (["project"] if project_of is not None else []) + ["target_name", "source", "target", "actual",
                                                                  "direction", "ratio", "judgement"]
        header = [t.label(f"columns.{c}") for c in cols]
        return html_table(header, rows, numeric=[len(cols) - 2])

    def _portfolio_targets(self, sec: Section) -> None:
        t = self.t
        all_d, project_of = [], {}
        for r in self.portfolio:
            for d in self.diagnostics(r):
                all_d.append(d)
                project_of[id(d)] = self.evaluation_title(r, with_id=True)
        numeric = [d for d in all_d if d.ratio is not None]
        flagged = [d for d in all_d if getattr(d, "flagged", False) or "not_measurable" in d.flags]
        sec.md(t("targets_portfolio.summary", n_projects=len(self.portfolio), n=len(numeric),
                 n_missed=sum(target_status(d) == "missed" for d in numeric),
                 n_low=sum("low_ambition" in d.flags for d in numeric), threshold=_low_ambition()))
        if flagged:
            sec.md(t("targets_portfolio.table_intro"))
            sec.html(self.targets_table(flagged, project_of))
        else:
            sec.md(t("targets_portfolio.none_flagged"))

    # ---- 4 核对 ------------------------------------------------------------------------------

    def reconciliation(self) -> Section:
        """Section 4: the reconciliation findings of each main evaluation, in plain sentences."""
        sec, n = Section(), self.SECTION_NUMBERS["reconciliation"]
        sec.heading(2, self._h((n,), self.heading("reconciliation")))
        for k, r in enumerate(self.main, 1):
            sec.heading(3, self._h((n, k), self.evaluation_title(r)))
            self._findings_block(sec, r)
        if self.portfolio:
            sec.heading(3, self._h((n, len(self.main) + 1), self.heading("portfolio")))
            self._portfolio_findings(sec)
        return sec

    def _findings_block(self, sec: Section, r) -> None:
        t = self.t
        counts = {s: sum(f.severity == s for f in r.findings) for s in ("error", "warning", "info")}
        if not r.findings:
            sec.md(t("reconciliation.none"))
            return
        key = "reconciliation.intro" if r.evaluation.reported is not None else "reconciliation.intro_unreported"
        sec.md(t(key, n_error=counts["error"], n_warning=counts["warning"], n_info=counts["info"]))
        for s in ("error", "warning", "info"):
            items = [self.finding_sentence(r, f) for f in r.findings if f.severity == s]
            if items:
                label = t.label(f"reconciliation.severity.{s}")
                sec.md(f"**{label}**")
                sec.bullets(items)

    def localized_alternative(self, alt: dict) -> dict:
        """An alternative reading with its label and description in the report's language where given."""
        if self.language == "zh":
            return alt
        return {**alt, "label": alt.get("label_en") or alt["label"],
                "description": alt.get("description_en") or alt["description"]}

    def finding_sentence(self, r, f) -> str:
        """One finding in a sentence of the report's language, from its code and data."""
        t, fw = self.t, r.framework
        data = dict(f.data)
        ctx: dict[str, Any] = {**data, "name": self.node_name(r, f.indicator), "message": f.message}
        code = f.code
        rule_names = t.raw("rule_names")
        if code == "SCORE_MISMATCH":
            ctx["diff"] = data["reported"] - data["recomputed"]
            ctx["rule"] = rule_names.get(data.get("rule"), data.get("rule"))
            alts = [self.localized_alternative(a) for a in data.get("alternatives") or []]
            ctx["reproduced"] = next((a for a, raw in zip(alts, data.get("alternatives") or [])
                                      if raw["label"] == data.get("reproduced_by")), None)
            ctx["alternatives"] = [t("findings.alternative", **a) if a["score"] is not None
                                   else t("findings.alternative_na", label=a["label"]) for a in alts]
        elif code == "TOTAL_MISMATCH":
            ctx["recomputed_grade"] = self.grade_label(data.get("recomputed_grade"), fw)
            ctx["reported_grade"] = self.grade_label(data.get("reported_total_grade"), fw)
        elif code == "GRADE_MISMATCH":
            ctx.update(total=r.reported_total, reported_grade=self.grade_label(data.get("reported_grade"), fw),
                       band_grade=self.grade_label(data.get("band_grade"), fw))
        elif code == "RATE_MISMATCH":
            m = t.raw("measures").get(data.get("measure"), {})
            ctx.update(measure=m.get("name", data.get("measure")), formula=m.get("formula", ""))
        elif code == "JUDGED_WITHOUT_MEASUREMENT":
            ctx["rule"] = rule_names.get(data.get("rule"), data.get("rule"))
            part = data.get("part")
            if part:
                leaf = next((lf for lf in r.compiled.leaves if lf.id == f.indicator), None)
                parts = getattr(leaf.rule, "parts", []) if leaf is not None else []
                ctx["part"] = next((p.name for p in parts if p.id == part), part)
        key = f"findings.{code}"
        if not t.has(key):  # a code without a template: its message; a broken template raises
            return t("findings.generic", message=f.message)
        return t(key, **ctx)

    # ---- 5 问题与建议 ------------------------------------------------------------------------

    def problems(self) -> Section:
        """Section 5: problems derived from findings, low scores and the budget; recommendations;
        the evaluator's own problems and recommendations."""
        t, sec, n = self.t, Section(), self.SECTION_NUMBERS["problems"]
        sec.heading(2, self._h((n,), self.heading("problems")))
        for k, r in enumerate(self.main, 1):
            sec.heading(3, self._h((n, k), self.evaluation_title(r)))
            derived = self.derived_problems(r)
            lost = self.lost_points(r)
            sec.heading(4, self._h((n, k, 1), self.heading("derived_problems")))
            if derived:
                sec.md(t("problems.derived_intro"))
                sec.bullets([s for _, s in derived], numbered=True)
            else:
                sec.md(t("problems.none_derived"))
            if lost:
                sec.md(t("problems.lost_intro"))
                sec.bullets(lost)
            else:
                sec.md(t("problems.no_lost"))
            sec.heading(4, self._h((n, k, 2), self.heading("derived_recommendations")))
            keys = []
            for key, _ in derived:
                if key not in keys:
                    keys.append(key)
            if lost and "low_scores" not in keys:
                keys.append("low_scores")
            if keys:
                diags = self.diagnostics(r)
                examples = list(dict.fromkeys(d.target_text for d in diags
                                              if "not_measurable" in d.flags and d.target_text))[:2]
                sec.md(t("recommendations.intro"))
                sec.bullets([t(f"recommendations.{key}", examples=examples) for key in keys], numbered=True)
            sec.heading(4, self._h((n, k, 3), self.heading("evaluator_text")))
            ev = r.evaluation
            if ev.problems:
                sec.md(t("problems.evaluator_problems"))
                sec.bullets([md_escape(tidy(p)) for p in ev.problems], numbered=True)
            else:
                sec.md(t("problems.no_evaluator_problems"))
            if ev.recommendations:
                sec.md(t("problems.evaluator_recommendations"))
                sec.bullets([md_escape(tidy(p)) for p in ev.recommendations], numbered=True)
            else:
                sec.md(t("problems.no_evaluator_recommendations"))
        return sec

    def lost_points(self, r) -> list[str]:
        """Sentences for the indicators that lost points, largest loss first (the rest summed)."""
        t = self.t
        recs = [x for x in r.table.to_dict("records") if x["points"] - x["score"] > TOLERANCE]
        recs.sort(key=lambda x: (-(x["points"] - x["score"]), x["path"]))
        out = [t("problems.lost_item", name=self.node_name(r, x["id"]), score=x["score"], points=x["points"],
                 lost=x["points"] - x["score"], reason=x["reason"] if isinstance(x["reason"], str) else None)
               for x in recs[:LOST_LISTED]]
        rest = recs[LOST_LISTED:]
        if rest:
            out.append(t("problems.lost_more", n=len(rest), lost=sum(x["points"] - x["score"] for x in rest)))
        return out

    def derived_problems(self, r) -> list[tuple[str, str]]:
        """(kind, sentence) for each problem the results show; kinds key the recommendations."""
        t, fw = self.t, r.framework
        out: list[tuple[str, str]] = []
        budget = self._budget_of(r)
        if budget is not None and budget.quarterly_spent is not None:
            gaps = schedule_gaps(budget)
            worst = min(range(len(gaps)), key=lambda i: gaps[i])
            if gaps[worst] <= -SCHEDULE_LAG:
                within = quarterly_spending(budget)
                rates = all_measures(budget)["quarterly_execution_rates"]
                out.append(("schedule", t("problems.schedule", quarter=t.raw("background.quarter_names")[worst],
                                          rate=rates[worst], gap=gaps[worst],
                                          last_share=percent(within[-1], budget.quarterly_spent[-1]))))
        if budget is not None and budget.initial:
            rate = all_measures(budget)["adjustment_rate"]
            if abs(rate) > ADJUSTMENT_LIMIT:
                out.append(("adjustment", t("problems.adjustment", change=budget.adjusted - budget.initial, rate=rate)))
        by_code: dict[str, list] = {}
        for f in r.findings:
            by_code.setdefault(f.code, []).append(f)
        mism = by_code.get("SCORE_MISMATCH", [])
        if mism:
            items = [t("problems.scoring_item", name=self.node_name(r, f.indicator),
                       diff=f.data["reported"] - f.data["recomputed"]) for f in mism]
            out.append(("scoring", t("problems.scoring", items=items,
                                     net=sum(f.data["reported"] - f.data["recomputed"] for f in mism))))
        rep_grade = self.reported_grade(r)
        if rep_grade is not None and rep_grade != r.grade:
            out.append(("scoring", t("problems.grade_change", reported_grade=self.grade_label(rep_grade, fw),
                                     grade=self.grade_label(r.grade, fw))))
        full = by_code.get("FULL_MARKS_ON_MISSED_TARGET", [])
        if full:
            out.append(("full_marks_missed", t("problems.full_marks_missed", items=[
                t("problems.full_marks_item", name=self.node_name(r, f.indicator), target=f.data["target"],
                  actual=f.data["actual"]) for f in full])))
        structure = [f for c in ("NODE_POINTS_MISMATCH", "TOTAL_POINTS_MISMATCH", "PARTS_POINTS_MISMATCH",
                                 "CRITERIA_POINTS_CONFLICT") for f in by_code.get(c, [])]
        if structure:
            out.append(("structure", t("problems.structure", items=[Safe(self.finding_sentence(r, f))
                                                                   for f in structure])))
        arithmetic = [f for c in ("REPORTED_SUM_MISMATCH", "REPORTED_NODE_MISMATCH", "RATE_MISMATCH",
                                  "SCORE_ABOVE_POINTS", "GRADE_MISMATCH", "TIER_MISMATCH") for f in by_code.get(c, [])]
        if arithmetic:
            out.append(("arithmetic", t("problems.arithmetic", items=[Safe(self.finding_sentence(r, f))
                                                                     for f in arithmetic])))
        judged = by_code.get("JUDGED_WITHOUT_MEASUREMENT", [])
        if judged:
            out.append(("judged", t("problems.judged", items=[self.node_name(r, f.indicator) for f in judged])))
        diags = self.diagnostics(r)
        low = [t("targets.low_item", name=d.name, target=d.target_text or "—", actual=d.actual_text or "—",
                 ratio=d.ratio) for d in diags if "low_ambition" in d.flags]
        if low:
            out.append(("low_targets", t("problems.low_targets", items=low)))
        vague = [t("targets.unmeasurable_item", name=d.name, target=d.target_text or "—") for d in diags
                 if "not_measurable" in d.flags]
        if vague:
            out.append(("unmeasurable", t("problems.unmeasurable", items=vague)))
        return out

    # ---- 6 项目支出绩效自评汇总 ----------------------------------------------------------------

    def portfolio_section(self) -> Section:
        """Section 6 (only with many project self-evaluations): distribution of totals and grades,
        the lowest, the ones with findings, and each project's scoring."""

        t, sec, n = self.t, Section(), self.SECTION_NUMBERS["portfolio"]
        if not self.portfolio:
            return sec
        rs = self.portfolio
        fw = rs[0].framework
        sec.heading(2, self._h((n,), self.heading("portfolio")))
        sec.heading(3, self._h((n, 1), self.heading("portfolio_overview")))
        totals = [r.total for r in rs]
        best = max(enumerate(rs), key=lambda ir: (ir[1].total, -ir[0]))[1]
        worst = min(enumerate(rs), key=lambda ir: (ir[1].total, ir[0]))[1]
        grades = [g.grade for g in fw.grades]
        counts = [t("portfolio.count", grade=self.grade_label(g, fw), n=sum(r.grade == g for r in rs))
                  for g in grades if any(r.grade == g for r in rs)]
        rep = [self.reported_grade(r) for r in rs]
        rep_counts = [t("portfolio.count", grade=self.grade_label(g, fw), n=rep.count(g)) for g in grades if g in rep]
        n_diff = sum(r.reported_total is not None and abs(r.reported_total - r.total) > TOLERANCE for r in rs)
        n_change = sum(g is not None and g != r.grade for g, r in zip(rep, rs))
        n_error = sum(any(f.severity == "error" for f in r.findings) for r in rs)
        sec.md(t("portfolio.overview", n=len(rs), mean=statistics.fmean(totals), median=statistics.median(totals),
                 max_total=best.total, max_name=self.evaluation_title(best, with_id=True), min_total=worst.total,
                 min_name=self.evaluation_title(worst, with_id=True), counts=counts, rep_counts=rep_counts,
                 n_diff=n_diff, n_grade_change=n_change, n_error=n_error))
        sec.md(t("portfolio.chart_note"))
        sec.figure(plots.portfolio_chart(rs, self.language))

        sec.heading(3, self._h((n, 2), self.heading("portfolio_lowest")))
        lowest = [r for _, r in sorted(enumerate(rs), key=lambda ir: (ir[1].total, ir[0]))][:LOWEST_LISTED]
        sec.md(t("portfolio.lowest_intro", k=len(lowest)))
        header = [t.label(f"columns.{c}") for c in ("id", "project", "total", "grade", "reported_total",
                                                   "reported_grade")]
        sec.html(html_table(header, [[r.evaluation.id.upper(), self.evaluation_title(r), score(r.total),
                                      self.grade_label(r.grade, fw), score(r.reported_total),
                                      self.grade_label(self.reported_grade(r), fw)] for r in lowest],
                            numeric=(2, 4)))

        sec.heading(3, self._h((n, 3), self.heading("portfolio_findings")))
        with_errors = [(i, r) for i, r in enumerate(rs) if any(f.severity == "error" for f in r.findings)]
        if with_errors:
            with_errors.sort(key=lambda ir: (-abs((ir[1].reported_total or ir[1].total) - ir[1].total), ir[0]))
            sec.md(t("portfolio.findings_intro"))
            header = [t.label(f"columns.{c}") for c in ("id", "project", "reported_total", "total", "difference",
                                                       "findings")]
            rows = []
            for _, r in with_errors:
                codes: dict[str, int] = {}
                for f in r.findings:
                    if f.severity == "error":
                        codes[f.code] = codes.get(f.code, 0) + 1
                summary = ("；" if not self.en else "; ").join(
                    t.plain("finding_count", label=t.raw("finding_short").get(c, c), n=k) for c, k in codes.items())
                diff = (r.reported_total - r.total) if r.reported_total is not None else None
                rows.append([r.evaluation.id.upper(), self.evaluation_title(r), score(r.reported_total),
                             score(r.total), "" if diff is None else f"{diff:+.2f}", summary])
            sec.html(html_table(header, rows, numeric=(2, 3, 4)))
        else:
            sec.md(t("portfolio.no_findings"))

        sec.heading(3, self._h((n, 4), self.heading("portfolio_all")))
        sec.md(t("portfolio.all_intro"))
        header = [t.label(f"columns.{c}") for c in ("id", "project", "budget", "spent", "execution_rate",
                                                   "reported_total", "total", "grade")]
        rows = []
        for r in rs:
            b = r.evaluation.budget
            rows.append([r.evaluation.id.upper(), self.evaluation_title(r), money(b.adjusted if b else None),
                         money(b.spent if b else None), pct(all_measures(b).get("execution_rate")),
                         score(r.reported_total), score(r.total), self.grade_label(r.grade, fw)])
        sec.html(html_table(header, rows, numeric=(2, 3, 4, 5, 6)))

        sec.heading(3, self._h((n, 5), self.heading("portfolio_details")))
        sec.md(t("portfolio.details_intro"))
        for k, r in enumerate(rs, 1):
            sec.heading(4, self._h((n, 5, k), self.evaluation_title(r, with_id=True)))
            rep_total = r.reported_total
            sec.md(t("results.project_summary", total=r.total, grade=self.grade_label(r.grade, fw), reported=rep_total,
                     abs_diff=abs(rep_total - r.total) if rep_total is not None else 0.0))
            sec.html(self.scoring_table(r))
            if r.findings:
                self._findings_block(sec, r)
        return sec

    def _portfolio_findings(self, sec: Section) -> None:
        t = self.t
        rs = self.portfolio
        n_error = sum(any(f.severity == "error" for f in r.findings) for r in rs)
        counts: dict[str, int] = {}
        for r in rs:
            for f in r.findings:
                if f.severity == "error":
                    counts[f.code] = counts.get(f.code, 0) + 1
        summary = ("；" if not self.en else "; ").join(
            t("finding_count", label=t.raw("finding_short").get(c, c), n=k) for c, k in counts.items())
        sec.md(t("reconciliation.intro_portfolio", n=len(rs), n_error=n_error, summary=summary))

    # ---- everything -------------------------------------------------------------------------

    def sections(self) -> list[Section]:
        return [self.title(), self.background(), self.results_section(), self.targets_section(),
                self.reconciliation(), self.problems(), self.portfolio_section()]

    def markdown(self) -> str:
        """The whole narrative as Markdown (tables and charts left out)."""
        return "\n\n".join(s.markdown() for s in self.sections() if s.blocks)
