"""Reconciliation: what a published report states against what its own rules and figures give.

Every check here produces :class:`~perfkit.findings.Finding` objects with a stable code. Nothing is
silently fixed: a reported score the rule does not produce stays reported, and the finding says by
how much it differs and, where the rule declares alternative readings, which reading reproduces it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .budget import MEASURES, all_measures
from .compile import CompileContext, Compiled, Leaf, leaf_rows
from .findings import Finding
from .framework import TOLERANCE, grade_of, points_findings
from .literal import literal_reading
from ..params import Budget
from ..rules import family
from .quantity import parse_quantity
from .target_checks import MONEY_TOLERANCE, target_findings
from .unit_checks import unit_findings

RATE_TOLERANCE = 0.005  # stated rates are printed with two decimals


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def rescore_leaf(result, index: int, rule, part: str | None = None) -> float | None:
    """The score of leaf ``index`` with its rule (or one part's rule) replaced; None if it cannot run."""
    got = rescore_leaf_explained(result, index, rule, part)
    return None if got is None else got[0]


def rescore_leaf_explained(result, index: int, rule, part: str | None = None) -> tuple[float, str] | None:
    """:func:`rescore_leaf` with the arithmetic of the new score (the figures the reading uses)."""
    compiled = result.compiled
    leaf = compiled.leaves[index]
    if part is not None:
        rule = leaf.rule.model_copy(update={"parts": [p.model_copy(update={"rule": rule}) if p.id == part else p
                                                      for p in leaf.rule.parts]})
    ctx = CompileContext(result.located, result.scoring_budget)
    rows = leaf_rows(ctx, 0, leaf, rule)
    if ctx.problems or ctx.undefined:
        return None
    mini = Compiled(compiled.framework, [leaf.node], [Leaf(leaf.node, rule, leaf.inputs, leaf.loc, leaf.zero)], rows)
    row_scores = mini.row_scores()
    words = "; ".join((f"{r.part}: " if r.part else "") + family(r.family).words(r.args, r.points, s) for r, s in zip(rows, row_scores))
    return float(mini.leaf_scores()[0]), words


def _alternatives(leaf):
    """(alternative, rule under it, part) for every declared alternative reading of a leaf's rule."""
    return family(leaf.rule.family).alternatives(leaf.rule)


def _missed_target(leaf) -> tuple[float, float] | None:
    """(target, actual) when a target-based leaf's actual falls short of its target (its family's ``missed``)."""
    inp, missed = leaf.inputs, family(leaf.rule.family).missed
    if inp is None or missed is None:
        return None
    t, a = parse_quantity(inp.target), parse_quantity(inp.actual)
    if inp.target_value is not None or inp.actual_value is not None:
        tv = inp.target_value if inp.target_value is not None else t.value
        av = inp.actual_value if inp.actual_value is not None else a.value
    elif t.measurable and a.measurable:
        tv, av = t.value, (a.value if inp.unit is not None else a.comparable(t))
    else:
        return None
    if tv is None or av is None:
        return None
    return (tv, av) if missed(tv, av) else None


def leaf_findings(result) -> list[Finding]:
    findings = []
    scores = result.leaf_score
    reproduces = result.evaluation.reported is not None
    counted = [lf for lf in result.compiled.leaves if lf.not_applicable is None and not lf.undefined]
    if reproduces and counted and all(lf.inputs is None or lf.inputs.reported_score is None for lf in counted):
        # a report that gives its total alone: said once, not once per indicator
        findings.append(Finding("NO_REPORTED_SCORE", "info", None,
                                f"the report gives no indicator's score ({len(counted)} indicators), only its total",
                                {"all": True, "n": len(counted)}))
        reproduces = False
    for i, leaf in enumerate(result.compiled.leaves):
        name = leaf.node.indicator.name
        rep = leaf.inputs.reported_score if leaf.inputs is not None else None
        if leaf.not_applicable is not None:
            siblings = result.framework.not_applicable == "siblings"
            findings.append(Finding("NOT_APPLICABLE", "info", leaf.id,
                                    f"{name}: not applicable ({leaf.not_applicable}); its {leaf.points:g} points "
                                    + ("are shared among the indicators beside it that apply, in proportion to their "
                                       "points" if siblings else
                                       f"are left out and the total is rescaled to {result.framework.total:g}"),
                                    {"reason": leaf.not_applicable, "points": leaf.points, "siblings": siblings}))
            continue
        if leaf.undefined:
            findings.append(Finding("NOT_COMPUTABLE", "warning", leaf.id,
                                    f"{name}: not computable: " + "; ".join(u.message for u in leaf.undefined),
                                    {"measures": [u.measure for u in leaf.undefined],
                                     "fields": [u.base for u in leaf.undefined],
                                     "field_terms": [u.base_term for u in leaf.undefined],
                                     "points": leaf.points, "reported": rep}))
            continue
        got = float(scores[leaf.id])
        rows = [result.compiled.rows[j] for j in result.compiled.rows_of_leaf[i]]
        for r in rows:
            if r.args.get("judged"):
                findings.append(Finding(
                    "JUDGED_WITHOUT_MEASUREMENT", "info", leaf.id,
                    f"{name}{' (' + r.part + ')' if r.part else ''}: the {r.rule.family} rule has no measurement to "
                    f"work on; the evaluator's {r.args['score']:g} is used as a judgement",
                    {"rule": r.rule.family, "score": r.args["score"], "part": r.part},
                ))
            for check in family(r.family).checks(r.rule, r.points, r.args):
                findings.append(Finding(check.code, check.severity, leaf.id, f"{name}: {check.message}", check.data))
        text_score = leaf.inputs.reported_score_text if leaf.inputs is not None else None
        if text_score is not None and rep is not None and abs(text_score - rep) > TOLERANCE:
            findings.append(Finding(
                "REPORTED_SCORE_CONFLICT", "error", leaf.id,
                f"{name}: the report states two scores, {_fmt(rep)} (score column) and {_fmt(text_score)} (text); "
                f"the recomputation gives {_fmt(got)}",
                {"reported": rep, "text": text_score, "recomputed": got},
            ))
        if rep is None:
            if reproduces:
                findings.append(Finding("NO_REPORTED_SCORE", "info", leaf.id,
                                        f"{name}: the report gives no score for this indicator", {}))
            continue
        if rep > leaf.points + TOLERANCE:
            findings.append(Finding(
                "SCORE_ABOVE_POINTS", "error", leaf.id,
                f"{name}: reported {rep:g} exceeds its {leaf.points:g} points", {"reported": rep,
                                                                                "points": leaf.points},
            ))
        if abs(got - rep) > TOLERANCE:
            reading = getattr(leaf.rule, "reading", None)
            msg = (f"{name}: the {leaf.rule.family} rule gives {_fmt(got)}, the report awards {_fmt(rep)} "
                   f"(difference {rep - got:+.2f})")
            if reading:
                msg += f"; reading used: {reading}"
            data = {"recomputed": round(got, 6), "reported": rep, "rule": leaf.rule.family,
                    "reading": reading, "alternatives": []}
            matched = None
            for alt, rule, part in _alternatives(leaf):
                got_alt = rescore_leaf_explained(result, i, rule, part)
                alt_score, words = got_alt if got_alt is not None else (None, None)
                data["alternatives"].append({"label": alt.label, "description": alt.description,
                                             "label_en": alt.label_en, "description_en": alt.description_en,
                                             "score": alt_score, "explanation": words,
                                             "family": rule.family})
                if alt_score is not None and abs(alt_score - rep) <= TOLERANCE and matched is None:
                    matched = (alt.label, alt.description, alt_score, words)
            if matched:
                msg += (f". The alternative reading '{matched[0]}' ({matched[1]}) gives {_fmt(matched[2])} "
                        f"({matched[3]}) and reproduces the reported score")
                data["reproduced_by"] = matched[0]
            elif data["alternatives"]:
                msg += ". None of the declared alternative readings reproduces it (" + ", ".join(
                    f"{a['label']}: {'n/a' if a['score'] is None else _fmt(a['score']) + ' = ' + a['explanation']}"
                    for a in data["alternatives"]) + ")"
            findings.append(Finding("SCORE_MISMATCH", "error", leaf.id, msg, data))
        missed = _missed_target(leaf)
        if missed and rep >= leaf.points - TOLERANCE and leaf.points > 0:
            findings.append(Finding(
                "FULL_MARKS_ON_MISSED_TARGET", "error", leaf.id,
                f"{name}: full marks ({rep:g}/{leaf.points:g}) although the actual {missed[1]:g} misses the "
                f"target {missed[0]:g}",
                {"target": missed[0], "actual": missed[1], "reported": rep, "points": leaf.points},
            ))
    return findings


def sum_findings(result) -> list[Finding]:
    """Reported subtotals and total against the reported scores beneath them, and the grade."""
    findings = []
    rep = result.evaluation.reported
    if rep is None:
        return findings
    nodes = {r["id"]: r for r in result.node_records}  # reported.nodes name nodes of the tree (compile checks)
    for node_id, stated in rep.nodes.items():
        row = nodes[node_id]
        leaf_sum = row["reported_leaf_sum"]
        if leaf_sum is not None and not np.isnan(leaf_sum) and abs(leaf_sum - stated) > TOLERANCE:
            findings.append(Finding(
                "REPORTED_NODE_MISMATCH", "error", node_id,
                f"{row['name']} is stated as {_fmt(stated)} but its reported indicator scores sum to "
                f"{_fmt(leaf_sum)}",
                {"stated": stated, "sum": leaf_sum},
            ))
    reported_scores = np.array([r["reported_score"] for r in result.leaf_records], dtype=float)  # None: NaN
    if rep.total is not None and not np.isnan(reported_scores).any():
        s = float(reported_scores.sum())
        if abs(s - rep.total) > TOLERANCE:
            findings.append(Finding(
                "REPORTED_SUM_MISMATCH", "error", None,
                f"the reported indicator scores sum to {_fmt(s)}, the reported total is {_fmt(rep.total)}",
                {"sum": s, "reported_total": rep.total},
            ))
    if rep.total is not None and result.gap_points == 0 and not result.reproduces_total(TOLERANCE):
        g = grade_of(result.total, result.framework)
        findings.append(Finding(
            "TOTAL_MISMATCH", "warning", None,
            f"recomputed total {_fmt(result.total)} ({g}) against the reported {_fmt(rep.total)}"
            f" ({grade_of(rep.total, result.framework)})",
            {"recomputed": result.total, "reported": rep.total, "recomputed_grade": g,
             "reported_total_grade": grade_of(rep.total, result.framework)},
        ))
    if rep.grade is not None and rep.total is not None:
        g = grade_of(rep.total, result.framework)
        if g != rep.grade:
            findings.append(Finding(
                "GRADE_MISMATCH", "error", None,
                f"the report grades {_fmt(rep.total)} as {rep.grade}; the framework's bands give {g}",
                {"reported_grade": rep.grade, "band_grade": g},
            ))
    return findings


def _rate_span(num: float, den: float, printed: bool, difference: bool) -> tuple[float, float]:
    """The range of ``num / den`` in percent when both were printed rounded to two decimals (万元): each
    amount within ±0.005 (a difference of two printed amounts within ±0.01); an exact ratio when not printed."""
    if not printed:
        v = 100.0 * num / den
        return v, v
    en, ed = (0.01 if difference else 0.005), 0.005
    corners = [100.0 * n / d for n in (num - en, num + en) for d in (den - ed, den + ed) if d > 0]
    return (min(corners), max(corners)) if corners else (np.nan, np.nan)


def rate_readings(budget: Budget, key: str) -> list[tuple[str, float, float, float]]:
    """Every reading of measure ``key`` a stated rate may follow, as (reading, computed rate, low, high): the
    measure's own formula, the denominator the report states (``stated_bases``), and for the execution rate
    the funds received (支出/到位, 财预〔2020〕10号 附1). Low and high span the rounding of printed amounts."""
    m = MEASURES[key]
    parts = m.parts(budget) if m.parts is not None else None
    if parts is None:
        return []
    num, den = parts
    printed = m.unit == "万元" and not budget.derived
    difference = "−" in m.formula.split(" / ", 1)[0]
    cands = [(m.formula, num, den)]
    if key in budget.stated_bases:
        cands.append((f"{m.formula.split(' / ', 1)[0]} / {budget.stated_bases[key]:,.2f} (stated base)", num,
                      budget.stated_bases[key]))
    if key == "execution_rate" and budget.received:
        cands.append(("spent / received", budget.spent, budget.received))
    out = []
    for label, n, d in cands:
        if d == 0:
            continue
        lo, hi = _rate_span(n, d, printed, difference)
        out.append((label, 100.0 * n / d, lo, hi))
    return out


def rate_findings(budget: Budget | None, owner: str) -> list[Finding]:
    """Rates a report states against the rates computed from its own budget figures, at the precision each
    was printed: a finding only where no reading (the formula, a stated base, funds received) agrees within
    the rounding of the printed amounts and of the stated rate."""
    if budget is None:
        return []
    findings = []
    computed = all_measures(budget)
    for key, stated in budget.stated.items():
        if key not in MEASURES:
            continue  # validated elsewhere
        if key not in computed:
            continue
        got = computed[key]
        decimals = budget.stated_decimals.get(key, 2)
        half = 0.5 * 10 ** -decimals
        pairs = list(zip(stated, got)) if isinstance(stated, list) else [(stated, got)]
        readings = [] if isinstance(stated, list) else rate_readings(budget, key)
        for j, (s, g) in enumerate(pairs):
            if isinstance(g, list) or (isinstance(g, float) and np.isnan(g)):
                continue
            if readings:
                agrees = any(lo - 1e-9 <= s + half and hi + 1e-9 >= s - half for _, _, lo, hi in readings)
            else:
                agrees = abs(round(g, decimals) - s) <= half + 1e-9
            if not agrees:
                which = f" (item {j + 1})" if isinstance(stated, list) else ""
                tried = "; ".join(f"{label} gives {v:.2f}%" for label, v, _, _ in readings[1:])
                findings.append(Finding(
                    "RATE_MISMATCH", "error", None,
                    f"{owner}: {MEASURES[key].term} stated as {s:.{decimals}f}%{which}, but "
                    f"{MEASURES[key].formula} gives {g:.2f}%" + (f" ({tried})" if tried else ""),
                    {"measure": key, "stated": s, "computed": g, "item": j if isinstance(stated, list) else None,
                     "readings": [{"reading": label, "rate": v, "low": lo, "high": hi}
                                  for label, v, lo, hi in readings]},
                ))
    return findings


def _project(project) -> dict:
    return {"project": None if project is None else project.name,
            "project_en": None if project is None else project.name_en}


def spending_findings(budget: Budget | None, owner: str, project=None) -> list[Finding]:
    """Spending against its own budget block, beyond the rounding of amounts printed with two decimals:

    - SPENT_ABOVE_BUDGET: more spent than the adjusted budget (执行率 above 100%); a rate rule caps the rate at
      100%, so the overspending would otherwise go unnoticed in the score.
    - QUARTERLY_SPENT_MISMATCH: the cumulative spending at the end of the fourth quarter is not the year's
      spending (one of the two is mistyped, or they have different bases). Not checked when either was derived
      from stated rates (then ``RATE_MISMATCH`` says it).

    ``owner`` names the block in the message; ``project`` (a :class:`~perfkit.params.Project`) is the project it is
    the budget of, None for an evaluation's or the department's."""
    if budget is None or budget.spent is None:
        return []
    findings = []
    if budget.spent > budget.adjusted + MONEY_TOLERANCE:
        rate = 100.0 * budget.spent / budget.adjusted if budget.adjusted else None
        findings.append(Finding(
            "SPENT_ABOVE_BUDGET", "warning", None,
            f"{owner}: spent {budget.spent:,.2f} is more than the adjusted budget {budget.adjusted:,.2f} (万元)"
            + (f", an execution rate of {rate:.2f}%" if rate is not None else "")
            + "; rates above 100% score as 100%",
            {"spent": budget.spent, "adjusted": budget.adjusted, "execution_rate": rate, **_project(project)}))
    findings += yuan_findings(budget, owner, project)
    q = budget.quarterly_spent
    if q and not ({"spent", "quarterly_spent"} & budget.derived) \
            and abs(q[-1] - budget.spent) > MONEY_TOLERANCE:
        findings.append(Finding(
            "QUARTERLY_SPENT_MISMATCH", "warning", None,
            f"{owner}: cumulative spending at the end of the fourth quarter (quarterly_spent) is {q[-1]:,.2f}, but "
            f"the year's spending (spent) is {budget.spent:,.2f} (万元)",
            {"fourth_quarter": q[-1], "spent": budget.spent, **_project(project)}))
    return findings


YUAN_RATIO = 1000.0  # an amount this many times another of its block (or more) is suspect
YUAN_FIELDS = ("initial", "adjusted", "spent", "received", "carry_over")  # the block's main amounts, 万元


def yuan_findings(budget: Budget, owner: str, project=None) -> list[Finding]:
    """AMOUNT_IN_YUAN: an amount of the budget block that is a thousand times or more the adjusted budget (or the
    adjusted budget that many times the spending) while in 万元 (÷ 10,000) it would be of the others' size: most
    likely typed in 元 (38560000 beside an adjusted 4120.35). Never converted: the finding says what it would be."""
    amounts = {f: getattr(budget, f) for f in YUAN_FIELDS if f not in budget.derived}
    amounts = {f: float(v) for f, v in amounts.items() if v is not None and v > 0}
    base = amounts.get("adjusted")
    if base is None or len(amounts) < 2:
        return []
    others = {f: v for f, v in amounts.items() if f != "adjusted"}
    suspects = [f for f, v in others.items() if v >= YUAN_RATIO * base and 0.1 <= v / 1e4 / base <= 10]
    if not suspects and all(base >= YUAN_RATIO * v for v in others.values()) \
            and all(0.1 <= base / 1e4 / v <= 10 for v in others.values()):
        suspects = ["adjusted"]  # the adjusted budget itself in 元, beside the others in 万元
    out = []
    for f in suspects:
        v = amounts[f]
        ref = base if f != "adjusted" else max(others.values())
        out.append(Finding(
            "AMOUNT_IN_YUAN", "warning", None,
            f"{owner}: {f} {v:,.2f} is {v / ref:,.0f} times the block's other amounts; amounts are in 万元, and "
            f"{v:,.2f}元 would be {v / 1e4:,.2f}万元",
            {"field": f, "value": v, "times": v / ref, "as_wan": v / 1e4, **_project(project)}))
    return out


def gap_findings(result) -> list[Finding]:
    """TOTAL_NOT_GRADED: leaves that cannot be computed leave a gap in the total."""
    gap = result.gap_points
    if gap <= 0:
        return []
    graded = result.grade is not None
    return [Finding(
        "TOTAL_NOT_GRADED", "warning", None,
        f"the total {_fmt(result.total)} leaves out {gap:g} points that cannot be computed ("
        + ", ".join(result.not_computable) + ")"
        + (f"; graded {result.grade} with that gap, as the framework declares" if graded else "; it is not graded"),
        {"total": result.total, "gap": gap, "leaves": result.not_computable, "graded": graded,
         "grade": result.grade})]


def literal_findings(result) -> list[Finding]:
    """LITERAL_READING: each leaf whose literal reading scores otherwise, and the total and grade it leads to."""
    reading = literal_reading(result)
    if reading is None:
        return []
    findings = []
    for lf in reading.leaves:
        if abs(lf.change) <= TOLERANCE:
            continue
        findings.append(Finding(
            "LITERAL_READING", "warning", lf.id,
            f"{lf.name}: read literally the rule gives {_fmt(lf.literal_score)} ({lf.explanation}), not "
            f"{_fmt(lf.score)}; the total would be {_fmt(reading.literal_total)} ({reading.literal_grade}) instead of "
            f"{_fmt(reading.total)} ({reading.grade})",
            {"score": lf.score, "literal_score": lf.literal_score, "explanation": lf.explanation, "reason": lf.reason,
             "total": reading.total, "grade": reading.grade, "literal_total": reading.literal_total,
             "literal_grade": reading.literal_grade},
        ))
    return findings


# The field of the file a finding that is about no indicator is about: in the evaluation (its reported scores), or
# in the budget block the finding checked (a finding whose data names its "field" or "measure" says which).
REPORTED_FIELD = {"TOTAL_MISMATCH": ("reported", "total"), "REPORTED_SUM_MISMATCH": ("reported", "total"),
                  "GRADE_MISMATCH": ("reported", "grade"), "NO_REPORTED_SCORE": ("reported",)}
BUDGET_FIELD = {"SPENT_ABOVE_BUDGET": ("spent",), "QUARTERLY_SPENT_MISMATCH": ("quarterly_spent",),
                "HIGH_SCORE_WITHOUT_EXECUTION": ("spent",)}


def _field_of(f: Finding) -> tuple | None:
    if f.code in BUDGET_FIELD:
        return BUDGET_FIELD[f.code]
    if f.code == "RATE_MISMATCH":
        return ("stated", f.data["measure"])
    if f.code == "AMOUNT_IN_YUAN":
        return (f.data["field"],)
    return None


def _at(findings: list[Finding], located, budget_loc: tuple | None) -> list[Finding]:
    """``findings`` with :attr:`Finding.where` (``file:line``) set for those about a field the evaluation's file
    gives: its reported total or grade, or a field of the budget block at ``budget_loc`` (from the file's root;
    None: a block the file does not hold, e.g. the department's seen from an included file)."""
    out = []
    for f in findings:
        loc = None
        if f.indicator is None and f.where is None:
            if f.code in REPORTED_FIELD:
                loc = located.loc + REPORTED_FIELD[f.code]
            elif budget_loc is not None and (field := _field_of(f)) is not None:
                loc = budget_loc + field
        line = located.doc.lines.get(loc) if loc is not None else None
        out.append(replace(f, where=f"{located.file}:{line}") if line is not None else f)
    return out


def reconcile(result) -> list[Finding]:
    findings = points_findings(result.compiled.nodes, result.framework)
    findings += gap_findings(result)
    findings += leaf_findings(result)
    findings += target_findings(result)
    findings += unit_findings(result)
    findings += sum_findings(result)
    located = result.located
    own = result.evaluation.budget is not None
    owner = "the evaluation's budget" if own else "the department budget"
    # the block scored against: the evaluation's own, the department's (at the root of the department-year file),
    # or none the file holds as one (the projects' budgets combined)
    budget_loc = located.loc + ("budget",) if own else (
        ("budget",) if result.scoring_budget is result.department_budget else None)
    findings += rate_findings(result.scoring_budget, owner) + spending_findings(result.scoring_budget, owner)
    for i, p in enumerate(result.evaluation.projects):  # each project's stated rates and spending against its own
        findings += _at(rate_findings(p.budget, f"project {p.id}") + spending_findings(p.budget, f"project {p.id}", p),
                        located, located.loc + ("projects", i, "budget"))
    findings += literal_findings(result)
    return _at(findings, located, budget_loc)  # the scored budget's findings, the reported total's, the rest as given
