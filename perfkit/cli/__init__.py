"""The ``perfkit`` command: a thin layer that parses arguments and delegates to the library.

Subcommand parsers add their arguments when used (:class:`~perfkit.cli.args.CommandParser`) and commands
import the library when they run, so ``perfkit --help`` imports none of the scientific stack.
Every user-facing failure is a message naming the file, field and expectation; a traceback is shown
only with ``PERFKIT_DEBUG=1`` (for developers reporting a bug).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .args import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, EXIT_USAGE, CommandParser, xlsx_path

# Modules that add subcommands: each has ``register(subparsers)`` (reports and target sensitivity).
COMMAND_MODULES: list[str] = ["perfkit.cli.reports", "perfkit.cli.targets", "perfkit.cli.author"]


def _print_problems(exc) -> None:  # a perfkit.errors.ParameterError
    for p in exc.problems:
        print(str(p), file=sys.stderr)


def _one_blas_thread() -> None:
    """Import NumPy with one OpenBLAS thread, unless the user set OPENBLAS_NUM_THREADS.

    OpenBLAS starts a thread per core when NumPy loads, and those threads spin waiting for work: on a
    2-core machine that is some 50 ms of the wall time and 80 ms of the CPU time of ``perfkit validate``,
    whose matrices have a few dozen rows. The variable is read only when the library loads, so it is put
    back as it was right after (processes this one starts, and a NumPy already imported, are untouched)."""
    if "OPENBLAS_NUM_THREADS" in os.environ or "numpy" in sys.modules:
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy  # noqa: F401 - loaded here for the setting above
    finally:
        del os.environ["OPENBLAS_NUM_THREADS"]


def cmd_validate(args) -> int:
    _one_blas_thread()
    from ..core.validate import kind_of, shown_without_v, validate_paths

    outcomes = validate_paths(args.paths)
    for v in outcomes:
        if v.error is not None:
            _print_problems(v.error)
            continue
        notes = v.findings
        kinds = [kind_of(f) for f in notes]
        n = {k: kinds.count(k) for k in ("structural", "data", "error", "other", "reading")}
        words = {"structural": "structural finding{}", "data": "warning{} on the figures entered",
                 "error": "error{} against the rules or arithmetic (perfkit score --strict fails on them)",
                 "other": "other finding{} of scoring", "reading": "target{} read with an assumption"}
        counts = ", ".join(f"{n[k]} " + w.format("s" if n[k] != 1 else "") for k, w in words.items() if n[k])
        hidden = not args.verbose and any(not shown_without_v(f) for f in notes)
        print(f"{v.path}: valid" + (f" ({counts}" + ("; -v lists them all" if hidden else "") + ")" if notes else ""))
        for f in notes:
            if args.verbose or shown_without_v(f):
                print(f"  [{f.severity}] {f.code}: {f.located_message}")
    return EXIT_OK if all(v.ok for v in outcomes) else EXIT_INVALID


def cmd_score(args) -> int:
    import json  # here, not above: validate and --help do not need it (its regexes cost some 5 ms)
    from pathlib import Path

    from ..core.scoring import score_bundle
    from ..load import load
    from ..report.export import bundle_dict, render_scores, xlsx_bytes
    from ..run.files import atomic_write_bytes

    bundle = load(args.params)
    results = score_bundle(bundle)  # a ParameterError is printed by main()
    errors = sum(1 for r in results for f in r.findings if f.severity == "error")
    if args.xlsx:  # through a temporary name: a full disk leaves no half of a workbook
        atomic_write_bytes(Path(args.xlsx), xlsx_bytes(bundle, results, args.language))
        print(f"score sheet written to {args.xlsx}", file=sys.stderr)
    if args.json:
        json.dump(bundle_dict(bundle, results), sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        print()
    else:
        print(render_scores(bundle, results))
    if args.strict and errors:
        print(f"perfkit score --strict: {errors} error finding(s) (scores that do not follow the stated rules, "
              "totals that do not add up, …); exit 1", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_schema(args) -> int:
    from ..schema import write_schemas

    for path in write_schemas(args.out):
        print(path)
    return EXIT_OK


def _version() -> str:
    """perfkit's version as installed (pyproject.toml's), or "unknown (not installed)" when run from a bare tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("perfkit")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _Version(argparse._VersionAction):
    """``--version``, with the version looked up (importlib.metadata, some 50 ms) only when it is asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        self.version = f"perfkit {_version()}"
        super().__call__(parser, namespace, values, option_string)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfkit",
        description="Budget performance evaluation (预算绩效评价): validate, score, reconcile and report.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=CommandParser)

    p = sub.add_parser("validate", help="check parameter files (exit 1 and one line per problem if invalid)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="department-year files, frameworks or directories")
    p.add_argument("-v", "--verbose", action="store_true", help="also list structural findings")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("score", help="score a department-year and reconcile with the reported scores")
    p.add_argument("params", metavar="PARAMS", help="parameters/<department>/<year>.yaml")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    p.add_argument("--xlsx", metavar="FILE.xlsx", type=xlsx_path,
                   help="also write the score sheet (评分表) as an Excel workbook")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any finding is an error (the scores and findings are printed first)")
    p.add_argument("--language", choices=["zh", "en"], default="zh", help="language of the score sheet (default: zh)")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("schema", help="write the parameter files' JSON Schema and field reference (docs/schema/fields.md)")
    p.add_argument("--out", default="docs/schema", help="output directory (default: docs/schema)")
    p.set_defaults(func=cmd_schema)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Imported once the arguments are parsed: perfkit.errors defines its errors as dataclasses, and the
    # dataclasses module (with inspect and ast) is most of what `perfkit --help` would import otherwise.
    from ..errors import ParameterError

    try:
        return args.func(args)
    except ParameterError as exc:
        _print_problems(exc)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback at a user
        if os.environ.get("PERFKIT_DEBUG", "").strip().lower() not in ("", "0", "false", "no", "off"):
            raise
        if isinstance(exc, OSError) and exc.filename is not None:  # a full disk, permissions: not a bug
            print(f"perfkit: cannot use {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, OSError) and exc.errno is not None:  # the same, where the file is not named
            print(f"perfkit: a file could not be read or written: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, MemoryError):
            print(f"perfkit: out of memory ({exc or 'MemoryError'}): ask for less at once (fewer --draws, fewer "
                  "units or workers)", file=sys.stderr)
            return EXIT_USAGE
        print(f"perfkit: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in perfkit, not in your files; rerun with PERFKIT_DEBUG=1 for the traceback "
              "and report it.", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
