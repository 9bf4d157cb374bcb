"""Sentences a report states about target diagnostics and target sensitivity, per language.

The analysis layer returns typed results (``TargetDiagnostic``, ``TargetReport``); this module states
them with the ``targets.*`` and ``sensitivity.*`` templates of ``report/templates/narrative.<lang>.yaml``.
"""

from __future__ import annotations

from ..analysis.sensitivity import TargetReport
from ..analysis.targets import ALL_FLAGS, DEFAULT_THRESHOLDS, TargetDiagnostic, Thresholds
from .text import Text


# Flag → (sentence key, item key) in the ``targets`` section of narrative.<lang>.yaml.
_FLAG_TEMPLATES = {
    "low_ambition": ("targets.low", "targets.low_item"),
    "ratchet": ("targets.ratchet", "targets.ratchet_item"),
    "equal_to_actual": ("targets.equal", "targets.equal_item"),
    "lowered_in_year": ("targets.lowered", "targets.lowered_item"),
    "not_measurable": ("targets.unmeasurable", "targets.unmeasurable_item"),
}
_BUDGET_FLAGS = ("unchanged_while_budget_grew", "unchanged_while_budget_cut")


def target_sentences(diagnostics: list[TargetDiagnostic], lang: str = "zh", flags: tuple[str, ...] = ALL_FLAGS,
                     thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:
    """The flagged targets stated as the report states them: one sentence per flag (in
    :data:`ALL_FLAGS` order) listing its indicators, from the ``targets.*`` templates of
    ``narrative.<lang>.yaml``; ``targets.no_signals`` if nothing is flagged.

    The sentences are Markdown, as in the report. ``thresholds`` gives the low-ambition threshold the
    sentence names (use the one the diagnostics were made with).
    """
    t = Text(lang)
    out: list[str] = []
    for flag in ALL_FLAGS:
        hit = [d for d in diagnostics if flag in d.flags and flag in flags]
        if not hit:
            continue
        if flag in _BUDGET_FLAGS:  # one sentence per budget change (diagnostics may span evaluations)
            for change in dict.fromkeys(d.budget_change for d in hit):
                if change is not None:
                    n = sum(d.budget_change == change for d in hit)
                    out.append(t("targets.budget_grew", change=100.0 * change, n=n))
            continue
        key, item = _FLAG_TEMPLATES[flag]
        items = [t(item, name=d.name, target=d.target_text or "—", actual=d.actual_text or "—",
                   prior=d.prior_text or "—", ratio=d.ratio, initial=d.initial_target) for d in hit]
        out.append(t(key, items=items, threshold=thresholds.low_ambition))
    return [str(x) for x in out] or [str(t("targets.no_signals"))]




def sensitivity_sentences(report: TargetReport, lang: str = "zh") -> list[str]:
    """The findings of a :class:`TargetReport` as the report states them, from the ``sensitivity.*``
    templates of ``narrative.<lang>.yaml`` (Markdown, like the report).

    Only what applies is said: nothing about counterfactuals for an evaluation without scored
    targets, nothing about a flip when no target is flagged (and the fewest corrections only when
    the correction is to the actual, which is what the template says).
    """
    t = Text(lang)
    m, out = report.model, []
    if not m.n_targets:
        return out
    grade = m.baseline_grade
    cf = report.counterfactuals.table.set_index("rule")
    if "actual" in cf.index:
        a = cf.loc["actual"]
        out.append(t("sensitivity.actual", total=float(a["total"]), change=float(a["change"]),
                     same=a["grade"] == grade, grade=a["grade"]))
    flip = report.grade_flip
    if m.flagged.any():
        up = flip["flagged"] or flip["all"]
        out.append(t("sensitivity.no_flip", k_max=flip["k_max"]) if up is None else
                   t("sensitivity.flip_flagged", k=up["k"], total=up["total"], grade=up["grade"],
                     flagged_only=flip["flagged"] is not None, baseline_grade=grade))
    f = flip["fewest"]
    if f and flip.get("correction", "actual") == "actual":
        names = dict(zip(m.ids, m.names))
        out.append(t("sensitivity.flip_fewest", count=f["count"], total=f["total"], grade=f["grade"],
                     indicators=[names.get(i, i) for i in f["indicators"]]))
    mc = report.monte_carlo
    q = mc.summary()
    possible = [(g, p) for g, p in mc.probabilities.items() if p > 0]
    out.append(t("sensitivity.monte_carlo", draws=mc.draws, seed=mc.seed, p50=q["p50"], p05=q["p05"], p95=q["p95"],
                 only_grade=possible[0][0] if possible else "",
                 probabilities=[t("sensitivity.probability", grade=g, p=p) for g, p in possible]))
    return [str(x) for x in out]
