"""Report building blocks: escaped HTML tables and :class:`Section`, what a notebook cell displays.

Both escape on the way in: :func:`html_table` escapes every cell and its caption for HTML, and a
:class:`Section` escapes every Markdown text it is given that is not :class:`~perfkit.report.text.Safe`
(template output and labels are; names and other text from parameter files are not).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Iterable

from IPython.display import HTML, Markdown, display

from . import plots
from .layout import heading_chunks
from .text import Safe, md_text


TABLE_STYLE = """<style>
table.perfkit{border-collapse:collapse;margin:0.4em 0 1.2em;font-size:0.9em;max-width:100%;table-layout:auto}
table.perfkit th,table.perfkit td{border:1px solid #c8d0da !important;padding:3px 7px !important;
  vertical-align:top !important;text-align:left !important;white-space:normal !important}
table.perfkit th{background:#eef2f7 !important;font-weight:600}
table.perfkit td.num{text-align:right !important;white-space:nowrap !important}
table.perfkit th span.nb{white-space:nowrap}
table.perfkit td.name{min-width:5.5em}
table.perfkit tr.total td,table.perfkit tr.level1 td{font-weight:600;background:#f7f9fb !important}
table.perfkit td.diff{color:#b03a2e}
</style>"""


def _heading(text: str) -> str:
    """A column heading, escaped, a short Chinese one in two pieces that each stay on one line (一级 / 指标,
    never 一级指 / 标: :func:`perfkit.report.layout.heading_chunks`)."""
    pieces = heading_chunks(str(text))
    if len(pieces) == 1:
        return html.escape(pieces[0])
    return "".join(f'<span class="nb">{html.escape(p)}</span>' for p in pieces)


def html_table(header: list[str], rows: list, numeric: Iterable[int] = (), caption: str | None = None,
               names: Iterable[int] = (0,)) -> str:
    """A table with escaped cells; ``rows`` are lists of cells or (cells, css class) pairs.

    Columns in ``numeric`` are right-aligned; columns in ``names`` keep a minimum width for labels.
    """
    numeric, names = set(numeric), set(names)
    out = ['<table class="perfkit">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_heading(h)}</th>" for h in header) + "</tr></thead><tbody>")
    for row in rows:
        cls = None
        if isinstance(row, tuple):
            row, cls = row
        tr = f'<tr class="{cls}">' if cls else "<tr>"
        cells = []
        for j, cell in enumerate(row):
            text = "" if cell is None else str(cell)
            classes = (["num"] if j in numeric else []) + (["name"] if j in names else []) + (
                ["diff"] if text.endswith("≠") else [])
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{html.escape(text)}</td>")
        out.append(tr + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


@dataclass
class Section:
    """Blocks of a report section: ``("md", text)``, ``("html", text)`` or ``("fig", Figure)``."""

    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def md(self, *paragraphs: str) -> "Section":
        """Paragraphs of Markdown: template output as it is, any other text escaped as data (:func:`md_text`)."""
        text = "\n\n".join(md_text(p) for p in paragraphs if p)
        if text:
            self.blocks.append(("md", text))
        return self

    def heading(self, level: int, text: str) -> "Section":
        return self.md(Safe("#" * level + " " + md_text(text)))

    def strong(self, text: str) -> "Section":
        """A paragraph in bold (a label over a table or a list)."""
        return self.md(Safe("**" + md_text(text) + "**"))

    def bullets(self, items: Iterable[str], numbered: bool = False) -> "Section":
        items = list(items)
        if items:
            self.md(Safe("\n".join((f"{i}. " if numbered else "- ") + md_text(x) for i, x in enumerate(items, 1))))
        return self

    def html(self, text: str) -> "Section":
        self.blocks.append(("html", text))
        return self

    def figure(self, fig) -> "Section":
        self.blocks.append(("fig", fig))
        return self

    def markdown(self) -> str:
        """All Markdown of the section (for tests and plain-text use)."""
        return "\n\n".join(b for k, b in self.blocks if k == "md")

    def merged(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for kind, content in self.blocks:
            if kind == "md" and out and out[-1][0] == "md":
                out[-1] = ("md", out[-1][1] + "\n\n" + content)
            else:
                out.append((kind, content))
        return out

    def _ipython_display_(self) -> None:
        for kind, content in self.merged():
            if kind == "md":
                display(Markdown(content))
            elif kind == "html":
                display(HTML(content))
            else:
                plots.show(content)
