"""Section 6 项目支出绩效自评汇总 (only with many project self-evaluations): the distribution of totals and
grades, the lowest projects, the ones whose scoring has errors, all projects, and each one's scoring."""

from __future__ import annotations

import statistics

from ...core.budget import all_measures
from ...core.framework import TOLERANCE
from ...fmt import money, pct, score
from .. import plots
from ..sentences import finding_counts
from ..tables import Section, html_table
from .reconciliation import error_counts, findings_block
from .results import scoring_table

LOWEST_LISTED = 5  # projects listed as the lowest-scoring


def _has_errors(r) -> bool:
    return any(f.severity == "error" for f in r.findings)


def section(report, n: int) -> Section:
    """Section 6: distribution of totals and grades, the lowest, the ones with findings, and each
    project's scoring; empty without a portfolio."""
    sec = Section()
    if not report.portfolio:
        return sec
    sec.heading(2, report.section_heading(n, "portfolio"))
    _overview(report, sec, n)
    _lowest(report, sec, n)
    _with_errors(report, sec, n)
    _all_projects(report, sec, n)
    _details(report, sec, n)
    return sec


def _overview(report, sec: Section, n: int) -> None:
    t, rs, lang = report.t, report.portfolio, report.lang
    fw = rs[0].framework
    sec.heading(3, report.numbered((n, 1), report.heading("portfolio_overview")))
    totals = [r.total for r in rs]
    best = max(enumerate(rs), key=lambda ir: (ir[1].total, -ir[0]))[1]
    worst = min(enumerate(rs), key=lambda ir: (ir[1].total, ir[0]))[1]
    grades = [g.grade for g in fw.grades]
    counts = [t("portfolio.count", grade=lang.grade_label(g, fw), n=sum(r.grade == g for r in rs))
              for g in grades if any(r.grade == g for r in rs)]
    rep = [report.reported_grade(r) for r in rs]
    rep_counts = [t("portfolio.count", grade=lang.grade_label(g, fw), n=rep.count(g)) for g in grades if g in rep]
    n_diff = sum(r.reported_total is not None and abs(r.reported_total - r.total) > TOLERANCE for r in rs)
    n_change = sum(g is not None and g != r.grade for g, r in zip(rep, rs))
    sec.md(t("portfolio.overview", n=len(rs), mean=statistics.fmean(totals), median=statistics.median(totals),
             max_total=best.total, max_name=report.evaluation_title(best, with_id=True), min_total=worst.total,
             min_name=report.evaluation_title(worst, with_id=True), counts=counts, rep_counts=rep_counts,
             n_diff=n_diff, n_grade_change=n_change, n_error=sum(_has_errors(r) for r in rs)))
    sec.md(t("portfolio.chart_note"))
    sec.figure(plots.portfolio_chart(rs, report.language))


def _lowest(report, sec: Section, n: int) -> None:
    t, rs, lang = report.t, report.portfolio, report.lang
    fw = rs[0].framework
    sec.heading(3, report.numbered((n, 2), report.heading("portfolio_lowest")))
    lowest = [r for _, r in sorted(enumerate(rs), key=lambda ir: (ir[1].total, ir[0]))][:LOWEST_LISTED]
    sec.md(t("portfolio.lowest_intro", k=len(lowest)))
    header = [t.label(f"columns.{c}") for c in ("id", "project", "total", "grade", "reported_total",
                                               "reported_grade")]
    sec.html(html_table(header, [[r.evaluation.id.upper(), report.evaluation_title(r), score(r.total),
                                  lang.grade_label(r.grade, fw), score(r.reported_total),
                                  lang.grade_label(report.reported_grade(r), fw)] for r in lowest],
                        numeric=(2, 4)))


def _with_errors(report, sec: Section, n: int) -> None:
    t, rs = report.t, report.portfolio
    sec.heading(3, report.numbered((n, 3), report.heading("portfolio_findings")))
    with_errors = [(i, r) for i, r in enumerate(rs) if _has_errors(r)]
    if not with_errors:
        sec.md(t("portfolio.no_findings"))
        return
    with_errors.sort(key=lambda ir: (-abs((ir[1].reported_total or ir[1].total) - ir[1].total), ir[0]))
    sec.md(t("portfolio.findings_intro"))
    header = [t.label(f"columns.{c}") for c in ("id", "project", "reported_total", "total", "difference",
                                               "findings")]
    rows = []
    for _, r in with_errors:
        diff = (r.reported_total - r.total) if r.reported_total is not None else None
        rows.append([r.evaluation.id.upper(), report.evaluation_title(r), score(r.reported_total),
                     score(r.total), "" if diff is None else f"{diff:+.2f}",
                     finding_counts(t, error_counts([r]), plain=True)])
    sec.html(html_table(header, rows, numeric=(2, 3, 4)))


def _all_projects(report, sec: Section, n: int) -> None:
    t, rs, lang = report.t, report.portfolio, report.lang
    fw = rs[0].framework
    sec.heading(3, report.numbered((n, 4), report.heading("portfolio_all")))
    sec.md(t("portfolio.all_intro"))
    header = [t.label(f"columns.{c}") for c in ("id", "project", "budget", "spent", "execution_rate",
                                               "reported_total", "total", "grade")]
    rows = []
    for r in rs:
        b = r.evaluation.budget
        rows.append([r.evaluation.id.upper(), report.evaluation_title(r), money(b.adjusted if b else None),
                     money(b.spent if b else None) + (t.label("columns.derived_mark") if b and "spent" in b.derived
                                                      else ""), pct(all_measures(b).get("execution_rate")),
                     score(r.reported_total), score(r.total), lang.grade_label(r.grade, fw)])
    sec.html(html_table(header, rows, numeric=(2, 3, 4, 5, 6)))


def _details(report, sec: Section, n: int) -> None:
    t, lang, fw = report.t, report.lang, report.portfolio[0].framework
    sec.heading(3, report.numbered((n, 5), report.heading("portfolio_details")))
    sec.md(t("portfolio.details_intro"))
    for k, r in enumerate(report.portfolio, 1):
        sec.heading(4, report.numbered((n, 5, k), report.evaluation_title(r, with_id=True)))
        rep_total = r.reported_total
        sec.md(t("results.project_summary", total=r.total, grade=lang.grade_label(r.grade, fw),
                 reported=rep_total, abs_diff=abs(rep_total - r.total) if rep_total is not None else 0.0))
        sec.html(scoring_table(report, r))
        if r.findings:
            findings_block(report, sec, r)
