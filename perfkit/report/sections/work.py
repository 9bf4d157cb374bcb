"""Section 二 绩效评价工作开展情况 (财预〔2020〕10号, 评价报告 part 二): for each main evaluation, its purpose,
object and scope, basis documents, method, framework, evaluator and period — each stated only where the
parameters give it (``Evaluation.work``); the framework and the kind of evaluation always are."""

from __future__ import annotations

from ..tables import Section
from ..text import data_text


def section(report, n: int) -> Section:
    """How each main evaluation was carried out."""
    t, sec, lang = report.t, Section(), report.lang
    sec.heading(2, report.section_heading(n, "work"))
    for r, _, heading in report.main_evaluations(n):
        if heading is not None:
            sec.heading(3, heading)
        ev, fw = r.evaluation, r.framework
        w = ev.work
        items = []
        if w is not None and w.purpose:
            items.append(t("work.purpose", text=lang.text(w.purpose, w.purpose_en)))
        if w is not None and w.scope:
            items.append(t("work.scope", text=lang.text(w.scope, w.scope_en)))
        items.append(t("work.framework", kind=report.kind_evaluator(r), framework=lang.name(fw.name, fw.name_en),
                       n_leaves=len(r.table), total_points=float(r.table["points"].sum())))
        if w is not None and w.method:
            items.append(t("work.method", text=lang.text(w.method, w.method_en)))
        if w is not None and w.evaluator:
            items.append(t("work.evaluator", text=lang.name(w.evaluator, w.evaluator_en)))
        if w is not None and w.period:
            items.append(t("work.period", text=lang.text(w.period, w.period_en)))
        sec.bullets(items)
        if w is not None and w.basis:
            sec.md(t("work.basis_intro", n=len(w.basis)))
            sec.bullets([data_text(b) for b in dict.fromkeys(w.basis)], numbered=True)
    return sec
