"""The compact text summary of a department-year's target sensitivity, as ``perfkit targets`` prints it.

Wording from :data:`TEMPLATES`, numbers formatted as the reports print them (:mod:`perfkit.fmt`); the
JSON form is :func:`perfkit.analysis.sensitivity.bundle_dict`.
"""

from __future__ import annotations

from ..analysis.sensitivity.defaults import PRIOR_RULES
from ..analysis.targets import AMBITION_FLAGS
from ..core.target_text import NOTES
from ..fmt import num, pct_ratio, score

TEMPLATES = {
    "header": "{name} ({id}) {year}: target sensitivity (seed {seed}, {draws} draws, overlay {overlay}, "
              "anchor {anchor})",
    "evaluation": "== {id}: {title}",
    "total": "total {total} ({grade}){reported}",
    "reported": "; reported {total}",
    "flagged_head": "flagged targets ({n_scored} scored of {of_scored}; {n_table} in the target table of {of_table}):",
    "flagged_row": "  {id:<22} {name}  {target} -> {actual}{ratio}  [{flags}]{at_risk}",
    "ratio": "  x{ratio:.2f}",
    "at_risk": "  at risk {points}",
    "none_flagged": "no flagged targets",
    "not_measurable": "not measurable: {names}",
    "budget": "{n} targets unchanged while the budget {direction} {pct}",
    "counterfactuals": "if targets were: {items}",
    "counterfactual": "{rule} {total} ({grade})",
    "flip_k": "{what} x{k:.3f} -> {grade}",
    "flip_none": "{what}: no change up to x{k_max}",
    "flip_fewest": "fewest corrections: {count} ({ids}) -> {grade}",
    "flip_line": "grade flip: {items}",
    # Monte Carlo: the share of the scenarios, drawn within the stated target intervals, ending in each grade
    "shares": "grade in {draws} scenarios ({intervals}): {items}",
    "to_actual": "{n} targets drawn between target and actual",
    "spread": "{n} within ±{spread} of the target",
    "no_intervals": "no target varied",
    "share": "{grade} {p}",
    "distribution": "total p05 {p05}, median {p50}, p95 {p95}",
    "readings": "read with an assumption (target_value or kind settles it):",
    "reading": "  {id:<22} {name}  '{target}' as {understood} ({notes})",
}


def _num(x) -> str:
    return "-" if x is None else num(x)


def render_targets(bundle, reports, settings) -> str:
    """The readable summary of :func:`perfkit.analysis.sensitivity.analyse_bundle`'s reports: per evaluation
    the flagged targets, counterfactuals, flip, and the share of Monte Carlo scenarios ending in each grade."""
    T = TEMPLATES
    s = settings.describe()
    lines = [T["header"].format(name=bundle.department.name, id=bundle.department.id, year=bundle.year,
                                **{**s, "draws": num(s["draws"])})]
    for rep in reports:
        d = rep.to_dict()
        lines += ["", T["evaluation"].format(id=d["id"], title=d["title"])]
        reported = "" if d["reported_total"] is None else T["reported"].format(total=score(d["reported_total"]))
        lines.append(T["total"].format(total=score(d["total"]), grade=d["grade"], reported=reported))
        inds = d["indicators"]
        scored = [i for i in inds if i["source"] == "scored"]
        table = [i for i in inds if i["source"] == "target_table"]
        flagged = [i for diag, i in zip(rep.diagnostics, inds) if diag.flagged]  # indicators() keeps the order
        if flagged:
            lines.append(T["flagged_head"].format(
                n_scored=sum(i["source"] == "scored" for i in flagged), of_scored=len(scored),
                n_table=sum(i["source"] == "target_table" for i in flagged), of_table=len(table)))
            for i in flagged:
                lines.append(T["flagged_row"].format(
                    id=i["id"], name=i["name"], target=i["target_text"] or _num(i["target"]),
                    actual=i["actual_text"] or _num(i["actual"]),
                    ratio="" if i["ratio"] is None else T["ratio"].format(ratio=i["ratio"]),
                    flags=", ".join(f for f in i["flags"] if f in AMBITION_FLAGS),
                    at_risk="" if not i["score_at_risk"] else T["at_risk"].format(points=score(i["score_at_risk"]))))
        else:
            lines.append(T["none_flagged"])
        unsure = [diag for diag in rep.diagnostics if diag.reading_notes]
        if unsure:
            lines.append(T["readings"])
            lines += [T["reading"].format(id=u.id, name=u.name, target=u.target_text, understood=u.understood,
                                          notes="; ".join(NOTES[c] for c in u.reading_notes).replace(
                                              "{value:g}", num(u.read_value) if u.read_value is not None else ""))
                      for u in unsure]
        vague = [i["name"] for i in inds if "not_measurable" in i["flags"]]
        if vague:
            lines.append(T["not_measurable"].format(names="; ".join(vague)))
        for flag, word in (("unchanged_while_budget_grew", "grew"), ("unchanged_while_budget_cut", "was cut")):
            hit = [i for i in rep.diagnostics if flag in i.flags]
            if hit:
                lines.append(T["budget"].format(n=len(hit), direction=word, pct=pct_ratio(abs(hit[0].budget_change))))
        lines.append(T["counterfactuals"].format(items="; ".join(
            T["counterfactual"].format(rule=c["rule"] + (f" x{num(c['k'])}" if "k" in c else ""),
                                       total=score(c["total"]), grade=c["grade"]) for c in d["counterfactuals"]
            if rep.model.has_prior or c["rule"] not in PRIOR_RULES)))  # else they repeat the total
        flip = d["grade_flip"]
        items = []
        for what in ("flagged", "all") if flagged else ("all",):  # no flagged target: nothing to raise there
            f = flip[what]
            items.append(T["flip_none"].format(what=what, k_max=num(flip["k_max"])) if f is None
                         else T["flip_k"].format(what=what, k=f["k"], grade=f["grade"]))
        if flip["fewest"]:
            items.append(T["flip_fewest"].format(count=flip["fewest"]["count"],
                                                 ids=", ".join(flip["fewest"]["indicators"]),
                                                 grade=flip["fewest"]["grade"]))
        lines.append(T["flip_line"].format(items="; ".join(items)))
        targets = [f for f in rep.monte_carlo.space.factors if f.kind == "target"]
        to_actual = [f for f in targets if f.bounds[0] == 1.0 and f.bounds[1] > 1.0]
        spread = next((1.0 - f.bounds[0] for f in targets if f not in to_actual), 0.0)
        parts = ([T["to_actual"].format(n=len(to_actual))] if to_actual else []) + (
            [T["spread"].format(n=len(targets) - len(to_actual), spread=pct_ratio(spread))] if len(targets) > len(to_actual)
            else [])
        intervals = ", ".join(parts) or T["no_intervals"]
        lines.append(T["shares"].format(draws=num(s["draws"]), intervals=intervals, items=" ".join(
            T["share"].format(grade=g, p=pct_ratio(p)) for g, p in d["grade_probabilities"].items())))
        lines.append(T["distribution"].format(**{k: score(v) for k, v in d["score_distribution"].items()}))
    return "\n".join(lines)
