"""The shape of a report's tables, shared by its outputs: a table read from the HTML the report holds
(:func:`html_table_of`) or from a Markdown table (:func:`markdown_table_of`), and the column widths a
printed page gives it (:func:`column_widths`), used by the Word document (:mod:`perfkit.report.word`) and
by the print layout of the HTML (:mod:`perfkit.report.notebook_html`) alike."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..fmt import display_width

# A run of characters a line does not break inside: a Latin word or a number with its signs and unit.
_UNBREAKABLE = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


@dataclass
class Cell:
    """One cell: its text (line breaks kept) and how it is shown."""

    text: str
    header: bool = False
    numeric: bool = False
    diff: bool = False


@dataclass
class Row:
    cells: list[Cell]
    header: bool = False
    strong: bool = False


@dataclass
class Table:
    rows: list[Row]
    caption: str | None = None


def element_text(el) -> str:
    """An HTML element's text, its line breaks kept."""
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return " ".join(el.text_content().split(" ")).strip()


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def html_table_of(el) -> Table:
    rows: list[Row] = []
    caption = el.find("caption")
    for tr in el.iter("tr"):
        parent = tr.getparent()
        in_head = parent is not None and parent.tag == "thead"
        cells = [Cell(element_text(c), header=c.tag == "th", numeric="num" in _classes(c), diff="diff" in _classes(c))
                 for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        all_th = bool(cells) and all(c.header for c in cells)
        rows.append(Row(cells, header=in_head or (all_th and not rows),
                        strong=bool(_classes(tr) & {"total", "level1"})))
    return Table(rows, element_text(caption) if caption is not None else None)


def markdown_table_of(token: dict) -> Table:
    def flat(children) -> str:
        return "".join(html.unescape(c.get("raw", "")) if "raw" in c else flat(c.get("children", []))
                       for c in children)

    rows = []
    for part in token.get("children", []):
        kids = part.get("children", [])
        if part["type"] == "table_head":
            rows.append(Row([Cell(flat(c.get("children", [])), header=True) for c in kids], header=True))
        else:
            for tr in kids:
                rows.append(Row([Cell(flat(c.get("children", []))) for c in tr.get("children", [])]))
    return Table(rows)


def _measure(table: Table, ncols: int) -> tuple[list[int], list[int], list[int], int]:
    """Per column, in display columns: the widest line, the widest thing that must not break, all the text;
    and the number of body rows."""
    want = [2] * ncols  # the widest line of the body's cells
    total_text = [0] * ncols  # all the body's text, for sharing the width
    longest = [0] * ncols  # the widest thing that must not break
    body = 0
    for row in table.rows:
        body += not row.header
        for j, c in enumerate(row.cells[:ncols]):
            lines = c.text.split("\n") or [""]
            w = max(display_width(x) for x in lines)
            if not row.header:
                want[j] = max(want[j], min(w + (1 if c.numeric else 0), 400))
                total_text[j] += display_width(c.text)
            # what must not break: a number; a Latin word; Chinese text breaks between any two characters
            keep = w + 1 if c.numeric and not row.header else max(
                (display_width(x) for x in _UNBREAKABLE.findall(c.text)), default=2)
            longest[j] = max(longest[j], keep if c.numeric and not row.header else min(keep, 10))
    want = [max(w, k) for w, k in zip(want, longest)]
    return want, longest, total_text, body


def natural_width(table: Table, ncols: int, unit: float, pad: float) -> float:
    """The width a table takes with no line broken (in the unit of ``unit`` and ``pad``, see :func:`column_widths`)."""
    return sum(pad + unit * w for w in _measure(table, ncols)[0])


def column_widths(table: Table, ncols: int, total: float, unit: float, pad: float) -> list[float]:
    """Column widths filling ``total``, in its unit: ``unit`` is one display column (half a Chinese
    character) and ``pad`` a cell's margins and air. A table whose lines all fit keeps its columns'
    proportions; a wider one gives each column what must not break (a number, a Latin word, two Chinese
    characters) and shares the rest by how much text each column holds, so a rule's text gets room to be
    read beside a long arithmetic and no column is a few characters wide."""
    want, longest, total_text, body = _measure(table, ncols)
    least = [pad + unit * max(k, 4) for k in longest]  # two Chinese characters at least
    most = [pad + unit * w for w in want]
    if sum(most) <= total:
        return [w * total / sum(most) for w in most]
    if sum(least) >= total:
        return [w * total / sum(least) for w in least]
    # Every column starts at its least width; the rest of the page goes to the columns with more to say,
    # by how much (to the power 0.75): a long rule and a long arithmetic both get room, a column that is
    # long in one row only gets less, none beyond its widest line.
    widths = list(least)
    extra = {j: (total_text[j] / max(body, 1) + (most[j] - least[j]) / unit / 4) ** 0.75
             for j in range(ncols) if most[j] > least[j]}
    while extra and (rest := total - sum(widths)) > 1e-6:
        weight = sum(extra.values())
        for j in list(extra):
            widths[j] += rest * extra[j] / weight
            if widths[j] >= most[j]:
                widths[j] = most[j]
                del extra[j]
    return widths
