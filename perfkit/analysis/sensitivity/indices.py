"""Global sensitivity indices of the total over a :class:`~.uncertainty.FactorSpace`: Sobol' first- and
total-order indices (:func:`sobol_indices`) and Morris elementary effects (:func:`morris_screening`),
as SALib computes them from totals that ``uncertainty.evaluate`` rescored in one call.

SALib's Sobol and Morris modules import ``scipy.stats`` (seconds), so they live here, apart from what
``perfkit targets`` and the report run; the package loads this module on first use of these names.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from .defaults import DEFAULT_SEED
from .model import TargetModel
from .uncertainty import FactorSpace, evaluate, sensitivity_problem


def _unique_groups(space: FactorSpace) -> list[str]:
    d = space.salib()
    return list(dict.fromkeys(d["groups"])) if "groups" in d else d["names"]


def _sample_evaluate_analyse(model: TargetModel, space: FactorSpace | None, keys: list[str],
                             sample: Callable[[dict], np.ndarray],
                             analyse: Callable[[dict, np.ndarray, np.ndarray], dict],
                             constant_gives_zeros: bool = False) -> pd.DataFrame:
    """SALib's chain over a factor space (default :func:`sensitivity_problem`): ``sample`` the SALib
    problem, rescore the samples in one call (``evaluate``), ``analyse`` the totals; the ``keys`` of the
    result as a frame with one row per factor, or per group when the space has groups. No factors give
    an empty frame; with ``constant_gives_zeros`` a total that does not vary gives zeros."""
    space = sensitivity_problem(model) if space is None else space
    names = _unique_groups(space)
    if not space.factors:
        return pd.DataFrame(columns=keys)
    problem = space.salib()
    X = sample(problem)
    Y = evaluate(model, space, X)
    if constant_gives_zeros and np.ptp(Y) == 0:
        return pd.DataFrame(0.0, index=pd.Index(names, name="factor"), columns=keys)
    si = analyse(problem, X, Y)
    return pd.DataFrame({k: np.asarray(si[k], float) for k in keys}, index=pd.Index(names, name="factor"))


def sobol_indices(model: TargetModel, space: FactorSpace | None = None, n: int = 1024, seed: int = DEFAULT_SEED
                  ) -> pd.DataFrame:
    """First-order (S1) and total-order (ST) Sobol' indices of the total, with bootstrap intervals.

    Saltelli's sampling scheme on a scrambled Sobol' sequence (N (D + 2) runs for D factors or
    groups; ``n`` a power of 2) and the Saltelli (2010) / Jansen estimators as SALib implements them.
    Sobol' (2001); Saltelli (2002); Saltelli et al. (2010). Rows are factors, or groups when the
    space has groups (weights as one). A model whose total does not vary gives zeros.
    """
    return _sample_evaluate_analyse(
        model, space, ["S1", "S1_conf", "ST", "ST_conf"],
        lambda problem: sobol_sample.sample(problem, n, calc_second_order=False, seed=seed),
        lambda problem, X, Y: sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=seed),
        constant_gives_zeros=True)


def morris_screening(model: TargetModel, space: FactorSpace | None = None, trajectories: int = 100,
                     levels: int = 4, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Morris elementary effects: μ* (mean absolute effect), μ and σ per factor (or group).

    Morris (1991) one-at-a-time trajectories with the μ* measure of Campolongo et al. (2007), as
    SALib implements them; ``trajectories`` × (D + 1) runs. A cheap screen before Sobol.
    """
    return _sample_evaluate_analyse(
        model, space, ["mu", "mu_star", "sigma", "mu_star_conf"],
        lambda problem: morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed),
        lambda problem, X, Y: morris_analyze.analyze(problem, X, Y, num_levels=levels, seed=seed))
