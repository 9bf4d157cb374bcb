"""Section 四 绩效分析 (财预〔2020〕10号, 评价报告 part 四): for each main evaluation, each first-level block of its
framework (决策, 过程, 产出, 效益 or the framework's own) with its points and score, every indicator's analysis —
score, the reason for any deduction, the evidence recorded and the targets of the 绩效目标表 that feed it —
and the block's rows of the scoring table."""

from __future__ import annotations

from ...core.framework import TOLERANCE
from ..sentences import target_item
from ..tables import Section
from ...fmt import missing
from .results import reasons, scoring_table


def section(report, n: int) -> Section:
    """Per main evaluation and first-level block: the block, each indicator's analysis, its scoring rows."""
    t, sec = report.t, Section()
    sec.heading(2, report.section_heading(n, "analysis"))
    for r, base, heading in report.main_evaluations(n):
        if heading is not None:
            sec.heading(3, heading)
        sec.md(t("results.scoring_intro", reported=any(not missing(x) for x in r.table["reported_score"]),
                 reasons=any(reasons(r))))
        level1 = [x for x in r.node_rows if x["level"] == 1]
        leaves = r.compiled.leaves
        records = r.table_rows
        feeds: dict[str, list] = {}
        for d in report.all_diagnostics(r):  # a leaf's related goals, as the goal table words them
            if d.source == "target_table" and d.indicator:
                feeds.setdefault(d.indicator, []).append(d)
        for j, block in enumerate(level1, 1):
            sec.heading(len(base) + 2, report.numbered(base + (j,), report.node_name(r, block["id"])))
            lost = block["points"] - block["score"]
            sec.md(t("analysis.block", points=block["points"], score=block["score"], lost=lost if lost > TOLERANCE else 0.0,
                     rate=100.0 * block["score"] / block["points"] if block["points"] else 0.0))
            items = []
            rows = []
            for i, (x, leaf) in enumerate(zip(records, leaves)):
                if leaf.node.path[0] != block["id"]:
                    continue
                rows.append(i)
                lost_i = x["points"] - x["score"]
                reason = x["reason"] if lost_i > TOLERANCE and isinstance(x["reason"], str) and x["reason"].strip() else None
                evidence = leaf.inputs.evidence if leaf.inputs is not None and leaf.inputs.evidence else None
                targets = [target_item(t, "analysis.target_item", d) for d in feeds.get(leaf.id, [])]
                items.append(t("analysis.indicator", name=report.node_name(r, x["id"]), points=x["points"],
                               score=x["score"], full=lost_i <= TOLERANCE, reason=reason, evidence=evidence,
                               targets=targets))
            sec.bullets(items)
            if rows:
                sec.html(scoring_table(report, r, only=rows))
    return sec
