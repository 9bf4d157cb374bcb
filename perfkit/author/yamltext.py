"""YAML written line by line with comments, recording where each value still to be filled stands.

:class:`YamlText` is what :mod:`~perfkit.author.scaffold` and :mod:`~perfkit.author.xlsx_import` write with:
every scalar is emitted as a JSON string or number (JSON scalars are YAML), so no text from a framework or a
workbook can change the file's structure; a ``null`` written with :meth:`YamlText.missing` is recorded as a
:class:`Missing` (line, field path, what belongs there).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import format_loc


@dataclass(frozen=True)
class Missing:
    """A value the user still has to give: its line in the written file, its field path and what it is."""

    line: int
    field: str
    what: str

    def line_text(self, path: str) -> str:
        return f"{path}:{self.line}: {self.field}: value missing: {self.what}"


def scalar(value: Any) -> str:
    """A scalar as YAML: JSON strings and numbers (never a bare word YAML could read as another type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return f"{value:g}" if isinstance(value, float) else str(value)
    return json.dumps(str(value), ensure_ascii=False)


def one_line(text: Any, width: int = 110) -> str:
    """Text for a comment: one line, shortened with … beyond ``width`` characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= width else s[: width - 1] + "…"


@dataclass
class YamlText:
    lines: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    def comment(self, indent: int, *texts: str) -> None:
        for t in texts:
            if t:
                self.lines.append(" " * indent + "# " + one_line(t, 200))

    def key(self, indent: int, path: tuple, key: str, value: Any = ..., note: str = "", item: bool = False) -> None:
        """``key: value  # note``; ``value`` omitted: ``key:`` opening a block. ``item``: ``- key: …``."""
        lead = " " * indent + ("- " if item else "")
        text = f"{lead}{key}:" if value is ... else f"{lead}{key}: {scalar(value)}"
        self.lines.append(text + (f"  # {one_line(note, 160)}" if note else ""))

    def missing_value(self, indent: int, path: tuple, key: str, what: str, note: str = "", item: bool = False) -> None:
        """``key: null  # note``, recorded as a value still missing."""
        self.key(indent, path, key, None, note or what, item=item)
        self.missing.append(Missing(len(self.lines), format_loc(path + (key,)), what))

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
