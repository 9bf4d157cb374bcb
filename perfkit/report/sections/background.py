"""The title and opening paragraph, and section 1 基本情况: functions, key tasks, budget preparation and
adjustment, execution against 序时进度, control rates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...core.budget import MEASURES, SCHEDULE, all_measures, percent, quarterly_spending, schedule_gaps
from ...fmt import missing, money, num, pct, pct0
from .. import plots
from ..tables import TABLE_STYLE, Section, html_table
from ..text import data_text
from .statements import statement_items


def title(report) -> Section:
    """The report's title and opening paragraph."""
    t = report.t
    sec = Section()
    sec.html(TABLE_STYLE)
    kind = "review" if report.review else "evaluation"
    sec.heading(1, t(f"headings.title_{kind}", department=report.department_name, year=report.bundle.year,
                     evaluation=_own_title(report), kind=_one_kind(report)))
    items = [t("intro_item", title=report.evaluation_title(r), kind=report.kind_evaluator(r), review=report.review)
             for r in report.main]
    if report.portfolio:
        items.append(t("intro_portfolio", n=len(report.portfolio)))
    lang = report.lang
    works = [r.evaluation.work for r in report.main if r.evaluation.work is not None]
    evaluators = list(dict.fromkeys(lang.name(w.evaluator, w.evaluator_en) for w in works if w.evaluator))
    periods = list(dict.fromkeys(lang.text(w.period, w.period_en) for w in works if w.period))
    dates = sorted({w.report_date for w in works if w.report_date is not None})
    if evaluators or periods or dates:  # the cover's lines: who evaluated, when, the report's date, where given
        sec.md(t("cover", evaluators=evaluators, periods=periods,
                 dates=[t.plain("report_date", year=d.year, month=d.month, day=d.day) for d in dates]))
    sec.md(t(f"intro_{kind}", department=report.department_name, year=report.bundle.year, n=len(report.results),
             items=items))
    return sec


def _one_kind(report) -> str | None:
    """What the report evaluates when it is one evaluation (部门整体支出绩效, 项目支出绩效, 专项资金绩效), in the
    report's language, for a title the evaluation does not give; None for several (预算绩效评价报告)."""
    if len(report.main) != 1 or report.portfolio:
        return None
    return report.t.label(f"kind.{report.main[0].evaluation.kind}")


def _own_title(report) -> str | None:
    """The title of the one evaluation a report is about when it is not the department's overall one (a project's
    or a fund's self-evaluation is titled after it, not after the department-year), in the report's language; None
    for a department-overall evaluation, several evaluations, or an English report whose evaluation has no
    English title."""
    if len(report.main) != 1 or report.portfolio or report.main[0].evaluation.kind == "department":
        return None
    ev = report.main[0].evaluation
    if report.lang.translated_names and not ev.title_en:
        return None
    return report.lang.pick(ev.title, ev.title_en)


def section(report, n: int) -> Section:
    """Section 1: functions, key tasks, budget preparation and adjustment, execution, control rates; a
    subsection whose data the parameters do not hold is left out."""
    t, sec = report.t, Section()
    dept = report.bundle.department
    sec.heading(2, report.section_heading(n, "background"))
    k = 0
    if dept.functions:
        k += 1
        sec.heading(3, report.numbered((n, k), report.heading("functions")))
        translated = report.lang.translated_names and bool(dept.functions_en)
        functions = dept.functions_en if translated else dept.functions
        sec.md(t("background.functions_intro", name=report.department_name, n=len(dept.functions),
                 translated=translated))
        quoted = report.lang.translated_names and not translated  # the intro says they are quoted in Chinese
        sec.bullets([data_text(report.lang.quote(f) if quoted else f) for f in functions], numbered=True)
    if dept.key_tasks:
        k += 1
        sec.heading(3, report.numbered((n, k), report.heading("key_tasks")))
        sec.md(t("background.key_tasks_intro", year=report.bundle.year, n=len(dept.key_tasks)))
        sec.bullets([t("background.key_task", name=report.lang.name(kt.name, getattr(kt, "name_en", None)),
                       target=kt.target and report.target_words(kt.target),
                       actual=kt.actual and report.target_words(kt.actual)) for kt in dept.key_tasks], numbered=True)
    budget = report.bundle.data.budget
    if budget is not None:
        for key, write in (("budget", preparation), ("execution", execution), ("controls", controls)):
            part = Section()
            write(report, part, budget)
            if part.blocks:
                k += 1
                if key == "controls" and not has_control_rates(budget):  # execution and adjustment rates only
                    key = "ratios"
                sec.heading(3, report.numbered((n, k), report.heading(key)))
                sec.blocks += part.blocks
    with_goals = [r for r in report.main if r.evaluation.goals]
    if with_goals:
        k += 1
        sec.heading(3, report.numbered((n, k), report.heading("goals")))
        for r in with_goals:
            sec.md(t("background.goals_intro", year=report.bundle.year, n=len(r.evaluation.goals),
                     title=report.evaluation_title(r) if len(report.main) > 1 else None))
            sec.bullets(statement_items(report, r.evaluation.goals), numbered=len(r.evaluation.goals) > 1)
    return sec


def _line_name(report, line) -> str:
    return report.lang.name(line.name, line.name_en)


def _walk(lines, depth=0):
    for line in lines:
        yield depth, line
        yield from _walk(line.children, depth + 1)


def category_table(budget) -> pd.DataFrame:
    """Budget by category as a DataFrame: initial, adjusted, spent, change and execution rate (万元, %), one
    row per category line in the order of :func:`_walk`, then 合计. Here, not in ``core.budget``, so that
    scoring does not import pandas."""
    rows = []

    def walk(lines, depth):
        for line in lines:
            rows.append({
                "name": ("  " * depth) + line.name,
                "initial": line.initial,
                "adjusted": line.adjusted,
                "spent": line.spent,
            })
            walk(line.children, depth + 1)

    walk(budget.by_category, 0)
    rows.append({"name": "合计", "initial": budget.initial, "adjusted": budget.adjusted, "spent": budget.spent})
    df = pd.DataFrame(rows)
    df["change"] = df["adjusted"] - df["initial"]
    df["execution_rate"] = 100.0 * df["spent"] / df["adjusted"]
    return df


def _category_numbers(budget) -> tuple[list, Any]:
    """The category lines walked in order beside :func:`category_table` (the same order, then 合计)."""
    return list(_walk(budget.by_category)), category_table(budget)


def preparation(report, sec: Section, budget) -> None:
    """Budget preparation and in-year adjustment, by category (table and chart) and by function."""
    t, year = report.t, report.bundle.year
    top = budget.by_category
    if budget.initial is not None:
        change = budget.adjusted - budget.initial
        sec.md(t("background.adjustment", year=year, initial=budget.initial, adjusted=budget.adjusted,
                 change=change, change_rate=all_measures(budget)["adjustment_rate"],
                 multiple=budget.adjusted / budget.initial if budget.initial else 0.0))
        lines = [ln for ln in top if ln.initial is not None and ln.adjusted is not None
                 and (ln.initial or ln.adjusted)]
        if lines:
            sec.md(t("background.adjustment_lines", items=[
                t("background.adjustment_line", name=_line_name(report, ln), initial=ln.initial, adjusted=ln.adjusted,
                  change=ln.adjusted - ln.initial) for ln in lines]))
    else:
        sec.md(t("background.no_initial", year=year, adjusted=budget.adjusted))
        lines = [ln for ln in top if ln.adjusted]
        if lines:
            sec.md(t("background.no_initial_lines", items=[
                t("background.no_initial_line", name=_line_name(report, ln), adjusted=ln.adjusted) for ln in lines]))
    if budget.by_category:
        sec.html(budget_table(report, budget, budget.by_category, with_total=True))
        if plots.budget_chart_lines(budget):  # lines listed by name only have nothing to draw
            sec.md(t("background.budget_chart_note" if budget.initial is not None
                     else "background.budget_chart_note_no_initial"))
            sec.figure(plots.budget_chart(budget, report.language))
    if budget.by_function:
        sec.strong(report.heading("by_function"))
        sec.html(budget_table(report, budget, budget.by_function, with_total=False))


def budget_table(report, budget, lines, with_total: bool) -> str:
    """Budget lines (indented by depth) with initial, adjusted, change, spent and execution rate where known."""
    t = report.t
    if lines is budget.by_category:
        walked, numbers = _category_numbers(budget)
    else:
        walked, numbers = list(_walk(lines)), None
    records = []
    for i, (depth, ln) in enumerate(walked):
        rec = {"name": "　" * depth + _line_name(report, ln), "initial": ln.initial, "adjusted": ln.adjusted,
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
    cols = [("initial", money), ("adjusted", money), ("change", money), ("spent", money), ("rate", pct)]
    cols = [(k, f) for k, f in cols if any(not missing(r.get(k)) for r, _ in records)]
    labels = {"initial": "initial", "adjusted": "adjusted", "change": "change", "spent": "spent",
              "rate": "execution_rate"}
    if "spent" in budget.derived:  # spending derived from a stated rate is never shown as printed
        labels["spent"] = "spent_derived"
    header = [t.label("columns.category")] + [t.label(f"columns.{labels[k]}") for k, _ in cols]
    rows = [([r["name"]] + [f(r.get(k)) if not missing(r.get(k)) else "" for k, f in cols], cls)
            for r, cls in records]
    return html_table(header, rows, numeric=range(1, len(header)))


def execution(report, sec: Section, budget) -> None:
    """Execution overall and by category, and quarter by quarter against 序时进度 (table and chart)."""
    t = report.t
    measures = all_measures(budget)
    lines = []
    if budget.by_category:
        walked, numbers = _category_numbers(budget)
        lines = [(ln, numbers.loc[i, "execution_rate"]) for i, (depth, ln) in enumerate(walked)
                 if depth == 0 and ln.spent is not None and ln.adjusted]
    sec.md(t("background.execution", spent=budget.spent, adjusted=budget.adjusted, derived="spent" in budget.derived,
             rate=measures.get("execution_rate"), carry_over=budget.carry_over,
             carry_rate=measures.get("carry_over_rate")))
    if lines:
        sec.md(t("background.execution_lines", items=[
            t("background.execution_line", name=_line_name(report, ln), spent=ln.spent, rate=rate)
            for ln, rate in lines]))
    if budget.quarterly_spent is None:
        return
    rates = measures["quarterly_execution_rates"]
    gaps = schedule_gaps(budget)
    within = quarterly_spending(budget)
    qnames = t.raw("background.quarter_names")
    sec.md(t("background.quarters", cumulative=budget.quarterly_spent, rates=rates, schedule=list(SCHEDULE),
             gaps=[t("background.quarter_gap", quarter=qnames[i], gap=g) for i, g in enumerate(gaps)],
             gap_values=gaps, behind=sum(g < -0.005 for g in gaps), ahead=sum(g > 0.005 for g in gaps),
             last=within[-1], last_share=percent(within[-1], budget.quarterly_spent[-1])))
    if "quarterly_spent" in budget.derived:
        sec.md(t("background.quarters_derived"))
    header = [t.label(f"columns.{c}") for c in ("quarter", "cumulative_spent", "quarter_spent", "cumulative_rate",
                                               "schedule", "gap")]
    rows = [[t.raw("chart.quarters")[i], money(c), money(w), pct(r), pct0(s), f"{g:+.2f}"]
            for i, (c, w, r, s, g) in enumerate(zip(budget.quarterly_spent, within, rates, SCHEDULE, gaps))]
    sec.html(html_table(header, rows, numeric=range(1, 6)))
    sec.md(t("background.execution_chart_note"))
    sec.figure(plots.execution_chart(budget, report.language))


def has_control_rates(budget) -> bool:
    """Whether the budget gives a control rate (“三公”经费, 日常公用经费, staff) or the “三公” or asset tables: the
    subsection is then 主要控制率; with execution and adjustment rates only, it is 主要预算比率."""
    computed = all_measures(budget)
    return (any(computed.get(k) is not None for k in MEASURES if k.endswith("control_rate"))
            or budget.three_public is not None or budget.assets is not None)


def controls(report, sec: Section, budget) -> None:
    """The control rates computed from the budget, with their figures and the rates the report states."""
    t = report.t
    computed = all_measures(budget)
    rows = []
    for key, measure in MEASURES.items():
        value = computed.get(key)
        if value is None or isinstance(value, list) or not (measure.listed or key in budget.stated):
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
        return
    stated = any(row[-1] for row in rows)
    sec.md(t("background.controls_intro", stated=stated, controls=has_control_rates(budget)))
    cols = ("measure", "formula", "data", "computed") + (("stated",) if stated else ())
    header = [t.label(f"columns.{c}") for c in cols]
    sec.html(html_table(header, [row[:len(cols)] for row in rows], numeric=range(2, len(cols))))
    three = budget.three_public
    if three is not None and three.lines:
        sec.strong(t.label("background.three_public_table"))
        walked = list(_walk(three.lines))
        body = [(["　" * depth + _line_name(report, ln), "" if ln.budget is None else money(ln.budget),
                  "" if ln.spent is None else money(ln.spent)], "level1" if depth == 0 else None) for depth, ln in walked]
        body.append(([t.label("columns.total_row"), money(three.budget), money(three.spent)], "total"))
        sec.html(html_table([t.label(f"columns.{c}") for c in ("category", "control_budget", "spent")], body,
                            numeric=(1, 2)))
    assets = budget.assets
    if assets is not None and assets.lines:
        sec.strong(t.label("background.assets_table"))
        body = [(["　" * depth + _line_name(report, ln), "" if ln.count is None else num(ln.count),
                  "" if ln.original is None else money(ln.original), "" if ln.in_use is None else money(ln.in_use),
                  pct(100.0 * ln.in_use / ln.original) if ln.original and ln.in_use is not None else ""],
                 "level1" if depth == 0 else None) for depth, ln in _walk(assets.lines)]
        body.append(([t.label("columns.total_row"), "", money(assets.fixed_total), money(assets.fixed_in_use),
                      pct(100.0 * assets.fixed_in_use / assets.fixed_total) if assets.fixed_total else ""], "total"))
        sec.html(html_table([t.label(f"columns.{c}") for c in ("asset_class", "count", "original", "in_use",
                                                               "use_rate")], body, numeric=(1, 2, 3, 4)))
