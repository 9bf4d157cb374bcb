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
from .uncertainty import FactorSpace, evaluate, nothing_to_vary, sensitivity_problem


def _groups(problem: dict) -> list[str]:
    """The distinct groups of a SALib problem, in order (its names when it has no groups)."""
    return list(dict.fromkeys(problem.get("groups") or problem["names"]))


def _unique_groups(space: FactorSpace) -> list[str]:
    return _groups(space.salib())


def _frame(values, keys: list[str], names: list[str], reason: str | None = None) -> pd.DataFrame:
    """One row per factor (or group), the ``keys`` as columns; ``attrs["nothing_to_vary"]`` says why nothing
    varied (one of ``uncertainty.NOTHING_TO_VARY``), or is None."""
    frame = pd.DataFrame(values, index=pd.Index(names, name="factor"), columns=keys)
    frame.attrs["nothing_to_vary"] = reason
    return frame


def _sample_evaluate_analyse(model: TargetModel, space: FactorSpace | None, keys: list[str],
                             sample: Callable[[dict], np.ndarray],
                             analyse: Callable[[dict, np.ndarray, np.ndarray], dict]) -> pd.DataFrame:
    """SALib's chain over a factor space (default :func:`sensitivity_problem`): ``sample`` the SALib
    problem, rescore the samples in one call (``evaluate``), ``analyse`` the totals; the ``keys`` of the
    result as a frame with one row per factor, or per group when the space has groups.

    Nothing to vary is an answer, not an error: no factors give an empty frame, a total that does not vary
    gives zeros, and ``attrs["nothing_to_vary"]`` says which (:func:`~.uncertainty.nothing_to_vary`)."""
    space = sensitivity_problem(model) if space is None else space
    names = _unique_groups(space)
    if not space.factors:
        return _frame(None, keys, [], nothing_to_vary(model, space))
    problem = space.salib()
    X = sample(problem)
    Y = evaluate(model, space, X)
    reason = nothing_to_vary(model, space, Y)
    if reason:
        return _frame(0.0, keys, names, reason)
    si = analyse(problem, X, Y)
    return _frame({k: np.asarray(si[k], float) for k in keys}, keys, names)


def _one_group_sobol(problem: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """Sobol' indices of a space with one factor or one group (SALib's estimator fails on a single group of
    several factors): all the variance is that factor's, so S1 = ST = 1 exactly, with no interval."""
    return {"S1": [1.0], "S1_conf": [0.0], "ST": [1.0], "ST_conf": [0.0]}


def _one_group_morris(problem: dict, X: np.ndarray, Y: np.ndarray, levels: int, seed: int) -> dict:
    """SALib's Morris indices, with σ computed for a space of one group of several factors (SALib leaves
    it undefined for groups): a trajectory is two points that differ in every member; each member's
    elementary effect is ±ΔY/Δ by the direction it moved, the group's is their mean (whose average over
    trajectories is SALib's μ), and σ is the standard deviation of the group's effects."""
    si = morris_analyze.analyze(problem, X, Y, num_levels=levels, seed=seed)
    delta = levels / (2.0 * (levels - 1))
    up = np.sign(X[1::2] - X[0::2])  # trajectories × members: +1 moved up, −1 down
    effects = (up * ((Y[1::2] - Y[0::2]) / delta)[:, None]).mean(axis=1)
    return {**si, "sigma": [float(np.std(effects, ddof=1))]}


def sobol_indices(model: TargetModel, space: FactorSpace | None = None, n: int = 1024, seed: int = DEFAULT_SEED
                  ) -> pd.DataFrame:
    """First-order (S1) and total-order (ST) Sobol' indices of the total, with bootstrap intervals.

    Saltelli's sampling scheme on a scrambled Sobol' sequence (N (D + 2) runs for D factors or
    groups; ``n`` a power of 2) and the Saltelli (2010) / Jansen estimators as SALib implements them.
    Sobol' (2001); Saltelli (2002); Saltelli et al. (2010). Rows are factors, or groups when the
    space has groups (weights as one). With one factor or group S1 = ST = 1 (all the variance is
    its own); a total that does not vary gives zeros and no factors an empty frame, with the reason in
    ``attrs["nothing_to_vary"]`` (None otherwise).
    """
    return _sample_evaluate_analyse(
        model, space, ["S1", "S1_conf", "ST", "ST_conf"],
        lambda problem: sobol_sample.sample(problem, n, calc_second_order=False, seed=seed),
        lambda problem, X, Y: (_one_group_sobol(problem, X, Y) if len(_groups(problem)) == 1 else
                               sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=seed)))


def morris_screening(model: TargetModel, space: FactorSpace | None = None, trajectories: int = 100,
                     levels: int = 4, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Morris elementary effects: μ* (mean absolute effect), μ and σ per factor (or group).

    Morris (1991) one-at-a-time trajectories with the μ* measure of Campolongo et al. (2007), as
    SALib implements them; ``trajectories`` × (D + 1) runs. A cheap screen before Sobol. SALib does not
    define σ for a group of several factors (NaN) unless the group is the space's only one; a total that
    does not vary gives zeros and no factors an empty frame, with the reason in ``attrs["nothing_to_vary"]``.
    """
    return _sample_evaluate_analyse(
        model, space, ["mu", "mu_star", "sigma", "mu_star_conf"],
        lambda problem: morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed),
        lambda problem, X, Y: (_one_group_morris(problem, X, Y, levels, seed) if len(_groups(problem)) == 1 else
                               morris_analyze.analyze(problem, X, Y, num_levels=levels, seed=seed)))
