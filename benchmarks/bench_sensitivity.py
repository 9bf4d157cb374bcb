"""How long 100k Monte Carlo scenarios of a ~40-indicator framework take (not a test; prints numbers).

The framework is the Shenzhen 2020 special fund (37 leaves, 39 rows, 6 scored targets). The same
draws are scored two ways:

* vectorised — ``perfkit.sensitivity.monte_carlo``: one (draws × rows) override array, one call;
* naive — a Python loop over scenarios, each scored through the same ``Compiled.totals`` one at a time
  (run on a subset and extrapolated to the full count).

Usage: ``.venv/bin/python benchmarks/bench_sensitivity.py [--draws 100000] [--naive 2000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfkit.analysis import sensitivity as S  # noqa: E402
from perfkit.load import load  # noqa: E402
from perfkit.core.scoring import score_bundle  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--naive", type=int, default=2_000, help="scenarios for the naive loop (extrapolated)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=S.DEFAULT_SEED)
    args = ap.parse_args()

    bundle = load(ROOT / "parameters" / "shenzhen-lfsb" / "2020.yaml")
    fund = {r.evaluation.id: r for r in score_bundle(bundle)}["fund"]
    model = S.build_model(fund, bundle.data.budget)
    c = model.compiled
    print(f"framework: {fund.framework.id}: {len(c.leaves)} leaves, {len(c.rows)} rows, "
          f"{model.n_targets} scored targets")

    S.monte_carlo(model, draws=1000, seed=args.seed)  # warm-up (imports, caches)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        mc = S.monte_carlo(model, draws=args.draws, seed=args.seed)
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(f"vectorised: {args.draws:,} scenarios in {best:.3f} s (best of {args.repeat}; "
          f"median {np.median(times):.3f} s) = {args.draws / best:,.0f} scenarios/s")
    print("  share of scenarios by grade: " + ", ".join(f"{g} {p:.4f}" for g, p in mc.probabilities.items()))

    # the same draws, one scenario at a time through the same scoring
    targets = model.scaled(S._scale(mc.problem, np.random.default_rng(args.seed).random(
        (args.draws, len(mc.problem.factors)))))
    n = min(args.naive, args.draws)
    full = np.full(len(c.rows), np.nan)
    t0 = time.perf_counter()
    naive = np.empty(n)
    for i in range(n):
        full[model.rows] = targets[i]
        naive[i] = c.totals({"target": full})
    loop = time.perf_counter() - t0
    est = loop / n * args.draws
    assert np.allclose(naive, mc.totals[:n]), "the two paths disagree"
    print(f"naive loop: {n:,} scenarios in {loop:.3f} s -> {args.draws:,} extrapolated to {est:.1f} s")
    print(f"speed-up: {est / best:,.0f}x (same totals on the {n:,} scenarios compared)")


if __name__ == "__main__":
    main()
