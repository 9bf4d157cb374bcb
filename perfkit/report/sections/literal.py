"""The literal rules beside the target sensitivity: where a transcription records a report's own computation,
the grade the framework's rules give read literally (:func:`perfkit.core.literal.literal_reading`)."""

from __future__ import annotations

from ...core.literal import literal_reading
from ...fmt import score
from ..tables import Section, html_table


def literal_block(report, sec: Section, r, number: tuple) -> None:
    """A numbered sub-section when some leaf of ``r`` records a literal reading; nothing otherwise."""
    reading = literal_reading(r)
    if reading is None:
        return
    t, lang, fw = report.t, report.lang, r.framework
    names = report.names(r)
    sec.heading(4, report.numbered(number, report.heading("literal")))
    sec.md(t("literal.intro", n=len(reading.leaves), total=reading.total, grade=lang.grade_label(reading.grade, fw),
             literal_total=reading.literal_total, literal_grade=lang.grade_label(reading.literal_grade, fw),
             changes=reading.grade_changes))
    header = [t.label(f"literal.columns.{c}") for c in ("indicator", "points", "score", "literal_score", "reason")]
    rows = [[names(lf.id), f"{lf.points:g}", score(lf.score), score(lf.literal_score),
             lang.text(lf.reason, None) if lf.reason else ""]
            for lf in reading.leaves]
    sec.html(html_table(header, rows, numeric=(1, 2, 3)))
