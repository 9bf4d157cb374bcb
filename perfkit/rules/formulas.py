"""Every family's vectorised formula under the family's name — ``formulas.ratio(W, A, B)`` — with the
registry and the overlays' formulas (``low_target_deduction``, ``zero_if``), for notebooks and benchmarks
that show the formulas themselves. Families are looked up in the registry when asked for, so a new
family needs no edit here.
"""

from __future__ import annotations

import sys

from .base import clip_to_points, in_interval
from .low_target_penalty import low_target_deduction
from .qualitative_tiers import qualitative_tier_bounds
from .zero_if import zero_if

__all__ = ["clip_to_points", "in_interval", "low_target_deduction", "qualitative_tier_bounds", "zero_if"]


def __getattr__(name: str):
    registry = sys.modules[__package__].REGISTRY
    if name == "REGISTRY":
        return registry
    if name in registry:
        return registry[name].score
    raise AttributeError(f"no formula {name!r}; the families are {', '.join(registry)}")
