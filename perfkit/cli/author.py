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
    register_import(subparsers)


def _import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", metavar="WORKBOOK", help="an .xlsx workbook holding a 评分表 and optionally a 绩效目标表")
    p.add_argument("--out", default="parameters", metavar="DIR",
                   help="parameters directory to write into (default: parameters); existing files are never overwritten")
    p.add_argument("--framework-id", metavar="ID", help="id of the framework written (default: the file name as an id)")
    p.add_argument("--department", metavar="ID", help="department id (default: the file name as an id)")
    p.add_argument("--year", type=int, metavar="YEAR", help="the year (default: a 20xx in the file name)")


def cmd_import_xlsx(args) -> int:
    from ..author.xlsx_import import import_workbook

    w = import_workbook(args.workbook, args.out, framework_id=args.framework_id, department=args.department,
                        year=args.year)
    for path, _ in w.frameworks:
        print(path)
    print(w.department_year[0])
    imp = w.imported
    leaves = sum(1 for s in imp.score_sheets for _ in _leaves_of(s.tree))
    print(f"{len(imp.score_sheets)} score sheet(s), {leaves} indicators, {len(imp.targets)} target rows read; "
          f"{imp.skipped_subtotals} subtotal row(s) skipped", file=sys.stderr)
    if imp.uninterpreted:
        print(f"{len(imp.uninterpreted)} row(s) not interpreted (sheet!cell: why):", file=sys.stderr)
        for u in imp.uninterpreted:
            print(f"  {u}", file=sys.stderr)
    missing = [(p, m) for p, ms in [*w.frameworks, w.department_year] for m in ms]
    print(f"{len(missing)} values to fill in:", file=sys.stderr)
    for p, m in missing:
        print(f"  {m.line_text(str(p))}", file=sys.stderr)
    return EXIT_OK


def _leaves_of(nodes):
    for n in nodes:
        yield from (_leaves_of(n.children) if n.children else [n])


def register_import(subparsers) -> None:
    subparsers.add_parser(
        "import-xlsx", help="read an Excel 评分表 (and 绩效目标表) into a framework and a department-year to check and fill in",
        description="Reads values only (never formulas or macros). Finds the header row by its words (一级指标, 分值, "
        "评分标准, 得分, 目标值, 实际完成值 …), follows merged cells, skips 合计/小计 rows, proposes a rule from each "
        "评分标准 and lists every row it could not interpret with its sheet and cell.",
        arguments=_import_arguments).set_defaults(func=cmd_import_xlsx)
