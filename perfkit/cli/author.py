"""``perfkit new`` and ``perfkit import-xlsx``: parameter files written for a user to fill in (the command-line
face of :mod:`perfkit.author`). Registered through ``COMMAND_MODULES`` in :mod:`perfkit.cli`.

Exit codes: 0 written; 1 the framework, the names or the workbook are not usable (one line per problem);
2 a usage error.
"""

from __future__ import annotations

import argparse
import sys

from .args import EXIT_OK, EXIT_USAGE


def _new_arguments(p: argparse.ArgumentParser) -> None:
    from ..author.scaffold import EVALUATORS, KINDS

    p.add_argument("first", metavar="DEPARTMENT|framework",
                   help="a department id (its folder under the parameters directory), or the word `framework`")
    p.add_argument("second", metavar="YEAR|ID", help="the year (four digits), or the new framework's id")
    p.add_argument("--framework", metavar="ID", help="the framework the department-year uses (required for a department)")
    p.add_argument("--params", default="parameters", metavar="DIR", help="parameters directory (default: parameters)")
    p.add_argument("--kind", choices=KINDS, help="the evaluation's kind (left to fill in when not given)")
    p.add_argument("--evaluator", choices=EVALUATORS, help="who evaluates (left to fill in when not given)")
    p.add_argument("--levels", type=int, choices=(2, 3, 4), default=3, help="with `framework`: depth of the tree (default 3)")


def cmd_new(args) -> int:
    from ..author.scaffold import new_department_year, new_framework

    if args.first == "framework":
        path, missing = new_framework(args.params, args.second, args.levels)
    else:
        if not args.framework:
            print("perfkit new: --framework ID is required for a department-year (e.g. --framework "
                  "department-overall-common; the frameworks are the files in <params>/frameworks/)", file=sys.stderr)
            return EXIT_USAGE
        path, missing = new_department_year(args.params, args.first, args.second, args.framework, kind=args.kind,
                                            evaluator=args.evaluator)
    print(path)
    print(f"{len(missing)} values to fill in (perfkit validate {path} lists those still missing):", file=sys.stderr)
    for m in missing:
        print(f"  {m.line_text(str(path))}", file=sys.stderr)
    return EXIT_OK


def register(subparsers) -> None:
    subparsers.add_parser(
        "new", help="write a department-year (or a framework) to fill in: every leaf with the inputs its rule needs",
        description="perfkit new DEPARTMENT YEAR --framework ID writes <params>/<department>/<year>.yaml listing every "
        "leaf of the framework with the inputs its rule needs, each null with a comment in Chinese and English; "
        "perfkit new framework ID writes <params>/frameworks/<id>.yaml the same way. Never overwrites a file.",
        arguments=_new_arguments).set_defaults(func=cmd_new)
