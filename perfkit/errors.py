"""User-facing errors under one root, :class:`PerfkitError`; every problem names the file, the field path
and what was expected.

``except perfkit.PerfkitError`` catches everything perfkit raises on purpose: a bad parameter file
(:class:`ParameterError`, one line per problem), a run that cannot start (:class:`RunError`), a measure
a budget block cannot give (:class:`MeasureUnavailable`) and a missing Chinese font
(:class:`CJKFontNotFound`). Anything else is a bug in perfkit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a parameter file: where it is and what was expected instead."""

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class PerfkitError(Exception):
    """The root of every error perfkit raises on purpose."""


class ParameterError(PerfkitError):
    """One or more problems in parameter files; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(dict.fromkeys(problems))  # each problem once (two rules may need one missing field)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_loc(loc: tuple) -> str:
    """A field path as a user writes it: ``("evaluations", 0, "budget")`` → ``evaluations[0].budget``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class RunError(PerfkitError):
    """A problem with the run itself (notebook, kernel, options), not with one unit; stops before any unit."""


class MeasureUnavailable(PerfkitError, LookupError):
    """A rule asks for a measure the budget block cannot give (unknown name or a missing field)."""


class CJKFontNotFound(PerfkitError, RuntimeError):
    """No installed font renders Chinese; the message says how to install one."""
