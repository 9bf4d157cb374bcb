"""The low-target penalty overlay (偏离度扣分): a share of W deducted when the actual overshoots the
target by far, a sign that the target was set low.

Source: Beijing 2021 forms note 2: d = (B − A)/A; 10% of W for d ∈ [200%, 300%), 30% for
d ∈ (300%, 500%] as we read the printed "300%-5000%（含500%）". 财预〔2020〕10号 only says
"按照偏离度适度调减分值", with no numbers. The bands are data, so every reading of the ambiguous
bounds is a different setting, not different code. This is the one implementation: the ``ratio``
family compiles a framework's ``low_target_penalty`` through it, and the sensitivity overlays
(``perfkit.analysis.sensitivity.LowTargetOverlay``) deduct through it.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
from pydantic import Field

from .base import ArrayLike, Interval, Model, arr, in_interval, interval_arrays

ARG_PREFIX = "pen_"  # compiled arguments of the overlay on a row


class PenaltyBand(Interval):
    """One band of the 偏离度 overlay: while the deviation (or ratio) lies in it, a share of W is deducted."""

    deduct_share: float = Field(
        ge=0, le=1, description="Fraction of the indicator's points W deducted, 0 to 1 (0.10 takes off 10% of W)."
    )


class LowTargetPenalty(Model):
    """偏离度 overlay: deduct a share of the points when the actual overshoots the target.

    ``measure`` says which deviation the bands are written in: ``deviation`` is (B − A)/A in percent,
    ``ratio`` is B/A in percent. Each band's ``deduct_share`` is the fraction of the points taken off.
    """

    measure: Literal["deviation", "ratio"] = Field(
        "deviation",
        description="What the bands are written in, A being the target and B the actual: `deviation` (default) is "
        "(B − A)/A × 100, `ratio` is B/A × 100, both in percent.",
    )
    bands: list[PenaltyBand] = Field(
        description="The penalty bands over that measure; where several hold the value, the largest "
        "`deduct_share` applies, and where none does nothing is deducted."
    )
    reading: str | None = Field(
        None,
        description="How ambiguous printed bounds are read, in words (e.g. \"300%-5000%（含500%）\" read as "
        "(300%, 500%]).",
    )


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
    d ∈ (300%, 500%] as we read the printed "300%-5000%（含500%）".
    """
    hit = in_interval(deviation, lower, upper, lower_inclusive, upper_inclusive)
    share = np.max(np.where(hit, arr(deduct_share), 0.0), axis=-1)
    return arr(points) * share


def band_arrays(bands: Sequence[PenaltyBand]) -> dict[str, list]:
    """The bands as lists (bounds, inclusiveness, shares), the overlay's compiled arguments."""
    return {**interval_arrays(list(bands)), "share": [b.deduct_share for b in bands]}


def deduction_of(points: ArrayLike, measure: ArrayLike, bands: dict) -> np.ndarray:
    """Points deducted where ``measure`` (percent; NaN: none) falls in ``bands`` (:func:`band_arrays`)."""
    m = np.nan_to_num(arr(measure), nan=-np.inf)
    return low_target_deduction(points, m[..., None], bands["lo"], bands["hi"], np.asarray(bands["loi"], bool),
                                np.asarray(bands["hii"], bool), bands["share"])


def measure_of_ratio(ratio: ArrayLike, measure: str) -> np.ndarray:
    """The overlay's measure from an ambition ratio r: ``ratio`` is 100·r, ``deviation`` 100·(r − 1)."""
    r = arr(ratio)
    m = 100.0 * r if measure == "ratio" else 100.0 * (r - 1.0)
    return np.where(np.isfinite(m), m, -np.inf)


def compile_penalty(penalty: LowTargetPenalty | None) -> dict:
    """A row's overlay arguments (``pen_*``); empty without a penalty."""
    if penalty is None:
        return {}
    bands = band_arrays(penalty.bands)
    return {ARG_PREFIX + k: v for k, v in bands.items()} | {ARG_PREFIX + "ratio": penalty.measure == "ratio"}


def has_penalty(args: dict) -> bool:
    return ARG_PREFIX + "share" in args


def penalty_bands(args: dict) -> dict:
    """The band arrays of a row's (or a stacked block's) compiled overlay arguments."""
    return {k: args[ARG_PREFIX + k] for k in ("lo", "hi", "loi", "hii", "share")}


def without_penalty(args: dict) -> dict:
    """A row's arguments with any compiled overlay removed."""
    return {k: v for k, v in args.items() if not k.startswith(ARG_PREFIX)}
