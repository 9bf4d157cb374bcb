"""``perfkit targets PARAMS``: target-setting diagnostics and sensitivity of a department-year.

A thin layer: it parses arguments, calls ``perfkit.sensitivity.analyse_bundle`` and prints either a
compact summary (wording from :data:`TEMPLATES`, numbers formatted as the reports print them by
``perfkit.narrative``) or one JSON document (``--json``).
"""

from __future__ import annotations

import json
import sys

from .args import non_negative_int, positive_float, positive_int
from ..errors import ParameterError

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
    "probabilities": "grade probabilities: {items}",
    "probability": "{grade} {p}",
    "distribution": "total p05 {p05}, median {p50}, p95 {p95}",
}


def register(subparsers) -> None:
    from ..analysis.sensitivity import DEFAULT_DRAWS, DEFAULT_K, DEFAULT_SEED, OVERLAYS

    p = subparsers.add_parser(
        "targets", help="find low targets, the points that depend on them, and whether the grade survives")
    p.add_argument("params", metavar="PARAMS", help="parameters/<department>/<year>.yaml")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the summary")
    p.add_argument("--seed", type=non_negative_int, default=DEFAULT_SEED,
                   help=f"Monte Carlo seed, 0 or more (default {DEFAULT_SEED})")
    p.add_argument("--draws", type=positive_int, default=DEFAULT_DRAWS,
                   help=f"Monte Carlo draws (default {DEFAULT_DRAWS})")
    p.add_argument("--k", type=positive_float, default=DEFAULT_K,
                   help=f"multiplier of the 'scaled' counterfactual (default {DEFAULT_K:g})")
    p.add_argument("--overlay", choices=("framework", "none", *OVERLAYS), default="framework",
                   help="low-target penalty: as the framework says (default), none, or a named reading")
    p.add_argument("--anchor", choices=("computed", "reported"), default="computed",
                   help="totals as recomputed (default) or shifted to the reported total")
    p.set_defaults(func=cmd_targets)


def cmd_targets(args) -> int:
    from ..load import load
    from ..core.scoring import score_bundle
    from ..analysis.sensitivity import OVERLAYS, Settings, analyse_bundle, bundle_dict

    try:
        bundle = load(args.params)
        results = score_bundle(bundle)
    except ParameterError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        return 1
    overlay = OVERLAYS[args.overlay]() if args.overlay in OVERLAYS else args.overlay
    settings = Settings(seed=args.seed, draws=args.draws, k=args.k, overlay=overlay, anchor=args.anchor)
    reports = analyse_bundle(bundle, results, settings)
    if args.json:
        json.dump(bundle_dict(bundle, reports), sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        print()
    else:
        print(render(bundle, reports, settings))
    return 0


def _num(x) -> str:
    from ..fmt import num

    return "-" if x is None else num(x)


def render(bundle, reports, settings) -> str:
    """The readable summary: per evaluation the flagged targets, counterfactuals, flip and odds."""
    from ..fmt import num, pct_ratio, score
    from ..analysis.targets import AMBITION_FLAGS

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
        vague = [i["name"] for i in inds if "not_measurable" in i["flags"]]
        if vague:
            lines.append(T["not_measurable"].format(names="; ".join(vague)))
        for flag, word in (("unchanged_while_budget_grew", "grew"), ("unchanged_while_budget_cut", "was cut")):
            hit = [i for i in rep.diagnostics if flag in i.flags]
            if hit:
                lines.append(T["budget"].format(n=len(hit), direction=word, pct=pct_ratio(abs(hit[0].budget_change))))
        lines.append(T["counterfactuals"].format(items="; ".join(
            T["counterfactual"].format(rule=c["rule"] + (f" x{num(c['k'])}" if "k" in c else ""),
                                       total=score(c["total"]), grade=c["grade"]) for c in d["counterfactuals"])))
        flip = d["grade_flip"]
        items = []
        for what in ("flagged", "all"):
            f = flip[what]
            items.append(T["flip_none"].format(what=what, k_max=num(flip["k_max"])) if f is None
                         else T["flip_k"].format(what=what, k=f["k"], grade=f["grade"]))
        if flip["fewest"]:
            items.append(T["flip_fewest"].format(count=flip["fewest"]["count"],
                                                 ids=", ".join(flip["fewest"]["indicators"]),
                                                 grade=flip["fewest"]["grade"]))
        lines.append(T["flip_line"].format(items="; ".join(items)))
        lines.append(T["probabilities"].format(items=" ".join(
            T["probability"].format(grade=g, p=pct_ratio(p)) for g, p in d["grade_probabilities"].items())))
        lines.append(T["distribution"].format(**{k: score(v) for k, v in d["score_distribution"].items()}))
    return "\n".join(lines)
