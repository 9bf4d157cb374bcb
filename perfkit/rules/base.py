"""What every rule family shares: the :class:`Family` record, the compile :class:`Context` protocol,
the pydantic bases of the rule settings (moved here from ``params`` so that ``params`` can build its
``RuleSpec`` union from the families), and the vectorised helpers several families use.

Arrays follow one convention throughout ``perfkit.rules``: NumPy arrays (or scalars) that broadcast
together, scenarios on leading axes, one entry per scored row on the last; rates are in percent, as
the reports print them. W is the indicator's points (分值), A the target (年度指标值), B the actual
(全年实际值). Every family clips its score to [0, W].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

ArrayLike = np.ndarray | float | int
if TYPE_CHECKING:  # the union of every family's settings, resolved by perfkit.rules once the families are found
    RuleSpec = Any
NODE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


# --------------------------------------------------------------------------------------------
# Vectorised helpers
# --------------------------------------------------------------------------------------------


def arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def clip_to_points(score: ArrayLike, points: ArrayLike) -> np.ndarray:
    """Clip scores to [0, W] (得分不能超过该指标分值, 扣完为止)."""
    return np.clip(arr(score), 0.0, arr(points))


def in_interval(
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    lower_inclusive: ArrayLike,
    upper_inclusive: ArrayLike,
) -> np.ndarray:
    """Membership of values in intervals; NaN bounds are unbounded. All arguments broadcast."""
    v, lo, hi = arr(value), arr(lower), arr(upper)
    li, ui = np.asarray(lower_inclusive, bool), np.asarray(upper_inclusive, bool)
    above = np.isnan(lo) | np.where(li, v >= lo, v > lo)
    below = np.isnan(hi) | np.where(ui, v <= hi, v < hi)
    return above & below


def interval_arrays(intervals: list["Interval"]) -> dict[str, list]:
    """Bounds and inclusiveness of intervals as lists (NaN: unbounded), ready to stack into arrays."""
    return {
        "lo": [np.nan if b.min is None else b.min for b in intervals],
        "hi": [np.nan if b.max is None else b.max for b in intervals],
        "loi": [b.min_inclusive for b in intervals],
        "hii": [b.max_inclusive for b in intervals],
    }


def interval_text(lo: float | None, hi: float | None, lo_inc: bool, hi_inc: bool, unit: str) -> str:
    """An interval as criteria texts write it: ``≥90%``, ``<5%``, ``[75%, 90%)``."""

    def v(x: float) -> str:
        return f"{x:g}{unit}"

    if lo is None and hi is None:
        return "—"
    if lo is None:
        return ("≤" if hi_inc else "<") + v(hi)
    if hi is None:
        return ("≥" if lo_inc else ">") + v(lo)
    return ("[" if lo_inc else "(") + v(lo) + ", " + v(hi) + ("]" if hi_inc else ")")


# --------------------------------------------------------------------------------------------
# Settings bases (the schema of a rule in a parameter file)
# --------------------------------------------------------------------------------------------


def new_list() -> list:
    """A fresh empty list: the ``default_factory`` of the schema's list fields. A function of ours, not the builtin
    ``list``, because pydantic reads a factory's signature at every model build, and the builtin's costs 0.3 ms
    (its text signature is tokenized) against 0.01 ms: some 20 ms of ``perfkit validate``'s start-up."""
    return []


def new_dict() -> dict:
    """A fresh empty dict: the ``default_factory`` of the schema's mapping fields (see :func:`new_list`)."""
    return {}


class Model(BaseModel):
    """Base for every schema model: unknown keys are errors, models are immutable values, and every number
    field (budgets, counts, targets, points, scores, bands, settings) takes only finite numbers: ``.inf`` and
    ``.nan`` are refused with "a finite number" and the field's path, whatever the field's type says."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False,
                              defer_build=True)


class Interval(Model):
    """A range of a measured value (percent, count, ...) with each bound's inclusiveness as written.

    ``[75, 90)`` is ``{min: 75, max: 90}``; ``≥90`` is ``{min: 90}``; ``[5, 10]`` is
    ``{min: 5, max: 10, max_inclusive: true}``. A missing bound is unbounded.
    """

    min: float | None = Field(
        None,
        description="Lower bound, in the unit of the measured value (percent for rates: 90 means 90%); "
        "null (the default) means no lower bound.",
    )
    max: float | None = Field(
        None, description="Upper bound, in the same unit as `min`; null (the default) means no upper bound."
    )
    min_inclusive: bool = Field(
        True, description="Whether a value equal to `min` lies inside: true (default) is `[min, …`, false `(min, …`."
    )
    max_inclusive: bool = Field(
        False, description="Whether a value equal to `max` lies inside: false (default) is `…, max)`, true `…, max]`."
    )

    @model_validator(mode="after")
    def _ordered(self) -> "Interval":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def label(self) -> str:
        lo = "(-∞" if self.min is None else ("[" if self.min_inclusive else "(") + f"{self.min:g}"
        hi = "+∞)" if self.max is None else f"{self.max:g}" + ("]" if self.max_inclusive else ")")
        return f"{lo}, {hi}"

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies in the interval (a missing bound is unbounded)."""
        v = float(value)
        lo = np.nan if self.min is None else self.min
        hi = np.nan if self.max is None else self.max
        return bool(in_interval(v, lo, hi, self.min_inclusive, self.max_inclusive))


class Alternative(Model):
    """Another reading of an ambiguous rule: the settings it changes and what it means in words.

    Reconciliation re-scores a missed indicator under each alternative and names the one that
    reproduces the reported score, if any.
    """

    label: str = Field(description="Short name of the reading, quoted in findings (e.g. 年末口径).")
    description: str = Field(
        description="What the reading means, in words (e.g. 全年平均执行率取年末累计执行率，而非四个季度的平均)."
    )
    label_en: str | None = Field(None, description="English `label`, used by English reports; null: `label`.")
    description_en: str | None = Field(
        None, description="English `description`, used by English reports; null: `description`."
    )
    set: dict[str, Any] = Field(
        default_factory=new_dict,
        description="The settings this reading changes, as {setting: new value} (e.g. {average: year_end}). They are "
        "merged over the rule's own settings and the result is validated as the same family, so every key must be "
        "a setting of that family. Give `set` or `rule`, not both.",
    )
    rule: "RuleSpec | None" = Field(
        None,
        description="A whole rule replacing the rule under this reading, of any family and validated like any "
        "rule: a reading that changes the rule's shape (\"points × execution rate\" instead of a sum of parts, "
        "a band table instead of a ratio). Give `set` or `rule`, not both.",
    )

    @model_validator(mode="after")
    def _set_or_rule(self) -> "Alternative":
        if bool(self.set) == (self.rule is not None):
            raise ValueError("give exactly one of `set` (the settings this reading changes) or `rule` (a whole rule "
                             "replacing it)")
        return self


class RuleBase(Model):
    """Settings every rule family accepts."""

    reading: str | None = Field(
        None,
        description="The reading chosen where the source text is ambiguous, in words; quoted in the finding when "
        "the recomputed score misses the reported one. Null: the text is taken to be unambiguous.",
    )
    alternatives: list[Alternative] = Field(
        default_factory=new_list,
        description="Other readings of an ambiguous rule. When the recomputed score misses the leaf's "
        "`reported_score`, each is tried and the finding names the first one that reproduces the reported score.",
    )
    source: str | None = Field(None, description="Where the rule is written (document, annex), for the record.")


def cap_field() -> Any:
    """The ``cap`` setting of the ratio families: the largest ratio credited."""
    return Field(
        1.0,
        gt=0,
        description="Largest ratio credited (default 1: full points once the target is met). Scores are clipped "
        "to W anyway, so only a cap below 1 changes a score.",
    )


# --------------------------------------------------------------------------------------------
# What a family module declares
# --------------------------------------------------------------------------------------------


class Context(Protocol):
    """What compiling a leaf needs from its surroundings; ``perfkit.core.compile`` implements it.

    Every method records a problem (with the file, line and field of ``loc``) and returns None when
    the inputs lack what the rule needs, so that all problems are reported, not only the first.
    """

    def problem(self, loc: tuple, message: str) -> None: ...

    def measure(self, name: str, loc: tuple) -> Any:
        """A measure derived from the budget block (``budget.execution_rate``), or None."""

    def number(self, inputs: Any, name: str, loc: tuple, rule_name: str) -> float | None:
        """Input ``name`` as a number: ``<name>_value`` when given, else parsed from the text."""

    def target_actual(self, inputs: Any, loc: tuple, rule_name: str) -> tuple[float | None, float | None]:
        """Target and actual as numbers on a common scale (亿 against 亿元, 万 against 亿)."""

    def measured(self, rule: Any, inputs: Any, loc: tuple, rule_name: str, many: bool = False) -> Any:
        """The rule's measured value: its ``measure`` from the budget, else the input ``value``/``values``."""

    def linked_rows(self, loc: tuple, rule_name: str, year: int | None = None) -> list[LinkedRow] | None:
        """The 绩效目标表 rows linked to the leaf being compiled (``indicator:``), read; None with a
        problem recorded when there are none."""


@dataclass(frozen=True)
class LinkedRow:
    """A 绩效目标表 row linked to a leaf (``indicator:``), as the target-table families see it.

    ``met`` is None when the row holds no measurable target or no actual; ``completion`` is the row's
    completion ratio capped at 1 (None likewise); ``late_months`` is set for deadlines (0 when on time).
    """

    id: str
    name: str
    kind: str
    target_text: str
    actual_text: str | None
    met: bool | None
    completion: float | None
    late_months: float | None = None
    name_en: str | None = None  # the row's English name, for English explanations
    weight: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """A rule in words, language-neutral: a template under ``rules.`` of the narrative templates and its
    context. Context values may themselves be phrases, lists of phrases, or the markers below; the report
    renders them in its language (``perfkit.report.rules_text``)."""

    key: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verbatim:
    """Text inserted as it is (already formatted, never escaped), e.g. an interval ``[75%, 90%)``."""

    text: str


@dataclass(frozen=True)
class MeasureName:
    """The name of a budget measure (or of the measured value when None), in the report's language."""

    measure: str | None


@dataclass(frozen=True)
class Label:
    """A label under ``rules.`` of the narrative templates, e.g. ``drivers.relative_to_target``."""

    key: str


@dataclass(frozen=True)
class Listed:
    """Items joined as a list in the report's language (、 or commas)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class RuleWords:
    """Another rule (a part of a composite) in words."""

    rule: Any
    points: float
    zero_if: tuple = ()
    part: str | None = None  # the part's id: its inputs (e.g. their unit) are the composite's inputs.parts[part]


@dataclass(frozen=True)
class Uncertain:
    """A rule setting sensitivity treats as uncertain: one multiplier of argument ``arg`` on every row
    of the family, drawn from ``bounds``, the result clipped to ``clip``."""

    arg: str
    name: str
    label: str
    bounds: tuple[float, float]
    clip: tuple[float, float] = (-np.inf, np.inf)


@dataclass(frozen=True)
class Check:
    """A finding a family raises about one compiled row (code, severity, message after the name, data)."""

    code: str
    severity: str
    message: str
    data: dict


def value_looks_like_a_share(rule: Any, args: dict, key: str, bounds: list, score: Callable[[float], float]
                             ) -> list[Check]:
    """VALUE_LOOKS_LIKE_A_SHARE: a value the evaluation gives (not a budget measure: ``rule.measure`` is
    null) lies in (0, 1] while the rule's ``bounds`` are in percent (some bound above 1), so 0.95 was
    probably meant as 95%. The value is scored as written, never rescaled; the finding gives the score it got
    and the score it would get read as percent (× 100). ``score(value)`` scores one value under the row."""
    value = args.get(key)
    if getattr(rule, "measure", None) is not None or value is None or not 0 < value <= 1:
        return []
    if not any(b is not None and np.isfinite(b) and b > 1 for b in bounds):
        return []
    got, as_percent = (float(np.nan_to_num(np.asarray(score(v), float).ravel()[0])) for v in (value, value * 100))
    return [Check("VALUE_LOOKS_LIKE_A_SHARE", "warning",
                  f"the value {value:g} is read as {value:g}% and scores {got:g}; read as a share "
                  f"({value * 100:g}%) it would score {as_percent:g}",
                  {"value": value, "score": got, "as_percent": value * 100, "score_as_percent": as_percent})]


def points_or_share(model: BaseModel, points_field: str, share_field: str, points: float) -> float:
    """A deduction rate given in points (``points_field``) or as a share of W (``share_field``), in points."""
    given = getattr(model, points_field)
    return given if given is not None else getattr(model, share_field) * points


def exactly_one(model: BaseModel, points_field: str, share_field: str) -> None:
    """Validation: a rate is given in points or as a share of the points, never both or neither."""
    if (getattr(model, points_field) is None) == (getattr(model, share_field) is None):
        raise ValueError(f"give exactly one of {points_field} (points) or {share_field} (share of points)")


def alternative_rule(rule: Any, alt: Alternative) -> Any:
    """The rule under an alternative reading: its whole ``rule``, or the rule's settings with ``set`` merged over."""
    if alt.rule is not None:
        return alt.rule
    return type(rule).model_validate({**rule.model_dump(), **alt.set})


def own_alternatives(rule: Any) -> list[tuple[Any, Any, str | None]]:
    """(alternative, rule under it, part) for every declared alternative reading of a rule."""
    return [(alt, alternative_rule(rule, alt), None) for alt in rule.alternatives]


def _score_text(args: dict, points: float, score: float) -> str:
    return f"{score:g}"


def _never(args: dict) -> bool:
    return False


def _no_checks(rule: Any, points: float, args: dict) -> list[Check]:
    return []


@dataclass(frozen=True)
class Family:
    """A rule family: everything scoring, reconciliation, the report and sensitivity need to know of it.

    ``score`` is the documented vectorised formula; ``evaluate(W, args)`` applies it to stacked compiled
    arguments (arrays, scenarios on leading axes); ``compile(ctx, rule, W, inputs, loc)`` turns one
    leaf's settings and inputs into arguments (a dict of numbers and lists of numbers) or None;
    ``explain(args, W, score)`` is the arithmetic in language-neutral text; ``describe(rule, W, unit)``
    the rule in words as a :class:`Phrase`.
    """

    name: str
    term: str
    formula: str
    source: str
    settings: type[RuleBase]
    score: Callable[..., np.ndarray]
    describe: Callable[[Any, float, str], Phrase]
    evaluate: Callable[[np.ndarray, dict], np.ndarray] | None = None  # None: a composite, scored part by part
    compile: Callable[..., dict | None] | None = None
    explain: Callable[[dict, float, float], str] = _score_text
    order: int = 100  # position in the schema's union and in listings (the order of design notes)
    models: tuple[type[BaseModel], ...] = ()  # further models documented beside the settings
    detail: Callable[[dict, float, float], str] | None = None  # inputs column text; default ``explain``
    target_based: bool = False  # scored against a target (年度指标值)
    lower_is_better: Callable[[dict], bool] = _never  # of one compiled row
    ceiling: bool = False  # the target is an upper limit, met at or below it (a cost ceiling, a deadline)
    explained: bool = True  # the report shows the arithmetic (not for an evaluator's score)
    evaluator_scored: bool = False  # the input ``score`` is the rule's own input, not a judgement override
    composite: bool = False  # scored as the sum of parts, each with its own rule
    overlay: bool = False  # the 偏离度 low-target penalty can be laid over it
    missed: Callable[[float, float], bool] | None = None  # (target, actual) → the target was missed
    alternatives: Callable[[Any], list] = own_alternatives
    checks: Callable[[Any, float, dict], list[Check]] = _no_checks
    targets: tuple[str, ...] = ()  # arguments sensitivity rescores as targets
    table_scored: bool = False  # scored from the leaf's linked 绩效目标表 rows (the count is derived)
    uncertain: tuple[Uncertain, ...] = ()  # settings sensitivity may perturb

    def words(self, args: dict, points: float, score: float) -> str:
        """The arithmetic the report's inputs column shows."""
        return (self.detail or self.explain)(args, points, score)
