"""Section 2 评价结果: for each main evaluation its total, grade and what the grade means, the reconciliation
with the reported total, scores by level, and the full scoring table."""

from __future__ import annotations

from ...core.framework import TOLERANCE
from ...fmt import missing, pct, pts, score
from .. import plots
from ..rules_text import describe_rule, inputs_text
from ..sentences import rounding_note, target_status
from ..tables import Section, html_table
from ..text import Safe
from .projects import projects_block


def section(report, n: int) -> Section:
    """综合评价结论: for each main evaluation, total, grade and its meaning (a review: the published score
    first, then the review score and the differences), and the scores by level."""
    t, sec = report.t, Section()
    sec.heading(2, report.section_heading(n, "results"))
    for r, base, heading in report.main_evaluations(n):
        if heading is not None:
            sec.heading(3, heading)
        sec.md(*result_paragraphs(report, r))
        projects_block(report, sec, r)  # several projects scored jointly: a table of each
        sec.heading(len(base) + 2, report.numbered(base + (1,), report.heading("levels")))
        sec.md(t("results.levels_intro"), _weakest(report, r))
        sec.html(levels_table(report, r))
        note = rounding_note(report.t, r)
        if note is not None:
            sec.md(note)
        sec.figure(plots.scores_chart(r, report.language))
    return sec


def result_paragraphs(report, r) -> list[str]:
    """Overview, total and reconciliation with the reported total, and what the grade means."""
    t, fw, lang = report.t, r.framework, report.lang
    nodes = r.nodes
    # The framework, its kind and its points are stated in section 二 (work.framework): here its first-level blocks
    level1 = nodes[nodes["level"] == 1]
    overview = t("results.overview", n_level1=len(level1), n_leaves=len(r.table),
                 level1=[report.node_name(r, i) for i in level1["id"]])
    grade = lang.grade_label(r.grade, fw)
    sentences = []
    if r.reported_total is None:
        if r.gap_points > 0:  # leaves that cannot be computed: the total is incomplete, graded only if the framework says
            sentences.append(t("results.total_incomplete", total=r.total, gap=r.gap_points, n=len(r.not_computable),
                               grade=grade if r.grade is not None else None))
        else:
            sentences.append(t("results.total", total=r.total, grade=grade))
    else:
        rep_grade = report.reported_grade(r)
        diff = round(r.reported_total, 2) - round(r.total, 2)  # as printed
        contributors = []
        for rec in r.table_rows:
            rep = rec["reported_score"]
            if not missing(rep) and abs(round(rep, 2) - round(rec["score"], 2)) > TOLERANCE:
                contributors.append(t("results.contributor", name=report.node_name(r, rec["id"]),
                                      reported=rep, score=rec["score"]))
        sentences.append(t("results.review", reported=r.reported_total,
                           reported_grade=lang.grade_label(rep_grade, fw), total=r.total, grade=grade,
                           same=abs(diff) <= TOLERANCE, diff=diff, items=contributors,
                           residual=reported_sum_residual(r)))
        if r.gap_points > 0:
            sentences.append(t("results.total_incomplete", total=r.total, gap=r.gap_points, n=len(r.not_computable),
                               grade=grade if r.grade is not None else None))
        if rep_grade is not None and r.grade is not None and rep_grade != r.grade:
            sentences.append(t("results.grade_change", reported_grade=lang.grade_label(rep_grade, fw), grade=grade))
    return [overview, Safe(lang.sentences(sentences)), _grade_meaning(report, r)]


def reported_sum_residual(r) -> float:
    """The reported total less the sum of the reported leaf scores, both as printed (two decimals); 0.0
    when some leaf has no reported score (the sum is then not the report's) or they agree."""
    reps = list(r.table["reported_score"])
    if r.reported_total is None or not reps or any(missing(x) for x in reps):
        return 0.0
    residual = round(r.reported_total, 2) - round(sum(round(float(x), 2) for x in reps), 2)
    return residual if abs(residual) > TOLERANCE else 0.0


def missed_targets(report, r) -> int:
    """How many of an evaluation's measurable targets were missed (what a grade's meaning may not deny)."""
    return sum(target_status(d) == "missed" for d in report.diagnostics(r))


def _grade_meaning(report, r) -> str:
    """The framework's grade bands, what the grade means, and how far the total is from the next band."""
    t, fw, lang = report.t, r.framework, report.lang
    grades = fw.grades
    bands = []
    for i, g in enumerate(grades):
        label = lang.grade_label(g.grade, fw)
        if label != g.grade:  # a translated grade name keeps the grade it stands for
            label = t("results.band_grade", label=label, grade=g.grade)
        if i == 0:
            bands.append(t("results.band_top", lo=g.min, grade=label))
        elif g.min <= 0:
            bands.append(t("results.band_bottom", hi=grades[i - 1].min, grade=label))
        else:
            bands.append(t("results.band_mid", lo=g.min, hi=grades[i - 1].min, grade=label))
    if r.grade is None:  # not graded: the bands only
        return t("results.grade_bands_only", bands=bands)
    key = f"grades.meaning.{r.grade}"
    meaning = t(key, n_missed=missed_targets(report, r)) if t.has(key) else t.label("grades.unknown")
    text = t("results.grade_bands", bands=bands, grade=lang.grade_label(r.grade, fw), meaning=meaning)
    idx = next(i for i, g in enumerate(grades) if g.grade == r.grade)
    rounded = round(r.total, 2)
    margin = rounded - grades[idx].min
    up = grades[idx - 1] if idx > 0 else None
    text2 = t("results.margin", margin=margin, up_grade=lang.grade_label(up.grade, fw) if up else None,
              up_gap=(up.min - rounded) if up else 0.0)
    return Safe(lang.sentences([text, text2]))


def _weakest(report, r) -> str:
    level1 = [x for x in r.node_rows if x["level"] == 1 and x["points"] > 0]
    if not level1:
        return ""
    worst = min(level1, key=lambda x: (x["score"] / x["points"], x["path"]))
    if worst["points"] - worst["score"] <= TOLERANCE:
        return report.t("results.all_full")
    return report.t("results.weakest", name=report.node_name(r, worst["id"]),
                    rate=100.0 * worst["score"] / worst["points"], lost=worst["points"] - worst["score"])


def levels_table(report, r) -> str:
    """Level-1 and level-2 indicators: points, score, rate, points lost, reported (when any is)."""
    t = report.t
    level_names = t.raw("columns.level_names")
    rows = []
    has_reported = False
    for x in r.node_rows:
        if x["level"] > 2:
            continue
        rep = x["reported"] if not missing(x["reported"]) else x["reported_leaf_sum"]
        has_reported |= not missing(rep)
        rate = 100.0 * x["score"] / x["points"] if x["points"] else float("nan")
        rows.append(([level_names[x["level"] - 1], ("　" if x["level"] == 2 else "") + report.node_name(r, x["id"]),
                      pts(x["points"]), score(x["score"]), pct(rate), score(x["points"] - x["score"]),
                      "" if missing(rep) else score(rep)], "level1" if x["level"] == 1 else None))
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


def reasons(r) -> list[str]:
    """The deduction reason of each leaf ('' where it lost no points or none is given)."""
    return [x["reason"] if x["points"] - x["score"] > TOLERANCE and isinstance(x["reason"], str) and x["reason"].strip()
            else "" for x in r.table_rows]


def scoring_table(report, r, only=None) -> str:
    """Every leaf (or the leaves at the positions ``only``): its levels, points, the rule in words, inputs and
    arithmetic, score, reported score, reason."""
    t = report.t
    cell = t.plain  # rendered text in HTML cells: no Markdown escaping
    row_scores = report.row_scores(r)
    records = r.table_rows
    leaves = r.compiled.leaves
    has_reported = any(not missing(x["reported_score"]) for x in records)
    reason_of = reasons(r)
    has_reason = any(reason_of)
    rows, prev1, prev2 = [], None, None
    keep = set(range(len(records))) if only is None else set(only)
    for i, (x, leaf) in enumerate(zip(records, leaves)):
        if i not in keep:
            continue
        names = leaf.node.path
        l1 = report.node_name(r, names[0]) if len(names) > 1 else ""
        l2 = report.node_name(r, names[1]) if len(names) > 2 else ""
        show1, show2 = l1 if l1 != prev1 else "", l2 if (l2 != prev2 or l1 != prev1) else ""
        prev1, prev2 = l1, l2
        rep = x["reported_score"]
        rep_text = "" if missing(rep) else score(rep) + (" ≠" if abs(rep - x["score"]) > TOLERANCE else "")
        cells = [show1, show2, report.node_name(r, x["id"]), pts(x["points"]),
                 describe_rule(cell, leaf.rule, x["points"], leaf.inputs, leaf.node.indicator.zero_if),
                 inputs_text(cell, r, i, row_scores), score(x["score"])]
        if has_reported:
            cells.append(rep_text)
        if has_reason:
            cells.append(report.lang.text(reason_of[i], None) if reason_of[i] else "")
        rows.append(cells)
    cols = (["level1", "level2", "leaf", "points", "rule", "inputs", "score"] + (["reported"] if has_reported else [])
            + (["reason"] if has_reason else []))
    header = [t.label(f"columns.{c}") for c in cols]
    numeric = [3, 6] + ([7] if has_reported else [])
    return html_table(header, rows, numeric=numeric, names=(0, 1, 2))
