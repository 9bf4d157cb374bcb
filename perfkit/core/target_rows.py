"""The rows of a 绩效目标表 read as data: each row's target and actual through the grammar of
:mod:`.target_text`, and whether the row was met, its completion ratio and how late a deadline was.

Scoring (the target-table rule families, through ``CompileContext.linked_rows``), reconciliation (a
judged leaf whose linked rows were missed) and the target diagnostics all read rows here, so a row means
the same thing everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..params import PerformanceTarget
from ..rules.base import LinkedRow
from .projects import all_targets, target_locations
from .target_text import (NOTES, Reading, against_prior, completion, describe, met, normalise, read_target,
                          rescale_between, rescaled, shortfall, year_total)

COST_WORDS = ("成本", "预算控制数", "成本控制数")


def is_cost_category(names) -> bool:
    """A row or leaf under a 成本 heading, or named for a budget control figure (项目预算控制数)."""
    return any(w in str(n) for n in names for w in COST_WORDS)


@dataclass(frozen=True)
class RowReading:
    """One 目标表 row: its target and actual readings and the actual on the target's scale."""

    index: int
    row: PerformanceTarget
    target: Reading
    actual: Reading
    actual_number: float | None

    @property
    def id(self) -> str:
        return self.row.id or f"target-{self.index + 1}"


def _kind_override(r: Reading, kind: str | None) -> Reading:
    if kind is None or kind == r.kind:
        return r
    if kind == "words":
        return replace(r, kind="words", lo=None, hi=None, comparator=None)
    if kind == "ceiling" and r.measurable:
        v = r.hi if r.hi is not None else r.lo
        return replace(r, kind="ceiling", comparator="<=", lo=None, hi=v)
    return replace(r, kind=kind)


# Notes of a lower-is-better reading the grammar inferred from the figure alone (0次, 第8名): a row's direction wins.
INFERRED_LIMITS = ("zero_as_limit", "place_as_limit")


_LEVEL = re.compile(r"(?:达到|达|为|至|到)(?=[\d.零〇一二两三四五六七八九十百千]|[≥≤><])")


def _level_in(text: str, year: int | None) -> Reading | None:
    """The level a change reached, where the cell says it after the change ("较上年提高2个百分点，达到96%")."""
    found = [m.end() for m in _LEVEL.finditer(text)]
    if not found:
        return None
    r = read_target(text[found[-1]:], year=year)
    return replace(r, text=text) if r.measurable and r.kind != "growth" else None


def _prior(t: PerformanceTarget, year: int | None) -> Reading | None:
    """The row's ``prior_actual`` (last year's actual) read as a figure, or None where the row gives none."""
    return read_target(t.prior_actual, year=year) if t.prior_actual is not None else None


def read_row(t: PerformanceTarget, index: int = 0, year: int | None = None) -> RowReading:
    """Read one row; explicit fields (``target_value``, ``actual_value``, ``kind``, ``direction``) win."""
    cost = is_cost_category(list(t.category) + [t.name])
    target = read_target(t.target, cost=cost, year=year)
    actual = read_target(t.actual, year=year) if t.actual is not None else read_target(None)
    if target.kind == "prior_level" and t.target_value is None:  # "不低于上年": last year's actual is the figure
        if t.direction == "negative" and re.search("优于|好于|不差于|不劣于", str(t.target)):
            # better is lower on this row (a cost, a fault rate): "优于上年" is below last year's figure
            target = replace(target, comparator={">": "<", ">=": "<="}.get(target.comparator, target.comparator))
        target = against_prior(target, _prior(t, year), actual if t.actual is not None else None)
    target = _kind_override(target, t.kind)
    inferred = {NOTES[c] for c in INFERRED_LIMITS if c in target.note_codes}
    if t.direction in ("positive", "equal", "negative") and inferred:
        # the row states which way is better, so a bare zero or a place is not read as a limit unless it says negative
        notes = tuple(n for n in target.notes if n not in inferred)
        target = replace(target, notes=notes) if t.direction == "negative" else \
            replace(target, comparator=None, lo=target.hi, hi=None, notes=notes)
    if t.direction == "qualitative" and t.target_value is None:
        target = replace(target, kind="words", lo=None, hi=None, comparator=None)
    if t.target_value is not None:
        v = t.target_value
        if target.kind == "prior_level":  # "不低于上年" with last year's figure given as the target's own
            target = replace(target, kind="quantity")
        if target.kind in ("ceiling", "duration") or target.comparator in ("<=", "<") or t.direction == "negative":
            target = replace(target, lo=None, hi=v, comparator=target.comparator if target.comparator in ("<=", "<")
                             else "<=")
        elif target.comparator == "range":
            target = replace(target, lo=v)
        else:
            target = replace(target, lo=v, hi=v if target.comparator == "==" else None,
                             kind=target.kind if target.kind != "words" else "quantity")
    if actual.kind == "growth" and target.kind not in ("growth", "date") and (level := _level_in(actual.text, year)):
        actual = level  # "较上年增长3%，达到1200万元" against "≥1000万元": the level reached, not the change
    if t.actual_value is not None:
        number = t.actual_value
    elif actual.kind in ("words", "not_applicable") or not actual.measurable:
        number = None
    elif target.kind == "date" and actual.kind != "date":
        number = None
    elif target.kind == "growth" and actual.kind != "growth" and (change := _change_from_prior(
            target, actual, _prior(t, year))):
        number, target = change  # "较上年增长5%" against 124万元, last year 120万元: +3.33%
    elif target.kind == "growth" and actual.kind != "growth":
        # a change written as a bare "12%"; an amount ("920万元") is a level, which a change cannot be judged by
        number = actual.value if actual.unit in (None, "%", "百分点") else None
    else:
        number = actual.hi if actual.kind == "date" else rescaled(actual, target) if t.unit is None else actual.value
    if number is not None and t.actual_value is None and target.kind == "quantity" and \
            (target.periods > 1 or actual.periods > 1) and actual.periods != target.periods:
        number, target = _per_period(number, target, actual)
    return RowReading(index, t, target, actual, number)


def _change_from_prior(target: Reading, actual: Reading, prior: Reading | None) -> tuple[float, Reading] | None:
    """A change target ("较上年增长5%", "提高2个百分点") judged by this year's level against last year's
    (``prior_actual``): the change in percent, or in points where the target counts points and both are rates,
    with the note ``growth_from_prior``; None where the two are not levels of one measure: a bare figure that may be
    the change itself (8 against last year's 120), or different units. A rate "提高5%" is a relative change (as
    the note ``rate_change_unstated`` says): 96% after 95% is +1.05%."""
    if prior is None or prior.value is None or not prior.measurable or prior.kind not in ("quantity", "ceiling", "rate") \
            or actual.value is None or actual.kind not in ("quantity", "ceiling", "rate"):
        return None
    noted = replace(target, notes=target.notes + (NOTES["growth_from_prior"].format(value=prior.value),))
    points = target.unit in ("百分点", "个百分点")
    if points:
        return (actual.value - prior.value, noted) if actual.unit == prior.unit == "%" else None
    if (actual.unit and prior.unit and actual.unit != prior.unit) or (actual.unit == "%") != (prior.unit == "%"):
        return None  # 人 against 家; "8%" against last year's 120 is the change itself, not a level
    level = rescale_between(actual.value, actual.unit_text, prior.unit_text)
    if level is None or prior.value <= 0:
        return None
    if actual.unit_text is None and prior.unit_text is None and not 0.5 <= level / prior.value <= 2:
        return None  # bare figures far apart: the actual may be the change itself ("8" for 8%)
    return 100.0 * (level - prior.value) / prior.value, noted


def _per_period(number: float, target: Reading, actual: Reading) -> tuple[float, Reading]:
    """A target for each period ("每月不少于2次") and an actual for another (the year's "全年30次", "每季度6次"):
    the actual brought to the target's period, and the note that says so; an actual that does not say its period
    ("30次") is compared as written, noted as such (its ambition is not judged: perfkit.analysis.targets)."""
    def noted(code: str, value: float) -> Reading:
        return replace(target, notes=target.notes + (NOTES[code].format(value=value),))

    if actual.periods > 1:  # both say their period: 每季度6次 is 24 a year, 2 a month
        return number * actual.periods / target.periods, noted("per_period_converted", target.periods)
    if year_total(normalise(actual.text).replace(" ", "")):
        return number / target.periods, noted("per_period_total", target.periods)
    return number, noted("per_period_unstated", target.periods)


def linked(rr: RowReading) -> LinkedRow:
    """The row as a scoring family sees it (numbers only, names for explanations)."""
    ok = met(rr.target, rr.actual_number) if rr.actual_number is not None else None
    late = None
    if rr.target.kind == "date" and ok is not None:
        late = shortfall(rr.target, rr.actual_number)
    return LinkedRow(
        id=rr.id, name=rr.row.name, kind=rr.target.kind, target_text=str(rr.row.target),
        actual_text=None if rr.row.actual is None else str(rr.row.actual),
        met=ok, completion=completion(rr.target, rr.actual_number) if rr.actual_number is not None else None,
        late_months=late, weight=1.0 if rr.row.weight is None else rr.row.weight, name_en=rr.row.name_en,
    )


def rows_for(targets: list[PerformanceTarget], leaf_id: str, year: int | None = None) -> list[RowReading]:
    """The rows of ``targets`` whose ``indicator`` is ``leaf_id``, read."""
    return [read_row(t, i, year) for i, t in enumerate(targets) if t.indicator == leaf_id]


@dataclass(frozen=True)
class UnsureReading:
    """A target the grammar read with a note (``Reading.notes``) that the file did not settle with explicit
    fields: where it is (``indicator``: the leaf it is on or feeds; ``row``: a 目标表 row's id, None for a
    leaf's own target), its name and words, what was understood (``understood``, :func:`describe`), the
    notes' codes and English, and the figure read (``value``, in ``unit``: the row's, else the one read)."""

    indicator: str | None
    row: str | None
    name: str
    text: str
    understood: str
    codes: tuple[str, ...]
    notes: tuple[str, ...]
    value: float | None
    unit: str | None = None
    loc: tuple | None = None  # where its target is, within the evaluation (None: inputs in the framework's file)


def reading_of_row(t: PerformanceTarget, index: int = 0, read: RowReading | None = None) -> Reading | None:
    """The grammar's reading of a 目标表 row's target where the row leaves it to the grammar (no
    ``target_value``, ``kind`` or qualitative ``direction``); None where the file settles it. ``read``: the row
    as :func:`read_row` read it already, if the caller has it."""
    if t.target_value is not None or t.kind is not None or t.direction == "qualitative":
        return None
    return (read or read_row(t, index)).target


def reading_of_leaf(names, inputs) -> Reading | None:
    """The grammar's reading of a leaf's own target (a cost row's read as scoring reads it), None where the
    leaf gives none or settles it with ``target_value``."""
    if inputs is None or inputs.target is None or inputs.target_value is not None:
        return None
    return read_target(inputs.target, cost=is_cost_category(names))


def unsure_readings(evaluation, leaves=()) -> list[UnsureReading]:
    """Every target of an evaluation read with a note: its 目标表 rows (its projects' too), then the targets on
    its ``leaves`` (``Compiled.leaves``). What ``perfkit validate -v``, ``perfkit targets`` and the report state
    as "read as …; give ``target_value`` or ``kind`` to settle it"."""
    out = []
    for i, ((t, _), at) in enumerate(zip(all_targets(evaluation), target_locations(evaluation))):
        r = reading_of_row(t, i)
        if r is not None and r.notes:
            out.append(UnsureReading(t.indicator, t.id or f"target-{i + 1}", t.name, str(t.target), describe(r),
                                     r.note_codes, r.notes, r.value, t.unit or r.unit, at + ("target",)))
    for leaf in leaves:
        r = reading_of_leaf(leaf.node.names, leaf.inputs)
        if r is not None and r.notes:
            out.append(UnsureReading(leaf.id, None, leaf.node.indicator.name, str(leaf.inputs.target), describe(r),
                                     r.note_codes, r.notes, r.value, getattr(leaf.inputs, "unit", None) or r.unit,
                                     None if leaf.node.indicator.inputs is not None and evaluation.tree is None
                                     else tuple(leaf.loc) + ("target",)))
    return out
