"""Rules in words: what a leaf's rule says (describe_rule) and the figures a score was computed from
(inputs_text, explain_leaf), in the report's language."""

from __future__ import annotations

from ..core.budget import all_measures
from ..fmt import pct, pts, quantity_text, score
from ..rules import REGISTRY, family
from ..rules.base import Label, Listed, MeasureName, Phrase, RuleWords, Verbatim
from .language import Language
from .target_words import TargetWords
from .text import Safe, Text


def measure_name(t: Text, measure: str | None) -> str:
    if not measure:
        return t.label("rules.value")
    key = measure.removeprefix("budget.")
    return str(t.raw("measures")[key]["name"]) if key in t.raw("measures") else key


def rule_name(t: Text, name: str | None) -> str | None:
    """A rule family's name in prose (``rules.<family>.name``: 正向比率 / ratio-to-target); any other name as given."""
    return t.label(f"rules.{name}.name") if name in REGISTRY else name


def describe_rule(t: Text, rule, points: float, inputs=None, zero_if=()) -> str:
    """A rule in words, in the template language (e.g. '每项扣4分，扣完为止'): the family says which
    ``rules.`` template and with what; this renders it."""
    unit = "%" if (getattr(rule, "measure", None) or inputs is None or inputs.unit in (None, "%")) else inputs.unit
    s = _render(t, family(rule.family).describe(rule, points, unit), inputs)
    extra = [t("rules.zero_if", text=z.text) for z in zero_if]
    return t.lang.clauses([s, *extra])


def _render(t: Text, value, inputs=None):
    """A family's words (perfkit.rules.base: Phrase and its markers) in the template language; ``inputs``
    are the indicator's (a part of a composite is described with its own, for their unit)."""
    if isinstance(value, Phrase):
        # a family's entry is {name, text}; other keys (band, tier, part …) are phrases its text uses
        key = f"rules.{value.key}.text" if value.key in REGISTRY else f"rules.{value.key}"
        return t(key, **{k: _render(t, v, inputs) for k, v in value.context.items()})
    if isinstance(value, Verbatim):
        return Safe(value.text)
    if isinstance(value, MeasureName):
        return measure_name(t, value.measure)
    if isinstance(value, Label):
        return t.label(f"rules.{value.key}")
    if isinstance(value, Listed):
        return t.lang.join_list(list(value.items))
    if isinstance(value, RuleWords):
        parts = getattr(inputs, "parts", None) or {}
        return Safe(describe_rule(t, value.rule, value.points, parts.get(value.part), value.zero_if))
    if isinstance(value, list):
        return [_render(t, v, inputs) for v in value]
    return value


def _measure_value(budget, measure: str, language: str) -> str | None:
    if budget is None:
        return None
    value = all_measures(budget).get(measure.removeprefix("budget."))
    if value is None:
        return None
    return Language.of(language).join_list(pct(v) for v in value) if isinstance(value, list) else pct(value)


# The low-target penalty as the families' arithmetic writes it (perfkit.rules.ratio), said in each language.
PENALTY_TERM = "偏离度"

# Rule families whose arithmetic the inputs column leaves out (an evaluator's score).
NOT_EXPLAINED = tuple(name for name, fam in REGISTRY.items() if not fam.explained)


def _part_prefix(t: Text, leaf, row, n_rows: int) -> str:
    """'<part name>: ' before what one part of a composite leaf was computed from; '' for a leaf of one row."""
    if not row.part or n_rows <= 1:
        return ""
    part = next((t.lang.name(p.name, getattr(p, "name_en", None)) for p in getattr(leaf.rule, "parts", [])
                 if p.id == row.part), row.part)
    return f"{part}: "


def inputs_text(t: Text, result, index: int, row_scores=None) -> str:
    """What a leaf's score was computed from: target and actual, measures used, and the arithmetic.

    ``row_scores`` is ``result.compiled.row_scores()``; a caller rendering many leaves of one result
    passes it (computed once) rather than have it recomputed for each leaf.
    """

    compiled = result.compiled
    leaf = compiled.leaves[index]
    inp = leaf.inputs
    budget = result.scoring_budget
    parts: list[str] = []
    words = TargetWords(t)
    unit = getattr(inp, "unit", None)
    if inp is not None and inp.target is not None and inp.actual is not None:
        parts.append(t("rules.inputs.target_actual", target=words(quantity_text(inp.target), unit),
                       actual=words(quantity_text(inp.actual), unit)))
    elif inp is not None and inp.actual is not None:
        parts.append(t("rules.inputs.actual", actual=words(quantity_text(inp.actual), unit)))
    if inp is not None and inp.prior_actual is not None:
        parts.append(t("rules.inputs.prior", prior=words(quantity_text(inp.prior_actual), unit)))
    rows = [(j, compiled.rows[j]) for j in compiled.rows_of_leaf[index]]
    for j, r in rows:
        m = getattr(r.rule, "measure", None)
        if r.linked:  # scored from the target table: the count derived from the rows, with their names
            parts.append(t("rules.inputs.linked", measured=sum(x.met is not None for x in r.linked),
                           missed=[t.lang.name(x.name, x.name_en) for x in r.linked if x.met is False],
                           unknown=[t.lang.name(x.name, x.name_en) for x in r.linked if x.met is None]))
        if r.args.get("judged"):
            parts.append(t("rules.inputs.judged", score=r.args["score"]))
        elif r.family in NOT_EXPLAINED and "score" in r.args:  # the evaluator's own score, and the tier it names
            parts.append(_part_prefix(t, leaf, r, len(rows))
                         + t("rules.inputs.evaluator", score=r.args["score"], tier=r.args.get("tier")))
        elif m:
            value = _measure_value(budget, m, t.language)
            if value is not None:
                parts.append(t("rules.inputs.measure", name=measure_name(t, m), value=value))
    explained = [(j, r) for j, r in rows if r.family not in NOT_EXPLAINED]
    if explained and row_scores is None:
        row_scores = compiled.row_scores()
    expl = []
    for j, r in explained:
        body = family(r.family).words(r.args, r.points, float(row_scores[j]))
        body = body.replace(PENALTY_TERM, t.label("rules.penalty_term"))  # the overlay's term in the arithmetic
        expl.append(_part_prefix(t, leaf, r, len(rows)) + body)
    if leaf.zero:
        expl.append("→ 0")
    return t.lang.clauses(parts + expl) or "—"


def explain_leaf(result, leaf_id: str, language: str = "en") -> dict[str, str]:
    """One scored indicator in words: its rule, the inputs and arithmetic, the score and the reported one.

    Plain text (no Markdown escaping): the notebooks show it in a table.
    """
    t = Text(language, escape=False)
    index = next(i for i, lf in enumerate(result.compiled.leaves) if lf.id == leaf_id)
    leaf = result.compiled.leaves[index]
    row = result.table.iloc[index]
    name = t.lang.pick(leaf.node.indicator.name, leaf.node.indicator.name_en)
    return {"indicator": name, "points": pts(row["points"]),
            "rule": describe_rule(t, leaf.rule, row["points"], leaf.inputs, leaf.node.indicator.zero_if),
            "inputs": inputs_text(t, result, index), "score": score(row["score"]),
            "reported": score(row["reported_score"])}
