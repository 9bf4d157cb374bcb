"""Findings from the targets an evaluation's own file holds: what its 绩效目标表 rows and the targets
written on its leaves say against the scores and the budget block.

``LINKED_TARGETS_MISSED``          a leaf scored by judgement or a typed count whose linked rows were missed
``LATE_DEADLINE_NOT_DEDUCTED``     a deadline met late (by N months) scored at full marks
``TARGET_COMPARATOR_CONFLICT``     a "≤" target under a higher-is-better rule (or "≥" under lower-is-better)
``COST_ACTUAL_CONTRADICTS_BUDGET`` a cost row's spending differs from the budget block's ``spent``
``HIGH_SCORE_WITHOUT_EXECUTION``   (nearly) nothing spent, yet the outputs score high
``QUANTITATIVE_TARGET_JUDGED``     a figure to reach on a judged row that gives no measurement
``TARGET_LOWERED_TO_ACTUAL``       a target equal to its actual after ``initial_target`` shows it was lowered
``CHECKLIST_CONTRADICTS_BUDGET``   a checklist point "no large in-year adjustment" answered yes beside a sharp one
``TARGET_HIGHER_ELSEWHERE``        a target equal to its actual while a related evaluation of the same department-year
                                   sets a more ambitious target for the same indicator (:func:`cross_evaluation_findings`)

Each finding's data carries what its sentence (``findings.<code>`` in the templates) needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..rules import family
from .budget import MeasureUnavailable, measure
from .compile import is_cost_row
from .findings import Finding
from .framework import TOLERANCE
from .projects import all_targets
from .target_rows import linked, read_row, rows_for
from .target_text import met, read_target, shortfall

EXECUTION_NEAR_ZERO = 5.0  # percent of the adjusted budget spent, at or below which execution is "near zero"
HIGH_OUTPUT_SHARE = 0.8  # outputs scored at 80% of their points or more count as "high"
SHARP_ADJUSTMENT = 20.0  # percent: the "sharp" budget change of perfkit.analysis.targets.Thresholds.budget_change
NO_ADJUSTMENT = ("无大量调剂", "年中调剂导致", "频繁调剂")  # points that assert no large in-year adjustment
MONEY_TOLERANCE = 0.005  # 万元, as printed with two decimals
OUTPUT_WORDS = ("产出",)


def _row_text(r) -> dict:
    return {"id": r.id, "name": r.name, "target": r.target_text, "actual": r.actual_text}


def _leaf_score(result, leaf) -> float | None:
    rep = leaf.inputs.reported_score if leaf.inputs is not None else None
    return rep


def linked_findings(result) -> list[Finding]:
    """LINKED_TARGETS_MISSED: leaves not scored from the table whose linked rows show misses."""
    out = []
    ev = result.evaluation
    for i, leaf in enumerate(result.compiled.leaves):
        fam = family(leaf.rule.family)
        if fam.table_scored:
            continue
        rows = [linked(r) for r in rows_for(ev.targets, leaf.id)]
        missed = [r for r in rows if r.met is False]
        if not missed:
            continue
        typed = leaf.inputs.count if leaf.inputs is not None else None
        row_families = {result.compiled.rows[j].family for j in result.compiled.rows_of_leaf[i]}
        judged = "judgement" in row_families
        if not judged and typed is None:
            continue  # a measured rule: its own figures decide, the rows are evidence only
        if typed is not None and typed >= len(missed):
            continue
        out.append(Finding(
            "LINKED_TARGETS_MISSED", "warning", leaf.id,
            f"{leaf.node.indicator.name}: {len(missed)} of {sum(r.met is not None for r in rows)} linked target rows "
            f"were missed ({', '.join(r.name for r in missed)})"
            + (f", but the count typed is {typed:g}" if typed is not None else ", yet the leaf is scored by judgement"),
            {"missed": len(missed), "measured": sum(r.met is not None for r in rows), "count": typed,
             "rows": [_row_text(r) for r in missed], "reported": _leaf_score(result, leaf),
             "points": leaf.points, "score": float(result.leaf_score[leaf.id])},
        ))
    return out


def _own_reading(leaf, year=None):
    inp = leaf.inputs
    if inp is None or inp.target is None or inp.actual is None:
        return None, None
    return read_target(inp.target, year=year), read_target(inp.actual, year=year)


def deadline_findings(result) -> list[Finding]:
    """LATE_DEADLINE_NOT_DEDUCTED: a leaf's own target and actual are dates, the actual is later, and the
    leaf got full marks (reported, else recomputed)."""
    out = []
    scores = result.leaf_score
    for leaf in result.compiled.leaves:
        if family(leaf.rule.family).name == "milestone":
            continue  # scored per month late already
        t, a = _own_reading(leaf)
        if t is None or t.kind != "date" or a.kind != "date" or t.year_given != a.year_given:
            continue
        late = shortfall(t, a.hi)
        if not late:
            continue
        rep = leaf.inputs.reported_score
        got = rep if rep is not None else float(scores[leaf.id])
        if got < leaf.points - TOLERANCE:
            continue
        out.append(Finding(
            "LATE_DEADLINE_NOT_DEDUCTED", "error", leaf.id,
            f"{leaf.node.indicator.name}: due {leaf.inputs.target}, done {leaf.inputs.actual} ({late:g} month"
            f"{'s' if late != 1 else ''} late), scored full marks ({got:g}/{leaf.points:g})",
            {"target": str(leaf.inputs.target), "actual": str(leaf.inputs.actual), "months_late": late,
             "score": got, "points": leaf.points},
        ))
    return out


def comparator_findings(result) -> list[Finding]:
    """TARGET_COMPARATOR_CONFLICT: a target's comparison against its rule's direction."""
    out = []
    for i, leaf in enumerate(result.compiled.leaves):
        for j in result.compiled.rows_of_leaf[i]:
            row = result.compiled.rows[j]
            fam = family(row.family)
            inp = leaf.inputs if row.part is None else ((leaf.inputs.parts or {}).get(row.part)
                                                        if leaf.inputs is not None else None)
            if not fam.target_based or fam.table_scored or inp is None or inp.target is None:
                continue
            if inp.direction is not None:
                continue  # the file states the direction
            r = read_target(inp.target)
            lower = fam.lower_is_better(row.args)
            if r.direction == "negative" and not lower or r.direction == "positive" and lower:
                out.append(Finding(
                    "TARGET_COMPARATOR_CONFLICT", "warning", leaf.id,
                    f"{leaf.node.indicator.name}: the target {inp.target!r} reads as "
                    f"{'an upper' if r.direction == 'negative' else 'a lower'} limit, but the {row.family} rule "
                    f"scores {'lower' if lower else 'higher'} as better",
                    {"target": str(inp.target), "rule": row.family, "target_direction": r.direction,
                     "rule_direction": "negative" if lower else "positive"},
                ))
    return out


def cost_findings(result) -> list[Finding]:
    """COST_ACTUAL_CONTRADICTS_BUDGET: a cost row stating the project's whole budget (its target equals the
    budget block's initial or adjusted figure) whose actual differs from the block's ``spent``."""
    out = []
    budget = result.evaluation.budget
    if budget is None:
        return out
    whole = {x for x in (budget.initial, budget.adjusted) if x is not None}
    for leaf in result.compiled.leaves:
        inp = leaf.inputs
        if inp is None or inp.target is None or inp.actual is None or not is_cost_row(leaf.node):
            continue
        t, a = read_target(inp.target, cost=True), read_target(inp.actual)
        tv = inp.target_value if inp.target_value is not None else t.hi if t.hi is not None else t.lo
        av = inp.actual_value if inp.actual_value is not None else a.value
        if tv is None or av is None or not any(abs(tv - w) <= MONEY_TOLERANCE for w in whole):
            continue
        if abs(av - budget.spent) > MONEY_TOLERANCE:
            out.append(Finding(
                "COST_ACTUAL_CONTRADICTS_BUDGET", "error", leaf.id,
                f"{leaf.node.indicator.name}: the cost row gives {av:g}万元 spent against {tv:g}, but the budget "
                f"block shows {budget.spent:g} spent",
                {"actual": av, "target": tv, "spent": budget.spent},
            ))
    return out


def execution_findings(result) -> list[Finding]:
    """HIGH_SCORE_WITHOUT_EXECUTION: at most 5% of the adjusted budget spent, yet the output indicators
    (产出) were reported at 80% of their points or more."""
    budget = result.evaluation.budget
    if budget is None or not budget.adjusted:
        return []
    rate = 100.0 * budget.spent / budget.adjusted
    if rate > EXECUTION_NEAR_ZERO:
        return []
    outputs = [lf for lf in result.compiled.leaves if any(w in n for n in lf.node.names[:-1] for w in OUTPUT_WORDS)]
    reported = [lf.inputs.reported_score for lf in outputs if lf.inputs is not None
                and lf.inputs.reported_score is not None]
    if not outputs or len(reported) != len(outputs):
        return []
    got, points = sum(reported), sum(lf.points for lf in outputs)
    if not points or got / points < HIGH_OUTPUT_SHARE:
        return []
    total = result.reported_total
    return [Finding(
        "HIGH_SCORE_WITHOUT_EXECUTION", "error", None,
        f"{rate:.2f}% of the budget was spent ({budget.spent:g} of {budget.adjusted:g}万元), yet the outputs "
        f"score {got:g} of {points:g}" + (f" and the total {total:g}" if total is not None else ""),
        {"execution_rate": rate, "spent": budget.spent, "adjusted": budget.adjusted, "output_score": got,
         "output_points": points, "total": total},
    )]


def judged_figure_findings(result) -> list[Finding]:
    """QUANTITATIVE_TARGET_JUDGED: a judged row whose target is a figure to reach and whose actual gives no
    figure (nothing measured), or no actual at all."""
    out = []
    for i, leaf in enumerate(result.compiled.leaves):
        families = {result.compiled.rows[j].family for j in result.compiled.rows_of_leaf[i]}
        inp = leaf.inputs
        if families != {"judgement"} or inp is None or inp.target is None or inp.direction == "qualitative":
            continue
        t = read_target(inp.target)
        if t.kind not in ("quantity", "rate", "duration") or not t.measurable:
            continue
        a = read_target(inp.actual) if inp.actual is not None else None
        if a is not None and a.measurable:
            continue
        out.append(Finding(
            "QUANTITATIVE_TARGET_JUDGED", "info", leaf.id,
            f"{leaf.node.indicator.name}: the target {inp.target!r} is a figure, but no measured actual is given; "
            "the score is the evaluator's judgement",
            {"target": str(inp.target), "actual": None if inp.actual is None else str(inp.actual)},
        ))
    return out


def lowered_findings(result) -> list[Finding]:
    """TARGET_LOWERED_TO_ACTUAL: a 目标表 row whose target equals its actual while its ``initial_target``
    was more ambitious (the target was moved onto the actual in the year)."""
    out = []
    for i, t in enumerate(result.evaluation.targets):
        if t.initial_target is None or t.actual is None:
            continue
        tr, ar, ir = read_target(t.target), read_target(t.actual), read_target(t.initial_target)
        tv = t.target_value if t.target_value is not None else tr.value
        av = t.actual_value if t.actual_value is not None else ar.value
        iv = ir.value
        if None in (tv, av, iv) or abs(tv - av) > 1e-9 * max(abs(tv), 1):
            continue
        lowered = iv < tv if tr.direction == "negative" else iv > tv
        if lowered and met(ir, av) is False:
            out.append(Finding(
                "TARGET_LOWERED_TO_ACTUAL", "warning", t.indicator,
                f"{t.name}: the target {t.target} equals the actual, and was {t.initial_target} before the change",
                {"id": t.id or f"target-{i + 1}", "name": t.name, "target": str(t.target),
                 "initial_target": str(t.initial_target), "actual": str(t.actual)},
            ))
    return out


def checklist_findings(result) -> list[Finding]:
    """CHECKLIST_CONTRADICTS_BUDGET: a checklist point saying the budget was not adjusted much in the year
    (年中无大量调剂, 未因年中调剂导致预决算差异过大) answered yes while ``budget.adjustment_rate`` is 20% or more."""
    budget = result.scoring_budget
    try:
        rate = measure(budget, "budget.adjustment_rate") if budget is not None else None
    except MeasureUnavailable:
        rate = None
    if rate is None or abs(rate) < SHARP_ADJUSTMENT:
        return []
    out = []
    for leaf in result.compiled.leaves:
        items = getattr(leaf.rule, "items", None)
        answers = (leaf.inputs.answers or {}) if leaf.inputs is not None else {}
        if leaf.rule.family != "checklist" or not items:
            continue
        for item in items:
            a = answers.get(item.id)
            yes = a is True or (isinstance(a, (int, float)) and not isinstance(a, bool) and a >= 1)
            if yes and any(w in item.text for w in NO_ADJUSTMENT):
                out.append(Finding(
                    "CHECKLIST_CONTRADICTS_BUDGET", "warning", leaf.id,
                    f"{leaf.node.indicator.name}: '{item.text}' is answered yes, but the budget was adjusted by "
                    f"{rate:.2f}% in the year",
                    {"item": item.id, "text": item.text, "adjustment_rate": rate},
                ))
    return out


def target_findings(result) -> list[Finding]:
    """Every check of this module, in the order of the module docstring."""
    return (linked_findings(result) + deadline_findings(result) + comparator_findings(result)
            + cost_findings(result) + execution_findings(result) + judged_figure_findings(result)
            + lowered_findings(result) + checklist_findings(result))


# ---- across the evaluations of one department-year ------------------------------------------------------------

COMPARED_KINDS = ("quantity", "rate", "duration")  # figures to reach; dates, ceilings and words are left alone
_NAME_NOISE = re.compile(r"[\s\u3000（）()“”\"'‘’、，,。.:：；;/]")


def _normalised_name(name: str) -> str:
    """An indicator's name for matching across evaluations: spaces, brackets, quotes and punctuation removed."""
    return _NAME_NOISE.sub("", str(name))


@dataclass(frozen=True)
class _Stated:
    """One target an evaluation states: where (evaluation, leaf), its name and the figures compared."""

    evaluation: str
    title: str
    department: bool
    indicator: str | None
    name: str
    unit: str
    direction: str
    target: float
    actual: float | None
    target_text: str
    actual_text: str | None


def _direction(reading, given: str | None) -> str | None:
    d = given if given in ("positive", "negative") else reading.direction
    if d == "qualitative":
        return None
    return "negative" if d == "negative" else "positive"


def _stated_targets(result) -> list[_Stated]:
    """The figures an evaluation states as targets: its 目标表 rows (its projects' too) and the scored leaves
    that carry a target, each with a unit, a kind in ``COMPARED_KINDS`` and a number."""
    ev = result.evaluation
    dept = ev.kind in ("department", "department_overall")
    out = []
    for i, (t, _) in enumerate(all_targets(ev)):
        rr = read_row(t, i)
        unit = t.unit or rr.target.unit_text
        d = _direction(rr.target, t.direction)
        v = rr.target.hi if d == "negative" else rr.target.value
        if rr.target.kind in COMPARED_KINDS and unit and d and v is not None:
            out.append(_Stated(ev.id, ev.title, dept, t.indicator, t.name, unit, d, v, rr.actual_number,
                               str(t.target), None if t.actual is None else str(t.actual)))
    for leaf in result.compiled.leaves:
        inp = leaf.inputs
        if inp is None or inp.target is None:
            continue
        r = read_target(inp.target)
        unit = inp.unit or r.unit_text
        d = _direction(r, inp.direction)
        v = inp.target_value if inp.target_value is not None else (r.hi if d == "negative" else r.value)
        a = inp.actual_value if inp.actual_value is not None else (
            read_target(inp.actual).value if inp.actual is not None else None)
        if r.kind in COMPARED_KINDS and unit and d and v is not None:
            out.append(_Stated(ev.id, ev.title, dept, leaf.id, leaf.node.indicator.name, unit, d, v, a,
                               str(inp.target), None if inp.actual is None else str(inp.actual)))
    return out


def _related(a: _Stated, b: _Stated) -> bool:
    """Two evaluations that state the same targets: a department's and one of its evaluations (its table
    restates its projects' targets), or two evaluations of one project (a title that holds the other)."""
    if a.evaluation == b.evaluation:
        return False
    if a.department != b.department:
        return True
    ta, tb = _normalised_name(a.title), _normalised_name(b.title)
    short, long_ = sorted((ta, tb), key=len)
    return len(short) >= 6 and short in long_


def _same(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0)


def cross_evaluation_findings(results) -> dict[str, list[Finding]]:
    """TARGET_HIGHER_ELSEWHERE, by evaluation id: a target equal to its actual while a related evaluation of the
    same department-year (:func:`_related`) states a more ambitious target for the same indicator — the same
    name after normalisation, the same unit and direction, a figure to reach (``COMPARED_KINDS``), and the same
    actual where both give one. The evaluation holding the lower target gets the finding, naming the other.

    Conservative by design: evaluations of different projects are never compared (two projects may set the
    same indicator at different levels for good reason), nor dates, ceilings or targets in words."""
    stated = [s for r in results for s in _stated_targets(r)]
    by_name: dict[tuple[str, str], list[_Stated]] = {}
    for s in stated:
        by_name.setdefault((_normalised_name(s.name), s.unit), []).append(s)
    out: dict[str, list[Finding]] = {}
    seen = set()
    for group in by_name.values():
        for a in group:
            if a.actual is None or not _same(a.target, a.actual):
                continue
            for b in group:
                if not _related(a, b) or b.direction != a.direction:
                    continue
                if b.actual is not None and not _same(a.actual, b.actual):
                    continue
                higher = b.target > a.target if a.direction == "positive" else b.target < a.target
                key = (a.evaluation, a.indicator, a.name, b.evaluation)
                if not higher or _same(a.target, b.target) or key in seen:
                    continue
                seen.add(key)
                out.setdefault(a.evaluation, []).append(Finding(
                    "TARGET_HIGHER_ELSEWHERE", "warning", a.indicator,
                    f"{a.name}: the target {a.target_text} equals the actual, while evaluation {b.evaluation} sets "
                    f"{b.target_text} for the same indicator",
                    {"target_name": a.name, "target": a.target_text, "actual": a.actual_text, "other": b.evaluation,
                     "other_title": b.title, "other_target": b.target_text},
                ))
    return out
