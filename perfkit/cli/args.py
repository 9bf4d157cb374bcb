"""What the perfkit subcommands share: exit codes, argument types whose errors say what was expected, and
subcommand parsers whose arguments are added only when that subcommand is used (:class:`CommandParser`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable  # not typing's: importing typing costs --help some 4 ms

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_FAILED = EXIT_INVALID  # a unit failed or its parameters are invalid (the other reports are still written)


class CommandParser(argparse.ArgumentParser):
    """The parser of one subcommand. ``arguments(parser)`` adds its arguments the first time it parses or
    prints help, so it may import the library whose defaults and choices it shows without ``perfkit --help``
    or another subcommand paying for that import."""

    def __init__(self, *args, arguments: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._arguments = arguments

    def _add_arguments(self) -> None:
        if self._arguments is not None:
            add, self._arguments = self._arguments, None
            add(self)

    def parse_known_args(self, args=None, namespace=None):
        self._add_arguments()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._add_arguments()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_arguments()
        return super().format_help()


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_int(text: str) -> int:
    n = _whole_number(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {n}")
    return n


def _finite_number(text: str, what: str = "a number") -> float:
    """``text`` as a finite number; ``nan``, ``inf`` and ``1e999`` are refused like any other non-number."""
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected {what} (a finite number), got {text!r}")
    return v


def positive_float(text: str) -> float:
    v = _finite_number(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {v:g}")
    return v


def non_negative_int(text: str) -> int:
    n = _whole_number(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {n}")
    return n


def timeout_seconds(text: str) -> float | None:
    """Seconds; 0: no limit (None). A negative number is refused (it used to mean no limit too, unsaid)."""
    t = _finite_number(text, "seconds")
    if t < 0:
        raise argparse.ArgumentTypeError(f"expected seconds, 0 for no limit, got {t:g}")
    return None if t == 0 else t


MAX_DRAWS = 10_000_000  # Monte Carlo draws: 100,000 take about a second; ten million, minutes and gigabytes


def draws(text: str) -> int:
    """A number of Monte Carlo draws: 1 to :data:`MAX_DRAWS`."""
    n = positive_int(text)
    if n > MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_DRAWS} draws, got {n}")
    return n


def xlsx_path(text: str) -> str:
    """Where to write an Excel workbook: a file name ending in .xlsx (never a parameter file's .yaml)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name ending in .xlsx, got an empty one")
    if not text.lower().endswith(".xlsx"):
        raise argparse.ArgumentTypeError(f"expected a file name ending in .xlsx (an Excel workbook), got {text!r}")
    return text
