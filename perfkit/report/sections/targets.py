"""Section 3 目标设置: each target against its actual, the signs of targets set low, and what the targets
are worth (perfkit.analysis.sensitivity): counterfactual totals, the grade flip, the share of scenarios keeping each grade,
points resting on targets and the one-at-a-time tornado; then the portfolio's targets."""

from __future__ import annotations

from functools import partial

import numpy as np

from ...analysis import sensitivity
from ...analysis.targets import DEFAULT_THRESHOLDS
from ...core.framework import TOLERANCE
from ...analysis.sensitivity.defaults import PRIOR_RULES
from ...fmt import pct_ratio, pts, score
from .. import plots
from ..sentences import (TARGET_COLUMNS, actual_unit, as_json, reading_paragraph, sensitivity_statements, target_cells,
                         target_label, target_status, targets_paragraphs)
from ..tables import Section, html_table
from ..text import Safe
from .literal import literal_block

TORNADO = (0.8, 1.2)  # each target alone at 80% and 120% of its value in the one-at-a-time chart
TORNADO_ROWS = 12  # the targets the chart shows at most, those that move the total most


def section(report, n: int) -> Section:
    """Section 3: each target against its actual with the ratio, and the signs of low targets."""
    t, sec = report.t, Section()
    sec.heading(2, report.section_heading(n, "targets"))
    for r, base, heading in report.main_evaluations(n, portfolio_follows=True):
        if heading is not None:
            sec.heading(3, heading)
        diags = report.diagnostics(r)
        sec.md(*targets_paragraphs(t, diags))
        if diags:
            sec.md(t("targets.table_note"))
            sec.html(targets_table(report, diags))
            readings = reading_paragraph(t, diags)  # where the target's words were read with an assumption
            if readings is not None:
                sec.md(readings)
        sec.heading(len(base) + 2, report.numbered(base + (1,), report.heading("sensitivity")))
        if r.gap_points > 0 and r.grade is None:  # an ungraded, incomplete total: no grades to be sensitive
            sec.md(t("sensitivity.not_graded"))
        else:
            sensitivity_block(report, sec, r)
        literal_block(report, sec, r, base + (2,))  # "under the literal rules the grade is …", where recorded
    if report.portfolio:
        sec.heading(3, report.numbered((n, len(report.main) + 1), report.heading("portfolio")))
        _portfolio_targets(report, sec)
    return sec


def sensitivity_block(report, sec: Section, r) -> None:
    """What the targets are worth: counterfactual totals and grades, the sentences of
    :func:`~perfkit.report.sentences.sensitivity_statements`, points resting on targets, the tornado."""
    t, fw, lang = report.t, r.framework, report.lang
    analysis = report.analysis(r)
    model = analysis.model
    if not model.n_targets:
        sec.md(t("sensitivity.none"))
        return
    sec.md(t("sensitivity.intro", n=model.n_targets, linked=int(model.is_linked.sum())))
    header = [t.label(f"sensitivity.columns.{c}") for c in ("scenario", "total", "grade", "change")]
    total = as_json(model.baseline_total)
    rows = [([t.plain("sensitivity.baseline", reported=report.review), score(total), lang.grade_label(model.baseline_grade, fw), ""], "total")]
    lowered = bool((model.movable & (model.sign < 0)).any())  # "raised" divides a lower-is-better target
    capped = bool((model.movable & np.isfinite(model.limit)).any())  # … and stops a share at 100%
    for cf in analysis.counterfactuals.table.itertuples():
        if cf.rule in PRIOR_RULES and not model.has_prior:  # no previous-year actual: it repeats the total
            continue
        key = f"sensitivity.rules.{cf.rule}"
        label = t.plain(key, k=cf.k if cf.rule == "scaled" else 0.0, lowered=lowered, capped=capped) \
            if t.has(key) else cf.rule
        rows.append([label, score(as_json(cf.total)), lang.grade_label(cf.grade, fw), f"{as_json(cf.change):+.2f}"])
    sec.html(html_table(header, rows, numeric=(1, 3)))
    statements = sensitivity_statements(t, analysis, report.names(r))  # the last: the Monte Carlo shares
    sec.md(Safe(lang.sentences(statements[:-1])), statements[-1])
    at_risk = _points_at_risk(analysis)
    if at_risk:
        sec.md(t("sensitivity.at_risk_intro"))
        header = [t.label(f"columns.{c}") for c in ("indicator", "target", "actual", "ratio", "points", "score")]
        header.append(t.label("sensitivity.columns.at_risk"))
        sec.html(html_table(header, [[target_label(model, report.names(r), lang, d.id),
                                      report.target_words(d.target_text, d.unit, cell=True),
                                      report.target_words(d.actual_text, actual_unit(d), cell=True),
                                      pct_ratio(as_json(d.ratio)), pts(d.points), score(row_score), score(risk)]
                                     for d, row_score, risk in at_risk], numeric=(3, 4, 5, 6)))
    table = sensitivity.tornado(model, *TORNADO)
    table = table[table["swing"] > 1e-9]
    if not at_risk:
        moves = bool(len(table)) or any(abs(as_json(c)) > TOLERANCE for c in analysis.counterfactuals.table["change"])
        sec.md(t("sensitivity.no_at_risk", moves=moves, chart=bool(len(table))))
    if len(table):
        baseline = float(model.baseline_total)
        lowered_moves = bool((abs(table["total_low"] - baseline) >= 0.005).any())
        sec.md(t("sensitivity.tornado_note", low=TORNADO[0], high=TORNADO[1], lowered_moves=lowered_moves,
                 left_out=model.n_targets - len(table), shown=min(len(table), TORNADO_ROWS),
                 more=max(len(table) - TORNADO_ROWS, 0)))
        names = [target_label(model, report.names(r), lang, str(i)) for i in table["id"]]
        sec.figure(plots.tornado_chart(table, total, report.language, names=names, review=report.review,
                                       limit=TORNADO_ROWS))


def _points_at_risk(analysis) -> list[tuple]:
    """(diagnostic, its row's score, the points lost if its target were set by the at-risk rule) for each
    target whose score depends on it: a scored row's, or a target-table row's that a leaf is scored from
    (its row's score is the leaf's)."""
    at_risk = analysis.counterfactuals.at_risk
    rule = analysis.settings.at_risk_rule
    out = []
    for d in analysis.model.diagnostics:
        if d.id in at_risk.index:
            risk = as_json(at_risk.loc[d.id, rule])
            if risk > TOLERANCE:
                out.append((d, as_json(analysis.model.baseline_rows[d.row]), risk))
    return out


def targets_table(report, diags: list, project_of: dict | None = None) -> str:
    """Each target: its source, target, actual, direction, ratio and the judgement (status and flags)."""
    t = report.t
    words = partial(report.target_words, cell=True)
    rows = []
    for d in diags:
        cells = target_cells(t, words, d)
        cells["ratio"] = pct_ratio(d.ratio)
        rows.append(([project_of[id(d)]] if project_of is not None else []) + [cells[c] for c in TARGET_COLUMNS])
    cols = (["project"] if project_of is not None else []) + list(TARGET_COLUMNS)
    header = [t.label(f"columns.{c}") for c in cols]
    return html_table(header, rows, numeric=[len(cols) - 2])


def _portfolio_targets(report, sec: Section) -> None:
    t = report.t
    all_d, project_of = [], {}
    for r in report.portfolio:
        for d in report.diagnostics(r):
            all_d.append(d)
            project_of[id(d)] = report.evaluation_title(r, with_id=True)
    numeric = [d for d in all_d if d.ratio is not None]
    flagged = [d for d in all_d if d.flagged or "not_measurable" in d.flags]
    sec.md(t("targets_portfolio.summary", n_projects=len(report.portfolio), n=len(numeric),
             n_missed=sum(target_status(d) == "missed" for d in numeric),
             n_low=sum("low_ambition" in d.flags for d in numeric), threshold=DEFAULT_THRESHOLDS.low_ambition))
    if flagged:
        sec.md(t("targets_portfolio.table_intro"))
        sec.html(targets_table(report, flagged, project_of))
    else:
        sec.md(t("targets_portfolio.none_flagged"))
