"""Section 5 问题与建议: problems derived from the findings, low scores, the budget and the targets; the
recommendations they call for; the evaluator's own problems and recommendations."""

from __future__ import annotations

from ...core.budget import all_measures, percent, quarterly_spending, schedule_gaps
from ...core.findings import POINTS_CODES
from ...core.framework import TOLERANCE
from ..sentences import leaf_figure, target_item
from ..tables import Section
from ..text import Safe, data_text
from .statements import statement_items

SCHEDULE_LAG = 10.0  # percentage points behind 序时进度 at a quarter end that count as a problem
ADJUSTMENT_LIMIT = 10.0  # in-year adjustment (% of the initial budget) beyond the common 10% criterion
LOST_LISTED = 8  # indicators listed by name among those that lost points; the rest are summed

# Finding codes stated together as one problem, by the problem's kind (which keys its recommendation); the
# framework's points that do not add up are ``POINTS_CODES``.
ARITHMETIC_CODES = ("REPORTED_SUM_MISMATCH", "REPORTED_NODE_MISMATCH", "RATE_MISMATCH", "SCORE_ABOVE_POINTS",
                    "GRADE_MISMATCH", "TIER_MISMATCH")


def section(report, n: int) -> Section:
    """存在的问题及原因: per main evaluation, the problems the results show, the indicators that lost
    points with their reasons, and the problems the evaluation's own report lists."""
    t, sec = report.t, Section()
    sec.heading(2, report.section_heading(n, "problems"))
    for r, _, heading in report.main_evaluations(n):
        if heading is not None:
            sec.heading(3, heading)
        derived = derived_problems(report, r)
        lost = lost_points(report, r)
        if derived:
            sec.md(t("problems.derived_intro", review=report.review))
            sec.bullets([s for _, s in derived], numbered=True)
        else:
            sec.md(t("problems.none_derived", review=report.review))
        if lost:
            sec.md(t("problems.lost_intro"))
            sec.bullets(lost)
        else:
            sec.md(t("problems.no_lost"))
        if r.evaluation.problems:
            sec.md(t("problems.evaluator_problems", review=report.review))
            sec.bullets([data_text(report.lang.text(p, None)) for p in r.evaluation.problems], numbered=True)
    return sec


def recommendations(report, n: int) -> Section:
    """有关建议: per main evaluation, the recommendations the problems call for, those of the evaluation's
    own report, and its plans for next year."""
    t, sec = report.t, Section()
    sec.heading(2, report.section_heading(n, "recommendations"))
    for r, _, heading in report.main_evaluations(n):
        if heading is not None:
            sec.heading(3, heading)
        derived = derived_problems(report, r)
        keys = list(dict.fromkeys(key for key, _ in derived))
        if lost_points(report, r) and "low_scores" not in keys:
            keys.append("low_scores")
        if keys:
            examples = list(dict.fromkeys(d.target_text for d in report.diagnostics(r)
                                          if "not_measurable" in d.flags and d.target_text))[:2]
            sec.md(t("recommendations.intro"))
            sec.bullets([t(f"recommendations.{key}", examples=examples) for key in keys], numbered=True)
        ev = r.evaluation
        if ev.recommendations:
            sec.md(t("problems.evaluator_recommendations", review=report.review))
            sec.bullets([data_text(report.lang.text(p, None)) for p in ev.recommendations], numbered=True)
        if ev.next_year_plans:
            sec.md(t("recommendations.next_year", year=report.bundle.year + 1))
            sec.bullets(statement_items(report, ev.next_year_plans), numbered=len(ev.next_year_plans) > 1)
    return sec


def lost_points(report, r) -> list[str]:
    """Sentences for the indicators that lost points, largest loss first (the rest summed)."""
    t = report.t
    recs = [x for x in r.table_rows if x["points"] - x["score"] > TOLERANCE]
    recs.sort(key=lambda x: (-(x["points"] - x["score"]), x["path"]))
    out = [t("problems.lost_item", name=report.node_name(r, x["id"]), score=x["score"], points=x["points"],
             lost=x["points"] - x["score"], reason=x["reason"] if isinstance(x["reason"], str) else None)
           for x in recs[:LOST_LISTED]]
    rest = recs[LOST_LISTED:]
    if rest:
        out.append(t("problems.lost_more", n=len(rest), lost=sum(x["points"] - x["score"] for x in rest)))
    return out


def _budget_problems(report, r) -> list[tuple[str, str]]:
    """Spending far behind 序时进度 at a quarter end; spending above the adjusted budget; a large in-year
    adjustment."""
    t, out = report.t, []
    budget = r.target_budget
    if budget is not None and budget.quarterly_spent is not None:
        gaps = schedule_gaps(budget)
        worst = min(range(len(gaps)), key=lambda i: gaps[i])
        if gaps[worst] <= -SCHEDULE_LAG:
            within = quarterly_spending(budget)
            rates = all_measures(budget)["quarterly_execution_rates"]
            out.append(("schedule", t("problems.schedule", quarter=t.raw("background.quarter_names")[worst],
                                      rate=rates[worst], gap=gaps[worst],
                                      last_share=percent(within[-1], budget.quarterly_spent[-1]))))
    # the budget its execution was scored on (a project's may be the department's), as reconciliation found it
    over = next((f.data for f in r.findings if f.code == "SPENT_ABOVE_BUDGET" and f.data.get("project") is None), None)
    if over is not None and over["execution_rate"] is not None:
        out.append(("overspent", t("problems.overspent", spent=over["spent"], adjusted=over["adjusted"],
                                   rate=over["execution_rate"])))
    if budget is not None and budget.initial:
        rate = all_measures(budget)["adjustment_rate"]
        if abs(rate) > ADJUSTMENT_LIMIT:
            kind = "adjustment" if rate > 0 else "adjustment_cut"  # a cut calls for another recommendation
            out.append((kind, t("problems.adjustment", change=budget.adjusted - budget.initial, rate=rate)))
    return out


def derived_problems(report, r) -> list[tuple[str, str]]:
    """(kind, sentence) for each problem the results show; kinds key the recommendations."""
    t, fw, lang = report.t, r.framework, report.lang
    out = _budget_problems(report, r)
    by_code: dict[str, list] = {}
    for f in r.findings:
        by_code.setdefault(f.code, []).append(f)
    mism = by_code.get("SCORE_MISMATCH", [])
    if mism:
        items = [t("problems.scoring_item", name=report.node_name(r, f.indicator),
                   diff=f.data["reported"] - f.data["recomputed"]) for f in mism]
        out.append(("scoring", t("problems.scoring", items=items,
                                 net=sum(f.data["reported"] - f.data["recomputed"] for f in mism))))
    rep_grade = report.reported_grade(r)
    if rep_grade is not None and rep_grade != r.grade:
        out.append(("scoring", t("problems.grade_change", reported_grade=lang.grade_label(rep_grade, fw),
                                 grade=lang.grade_label(r.grade, fw))))
    full = by_code.get("FULL_MARKS_ON_MISSED_TARGET", [])
    if full:
        out.append(("full_marks_missed", t("problems.full_marks_missed", items=[
            t("problems.full_marks_item", name=report.node_name(r, f.indicator),
              target=leaf_figure(t, r, f.indicator, f.data["target"]),
              actual=leaf_figure(t, r, f.indicator, f.data["actual"])) for f in full])))
    for kind, codes in (("structure", POINTS_CODES), ("arithmetic", ARITHMETIC_CODES)):
        found = [f for c in codes for f in by_code.get(c, [])]
        if found:
            out.append((kind, t(f"problems.{kind}", items=[Safe(report.finding_sentence(r, f)) for f in found])))
    judged = by_code.get("JUDGED_WITHOUT_MEASUREMENT", [])
    if judged:
        out.append(("judged", t("problems.judged", items=[report.node_name(r, f.indicator) for f in judged])))
    diags = report.diagnostics(r)
    low = [target_item(t, "targets.low_item", d) for d in diags if "low_ambition" in d.flags]
    if low:
        out.append(("low_targets", t("problems.low_targets", items=low)))
    vague = [target_item(t, "targets.unmeasurable_item", d) for d in diags if "not_measurable" in d.flags]
    if vague:
        out.append(("unmeasurable", t("problems.unmeasurable", items=vague)))
    return out
