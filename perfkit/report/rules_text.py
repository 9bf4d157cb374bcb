"""Rules in words: what a leaf's rule says (describe_rule) and the figures a score was computed from
(inputs_text, explain_leaf), in the report's language."""

from __future__ import annotations

from ..core.budget import all_measures
from ..core.compile import DRIVERS, explain
from ..fmt import pct, pts, quantity_text, score
from .text import Safe, Text, join_list


def _interval(lo: float | None, hi: float | None, lo_inc: bool, hi_inc: bool, unit: str) -> str:
    def v(x: float) -> str:
        return f"{x:g}{unit}"

    if lo is None and hi is None:
        return "—"
    if lo is None:
        return ("≤" if hi_inc else "<") + v(hi)
    if hi is None:
        return ("≥" if lo_inc else ">") + v(lo)
    return ("[" if lo_inc else "(") + v(lo) + ", " + v(hi) + ("]" if hi_inc else ")")


def measure_name(t: Text, measure: str | None) -> str:
    if not measure:
        return t.label("rules.value")
    key = measure.removeprefix("budget.")
    return str(t.raw("measures")[key]["name"]) if key in t.raw("measures") else key


def describe_rule(t: Text, rule, points: float, inputs=None, zero_if=()) -> str:
    """A rule in words, in the template language (e.g. '每项扣4分，扣完为止')."""
    fam = rule.family
    unit = "%" if (getattr(rule, "measure", None) or inputs is None or inputs.unit in (None, "%")) else inputs.unit
    if fam == "ratio":
        s = t("rules.ratio", penalty=rule.low_target_penalty is not None)
    elif fam == "inverse_ratio":
        s = t("rules.inverse_ratio")
    elif fam == "bands":
        bands = [t("rules.band", interval=Safe(_interval(b.min, b.max, b.min_inclusive, b.max_inclusive, unit)),
                   points=b.points) for b in rule.bands]
        s = t("rules.bands", measure=measure_name(t, rule.measure), bands=bands)
    elif fam == "deduct_per_item":
        s = t("rules.deduct_per_item", per_item=rule.per_item if rule.per_item is not None
              else rule.per_item_share * points)
    elif fam == "checklist":
        items = []
        for it in rule.items:
            tiers = join_list(t.language)([f"{k}{v:g}" for k, v in it.tiers.items()]) if it.tiers else ""
            items.append(t("rules.checklist_item", text=it.text, points=it.points, tiers=tiers))
        s = t("rules.checklist", items=items, points=[it.points for it in rule.items])
    elif fam == "overrun_penalty":
        s = t("rules.overrun_penalty", measure=measure_name(t, rule.measure), above=rule.direction == "above",
              threshold=rule.threshold, per_unit=rule.per_unit if rule.per_unit is not None
              else rule.per_unit_share * points)
    elif fam == "schedule_progress":
        s = t("rules.schedule_progress", schedule=rule.schedule, quarter_points=rule.quarter_points[0],
              average_points=rule.average_points, mean=rule.average == "mean_of_quarters")
    elif fam == "rate_weight":
        s = t("rules.rate_weight", measure=measure_name(t, rule.measure))
    elif fam == "base_slope":
        s = t("rules.base_slope", base=100 * rule.base, slope=100 * rule.slope, of_base=rule.slope_of == "base",
              driver=t.label(f"rules.drivers.{rule.driver}"))
    elif fam == "qualitative_tiers":
        tiers = [t("rules.tier", name=name, interval=Safe(_interval(iv.min, iv.max, iv.min_inclusive,
                                                                     iv.max_inclusive, "%")))
                 for name, iv in rule.tiers.items()]
        s = t("rules.qualitative_tiers", tiers=tiers)
    elif fam == "judgement":
        s = t("rules.judgement")
    elif fam == "sum":
        parts = []
        for p in rule.parts:
            parts.append(t("rules.part", name=p.name, points=p.points,
                           rule=Safe(describe_rule(t, p.rule, p.points, None, p.zero_if))))
        s = t("rules.sum", parts=parts)
    else:  # pragma: no cover - the schema allows no other family
        s = fam
    extra = [t("rules.zero_if", text=z.text) for z in zero_if]
    sep = "；" if t.language == "zh" else "; "
    return sep.join([s, *extra])


def _measure_value(budget, measure: str, language: str) -> str | None:
    if budget is None:
        return None
    value = all_measures(budget).get(measure.removeprefix("budget."))
    if value is None:
        return None
    return join_list(language)(pct(v) for v in value) if isinstance(value, list) else pct(value)


def _base_slope_text(row, score_value: float) -> str:
    """The arithmetic of a base-plus-slope row with its driver value."""

    a, W = row.args, row.points
    code = {v: k for k, v in DRIVERS.items()}[int(a["driver"])]
    A, B, P = a["target"], a["actual"], a["prior"]
    x = {"value": a["value"], "relative_to_target": 100.0 * (B - A) / A if A else float("nan"),
         "difference_to_target": B - A, "change_from_prior": B - P}[code] * a["sign"]
    scale = W * a["base"] if a["slope_of_base"] else W
    return f"x = {x:+.2f}; {W:g}×{a['base']:g} + {scale:g}×{a['slope']:g}×x → {score_value:.2f}"


NOT_EXPLAINED = ("judgement", "qualitative_tiers")  # rule families whose arithmetic the inputs column leaves out


def inputs_text(t: Text, result, index: int, row_scores=None) -> str:
    """What a leaf's score was computed from: target and actual, measures used, and the arithmetic.

    ``row_scores`` is ``result.compiled.row_scores()``; a caller rendering many leaves of one result
    passes it (computed once) rather than have it recomputed for each leaf.
    """

    compiled = result.compiled
    leaf = compiled.leaves[index]
    inp = leaf.inputs
    budget = result.evaluation.budget or getattr(result, "department_budget", None)
    parts: list[str] = []
    if inp is not None and inp.target is not None and inp.actual is not None:
        parts.append(t("rules.inputs.target_actual", target=quantity_text(inp.target), actual=quantity_text(inp.actual)))
    elif inp is not None and inp.actual is not None:
        parts.append(t("rules.inputs.actual", actual=quantity_text(inp.actual)))
    if inp is not None and inp.prior_actual is not None:
        parts.append(t("rules.inputs.prior", prior=quantity_text(inp.prior_actual)))
    rows = [(j, compiled.rows[j]) for j in compiled.rows_of_leaf[index]]
    sep = "；" if t.language == "zh" else "; "
    for j, r in rows:
        m = getattr(r.rule, "measure", None)
        if r.args.get("judged"):
            parts.append(t("rules.inputs.judged", score=r.args["score"]))
        elif m:
            value = _measure_value(budget, m, t.language)
            if value is not None:
                parts.append(t("rules.inputs.measure", name=measure_name(t, m), value=value))
    explained = [(j, r) for j, r in rows if r.family not in NOT_EXPLAINED]
    if explained and row_scores is None:
        row_scores = compiled.row_scores()
    expl = []
    for j, r in explained:
        body = _base_slope_text(r, float(row_scores[j])) if r.family == "base_slope" else explain(r, float(row_scores[j]))
        part = next((p.name for p in getattr(leaf.rule, "parts", []) if p.id == r.part), r.part)
        expl.append((f"{part}: " if r.part and len(rows) > 1 else "") + body)
    if leaf.zero:
        expl.append("→ 0")
    text = sep.join(parts)
    if expl:
        text = (text + sep if text else "") + sep.join(expl)
    return text or "—"


def explain_leaf(result, leaf_id: str, language: str = "en") -> dict[str, str]:
    """One scored indicator in words: its rule, the inputs and arithmetic, the score and the reported one.

    Plain text (no Markdown escaping): the notebooks show it in a table.
    """
    t = Text(language, escape=False)
    index = next(i for i, lf in enumerate(result.compiled.leaves) if lf.id == leaf_id)
    leaf = result.compiled.leaves[index]
    row = result.table.iloc[index]
    name = leaf.node.indicator.name_en if language == "en" and leaf.node.indicator.name_en else leaf.node.indicator.name
    return {"indicator": name, "points": pts(row["points"]),
            "rule": describe_rule(t, leaf.rule, row["points"], leaf.inputs, leaf.node.indicator.zero_if),
            "inputs": inputs_text(t, result, index), "score": score(row["score"]),
            "reported": score(row["reported_score"])}
