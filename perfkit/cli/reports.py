"""``perfkit run`` and ``perfkit batch``: the command-line face of :mod:`perfkit.run.batch` (parse, delegate, print).

Registered through ``COMMAND_MODULES`` in :mod:`perfkit.cli`. Exit codes: 0 every report written; 1 a unit
failed or its parameters are invalid (the others are still written; a report that could not be written, a
full disk, fails its unit); 2 the run could not start (no notebook, no kernel, no parameters directory, an
output directory that is a file or not writable, a bad option) or its manifest could not be written; 130
interrupted (Ctrl-C), the finished units in the manifest.
"""

from __future__ import annotations

import argparse
import os
import sys

from .args import EXIT_FAILED, EXIT_OK, EXIT_USAGE, positive_int, timeout_seconds

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command ended by Ctrl-C


def _common(p: argparse.ArgumentParser) -> None:
    from ..run.engine import DEFAULT_CELL_TIMEOUT, DEFAULT_ENGINE, DEFAULT_KERNEL, ENGINES

    p.add_argument("--out", default="reports", metavar="DIR", help="output directory (default: reports)")
    p.add_argument("--notebook", default=None, metavar="PATH",
                   help="the notebook to run (default: notebooks/evaluation.ipynb of the source tree)")
    p.add_argument("--kernel", default=DEFAULT_KERNEL, metavar="NAME",
                   help=f"Jupyter kernel to execute with (default: {DEFAULT_KERNEL}, registered by scripts/bootstrap.sh)")
    p.add_argument("--timeout", type=timeout_seconds, default=DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
                   help=f"fail a unit whose notebook cell runs longer (default: {DEFAULT_CELL_TIMEOUT}; 0: no limit)")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="how each report's cells run: perfkit runs them in a process forked from one that has "
                        "imported perfkit already, without a Jupyter kernel (fastest); perfkit-kernel in a Jupyter "
                        "kernel forked the same way; nbclient in a fresh kernel, as papermill does (default: "
                        f"{DEFAULT_ENGINE}; the reports are the same)")
    p.add_argument("--documents", default="all", metavar="LIST",
                   help="documents written beside each report's notebook and HTML: a comma-separated list of "
                        "docx, xlsx, pdf, or all (default), or none")
    p.add_argument("--templates", default=None, metavar="DIR",
                   help="a directory of narrative.<language>.yaml files whose sentences replace the shipped ones "
                        "key by key (checked first: an unknown key or placeholder is an error; default: "
                        "$PERFKIT_TEMPLATES, if set)")


def _run_arguments(p: argparse.ArgumentParser) -> None:
    from ..run.units import DEFAULT_LANGUAGE, LANGUAGES

    p.add_argument("department", metavar="DEPARTMENT", help="department id: its folder name under the parameters directory (a name, never a path)")
    p.add_argument("year", metavar="YEAR", help="four digits, e.g. 2022")
    p.add_argument("--language", choices=[*LANGUAGES, "all"], default=DEFAULT_LANGUAGE,
                   help=f"report language, or all of them (default: {DEFAULT_LANGUAGE})")
    p.add_argument("--params", default="parameters", metavar="DIR",
                   help="parameters directory (default: parameters)")
    _common(p)


def _batch_arguments(p: argparse.ArgumentParser) -> None:
    from ..run.executors import EXECUTORS
    from ..run.units import LANGUAGES

    p.add_argument("params", nargs="?", default="parameters", metavar="PARAMS_DIR",
                   help="parameters directory (default: parameters)")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="units run at once (default: CPU count, at most the number of reports)")
    p.add_argument("--language", choices=[*LANGUAGES, "all"], default="all",
                   help="report language(s) (default: all)")
    p.add_argument("--executor", choices=list(EXECUTORS), default="process",
                   help="process: local processes (default); dask: a Dask cluster (optional extra 'dask')")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --executor dask: the scheduler's address (default: a local cluster)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true",
                   help="run every unit, also those unchanged since their last ok run (skipped otherwise)")
    p.add_argument("--only", action="append", default=None, metavar="DEPARTMENT[/YEAR]",
                   help="run only this department (or department-year); may be given more than once")
    p.add_argument("--dry-run", action="store_true",
                   help="list what would run and why, and what would be skipped; run and write nothing")
    _common(p)


def register(subparsers) -> None:
    for name, help_, description, arguments, func in (
        ("run", "write one department-year's report: <out>/<department>/<year>/report.ipynb, .html, .docx, .xlsx, .pdf",
         "Validate one department-year's parameters, run the evaluation notebook for it and write "
         "report.ipynb (executed), report.html (client version), report.docx (Word), report.xlsx (score sheet) "
         "and report.pdf (the HTML printed by headless Chromium, where installed); English: report.en.*.",
         _run_arguments, cmd_run),
        ("batch", "write the reports of every department-year under a parameters directory, in parallel",
         "Run the evaluation notebook for every <department>/<year>.yaml, in Chinese and English by "
         "default; a failing unit does not stop the others. Writes <out>/manifest.json.",
         _batch_arguments, cmd_batch),
    ):
        subparsers.add_parser(name, help=help_, description=description, arguments=arguments).set_defaults(func=func)


def _print_problems(rec) -> None:
    """Every problem line of an invalid unit (the summary shows only the first)."""
    problems = (rec.error or {}).get("problems", [])
    if len(problems) > 1:
        for line in problems:
            print(f"    {line}", file=sys.stderr)


def _templates(args) -> str | None:
    """``--templates``, else ``$PERFKIT_TEMPLATES`` from the user's environment: a run passes its templates to the
    kernel in that variable, and one set beforehand would reach the kernel anyway, unchecked until a report
    failed on it and unseen by the batch's record of its inputs. Taken here, it is checked before any unit runs
    (a relative path from the current folder) and recorded, so a batch without it runs its units again."""
    from ..run.engine import TEMPLATES_ENV  # cmd_run and cmd_batch import the run layer anyway

    return args.templates or os.environ.get(TEMPLATES_ENV) or None


def cmd_run(args) -> int:
    from ..errors import RunError
    from ..run.batch import describe_failure, run_unit
    from ..run.documents import PDF_NOT_MADE
    from ..run.units import documents_of, languages_of

    code = EXIT_OK
    for language in languages_of(args.language):  # --language all: each language in turn, zh first
        try:
            rec = run_unit(args.department, args.year, language, args.params, args.out,
                           notebook=args.notebook, kernel_name=args.kernel, timeout=args.timeout,
                           templates=_templates(args), engine_name=args.engine,
                           documents=documents_of(args.documents))
        except RunError as exc:
            print(f"perfkit run: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if rec.ok:
            for path in rec.outputs.values():
                print(f"{args.out.rstrip('/')}/{path}")
            print(f"{rec.title} ({rec.duration_s:.1f}s)", file=sys.stderr)
            for line in rec.warnings:
                if line.startswith(PDF_NOT_MADE):  # an optional output not made: said, never silent
                    print(f"perfkit run: {line}", file=sys.stderr)
            continue
        print(f"perfkit run: {describe_failure(rec, args.out)}", file=sys.stderr)
        _print_problems(rec)
        if rec.status == "invalid":  # the same parameters fail alike in every language: said once
            return EXIT_FAILED
        code = EXIT_FAILED
    return code


def cmd_batch(args) -> int:
    from ..errors import RunError
    from ..run.batch import BatchInterrupted, describe_failure, group_failures, run_batch
    from ..run.units import documents_of

    try:
        result = run_batch(args.params, args.out, workers=args.workers, languages=args.language,
                           notebook=args.notebook, kernel_name=args.kernel, timeout=args.timeout,
                           executor=args.executor, scheduler=args.scheduler, progress=not args.no_progress,
                           force=args.force, only=args.only, dry_run=args.dry_run, templates=_templates(args),
                           engine_name=args.engine, documents=documents_of(args.documents))
    except RunError as exc:
        print(f"perfkit batch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BatchInterrupted as exc:
        print(f"perfkit batch: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.dry_run:
        lines = result.plan_lines()
        for line in lines:
            print(line)
        runs = sum(1 for d in result.decisions if d.run)
        print(f"{runs} of {len(lines)} reports would run, {len(lines) - runs} unchanged would be skipped "
              "(--dry-run: nothing run or written)")
        return EXIT_OK
    n, bad, kept = len(result.records), result.failed, len(result.skipped)
    skipped = f", {kept} unchanged since their last run and skipped (--force reruns them)" if kept else ""
    print(f"{n - len(bad) - kept} of {n} reports written to {args.out}{skipped} in {result.duration_s:.1f}s; "
          f"manifest: {result.manifest}")
    if not bad:
        return EXIT_OK
    print(f"{len(bad)} failed:", file=sys.stderr)
    for rec, languages in group_failures(bad):
        print(f"  {describe_failure(rec, args.out, languages)}", file=sys.stderr)
        _print_problems(rec)
    return EXIT_FAILED
