"""``perfkit targets PARAMS``: target-setting diagnostics and sensitivity of a department-year.

A thin layer: it parses arguments, calls :func:`perfkit.analysis.sensitivity.analyse_bundle` and prints
either the compact summary of :func:`perfkit.report.target_summary.render_targets` or one JSON document
(``--json``).
"""

from __future__ import annotations

import argparse
import sys

from .args import EXIT_OK, draws, non_negative_int, positive_float


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "targets", help="find low targets, the points that depend on them, and whether the grade survives",
        arguments=_arguments)
    p.set_defaults(func=cmd_targets)


def _arguments(p: argparse.ArgumentParser) -> None:
    from ..analysis.sensitivity.defaults import DEFAULT_DRAWS, DEFAULT_K, DEFAULT_SEED, OVERLAY_NAMES

    p.add_argument("params", metavar="PARAMS", help="parameters/<department>/<year>.yaml")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the summary")
    p.add_argument("--seed", type=non_negative_int, default=DEFAULT_SEED,
                   help=f"Monte Carlo seed, 0 or more (default {DEFAULT_SEED})")
    p.add_argument("--draws", type=draws, default=DEFAULT_DRAWS,
                   help=f"Monte Carlo draws (default {DEFAULT_DRAWS})")
    p.add_argument("--k", type=positive_float, default=DEFAULT_K,
                   help=f"multiplier of the 'scaled' counterfactual (default {DEFAULT_K:g})")
    p.add_argument("--overlay", choices=("framework", "none", *OVERLAY_NAMES), default="framework",
                   help="low-target penalty: as the framework says (default), none, or a named reading")
    p.add_argument("--anchor", choices=("computed", "reported"), default="computed",
                   help="totals as recomputed (default) or shifted to the reported total")


def cmd_targets(args) -> int:
    import json

    from ..analysis.sensitivity import OVERLAYS, Settings, analyse_bundle, bundle_dict
    from ..core.scoring import score_bundle
    from ..load import load
    from ..report.target_summary import render_targets

    bundle = load(args.params)
    results = score_bundle(bundle)  # a ParameterError is printed by main()
    overlay = OVERLAYS[args.overlay]() if args.overlay in OVERLAYS else args.overlay
    settings = Settings(seed=args.seed, draws=args.draws, k=args.k, overlay=overlay, anchor=args.anchor)
    reports = analyse_bundle(bundle, results, settings)
    if args.json:
        json.dump(bundle_dict(bundle, reports), sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        print()
    else:
        print(render_targets(bundle, reports, settings))
    return EXIT_OK
