"""The recorded defaults of a target-sensitivity run and the names of its choices.

What ``perfkit targets --help`` prints, so it imports nothing (no NumPy, no pandas): the command line
reads these without loading the analysis.
"""

DEFAULT_SEED = 20200101
"""Seed used when none is given; every output that draws random numbers records the seed it used."""

DEFAULT_DRAWS = 10_000
"""Monte Carlo draws of ``perfkit targets`` and :func:`~perfkit.analysis.sensitivity.monte_carlo`."""

DEFAULT_K = 1.5
"""Default k of the ``scaled`` counterfactual: every target half as high again (direction-aware).
It sits between the overshoots a third-party evaluator called low in the Shenzhen fund (×1.36, ×1.65)."""

COUNTERFACTUAL_RULES = ("prior_year", "max_prior_year", "actual", "scaled")
"""The counterfactual target rules, in the order they are reported."""

PRIOR_RULES = ("prior_year", "max_prior_year")
"""The rules that set targets from the previous year's actuals: without any, they only repeat the total."""

OVERLAY_NAMES = ("beijing", "beijing-ratio", "beijing-closed", "ten-hao")
"""The named low-target overlays (the keys of ``overlays.OVERLAYS``), for ``--overlay``."""
