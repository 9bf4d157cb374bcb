"""schedule_progress (序时进度): ``Σ_q min(c_q/s_q, 1)·w_q + min(avg(c), 1)·w_avg``, s = 25/50/75/100%.

Source: Luohu and Shenzhen 预算执行率 (w_q = 1, w_avg = 2). Neither report's awarded score follows it
as written (3.53 vs 4.62 awarded; 5.30 vs 4.71); Luohu's 4.62 is reproduced exactly if 全年平均执行率
is read as the year-end rate (2 × 99.17%) instead of the mean of the quarters.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from .base import ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points


class ScheduleProgressRule(RuleBase):
    """序时进度: ``Σ_q min(c_q/s_q, 1)·w_q + min(avg, 1)·w_avg``.

    ``average`` chooses how 全年平均执行率 is read: the mean of the quarterly cumulative rates, or the
    year-end rate.
    """

    family: Literal["schedule_progress"] = Field(description="`schedule_progress`: 序时进度.")
    measure: str | None = Field(
        "budget.quarterly_execution_rates",
        description="The measure giving the cumulative execution rates c, in percent; default "
        "`budget.quarterly_execution_rates` (budget.quarterly_spent / budget.adjusted). Null: the rates are "
        "taken from the evaluation's input `values`.",
    )
    schedule: list[Annotated[float, Field(gt=0)]] = Field(  # each point divides the rate: never 0
        default=[25.0, 50.0, 75.0, 100.0],
        min_length=1,
        description="s: the time-elapsed schedule (序时进度) in percent at each point; default [25, 50, 75, 100] "
        "for the four quarter ends.",
    )
    quarter_points: list[float] = Field(
        default=[1.0, 1.0, 1.0, 1.0],
        min_length=1,
        description="w_q: the points of each schedule point, as many as `schedule` has; default [1, 1, 1, 1].",
    )
    average_points: float = Field(
        2.0,
        description="w_avg: the points of the 全年平均执行率 term (default 2). With `quarter_points` they "
        "normally add up to W; the score is clipped to W in any case.",
    )
    average: Literal["mean_of_quarters", "year_end"] = Field(
        "mean_of_quarters",
        description="How 全年平均执行率 is read: `mean_of_quarters` (default), the mean of the cumulative rates; "
        "`year_end`, the last (year-end) cumulative rate.",
    )
    cap_quarters: bool = Field(
        True,
        description="Whether each point's c/s is capped at 1 (default true), so that being ahead of schedule in "
        "one quarter cannot make up for being behind in another.",
    )

    @model_validator(mode="after")
    def _lengths(self) -> "ScheduleProgressRule":
        if len(self.schedule) != len(self.quarter_points):
            raise ValueError("schedule and quarter_points must have the same length")
        return self


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
    c, s = arr(rates), arr(schedule)
    q = c / s
    q = np.where(np.asarray(cap_quarters, bool)[..., None], np.minimum(q, 1.0), q)
    quarters = np.sum(q * arr(quarter_points), axis=-1)
    avg = np.where(np.asarray(year_end_average, bool), c[..., -1], np.mean(c, axis=-1)) / 100.0
    total = quarters + np.minimum(avg, 1.0) * arr(average_points)
    if points is None:
        points = np.sum(np.broadcast_to(arr(quarter_points), q.shape), axis=-1) + arr(average_points)
    return clip_to_points(total, points)


def evaluate(W, a: dict) -> np.ndarray:
    return schedule_progress(a["rates"], a["schedule"], a["quarter_points"], a["average_points"][..., None][..., 0],
                             a["year_end"].astype(bool), a["cap_quarters"].astype(bool), W)


def compile_rule(ctx, rule: ScheduleProgressRule, points: float, inputs, loc: tuple) -> dict | None:
    vals = ctx.measured(rule, inputs, loc, "schedule_progress", many=True)
    if vals is None:
        return None
    if len(vals) != len(rule.schedule):
        ctx.problem(loc + ("values",), f"expected {len(rule.schedule)} cumulative rates (one per "
                                       f"schedule point), got {len(vals)}")
        return None
    return {"rates": list(vals), "schedule": rule.schedule, "quarter_points": rule.quarter_points,
            "average_points": rule.average_points, "year_end": rule.average == "year_end",
            "cap_quarters": rule.cap_quarters}


def explain(a: dict, W: float, score: float) -> str:
    qs = " + ".join(f"{p:g}×min({c:.2f}/{s:g}, 1)" for c, s, p in zip(a["rates"], a["schedule"],
                                                                       a["quarter_points"]))
    avg = a["rates"][-1] if a["year_end"] else float(np.mean(a["rates"]))
    return f"{qs} + {a['average_points']:g}×{avg / 100:.4f}"


def describe(rule: ScheduleProgressRule, points: float, unit: str) -> Phrase:
    return Phrase("schedule_progress", {"schedule": rule.schedule, "quarter_points": rule.quarter_points[0],
                                        "average_points": rule.average_points,
                                        "mean": rule.average == "mean_of_quarters"})


FAMILY = Family(
    name="schedule_progress", term="序时进度", formula="Σ min(c_q/s_q,1)·w_q + min(avg,1)·w_avg",
    source="Luohu and Shenzhen 预算执行率", settings=ScheduleProgressRule, score=schedule_progress,
    evaluate=evaluate, compile=compile_rule, explain=explain, describe=describe, order=70,
)
