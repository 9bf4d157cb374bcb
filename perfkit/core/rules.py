"""Scoring rule families: one pure, vectorised function per family, and a registry by name.

Every function takes NumPy arrays (or scalars) that broadcast together and returns an array of
scores: one indicator, a framework's worth of indicators, or a (scenarios × indicators) block of
Monte Carlo draws all go through the same code without a Python loop per row. Rates are in percent,
as the reports print them. W is the indicator's points (分值), A the target (年度指标值), B the actual
(全年实际值). Scores are clipped to [0, W] by every family.

The families and the reports they come from are listed in ``../shared/design/scoring-rules.md``;
each function's docstring repeats its formula and source so the code reads as the methodology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

ArrayLike = np.ndarray | float | int


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def clip_to_points(score: ArrayLike, points: ArrayLike) -> np.ndarray:
    """Clip scores to [0, W] (得分不能超过该指标分值, 扣完为止)."""
    return np.clip(_arr(score), 0.0, _arr(points))


def ratio(points: ArrayLike, target: ArrayLike, actual: ArrayLike, cap: ArrayLike = 1.0) -> np.ndarray:
    """正向指标: ``W · min(B/A, cap)``.

    Source: 财预〔2020〕10号 self-evaluation; Beijing 2021 forms note 2; Luohu 项目完成及时性
    (done/planned × 6); Beijing D0 产出数量 37/39 × 10 = 9.49. A target of zero (nothing promised)
    scores full marks when anything non-negative is delivered.
    """
    W, A, B = _arr(points), _arr(target), _arr(actual)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.where(A > 0, B / np.where(A > 0, A, 1.0), np.where(B >= A, np.inf, 0.0))
    return clip_to_points(W * np.minimum(r, _arr(cap)), W)


def inverse_ratio(points: ArrayLike, target: ArrayLike, actual: ArrayLike, cap: ArrayLike = 1.0) -> np.ndarray:
    """反向指标 (lower is better: cost, time, fault rate): ``W · min(A/B, cap)``; B = 0 → W.

    Source: Beijing 2021 forms note 2. The note's formula divides by zero when the actual is 0
    (S35: 故障率 0 against ≤10%); an actual of zero has met any upper limit, so it scores full marks.
    """
    W, A, B = _arr(points), _arr(target), _arr(actual)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.where(B > 0, A / np.where(B > 0, B, 1.0), np.inf)
    return clip_to_points(W * np.minimum(r, _arr(cap)), W)


def in_interval(
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    lower_inclusive: ArrayLike,
    upper_inclusive: ArrayLike,
) -> np.ndarray:
    """Membership of values in intervals; NaN bounds are unbounded. All arguments broadcast."""
    v, lo, hi = _arr(value), _arr(lower), _arr(upper)
    li, ui = np.asarray(lower_inclusive, bool), np.asarray(upper_inclusive, bool)
    above = np.isnan(lo) | np.where(li, v >= lo, v > lo)
    below = np.isnan(hi) | np.where(ui, v <= hi, v < hi)
    return above & below


def bands(
    points: ArrayLike,
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    lower_inclusive: ArrayLike,
    upper_inclusive: ArrayLike,
    band_points: ArrayLike,
) -> np.ndarray:
    """分档: the points of the first band (last axis) that holds the value; NaN when none does.

    ``value`` has shape (..., 1) against bands of shape (..., k); pad unused bands with NaN points.
    Source: fixed-asset use ≥90% → 1, [75,90) → 0.7, [60,75) → 0.4, else 0; satisfaction ≥95 → 6 …;
    contract-staff rate <5% → 1, [5,10] → 0.5, >10 → 0; 三公 control <90% → 3, [90,100] → 2, >100 → 0.
    """
    hit = in_interval(value, lower, upper, lower_inclusive, upper_inclusive) & ~np.isnan(_arr(band_points))
    first = np.argmax(hit, axis=-1)
    got = np.take_along_axis(np.broadcast_to(_arr(band_points), hit.shape), first[..., None], axis=-1)[..., 0]
    score = np.where(hit.any(axis=-1), got, np.nan)
    return np.where(np.isnan(score), np.nan, clip_to_points(np.nan_to_num(score), points))


def deduct_per_item(points: ArrayLike, count: ArrayLike, per_item: ArrayLike) -> np.ndarray:
    """扣完为止: ``max(W − k·n, 0)``; k in points (−1 per non-conforming item, −4 per unfinished task)."""
    W = _arr(points)
    return clip_to_points(W - _arr(per_item) * _arr(count), W)


def checklist(points: ArrayLike, item_points: ArrayLike, met: ArrayLike) -> np.ndarray:
    """要点 checklist: ``Σ pointsᵢ · metᵢ`` over the last axis, metᵢ in [0, 1].

    Tiers (1.5 / 1 / 0 for 公开 compliant / late / absent) are resolved to met = tier points / item
    points before this call. Source: Luohu 预算编制合理性 5 × 1, 绩效指标明确性 2+2+1+1+1.
    """
    total = np.sum(_arr(item_points) * np.clip(_arr(met), 0.0, 1.0), axis=-1)
    return clip_to_points(total, points)


def overrun_penalty(
    points: ArrayLike,
    value: ArrayLike,
    threshold: ArrayLike,
    per_unit: ArrayLike,
    penalise_above: ArrayLike = True,
) -> np.ndarray:
    """Full points on the good side of a threshold, minus ``per_unit`` points per unit beyond, floor 0.

    Source: budget adjustments within 10% of the budget scale, else −0.1 per percentage point over
    (Luohu 财务合规性); satisfaction below 95% loses 2% of W per point (Shenzhen fund D41).
    """
    W, v, t = _arr(points), _arr(value), _arr(threshold)
    beyond = np.where(np.asarray(penalise_above, bool), v - t, t - v)
    return clip_to_points(W - _arr(per_unit) * np.maximum(beyond, 0.0), W)


def schedule_progress(
    rates: ArrayLike,
    schedule: ArrayLike,
    quarter_points: ArrayLike,
    average_points: ArrayLike,
    year_end_average: ArrayLike = False,
    cap_quarters: ArrayLike = True,
    points: ArrayLike | None = None,
) -> np.ndarray:
    """序时进度: ``Σ_q min(c_q/s_q, 1)·w_q + min(avg(c), 1)·w_avg``, c and s in percent (last axis).

    ``avg`` is the mean of the quarterly cumulative rates as written, or the year-end rate under the
    alternative reading. Source: Luohu and Shenzhen 预算执行率 (w_q = 1, w_avg = 2). Luohu's awarded
    4.62 is reproduced by the year-end reading (2 × 99.17%) and not by the mean (3.53).
    """
    c, s = _arr(rates), _arr(schedule)
    q = c / s
    q = np.where(np.asarray(cap_quarters, bool)[..., None], np.minimum(q, 1.0), q)
    quarters = np.sum(q * _arr(quarter_points), axis=-1)
    avg = np.where(np.asarray(year_end_average, bool), c[..., -1], np.mean(c, axis=-1)) / 100.0
    total = quarters + np.minimum(avg, 1.0) * _arr(average_points)
    if points is None:
        points = np.sum(np.broadcast_to(_arr(quarter_points), q.shape), axis=-1) + _arr(average_points)
    return clip_to_points(total, points)


def rate_weight(points: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """Rate × weight: ``W · min(rate/100, 1)``. Beijing D0 96.91% × 20 = 19.38; forms 预算执行率 × 10."""
    W = _arr(points)
    return clip_to_points(W * np.minimum(_arr(rate) / 100.0, 1.0), W)


def base_slope(
    points: ArrayLike,
    driver: ArrayLike,
    base: ArrayLike,
    slope: ArrayLike = 0.05,
    slope_of_base: ArrayLike = True,
) -> np.ndarray:
    """Base plus slope: ``clamp(W·b + S·s·x, 0, W)`` with S = W·b (as applied) or W (as some texts say).

    Source: Shenzhen 2020 金融发展专项资金 (seed 001): "达到目标值得 b% 权重分, 每提升 1% 增加 5%";
    as applied, the 5% is taken of the base W·b. x is, by indicator, points above target, relative %
    above target, growth, or growth acceleration — chosen by the rule's ``driver`` setting.
    """
    W, b = _arr(points), _arr(base)
    scale = np.where(np.asarray(slope_of_base, bool), W * b, W)
    return clip_to_points(W * b + scale * _arr(slope) * _arr(driver), W)


def low_target_deduction(
    points: ArrayLike,
    deviation: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    lower_inclusive: ArrayLike,
    upper_inclusive: ArrayLike,
    deduct_share: ArrayLike,
) -> np.ndarray:
    """偏离度 overlay: the points to deduct when the deviation falls in a penalty band (last axis).

    Source: Beijing 2021 forms note 2: d = (B − A)/A; 10% of W for d ∈ [200%, 300%), 30% for
    d ∈ (300%, 500%] as we read the printed "300%-5000%（含500%）". The bands are data, so every
    reading of the ambiguous bounds is a different framework setting, not different code.
    """
    hit = in_interval(deviation, lower, upper, lower_inclusive, upper_inclusive)
    share = np.max(np.where(hit, _arr(deduct_share), 0.0), axis=-1)
    return _arr(points) * share


def qualitative_tier_bounds(points: ArrayLike, lower_share: ArrayLike, upper_share: ArrayLike) -> tuple:
    """达成 → [80%,100%]·W; 部分达成 → [60%,80%)·W; 未达成 → [0,60%)·W (财预〔2020〕10号).

    Returns the score bounds of a tier; the evaluator's score is checked against them.
    """
    W = _arr(points)
    return W * _arr(lower_share) / 100.0, W * _arr(upper_share) / 100.0


def judgement(points: ArrayLike, score: ArrayLike) -> np.ndarray:
    """酌情扣分: the evaluator's score, clipped to [0, W]; the reason is enforced by the schema."""
    return clip_to_points(score, points)


def zero_if(score: ArrayLike, condition: ArrayLike) -> np.ndarray:
    """Zero-if override: 0 where the condition holds (procurement over plan; 虚列/挤占/挪用 spending)."""
    return np.where(np.asarray(condition, bool), 0.0, _arr(score))


@dataclass(frozen=True)
class RuleFamily:
    """A rule family as documented: its name, Chinese term, formula and where it occurs."""

    name: str
    term: str
    formula: str
    source: str
    function: Callable[..., np.ndarray]
    target_based: bool = False


REGISTRY: dict[str, RuleFamily] = {}


def register(family: RuleFamily) -> RuleFamily:
    if family.name in REGISTRY:
        raise ValueError(f"rule family {family.name!r} is registered twice")
    REGISTRY[family.name] = family
    return family


for _family in (
    RuleFamily("ratio", "正向比率", "W·min(B/A, 1)", "财预〔2020〕10号; Beijing forms note 2", ratio, True),
    RuleFamily("inverse_ratio", "反向比率", "W·min(A/B, 1)", "Beijing forms note 2", inverse_ratio, True),
    RuleFamily("bands", "分档", "points of the band holding the value", "Shenzhen/Luohu 共性指标", bands),
    RuleFamily("deduct_per_item", "扣完为止", "max(W − k·n, 0)", "Shenzhen/Luohu 共性指标", deduct_per_item),
    RuleFamily("checklist", "要点", "Σ pointsᵢ·metᵢ", "Luohu 预算编制合理性, 公开", checklist),
    RuleFamily("overrun_penalty", "超限扣分", "W − k·max(excess, 0)", "Luohu 财务合规性; fund D41", overrun_penalty),
    RuleFamily(
        "schedule_progress", "序时进度", "Σ min(c_q/s_q,1)·w_q + min(avg,1)·w_avg",
        "Luohu and Shenzhen 预算执行率", schedule_progress,
    ),
    RuleFamily("rate_weight", "比率×分值", "W·min(rate, 1)", "Beijing D0 and forms 预算执行率", rate_weight),
    RuleFamily("base_slope", "基准加斜率", "clamp(W·b + W·b·s·x, 0, W)", "Shenzhen fund (seed 001)", base_slope, True),
    RuleFamily(
        "qualitative_tiers", "定性分档", "达成 [80,100]%·W; 部分达成 [60,80)%; 未达成 [0,60)%",
        "财预〔2020〕10号", judgement,
    ),
    RuleFamily("judgement", "酌情扣分", "evaluator's score in [0, W] with a reason", "效果性; expert panels", judgement),
    RuleFamily("sum", "组合", "Σ parts", "Shenzhen 政府采购执行率 (rate × 1 + policy 1)", np.add),
):
    register(_family)

LOW_TARGET_PENALTY = RuleFamily(
    "low_target_penalty", "偏离度扣分", "W·share where (B−A)/A falls in a band",
    "Beijing forms note 2", low_target_deduction, True,
)
ZERO_IF = RuleFamily("zero_if", "一票否决", "0 when the condition holds", "Shenzhen/Luohu 共性指标", zero_if)
