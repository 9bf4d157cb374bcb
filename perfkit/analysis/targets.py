"""Target-setting diagnostics (目标设置): how ambitious each target was, read from the figures.

This module owns the *diagnosis* of targets; ``perfkit.analysis.sensitivity`` owns what the targets are worth
(rescoring). It looks at two kinds of target-based indicator:

* scored rows with a numeric target (ratio, inverse ratio, base-plus-slope with a target driver), as
  compiled by ``perfkit.scoring`` — the figures are exactly the ones the score was computed from;
* every row of an evaluation's ``targets:`` list (绩效目标表), which is evidence and is not scored.

For each it gives the ambition ratio (实际完成值 / 年度指标值, inverted for lower-is-better targets)
and these flags:

``low_ambition``                the actual exceeds the target by the ratio threshold or more
``ratchet``                     the target is below what was already achieved the year before
``equal_to_actual``             target and actual agree to many significant digits (written from it)
``lowered_in_year``             an in-year change moved the target toward the actual
``not_measurable``              the target holds no number ("显著提升")
``unchanged_while_budget_grew`` the budget behind it grew sharply and the target stayed put
``unchanged_while_budget_cut``  the budget was cut sharply and the target stayed put (and was met)

Thresholds are a :class:`Thresholds` value whose docstring gives each default and why. The sentences
a report states about the flags are built in ``perfkit.report.sentences``.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from ..core.budget import measure
from ..core.projects import all_targets
from ..core.unit_checks import leaf_slip, row_slip
from ..core.target_rows import RowReading, read_row, reading_of_leaf, reading_of_row, rows_for
from ..core.result import budget_for_targets
from ..fmt import quantity_text
from ..params import Budget, IndicatorInput, PerformanceTarget
from ..rules import family
from ..core.quantity import Quantity, direction_of, parse_quantity
from ..core.target_text import describe, met as reading_met

# Flags that say the target itself was set low; the budget flags describe its context.
AMBITION_FLAGS = ("low_ambition", "ratchet", "equal_to_actual", "lowered_in_year")
ALL_FLAGS = AMBITION_FLAGS + ("not_measurable", "unchanged_while_budget_grew", "unchanged_while_budget_cut")

# Words that say a row does not apply (附件2 "不适用"); such rows are listed but never flagged.
NOT_APPLICABLE = ("不适用", "不涉及", "无")


@dataclass(frozen=True)
class Thresholds:
    """Where a diagnostic starts to flag. Each default and its reason:

    ``low_ambition = 1.3``
        Flag when the actual is at least 1.3× the target (direction-aware). The smallest overshoot a
        published third-party evaluation counted against a target is 11 → 15 (×1.36, Shenzhen fund A21,
        which also named 200 → 329, ×1.65). The self-evaluations name smaller ones (110 → 119, ×1.08),
        but overshoots under 30% are within ordinary forecasting error for counts and rates, and
        flagging them would bury the 5×–8× cases (130亿 → 654亿, 21000 → 169161).
    ``ratchet_tolerance = 0.0``
        A target below last year's actual by any margin is a ratchet: 金融业增加值占GDP ≥13% after a
        13.6% year is 4% below and is exactly the case the design names, so no slack is allowed.
    ``equal_min_digits = 3``
        Target equal to actual counts as written-from-the-actual only with three or more significant
        digits. One- and two-digit counts and round rates (2家, 12个, 100%) are routinely planned and
        met exactly; agreement in three digits or more (117家, 117.610734万元) is unlikely by chance.
    ``equal_rel_tol = 1e-9``
        Equality is numeric equality up to floating-point noise, not "close".
    ``budget_change = 0.20``
        A budget change of 20% or more (adjusted against initial) is "sharp": it is the size of the
        in-year changes the seeds show (Shenzhen department +27.8%, Beijing S11/S18/S23 about −40%,
        S19 −21.6%), while routine adjustments stay within a few percent.
    """

    low_ambition: float = 1.3
    ratchet_tolerance: float = 0.0
    equal_min_digits: int = 3
    equal_rel_tol: float = 1e-9
    budget_change: float = 0.20


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class TargetDiagnostic:
    """One target-based indicator and what its figures say about the target.

    ``target``, ``actual``, ``prior_actual`` and ``initial_target`` are numbers on the target's unit
    scale (None when absent or not numeric); the ``*_text`` fields keep the report's words.
    ``row`` is the index into ``Compiled.rows`` for a scored row, None for a 绩效目标表 row; for a
    ``linked`` row (a 绩效目标表 row a table-scored leaf is scored from, :func:`diagnose_linked`) it is the
    leaf's compiled row and ``position`` the row's place among that row's linked rows.
    """

    id: str
    name: str
    source: str  # "scored" or "target_table"
    indicator: str | None  # the scored leaf it is (scored) or feeds (target table)
    row: int | None
    direction: str | None
    unit: str | None
    target_text: str | None
    actual_text: str | None
    prior_text: str | None
    target: float | None
    actual: float | None
    prior_actual: float | None
    initial_target: float | None
    ratio: float | None
    flags: tuple[str, ...]
    applicable: bool = True
    budget_change: float | None = None
    points: float | None = None
    category: tuple[str, ...] = field(default_factory=tuple)
    name_en: str | None = None  # the English name where the parameters give one (English reports use it)
    project: str | None = None  # the evaluation's project the row belongs to (``Evaluation.projects``)
    movable: bool = True  # sensitivity may make the target more ambitious (see ``can_be_more_ambitious``)
    position: int | None = None  # a ``linked`` row: its place among the linked rows of compiled row ``row``
    # What doubts the actual's scale: a data warning (VALUE_LOOKS_LIKE_A_SHARE, VALUE_WITHOUT_MAGNITUDE;
    # ``perfkit.core.unit_checks``) or the reading note per_period_unstated (a target each month against a figure
    # that does not say its period): the actual is shown but no ratio or flag is read from it.
    doubt: str | None = None
    reading_notes: tuple[str, ...] = ()  # where the target grammar was unsure: the codes of its notes (NOTES)
    understood: str | None = None  # what the grammar understood, where it was unsure (``target_text.describe``)
    read_value: float | None = None  # the figure it read, where it was unsure
    met: bool | None = None  # whether it was met, as scoring judges the row (a deadline has no ratio); None: unknown

    @property
    def flagged(self) -> bool:
        """True when a flag says the target itself was set low (see AMBITION_FLAGS)."""
        return any(f in AMBITION_FLAGS for f in self.flags)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("name_en")  # a report's concern; the JSON keeps the name as written
        d["flags"] = list(self.flags)
        d["category"] = list(self.category)
        if d["project"] is None:  # only evaluations of several projects say which one a row belongs to
            del d["project"]
        if d["position"] is None:
            del d["position"]
        d["reading_notes"] = list(self.reading_notes)
        return d


# --------------------------------------------------------------------------------------------
# Small readers
# --------------------------------------------------------------------------------------------

_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")


def significant_digits(raw) -> int:
    """Significant digits of the first number in a value as written (117.610734 → 9, 100% → 1)."""
    if raw is None or isinstance(raw, bool):
        return 0
    text = repr(float(raw)).removesuffix(".0") if isinstance(raw, (int, float)) else str(raw)
    m = _NUM.search(text)
    if not m:
        return 0
    s = m.group(0).replace(",", "")
    if "." in s:
        return len(s.replace(".", "").lstrip("0"))
    return len(s.lstrip("0").rstrip("0")) or 1


def _text(raw) -> str | None:
    """A value as the report writes it: words kept, numbers exact (10819.42, 1,234,567)."""
    return None if raw is None else quantity_text(raw)


_DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月(?:底|份|末|前|\d)|[一二三四]季度|上半年|下半年")
_DIGIT = re.compile(r"\d")

# The longest text read as a quantity; longer cells are sentences (see ``read_number``).
MAX_QUANTITY_CHARS = 14


def read_number(raw) -> tuple[float | None, bool]:
    """The number a 目标表 cell states, and whether it states one at all.

    Returns ``(value, has_number)``. A short cell is a quantity as written ("≥130亿", "不少于10家",
    "十名以内", "117.610734万元"). A longer cell is a sentence whose numbers may be anything ("进一步"
    parses as 1, "每月…1份" is a rate), so its number is not used — the parameter file gives
    ``target_value`` / ``actual_value`` where a sentence holds the figure — but a sentence with digits
    still *has* a number and is not reported as unmeasurable. Dates and deadlines ("2022年1月完成",
    "上半年") are milestones, not quantities: no value, but measurable.
    """
    if raw is None:
        return None, False
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw), True
    text = str(raw).strip()
    if _DATE.search(text):
        return None, True
    q = parse_quantity(text)
    if not q.measurable:
        return None, False
    if len(text) <= MAX_QUANTITY_CHARS:
        return q.value, True
    return None, bool(_DIGIT.search(text))


def _on_scale(raw, ref: Quantity, unit: str | None) -> float | None:
    """A value on the target's scale: rescaled by magnitude words only when no unit is given,
    as ``perfkit.scoring`` does for target and actual."""
    value, _ = read_number(raw)
    if value is None:
        return None
    q = parse_quantity(raw)
    return value if unit is not None or not ref.measurable else q.comparable(ref)


def _applicable(raw) -> bool:
    return not (isinstance(raw, str) and raw.strip() in NOT_APPLICABLE)


def ambition_ratio(target: float | None, actual: float | None, direction: str | None) -> float | None:
    """Actual over target, inverted for lower-is-better (``negative``) targets; None if undefined.

    ``equal`` targets are read like positive ones: 42 → 49 against "=42家" is a ratio of 1.17.
    """
    if target is None or actual is None or direction == "qualitative":
        return None
    num, den = (target, actual) if direction == "negative" else (actual, target)
    if den == 0 or not math.isfinite(num) or not math.isfinite(den):
        return None
    return num / den


def budget_change(budget: Budget | None) -> float | None:
    """Relative change of the adjusted budget against the initial one (0.278 = +27.8%).

    This is ``budget.adjustment_rate`` (预算调整率) as a fraction; None where it is undefined (no
    budget, no initial figure, or an initial figure of 0).
    """
    if budget is None or budget.initial is None or not budget.initial:
        return None
    change = measure(budget, "budget.adjustment_rate") / 100.0
    return change if math.isfinite(change) else None


def _flags(target, actual, prior, initial, direction, unit, target_raw, measurable, applicable,
           change, th: Thresholds, category=()) -> tuple[list[str], float | None]:
    """The flags of one target and its ambition ratio.

    The budget flags apply to quantities that money buys: targets that are met or not yet known,
    higher-is-better, not rates (unit %) and not cost rows (category 成本), whose targets follow the
    budget by construction. A target is taken as unchanged unless an ``initial_target`` shows a change.
    """
    flags: list[str] = []
    if not applicable:
        return flags, None
    if not measurable:
        return ["not_measurable"], None
    ratio = ambition_ratio(target, actual, direction)
    if ratio is not None and ratio >= th.low_ambition:
        flags.append("low_ambition")
    if prior is not None and target is not None and direction != "qualitative":
        if direction == "negative":
            below = target > prior * (1 + th.ratchet_tolerance) if prior >= 0 else target > prior
        else:
            below = target < prior * (1 - th.ratchet_tolerance) if prior >= 0 else target < prior
        if below:
            flags.append("ratchet")
    if target is not None and actual is not None:
        if (abs(target - actual) <= th.equal_rel_tol * max(abs(target), abs(actual), 1e-300)
                and significant_digits(target_raw) >= th.equal_min_digits):
            flags.append("equal_to_actual")
    if initial is not None and target is not None and actual is not None and initial != target:
        easier = target > initial if direction == "negative" else target < initial
        if easier and abs(target - actual) < abs(initial - actual):
            flags.append("lowered_in_year")
    unchanged = initial is not None and initial == target  # only where the file shows the target before
    scales_with_money = (direction in ("positive", "equal", None) and not (unit and "%" in unit)
                         and not any("成本" in c for c in category))
    if change is not None and unchanged and scales_with_money and target is not None:  # 目标未变, shown
        if change >= th.budget_change:
            flags.append("unchanged_while_budget_grew")
        elif change <= -th.budget_change and (ratio is None or ratio >= 1):
            flags.append("unchanged_while_budget_cut")
    return flags, ratio


# --------------------------------------------------------------------------------------------
# Diagnosis
# --------------------------------------------------------------------------------------------


def _row_inputs(compiled, row) -> IndicatorInput | None:
    inputs = compiled.leaves[row.leaf].inputs
    if row.part is not None:
        inputs = ((inputs.parts or {}) if inputs is not None else {}).get(row.part)
    return inputs


def _row_direction(row, inputs: IndicatorInput | None) -> str:
    if inputs is not None and inputs.direction in ("positive", "negative", "equal"):
        return inputs.direction
    if family(row.family).lower_is_better(row.args):
        return "negative"
    return "positive"


BUDGET_PROJECT_WORDS = ("预算安排项目", "项目完成", "项目数")


def can_be_more_ambitious(direction: str | None, target: float | None, unit: str | None, name: str,
                          ceiling: bool, override: bool | None) -> bool:
    """Whether sensitivity may move a target toward more ambition (``scaled``, the grade flip, Monte Carlo).

    Not a spending ceiling (the budget itself), not a rate already at 100% (higher is better), not a count of
    the budget's own projects (项目完成及时性: the projects planned are what the budget funds). ``override``
    (the row's ``ambitious`` field), when given, decides."""
    if override is not None:
        return override
    if ceiling:
        return False
    if direction != "negative" and target is not None and unit and "%" in unit and target >= 100:
        return False
    if any(w in name for w in BUDGET_PROJECT_WORDS):
        return False
    return True


def diagnose_scored(result, budget: Budget | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
                    ) -> list[TargetDiagnostic]:
    """Diagnostics of the scored rows with a numeric target (``Compiled.target_rows``); ``budget`` as
    in :func:`diagnose`."""
    compiled = result.compiled
    change = budget_change(_target_budget(result, budget))
    out = []
    for i in compiled.target_rows:
        row = compiled.rows[int(i)]
        inputs = _row_inputs(compiled, row)
        leaf = compiled.leaves[row.leaf]
        target, actual = float(row.args["target"]), float(row.args["actual"])
        direction = _row_direction(row, inputs)
        unit = inputs.unit if inputs is not None else None
        t_raw = inputs.target if inputs is not None else target
        qt = parse_quantity(t_raw)
        prior = _on_scale(inputs.prior_actual, qt, unit) if inputs is not None else None
        doubt = "VALUE_LOOKS_LIKE_A_SHARE" if row.part is None and leaf.counted and \
            leaf_slip(inputs, target, actual) else None  # as unit_findings tests the leaf
        flags, ratio = _flags(target, None if doubt else actual, prior, None, direction, unit, t_raw, True, True,
                              change, thresholds, leaf.node.names[:-1])
        q_unit = unit or qt.unit
        movable = can_be_more_ambitious(direction, target, q_unit, leaf.node.indicator.name,
                                        "target" not in family(row.family).targets,
                                        getattr(inputs, "ambitious", None))
        unsure = reading_of_leaf(leaf.node.names, inputs) if row.part is None else None
        out.append(TargetDiagnostic(
            **_unsure(unsure),
            id=leaf.id + (f"/{row.part}" if row.part else ""),
            name=leaf.node.indicator.name,
            name_en=leaf.node.indicator.name_en,
            source="scored",
            indicator=leaf.id,
            row=int(i),
            direction=direction,
            unit=unit,
            target_text=_text(t_raw),
            actual_text=_text(inputs.actual if inputs is not None else actual),
            prior_text=_text(inputs.prior_actual if inputs is not None else None),
            target=target,
            actual=actual,
            prior_actual=prior,
            initial_target=None,
            ratio=ratio,
            flags=tuple(flags),
            budget_change=change,
            points=row.points,
            category=tuple(leaf.node.names[:-1]),
            movable=movable,
            doubt=doubt,
        ))
    return out


# Kinds of a linked row that sensitivity rescores: a figure a factor can scale. Dates move by months, not by a
# factor, and their lateness is not rescored; words have no figure.
RESCORED_KINDS = ("quantity", "rate", "ceiling", "duration", "growth")


def diagnose_linked(result, budget: Budget | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
                    ) -> list[tuple[TargetDiagnostic, RowReading]]:
    """The 绩效目标表 rows that table-scored leaves (target_completion, target_deduct, target_share, milestone)
    are scored from, as targets sensitivity can move: one ``(diagnostic, reading)`` per linked row with a
    measurable target and actual of a kind in :data:`RESCORED_KINDS`, in compiled-row order.

    The diagnostic's ``source`` is ``linked``, ``row`` the leaf's compiled row and ``position`` the row's place
    among its linked rows; ``target`` is the figure the target names (the bound of a ≥ or ≤, a range's lower
    end) and ``actual`` the actual on its scale, as scoring read them (``perfkit.core.target_rows``). The flags
    are those of :func:`diagnose_target`. ``movable`` is :func:`can_be_more_ambitious`, and false as well for
    a decline or any target of 0 or less (a factor would not make it more ambitious) and for a row whose
    ``ambitious`` is false; ``ambitious: true`` decides for the rest."""
    compiled = result.compiled
    targets = list(getattr(result.evaluation, "targets", None) or [])
    change = budget_change(_target_budget(result, budget))
    out = []
    for j, row in enumerate(compiled.rows):
        if not row.linked or not family(row.family).table_scored:
            continue
        leaf = compiled.leaves[row.leaf]
        readings = {rr.id: rr for rr in rows_for(targets, leaf.id, getattr(row.rule, "year", None))}
        for k, lr in enumerate(row.linked):
            rr = readings.get(lr.id)
            if rr is None or lr.met is None or rr.target.kind not in RESCORED_KINDS or rr.actual_number is None:
                continue
            r = rr.target
            direction = "negative" if (r.direction == "negative" or r.kind == "ceiling") else (
                r.direction if r.direction == "equal" else "positive")
            target = r.hi if direction == "negative" else r.value
            if target is None or not math.isfinite(target):
                continue
            unit = rr.row.unit or r.unit_text
            base = diagnose_target(rr.row, rr.index, change, thresholds)
            movable = target > 0 and can_be_more_ambitious(
                direction, target, unit, rr.row.name, r.kind == "ceiling", rr.row.ambitious)
            out.append((replace(
                base, source="linked", indicator=leaf.id, row=j, position=k, direction=direction, unit=unit,
                target=target, actual=float(rr.actual_number),
                ratio=None if base.doubt else ambition_ratio(target, float(rr.actual_number), direction),
                points=row.points,
                movable=bool(movable)), rr))
    return out


def _unsure(reading) -> dict:
    """The ``reading_notes``, ``understood`` and ``read_value`` of a diagnostic from the grammar's reading of its
    target (None: the file settles it, or there is none)."""
    if reading is None or not reading.notes:
        return {}
    return {"reading_notes": reading.note_codes, "understood": describe(reading), "read_value": reading.value}


def diagnose_target(t: PerformanceTarget, index: int = 0, change: float | None = None,
                    thresholds: Thresholds = DEFAULT_THRESHOLDS) -> TargetDiagnostic:
    """Diagnostic of one 绩效目标表 row (not scored)."""
    qt = parse_quantity(t.target)
    applicable = _applicable(t.target)
    rr = read_row(t, index) if applicable else None  # as scoring reads it: the notes and whether it was met
    codes = set(rr.target.note_codes) if rr is not None else set()
    # "不低于上年" with last year's actual given (the figure is that actual), a target each month against the
    # year's total (the total divided by 12): the figures as scoring compares them
    prior_level = "prior_level" in codes and rr.target.measurable
    by_row = prior_level or bool(codes & {"per_period_total", "per_period_converted", "growth_from_prior"})
    if by_row:
        target, measurable = rr.target.value, True
    elif t.target_value is not None:
        target, measurable = t.target_value, True
    elif t.direction == "qualitative":  # the file says the target is words: its digits are not a target
        target, measurable = None, bool(_DIGIT.search(str(t.target)))
    else:
        target, measurable = read_number(t.target)
    if t.actual_value is not None:
        actual = t.actual_value
    elif by_row:
        actual = rr.actual_number
    elif t.actual is not None and _applicable(t.actual):
        actual = _on_scale(t.actual, qt, t.unit)
    else:
        actual = None
    prior = _on_scale(t.prior_actual, qt, t.unit) if t.prior_actual is not None else None
    initial = _on_scale(t.initial_target, qt, t.unit) if t.initial_target is not None else None
    direction = t.direction or (rr.target.direction if prior_level else direction_of(qt)) or (
        "positive" if target is not None else None)
    if direction == "qualitative" and target is not None:
        direction = direction_of(qt) or "positive"
    slip = row_slip(t, rr) if rr is not None else None
    # a data warning on the actual's magnitude, or "每月2次" against "30次" (the period of the 30 is not said)
    doubt = slip[0] if slip else "per_period_unstated" if "per_period_unstated" in codes else None
    unit = t.unit or (rr.target.unit_text if prior_level else qt.unit)
    growth = rr is not None and rr.target.kind == "growth"  # a change: last year's level is not its ratchet
    flags, ratio = _flags(target, None if doubt else actual, None if growth else prior, initial, direction, unit,
                          t.target_value if t.target_value is not None else t.target,
                          measurable, applicable, change, thresholds, t.category)
    return TargetDiagnostic(
        **_unsure(reading_of_row(t, index, rr) if rr is not None else None),
        met=_row_met(rr) if rr is not None else None,
        id=t.id or f"target-{index + 1}",
        name=t.name,
        source="target_table",
        indicator=t.indicator,
        row=None,
        direction=direction,
        unit=unit,
        target_text=_text(t.target),
        actual_text=_text(t.actual),
        prior_text=_text(t.prior_actual),
        target=target,
        actual=actual,
        prior_actual=prior,
        initial_target=initial,
        ratio=ratio,
        flags=tuple(flags),
        applicable=applicable,
        budget_change=change,
        category=tuple(t.category),
        name_en=t.name_en,
        doubt=doubt,
    )


def _row_met(rr: RowReading) -> bool | None:
    """Whether a 绩效目标表 row was met, as the target grammar reads its target and actual and as scoring judges it
    (:func:`~perfkit.core.target_rows.read_row`): a deadline by its dated actual ("2024年10月底前" against
    "2024年11月"), a range by an actual inside it, a figure by an actual written in a sentence; None when either
    is not measurable."""
    if rr.actual_number is None or not rr.target.measurable:
        return None
    return reading_met(rr.target, rr.actual_number)


def _target_budget(result, department_budget: Budget | None) -> Budget | None:
    """``result.target_budget``, or the same choice with another department-year budget given."""
    if department_budget is None:
        return result.target_budget
    return budget_for_targets(result.evaluation, department_budget)


def diagnose(result, budget: Budget | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
             ) -> list[TargetDiagnostic]:
    """Every target-based indicator of a scored evaluation: scored rows first, then the 绩效目标表.

    Targets are compared with ``result.target_budget`` (the evaluation's own budget; the department's
    for a department-overall evaluation). ``budget``, when given, is a department-year budget used in
    place of the one the result was scored with (``result.department_budget``).
    """
    change = budget_change(_target_budget(result, budget))
    scored = diagnose_scored(result, budget, thresholds)
    table = []
    for i, (t, project) in enumerate(all_targets(result.evaluation)):  # a project's row: its own budget
        own = change if project is None or project.budget is None else budget_change(project.budget)
        d = diagnose_target(t, i, own, thresholds)
        table.append(d if project is None else replace(d, project=project.id))
    return scored + table


def distinct(diagnostics: list[TargetDiagnostic]) -> list[TargetDiagnostic]:
    """``diagnostics`` less the 绩效目标表 rows that restate a scored leaf's own target: a row linked to the leaf
    (``indicator``) with the same target and actual, in figures (≤1600元/人·年 and ≤1600元 are one target) or,
    where either is not a figure, in words. Such a row is the same target written twice; counted twice, a report
    would say eight targets were missed where four were. Order is kept."""
    def key(d: TargetDiagnostic) -> tuple:
        figures = d.target is not None and d.actual is not None
        return (d.indicator, "figures", d.target, d.actual) if figures else \
            (d.indicator, "words", " ".join((d.target_text or "").split()), " ".join((d.actual_text or "").split()))

    scored = {key(d) for d in diagnostics if d.source == "scored" and d.indicator}
    return [d for d in diagnostics if not (d.source == "target_table" and d.indicator and key(d) in scored)]


def diagnose_bundle(bundle, results, thresholds: Thresholds = DEFAULT_THRESHOLDS
                    ) -> dict[str, list[TargetDiagnostic]]:
    """Diagnostics of every evaluation of a department-year (``results`` are ``score_bundle(bundle)``'s),
    keyed by evaluation id; each compares its targets with its ``target_budget``."""
    return {r.evaluation.id: diagnose(r, thresholds=thresholds) for r in results}


def table(diagnostics: list[TargetDiagnostic]) -> pd.DataFrame:
    """The diagnostics as a DataFrame, one row per indicator, flags joined by commas."""
    cols = ["id", "name", "source", "indicator", "direction", "unit", "target_text", "actual_text", "target",
            "actual", "prior_actual", "initial_target", "ratio", "flags"]
    rows = [{**{c: getattr(d, c) for c in cols}, "flags": ", ".join(d.flags)} for d in diagnostics]
    return pd.DataFrame(rows, columns=cols)
