"""Per-project tables of an evaluation that scores several projects jointly: each project's budget and
measures beside the combined ones, and each project's target rows (:mod:`perfkit.core.projects`)."""

from __future__ import annotations

from ...core.budget import all_measures
from ...core.projects import all_targets, combined_budget
from ...fmt import money, pct
from ..tables import Section, html_table


def projects_block(report, sec: Section, r) -> None:
    """Two tables when the evaluation has ``projects``: budgets and rates by project (with the combined row),
    and the target rows grouped by project; nothing otherwise."""
    ev = r.evaluation
    if not ev.projects:
        return
    t, lang = report.t, report.lang
    sec.md(t("projects.intro", n=len(ev.projects)))
    header = [t.label(f"projects.columns.{c}") for c in ("project", "adjusted", "received", "spent",
                                                          "execution_rate", "funds_received_rate")]
    rows = []
    combined = combined_budget(ev.projects)
    for name, b, cls in [(lang.name(p.name, p.name_en), p.budget, None) for p in ev.projects] + (
            [(t.label("projects.combined"), combined, "total")] if combined is not None else []):
        m = all_measures(b)
        spent = "" if b is None else money(b.spent) + (t.label("columns.derived_mark") if "spent" in b.derived else "")
        rows.append(([name, money(b.adjusted if b else None), money(b.received if b else None), spent,
                      pct(m.get("execution_rate")), pct(m.get("funds_received_rate"))], cls))
    sec.html(html_table(header, rows, numeric=range(1, 6)))
    targets = [(tg, p) for tg, p in all_targets(ev) if p is not None]
    if targets:
        header = [t.label(f"projects.columns.{c}") for c in ("project", "target_name", "target", "actual")]
        sec.html(html_table(header, [[lang.name(p.name, p.name_en), lang.name(tg.name, tg.name_en),
                                      report.target_words(tg.target, tg.unit, cell=True),
                                      "" if tg.actual is None else report.target_words(tg.actual, tg.unit, cell=True)]
                                     for tg, p in targets]))
