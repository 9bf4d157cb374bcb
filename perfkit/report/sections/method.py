"""Appendix 评价方法说明: how the scores and the analyses were computed — the scoring rules, what counts as a
difference from a published score, the threshold of a target set low, and for the target scenarios the
intervals, the number of scenarios and the random seed (which the body of the report leaves out)."""

from __future__ import annotations

from ...analysis.targets import DEFAULT_THRESHOLDS
from ...core.framework import TOLERANCE
from ..tables import Section


def section(report, n: int) -> Section:
    """The method, and the settings of each main evaluation's target scenarios."""
    t, sec = report.t, Section()
    sec.heading(2, report.section_heading(n, "method"))
    items = [t("method.scoring")]
    if report.review:
        items.append(t("method.review", tolerance=TOLERANCE))
    items.append(t("method.targets", threshold=DEFAULT_THRESHOLDS.low_ambition))
    scenarios = []
    for r in report.main:
        analysis = report.analysis(r)
        if analysis.model.n_targets:
            mc = analysis.monte_carlo
            scenarios.append(t("method.scenario", title=report.evaluation_title(r), draws=mc.draws, seed=mc.seed,
                               n=int((~analysis.model.is_linked).sum()), linked=int(analysis.model.is_linked.sum())))
    if scenarios:
        items.append(t("method.scenarios", items=scenarios))
    sec.bullets(items)
    return sec
