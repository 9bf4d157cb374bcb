"""Scoring throughput for a portfolio of generated department-years (not a test; prints figures and ratios).

The portfolio: ``--evaluations`` (10,000) copies of the Luohu 2022 department evaluation whose targets and
actual values are drawn (fixed seed) between 0.5 and 1.5 times the reported ones: department-years that share
one framework and one tree. They are scored three ways, all giving the same totals:

* public, one at a time — ``perfkit.evaluate`` (compile, score, reconcile) for each department-year, on a
  subset (``--public``) and extrapolated: what a user of the public API pays per evaluation today;
* vectorised — ``perfkit.score_portfolio``: the framework compiled once, every department-year's targets
  and actuals as one (evaluations × rows) array, scored in one call;
* row by row — the same compiled rows scored one department-year at a time (a Python loop of
  ``Compiled.totals`` calls), on a subset (``--naive``) and extrapolated.

Usage: ``.venv/bin/python benchmarks/bench_scoring.py [--evaluations 10000] [--public 100] [--naive 1000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import perfkit  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=10_000)
    ap.add_argument("--public", type=int, default=100, help="department-years through perfkit.evaluate (extrapolated)")
    ap.add_argument("--naive", type=int, default=1_000, help="department-years scored one at a time (extrapolated)")
    ap.add_argument("--seed", type=int, default=20221)
    args = ap.parse_args()

    bundle = perfkit.load_unit("luohu-fsa", 2022, str(ROOT / "parameters"))
    [result] = perfkit.evaluate(bundle)
    c = result.compiled
    n, rows = args.evaluations, len(c.rows)
    rng = np.random.default_rng(args.seed)
    inputs = {}
    for name in ("target", "actual"):
        base = c.row_vector(name)
        inputs[name] = np.where(np.isnan(base), np.nan, base * rng.uniform(0.5, 1.5, (n, rows)))
    print(f"portfolio: {n:,} department-years x {rows} indicator rows ({n * rows:,} rows), framework "
          f"{result.framework.id}")

    # public path, one department-year at a time (compile + score + reconcile), extrapolated
    k = min(args.public, n)
    t0 = time.perf_counter()
    for _ in range(k):
        perfkit.evaluate(bundle)
    public = (time.perf_counter() - t0) / k * n

    perfkit.score_portfolio(result, {name: a[:10] for name, a in inputs.items()})  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        totals = perfkit.score_portfolio(result, inputs).totals
        times.append(time.perf_counter() - t0)
    vec = min(times)

    m = min(args.naive, n)
    t0 = time.perf_counter()
    naive = np.array([c.totals({name: a[i] for name, a in inputs.items()}) for i in range(m)])
    loop = (time.perf_counter() - t0) / m * n
    assert np.allclose(naive, totals[:m]), "the two paths disagree"
    print("| way | s for the portfolio | indicator rows / s | vectorised is |\n|---|---|---|---|")
    for name, t in ((f"public perfkit.evaluate, one at a time ({k} timed, extrapolated)", public),
                    ("perfkit.score_portfolio: compiled once, one call", vec),
                    (f"row by row: one department-year at a time ({m} timed, extrapolated)", loop)):
        print(f"| {name} | {t:.3f} | {n * rows / t:,.0f} | {t / vec:,.0f}x faster |")
    print(f"same totals on the {m:,} compared; total of all {n:,}: {totals.sum():,.2f}")
    print(f"floors: >= 1,000,000 rows/s: {'met' if n * rows / vec >= 1e6 else 'MISSED'}; "
          f">= 20x row by row: {'met' if loop / vec >= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
