"""Sections stated from the evaluation's own account (``Statement`` lists of the parameters): 主要成效和经验做法
and 其他需要说明的问题 — absent when no main evaluation gives them — and the passages other sections quote
(goals in 基本情况, next year's plans in 有关建议)."""

from __future__ import annotations

from ..tables import Section
from ..text import Safe, data_text, md_text


def statement_items(report, statements) -> list[Safe]:
    """Each statement as a list item: '**title**：text' or the text alone, in the report's language."""
    lang, t = report.lang, report.t
    out = []
    for s in statements:
        text = lang.text(s.text, s.text_en)
        title = lang.name(s.title, s.title_en) if s.title else None
        out.append(t("statements.titled", title=title, text=text) if title else data_text(text))
    return out


def _block(report, sec: Section, n: int, fields: tuple[str, ...], key: str) -> Section:
    present = [r for r in report.main if any(getattr(r.evaluation, f) for f in fields)]
    if not present:
        return sec
    sec.heading(2, report.section_heading(n, key))
    several = len(report.main) > 1
    k = 0
    for r in present:
        for f in fields:
            items = getattr(r.evaluation, f)
            if not items:
                continue
            k += 1
            title = report.heading(f"statement_{f}")
            if several:
                title = report.t("statements.of_evaluation", heading=title, title=report.evaluation_title(r))
            if len(fields) > 1 or several:
                sec.heading(3, report.numbered((n, k), md_text(title)))
            sec.bullets(statement_items(report, items), numbered=len(items) > 1)
    return sec


def achievements(report, n: int) -> Section:
    """主要成效 (what was done, with its figures) and 经验做法 (practices worth keeping)."""
    return _block(report, Section(), n, ("achievements", "experience"), "achievements")


def other_matters(report, n: int) -> Section:
    """其他需要说明的问题: caveats the evaluation records on its data or scope."""
    return _block(report, Section(), n, ("other_matters",), "other_matters")
