"""The low-target penalty (偏离度) as an option of rescoring: :class:`LowTargetOverlay`, the readings
:func:`beijing_overlay` and :func:`ten_hao_overlay`, the named overlays of the command line, and the
compiled evaluation without the penalty its framework compiled (:func:`strip_penalties`).

The bands and the deduction are ``perfkit.rules.low_target_penalty``'s, the one 偏离度 implementation;
this module only chooses which bands apply, as a setting of the analysis rather than of the framework.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ...core.compile import Compiled
from ...rules import REGISTRY
from ...rules import low_target_penalty as ltp
from ...rules.low_target_penalty import PenaltyBand


@dataclass(frozen=True)
class LowTargetOverlay:
    """A 偏离度 penalty applied after the rule, to every target row of the given families.

    ``measure`` is ``deviation`` — (r − 1) × 100, r the direction-aware ambition ratio, i.e.
    (B − A)/A for higher-is-better rows — or ``ratio`` (r × 100). The deduction is W × share of the
    band holding the measure (the largest share if bands overlap), and the score is floored at 0.
    Applying an overlay first removes any penalty the framework itself compiled, so a framework's
    own reading and an overlay never stack. The bands and the deduction are those of a framework's
    ``low_target_penalty`` (``perfkit.rules.low_target_penalty``); ``families`` defaults to every
    family that takes the overlay (``Family.overlay``).
    """

    name: str
    measure: Literal["deviation", "ratio"]
    bands: tuple[PenaltyBand, ...]
    families: tuple[str, ...] = tuple(name for name, fam in REGISTRY.items() if fam.overlay)
    reading: str = ""

    def deduction(self, points, ratio) -> np.ndarray:
        """Points deducted, vectorised over any shape of ``points`` and ``ratio`` (broadcast)."""
        return ltp.deduction_of(points, ltp.measure_of_ratio(ratio, self.measure), ltp.band_arrays(self.bands))


def beijing_overlay(measure: Literal["deviation", "ratio"] = "deviation",
                    at_300: Literal["none", "lower", "upper"] = "none",
                    above_500: Literal["none", "upper"] = "none") -> LowTargetOverlay:
    """Beijing 2021 project forms, 填报注意事项 2, with every ambiguous bound an explicit setting.

    The note: d = (B − A)/A × 100%; "200%-300%（含200%）" → deduct 10% of the points; "300%-5000%
    （含500%）" → deduct 30%. Settings:

    * ``measure``: ``deviation`` as printed, or ``ratio`` (B/A), the misreading that catches S19
      金融大讲堂 20 → 50 (B/A 250%, −10%) which the printed formula (d = 150%) does not;
    * ``at_300``: exactly 300% is in neither printed band (``none``), or in the 10% band (``lower``),
      or in the 30% band (``upper``);
    * ``above_500``: "5000%" read as a misprint for 500%, so nothing above 500% is deducted (``none``),
      or the upper band open-ended (``upper``).
    """
    upper_hi = None if above_500 == "upper" else 500.0
    bands = (
        PenaltyBand(min=200.0, max=300.0, deduct_share=0.10, min_inclusive=True, max_inclusive=at_300 == "lower"),
        PenaltyBand(min=300.0, max=upper_hi, deduct_share=0.30, min_inclusive=at_300 == "upper", max_inclusive=True),
    )
    return LowTargetOverlay(
        name=f"beijing-{measure}" + ("" if at_300 == "none" else f"-300{at_300}")
        + ("" if above_500 == "none" else "-open"),
        measure=measure, bands=bands,
        reading=f"Beijing note 2 as {measure}; 300% {at_300}; above 500% {above_500}",
    )


def ten_hao_overlay(start: float = 100.0, step: float = 100.0, share_per_step: float = 0.10,
                    max_share: float = 0.30, measure: Literal["deviation", "ratio"] = "deviation"
                    ) -> LowTargetOverlay:
    """A 财预〔2020〕10号-style reading: "按照偏离度适度调减分值", which states no numbers.

    Stepwise: from ``start`` (deviation in percent) deduct ``share_per_step`` of the points for each
    ``step`` begun, up to ``max_share``. The defaults — from a deviation of 100% (actual twice the
    target), 10% per 100 points, at most 30% — borrow the Beijing shares (10%, 30%) and start where
    the ambition ratio reaches 2; they are an illustration to vary, not a rule any text gives.
    """
    n = int(np.ceil(max_share / share_per_step - 1e-9))
    bands = []
    for i in range(n):
        lo = start + i * step
        last = i == n - 1
        bands.append(PenaltyBand(min=lo, max=None if last else lo + step,
                                 deduct_share=min((i + 1) * share_per_step, max_share)))
    return LowTargetOverlay(name="ten-hao", measure=measure, bands=tuple(bands),
                            reading=f"10号-style: from {start:g}% by {share_per_step:.0%} per {step:g} points, "
                                    f"at most {max_share:.0%}")


OVERLAYS = {
    "beijing": lambda: beijing_overlay(),
    "beijing-ratio": lambda: beijing_overlay(measure="ratio"),
    "beijing-closed": lambda: beijing_overlay(at_300="upper", above_500="upper"),
    "ten-hao": lambda: ten_hao_overlay(),
}
"""Named overlays for the command line (their names are ``defaults.OVERLAY_NAMES``, which ``--help``
reads without this module); ``framework`` keeps what the framework compiles, ``none`` removes every
penalty."""

OverlayOption = LowTargetOverlay | Literal["framework", "none"]


def strip_penalties(compiled: Compiled) -> Compiled:
    """The same compiled evaluation without any compiled 偏离度 penalty (rows otherwise unchanged)."""
    if not any(ltp.has_penalty(r.args) for r in compiled.rows):
        return compiled
    rows = [dataclasses.replace(r, args=ltp.without_penalty(r.args)) for r in compiled.rows]
    return Compiled(compiled.framework, compiled.nodes, compiled.leaves, rows)
