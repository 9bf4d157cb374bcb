"""The one home of the sentences a report states about findings, targets and target sensitivity.

Each is built from typed results — a reconciliation ``Finding``, ``TargetDiagnostic`` values and a
``TargetReport`` of ``perfkit.analysis`` — with the ``findings.*``, ``targets.*`` and ``sensitivity.*``
templates of ``report/templates/narrative.<lang>.yaml``. The report's sections and the public
functions :func:`target_sentences` and :func:`sensitivity_sentences` (used by
``notebooks/target_sensitivity.ipynb``) state them with the same code, so they say the same thing.
"""

from __future__ import annotations

import re
from typing import Any

from ..analysis.sensitivity import TargetReport
from ..analysis.targets import ALL_FLAGS, DEFAULT_THRESHOLDS, TargetDiagnostic, Thresholds, distinct
from ..core.framework import TOLERANCE, grade_of
from ..core.projects import all_targets
from ..fmt import num
from .language import Language
from .rules_text import PENALTY_TERM, rule_name
from .target_words import TargetWords
from .text import Safe, Text


class NodeNames:
    """The names of an evaluation's indicators (nodes) in a language, id → name, read once."""

    def __init__(self, result, lang: Language):
        self._names = {r["id"]: lang.name(r["name"], r["name_en"]) for r in result.node_rows}

    def __call__(self, node_id: str | None) -> str:
        if node_id is None:
            return ""
        return self._names.get(node_id, node_id)


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------

# Flag → (sentence key, item key) in the ``targets`` section of narrative.<lang>.yaml.
_FLAG_TEMPLATES = {
    "low_ambition": ("targets.low", "targets.low_item"),
    "ratchet": ("targets.ratchet", "targets.ratchet_item"),
    "equal_to_actual": ("targets.equal", "targets.equal_item"),
    "lowered_in_year": ("targets.lowered", "targets.lowered_item"),
    "not_measurable": ("targets.unmeasurable", "targets.unmeasurable_item"),
}
# Both budget flags are stated together, by one sentence per budget change.
_BUDGET_FLAGS = ("unchanged_while_budget_grew", "unchanged_while_budget_cut")
# The flags in the order their sentences come, as groups stated by one template.
_FLAG_GROUPS = tuple(dict.fromkeys(_BUDGET_FLAGS if f in _BUDGET_FLAGS else (f,) for f in ALL_FLAGS))


def target_status(d: TargetDiagnostic) -> str | None:
    """met / missed / no_actual / qualitative / not_applicable, or None for an unmeasurable target."""
    if not d.applicable:
        return "not_applicable"
    if d.met is not None:  # as scoring judges the row: a deadline, a range, a figure in a sentence
        return "met" if d.met else "missed"
    if d.target is None:
        return None if "not_measurable" in d.flags else "qualitative"
    if d.actual is None:
        return "qualitative" if d.actual_text else "no_actual"
    if d.ratio is not None and d.ratio < 1 - 1e-9:
        return "missed"
    return "met"




def actual_unit(d: TargetDiagnostic) -> str | None:
    """The unit a bare actual is printed with: the target's, unless a data warning doubts that the actual is in it
    (``d.doubt``: 130000 against "≥10万人次" is printed as written, not as 130000万人次)."""
    return None if d.doubt else d.unit


def target_item(t: Text, key: str, d: TargetDiagnostic) -> Safe:
    """One target in a list of targets (``targets.<flag>_item``, ``targets.missed_item``), with units."""
    words = TargetWords(t)
    initial = None if d.initial_target is None else words(num(d.initial_target), d.unit)
    return t(key, name=t.lang.name(d.name, d.name_en), target=words(d.target_text, d.unit),
             actual=words(d.actual_text, actual_unit(d)), prior=words(d.prior_text, d.unit), ratio=d.ratio,
             initial=initial,
             unit=d.unit or "")


def flag_sentences(t: Text, diagnostics: list[TargetDiagnostic], flags: tuple[str, ...] = ALL_FLAGS,
                   thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Safe]:
    """One sentence per flag raised (in :data:`ALL_FLAGS` order, among ``flags``) listing its targets;
    the budget flags give one sentence per budget change (diagnostics may span evaluations)."""
    out: list[Safe] = []
    for group in _FLAG_GROUPS:
        hit = [d for d in diagnostics if set(group) & set(d.flags) & set(flags)]
        if not hit:
            continue
        if group == _BUDGET_FLAGS:
            for change in dict.fromkeys(d.budget_change for d in hit):
                if change is not None:
                    n = sum(d.budget_change == change for d in hit)
                    out.append(t("targets.budget_grew", change=100.0 * change, n=n))
            continue
        key, item = _FLAG_TEMPLATES[group[0]]
        out.append(t(key, items=[target_item(t, item, d) for d in hit], threshold=thresholds.low_ambition,
                     n_scored=sum(d.source == "scored" for d in hit)))
    return out


def targets_paragraphs(t: Text, diagnostics: list[TargetDiagnostic], thresholds: Thresholds = DEFAULT_THRESHOLDS
                       ) -> list[Safe]:
    """What the report says about one evaluation's targets, paragraph by paragraph: how many were met and
    which were missed (with how many have no result); then one paragraph per flag raised."""
    diagnostics = distinct(diagnostics)  # a target written twice (scored and in the 绩效目标表) is one target
    if not diagnostics:
        return [t("targets.none")]
    status = [target_status(d) for d in diagnostics]
    first = [t("targets.summary", n=len(diagnostics),
               n_measurable=sum(d.ratio is not None or d.met is not None for d in diagnostics),
               n_met=sum(s == "met" for s in status))]
    missed = [target_item(t, "targets.missed_item", d) for d, s in zip(diagnostics, status) if s == "missed"]
    if missed:
        first.append(t("targets.missed", items=missed))
    no_actual = sum(s == "no_actual" for s in status)
    if no_actual:
        first.append(t("targets.no_actual", n=no_actual))
    return [Safe(t.lang.sentences(first))] + flag_sentences(t, diagnostics, ALL_FLAGS, thresholds)


def targets_paragraph(t: Text, diagnostics: list[TargetDiagnostic], thresholds: Thresholds = DEFAULT_THRESHOLDS
                      ) -> Safe:
    """:func:`targets_paragraphs` as one paragraph."""
    return Safe(t.lang.sentences(targets_paragraphs(t, diagnostics, thresholds)))


def target_sentences(diagnostics: list[TargetDiagnostic], lang: str = "zh", flags: tuple[str, ...] = ALL_FLAGS,
                     thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:
    """The flagged targets stated as the report states them: one sentence per flag (in
    :data:`ALL_FLAGS` order) listing its indicators, from the ``targets.*`` templates of
    ``narrative.<lang>.yaml``; ``targets.no_signals`` if nothing is flagged.

    The sentences are Markdown, as in the report. ``thresholds`` gives the low-ambition threshold the
    sentence names (use the one the diagnostics were made with). A 绩效目标表 row restating a scored leaf's
    target is stated once (:func:`~perfkit.analysis.targets.distinct`), as in the report.
    """
    t = Text(lang)
    return [str(x) for x in flag_sentences(t, distinct(diagnostics), flags, thresholds)] or \
        [str(t("targets.no_signals"))]


# --------------------------------------------------------------------------------------------
# Target sensitivity
# --------------------------------------------------------------------------------------------


JSON_DIGITS = 6  # decimals of the figures of ``perfkit targets --json`` (TargetReport.to_dict)


def as_json(x: float) -> float:
    """A sensitivity figure as ``perfkit targets --json`` gives it, so the report states the same figure
    to the last printed digit (a total of 89.994999… is 89.995 there and prints as 90.00)."""
    return round(float(x), JSON_DIGITS)


def sensitivity_statements(t: Text, report: TargetReport, names: NodeNames) -> list[Safe]:
    """The findings of a :class:`TargetReport` as the report states them (nothing without scored
    targets): the total with targets set to the actual, the uplift that changes the grade, the fewest
    corrections that change it (when the correction is to the actual, which the template says), and the
    Monte Carlo distribution."""
    m, fw = report.model, report.result.framework
    if not m.n_targets:
        return []
    grade = t.lang.grade_label
    out = []
    cf = report.counterfactuals.table.set_index("rule")
    if "actual" in cf.index:
        a = cf.loc["actual"]
        kept = report.counterfactuals.kept.get("actual", [])
        out.append(t("sensitivity.actual", total=as_json(a["total"]), change=as_json(a["change"]),
                     same=a["grade"] == m.baseline_grade, grade=grade(a["grade"], fw),
                     kept=[target_label(m, names, t.lang, i) for i in kept]))
    flip = report.grade_flip
    up = flip["flagged"] or flip["all"]
    out.append(t("sensitivity.no_flip", k_max=as_json(flip["k_max"])) if up is None else
               t("sensitivity.flip_flagged", k=as_json(up["k"]), total=as_json(up["total"]), grade=grade(up["grade"], fw),
                 below=printed_band_floor(as_json(up["total"]), up["grade"], fw),
                 flagged_only=flip["flagged"] is not None, baseline_grade=grade(m.baseline_grade, fw)))
    f = flip["fewest"]
    if f and flip["correction"] == "actual":
        out.append(t("sensitivity.flip_fewest", count=f["count"], total=as_json(f["total"]),
                     below=printed_band_floor(as_json(f["total"]), f["grade"], fw),
                     grade=grade(f["grade"], fw), indicators=[target_label(m, names, t.lang, i) for i in f["indicators"]]))
    out.append(monte_carlo_sentence(t, report))
    return out


def target_label(model, names: NodeNames, lang, target_id: str) -> str:
    """A target of the model by name in the report's language: a scored row by its leaf's name (its id is
    ``leaf`` or ``leaf/part``), a 目标表 row a leaf is scored from by the row's own name."""
    if target_id in model.ids:
        d = model.diagnostics[model.ids.index(target_id)]
        if d.source == "linked":
            return lang.name(d.name, d.name_en)
    return names(target_id.split("/")[0])


def printed_band_floor(total: float, grade: str, fw) -> float | None:
    """None when ``total`` printed to two decimals reads as ``grade``; else the lower bound of the band the
    printed figure falls in (79.996 prints as 80.00, which is 良, yet scores 中: the sentence then says
    "below 80" instead of naming a figure its grade contradicts)."""
    printed = grade_of(round(total, 2), fw)
    if printed == grade:
        return None
    return next(g.min for g in fw.grades if g.grade == printed)


def monte_carlo_sentence(t: Text, report: TargetReport) -> Safe:
    """The Monte Carlo distribution as the share of scenarios, drawn within the target intervals the
    sentence states, that keep the grade or reach each other grade (not as a probability of a grade).
    The number of draws and the seed belong to the method appendix (``method_facts``)."""
    m, fw, mc = report.model, report.result.framework, report.monte_carlo
    grade = t.lang.grade_label
    q = {k: as_json(v) for k, v in mc.summary().items()}
    targets = [f for f in mc.space.factors if f.kind == "target"]
    to_actual = [f for f in targets if f.bounds[0] == 1.0 and f.bounds[1] > 1.0]
    spread = next((1.0 - f.bounds[0] for f in targets if f not in to_actual), None)
    shares = [t("sensitivity.share", grade=grade(g, fw), p=as_json(p), kept=g == m.baseline_grade)
              for g, p in mc.probabilities.items() if p > 0]
    return t("sensitivity.monte_carlo", n_to_actual=len(to_actual), n_other=len(targets) - len(to_actual),
             spread=None if spread is None else 100.0 * spread, p50=q["p50"], p05=q["p05"], p95=q["p95"],
             shares=shares, baseline_grade=grade(m.baseline_grade, fw))


def sensitivity_sentences(report: TargetReport, lang: str = "zh") -> list[str]:
    """The findings of a :class:`TargetReport` as the report states them, from the ``sensitivity.*``
    templates of ``narrative.<lang>.yaml`` (Markdown, like the report); see :func:`sensitivity_statements`."""
    t = Text(lang)
    return [str(x) for x in sensitivity_statements(t, report, NodeNames(report.result, t.lang))]


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")


def localized_alternative(t: Text, alt: dict) -> dict:
    """An alternative reading with its label and description in the text's language: a label or
    description written in the framework in that language, else the reading's name under ``readings``
    in the templates (a label that is an id such as ``year-end``); a description in another language is
    left out (None)."""
    lang = t.lang
    label = lang.pick(alt["label"], alt.get("label_en"))
    description = lang.pick(alt.get("description"), alt.get("description_en"))
    names = t.raw("readings") if t.has("readings") else {}
    if label in names or alt["label"] in names:
        label = names.get(label) or names[alt["label"]]
    if description and not lang.translated_names and not _CJK.search(description):
        description = None  # Chinese prose quotes no English
    out = {**alt, "label": label, "description": description}
    if isinstance(alt.get("explanation"), str):  # the arithmetic names the low-target penalty in the template language
        out["explanation"] = alt["explanation"].replace(PENALTY_TERM, t.label("rules.penalty_term"))
    return out


def leaf_figure(t: Text, result, leaf_id: str | None, value) -> str:
    """A number of a scored indicator's target or actual with the indicator's unit (``inputs.unit``), as the
    language writes it ('2,920家' / '2,920 organisations'); the number alone where no unit is given."""
    leaf = next((lf for lf in result.compiled.leaves if lf.id == leaf_id), None)
    unit = getattr(leaf.inputs, "unit", None) if leaf is not None and leaf.inputs is not None else None
    return TargetWords(t)(num(value), unit)


# Findings whose sentence states the target (and actual) of an indicator.
_FIGURE_CODES = ("LATE_DEADLINE_NOT_DEDUCTED", "TARGET_COMPARATOR_CONFLICT", "QUANTITATIVE_TARGET_JUDGED",
                 "TARGET_LOWERED_TO_ACTUAL", "UNITS_DIFFER", "VALUE_LOOKS_LIKE_A_SHARE", "VALUE_WITHOUT_MAGNITUDE")


def reading_notes(t: Text, codes, value=None, unit=None) -> list[Safe]:
    """What the target grammar understood where it was unsure, one phrase per note code (``targets.notes.<code>``;
    ``perfkit.core.target_text.NOTES``)."""
    return [t(f"targets.notes.{c}", value=value, unit=unit) for c in codes if t.has(f"targets.notes.{c}")]


def reading_paragraph(t: Text, diagnostics, names=None) -> Safe | None:
    """The targets whose words were read with an assumption, and what was understood (``targets.readings``);
    None when every target said what it meant (or the file settled it)."""
    items = [t("targets.reading_item", name=t.lang.name(d.name, d.name_en), target=d.target_text or "",
               notes=reading_notes(t, d.reading_notes, d.read_value, d.unit))
             for d in diagnostics if d.reading_notes]
    return t("targets.readings", items=items) if items else None


def _row_name(lang: Language, result, name):
    """A 绩效目标表 row's name in ``lang``: the ``name_en`` of the evaluation's row of that name that gives one (the
    last, where several do)."""
    english = next((tg.name_en for tg, _ in reversed(all_targets(result.evaluation))
                    if tg.name == name and tg.name_en), None)
    return lang.name(name, english)


def finding_sentence(t: Text, result, f, names: NodeNames) -> Safe:
    """One finding in a sentence of the text's language, from its code and data (``findings.<code>``;
    its message through ``findings.generic`` for a code without a template)."""
    fw, lang = result.framework, t.lang
    data = dict(f.data)
    ctx: dict[str, Any] = {**data, "name": names(f.indicator), "message": f.message}
    code = f.code
    if isinstance(data.get("rows"), list):  # target-table rows: their English names where the parameters give them
        ctx["rows"] = [{**row, "name": _row_name(lang, result, row.get("name"))}
                       if isinstance(row, dict) else row for row in data["rows"]]
    if isinstance(data.get("row"), str):  # one target-table row named: its English name where given
        ctx["row"] = _row_name(lang, result, data["row"])
    if data.get("project"):  # a project's budget: its English name where given
        ctx["project"] = lang.name(data["project"], data.get("project_en"))
    if code == "FULL_MARKS_ON_MISSED_TARGET":  # figures with the indicator's unit
        ctx.update(target=leaf_figure(t, result, f.indicator, data["target"]),
                   actual=leaf_figure(t, result, f.indicator, data["actual"]))
    if code in _FIGURE_CODES:  # a target and an actual stated in the finding: as the language writes them
        words = TargetWords(t)
        ctx.update({k: words(data[k]) for k in ("target", "actual", "initial_target", "against")
                    if data.get(k) is not None})
    if code == "SCORE_MISMATCH":
        ctx["diff"] = data["reported"] - data["recomputed"]
        ctx["rule"] = rule_name(t, data.get("rule"))
        alts = [localized_alternative(t, a) for a in data.get("alternatives") or []]
        ctx["reproduced"] = next((a for a, raw in zip(alts, data.get("alternatives") or [])
                                  if raw["label"] == data.get("reproduced_by")), None)
        ctx["alternatives"] = [t("findings.alternative", **a) if a["score"] is not None
                               else t("findings.alternative_na", label=a["label"]) for a in alts]
    elif code == "TOTAL_MISMATCH":
        ctx["recomputed_grade"] = lang.grade_label(data.get("recomputed_grade"), fw)
        ctx["reported_grade"] = lang.grade_label(data.get("reported_total_grade"), fw)
    elif code == "GRADE_MISMATCH":
        ctx.update(total=result.reported_total, reported_grade=lang.grade_label(data.get("reported_grade"), fw),
                   band_grade=lang.grade_label(data.get("band_grade"), fw))
    elif code == "RATE_MISMATCH":
        m = t.raw("measures").get(data.get("measure"), {})
        ctx.update(measure=m.get("name", data.get("measure")), formula=m.get("formula", ""))
    elif code == "LITERAL_READING":
        ctx.update(grade=lang.grade_label(data.get("grade"), fw), literal_grade=lang.grade_label(data.get("literal_grade"), fw))
    elif code == "NOT_COMPUTABLE":
        ctx["measure_names"] = [t.raw("measures").get(m, {}).get("name", m) for m in data.get("measures", [])]
    elif code == "JUDGED_WITHOUT_MEASUREMENT":
        ctx["rule"] = rule_name(t, data.get("rule"))
        part = data.get("part")
        if part:
            leaf = next((lf for lf in result.compiled.leaves if lf.id == f.indicator), None)
            parts = getattr(leaf.rule, "parts", []) if leaf is not None else []
            ctx["part"] = next((p.name for p in parts if p.id == part), part)
    elif code == "TARGET_READING_UNSURE":
        ctx["notes"] = reading_notes(t, data.get("notes") or [], data.get("value"), data.get("unit"))
    elif code == "AMOUNT_IN_YUAN":  # the budget field's name, which the template looks its words up by: not text
        ctx["field"] = Safe(data["field"])
    key = f"findings.{code}"
    if not t.has(key):  # a code without a template: its message; a broken template raises
        return t("findings.generic", message=f.message)
    return t(key, **ctx)


def finding_counts(t: Text, counts: dict[str, int], plain: bool = False) -> str:
    """'评分与规则不一致2项；…' — findings counted by code, in clauses (``plain`` for an HTML cell)."""
    render = t.plain if plain else t
    return t.lang.clauses(render("finding_count", label=t.raw("finding_short").get(c, c), n=k)
                          for c, k in counts.items())


def rounding_note(t: Text, r) -> Safe | None:
    """Why the scores as printed (two decimals) do not add up to the total as printed, when they do not: the
    first-level rows of the levels table if theirs do not, else the scored indicators of the scoring details;
    None when both add up. A report (or a score sheet) that shows 90.67 worth of rows under a total of 90.66 says
    why (``results.rounding``)."""
    total = round(r.total, 2)
    level1 = [float(x["score"]) for x in r.node_rows if x["level"] == 1]
    leaves = [float(x["score"]) for x in r.table_rows]
    for scores, is_level1 in ((level1, True), (leaves, False)):
        if abs(sum(scores) - r.total) > 1e-6:
            continue  # not a plain sum (weights, a rescaled total): rounding is not the whole story, and not said
        shown = round(sum(round(s, 2) for s in scores), 2)
        if abs(shown - total) > TOLERANCE:
            return t("results.rounding", level1=is_level1, shown=shown, total=total, diff=abs(shown - total))
    return None


def _judgement(t: Text, d) -> str:
    words = []
    s = target_status(d)
    if s is not None:
        words.append(t.label(f"targets.status.{s}"))
    words += [t.label(f"targets.flags.{f}") for f in d.flags if t.has(f"targets.flags.{f}")]
    return t.lang.clauses(words)


TARGET_COLUMNS = ("target_name", "source", "target", "actual", "direction", "ratio", "judgement")


def target_cells(t: Text, words, d) -> dict:
    """One target as the report's table and the score sheet show it, by :data:`TARGET_COLUMNS`, in ``t``'s
    language: its name, where it comes from, the target and the actual in the report's words (``words``: a
    :class:`~perfkit.report.target_words.TargetWords` for cells), the direction, the ratio (the number, or
    None) and the judgement (status and flags)."""
    return {"target_name": t.lang.name(d.name, d.name_en),
            "source": t.label(f"targets.source.{d.source}") if t.has(f"targets.source.{d.source}") else d.source,
            "target": words(d.target_text, d.unit), "actual": words(d.actual_text, actual_unit(d)),
            "direction": t.label(f"targets.direction.{d.direction}") if d.direction and t.has(
                f"targets.direction.{d.direction}") else "—",
            "ratio": d.ratio, "judgement": _judgement(t, d)}
