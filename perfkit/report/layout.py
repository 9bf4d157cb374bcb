"""The shape of a report's tables, shared by its outputs: a table read from the HTML the report holds
(:func:`html_table_of`) or from a Markdown table (:func:`markdown_table_of`), and the column widths a
printed page gives it (:func:`column_widths`), used by the Word document (:mod:`perfkit.report.word`) and
by the print layout of the HTML (:mod:`perfkit.report.notebook_html`) alike."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..fmt import display_width

# A run of characters a line does not break inside: a Latin word or a number with its signs and unit.
_UNBREAKABLE = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")
_HYPHENATED = re.compile(r"[^-]+-?|-")  # a line may break after a hyphen
# A heading this wide or narrower (five Chinese characters: 报告得分, 输入与计算) is kept on one line: broken, it
# reads as two words (全年预 / 算).
HEADER_KEPT = 10
BOLD = 1.15  # a heading's bold letters are this much wider
# A Latin word this wide or narrower (about twelve letters) is kept on one line while the page has room.
WORD_KEPT = 16
# Latin letters and digits in the proportional fonts a report is printed in, in display columns (a Chinese
# character is two): a digit is 0.64 of a Chinese character in DejaVu Sans and Noto Sans, 0.5–0.55 in the
# Word document's fonts; the wider is taken, so a number never breaks. Narrow signs (. , : ; i l) take
# about half that, % and the widest capitals about one and a half.
_LATIN, _NARROW, _BROAD = 1.3, 0.65, 1.9
TIERS = 3  # of what must not break: numbers, headings, the body's words (:func:`_measure`)
_NARROW_CHARS, _BROAD_CHARS = frozenset(".,:;!|'()[] ilIjft"), frozenset("%@MWmw—")


_HAN = "[\u3400-\u9fff\uf900-\ufaff]"  # a Chinese character (CJK ideographs and compatibility ideographs)
_CJK_RUN = re.compile(f"(?<!{_HAN}){_HAN}{{4,5}}(?!{_HAN})")  # a run of four or five, alone


def heading_chunks(text: str) -> list[str]:
    """A heading cut where its line may break: a run of four or five Chinese characters in two pieces (一级 /
    指标, 输入与 / 计算), since a short heading broken anywhere reads as other words (全年预 / 算). The HTML
    keeps each piece on one line (:func:`perfkit.report.tables.html_table`); longer runs break anywhere."""
    out, at = [], 0
    for m in _CJK_RUN.finditer(text):
        half = m.start() + (len(m.group(0)) + 1) // 2
        out += [text[at:half], text[half:m.end()]]
        at = m.end()
    if not out:
        return [text]
    out[-1] += text[at:]
    return out


@lru_cache(maxsize=1 << 16)
def print_columns(text: str) -> float:
    """The width of a line of text as a report prints it, in display columns (half a Chinese character):
    a wide (CJK) character is 2, a Latin letter or digit 1.3 (see :data:`_LATIN`), narrow signs 0.65, % and
    broad capitals 1.9. Wider than :func:`perfkit.fmt.display_width` for Latin text, which is measured in a
    terminal's fixed-width cells."""
    return sum(_NARROW if ch in _NARROW_CHARS else _BROAD if ch in _BROAD_CHARS else
               _LATIN if ch.isascii() or display_width(ch) == 1 else 2.0 for ch in text)


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
    # what _measure found, by number of columns: the page, the Word document and the fit test measure it once
    measured: dict = field(default_factory=dict, repr=False, compare=False)


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
        cells = []
        for c in tr:
            if c.tag != "td" and c.tag != "th":  # a comment's tag is a function: never either
                continue
            classes = (c.get("class") or "").split()
            # a cell with no element inside (most: html_table writes escaped text) is its own text, as element_text
            # would find it with no <br> to keep and nothing else to collect
            text = element_text(c) if len(c) else (c.text or "").strip()
            cells.append(Cell(text, header=c.tag == "th", numeric="num" in classes, diff="diff" in classes))
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


def _chinese_piece(piece: str) -> float:
    """The Chinese characters a piece of a heading holds, in display columns (they do not break)."""
    return 2.0 * len(re.findall(_HAN, piece))


@lru_cache(maxsize=1 << 14)
def _cell(text: str, header: bool) -> tuple[float, float, float, float]:
    """A cell's text measured (display columns): its widest line, all of it, its longest Latin word (at most
    :data:`WORD_KEPT`; a line breaks after a hyphen) and, for a heading, its widest piece of Chinese."""
    w = max(print_columns(x) for x in text.split("\n"))
    words = (x for token in _UNBREAKABLE.findall(text) for x in _HYPHENATED.findall(token))
    longest = min(max((print_columns(x) for x in words), default=2), WORD_KEPT)
    piece = max(_chinese_piece(x) for x in heading_chunks(text)) if header else 0.0
    return w, print_columns(text), longest, piece


def _measure(table: Table, ncols: int) -> tuple[list[float], list[list[float]], list[float], int]:
    """Per column, in display columns (:func:`print_columns`): the widest line; what must not break, in three
    tiers each holding the one before: a number, then a short heading (five Chinese characters, one short
    word; bold: :data:`BOLD`) over narrower cells, then the Latin words of the headings and the body (each at
    most :data:`WORD_KEPT`); all the text; and the number of body rows. Measured once per table."""
    if ncols in table.measured:
        return table.measured[ncols]
    want = [2.0] * ncols  # the widest line of the body's cells
    total_text = [0.0] * ncols  # all the body's text, for sharing the width
    number, heading, word = [0.0] * ncols, [0.0] * ncols, [0.0] * ncols
    body = 0
    for row in table.rows:
        body += not row.header
        for j, c in enumerate(row.cells[:ncols]):
            w, all_text, longest, piece = _cell(c.text, row.header)
            if not row.header:
                want[j] = max(want[j], min(w + (1 if c.numeric else 0), 400))
                total_text[j] += all_text
                if c.numeric:
                    number[j] = max(number[j], w + 1)
                else:  # Chinese text breaks between any two characters, a Latin word after its hyphens
                    word[j] = max(word[j], longest)
            else:  # bold; its Chinese runs break only between the pieces of heading_chunks
                heading[j] = max(heading[j], BOLD * w if w <= HEADER_KEPT else 0)
                number[j] = max(number[j], BOLD * piece)
                word[j] = max(word[j], BOLD * longest)
    # A heading over a column of long text breaks with its text when the page is narrow; over numbers, codes
    # and short words it would be the one thing broken.
    heading = [h if h > w else 0.0 for h, w in zip(heading, want)]
    tiers = [[max(4.0, *parts[:k]) for parts in zip(number, heading, word)] for k in range(1, TIERS + 1)]
    want = [max(w, t) for w, t in zip(want, tiers[-1])]
    table.measured[ncols] = want, tiers, total_text, body
    return table.measured[ncols]


def natural_width(table: Table, ncols: int, unit: float, pad: float) -> float:
    """The width a table takes with no line broken (in the unit of ``unit`` and ``pad``, see :func:`column_widths`)."""
    return sum(pad + unit * w for w in _measure(table, ncols)[0])


def tiers_fitting(table: Table, ncols: int, total: float, unit: float, pad: float) -> int:
    """How many of :func:`_measure`'s tiers of what must not break fit in ``total`` at this ``unit`` and
    ``pad`` (0–3; 3: every number, heading and word of the body whole)."""
    tiers = _measure(table, ncols)[1]
    return sum(1 for tier in tiers if sum(pad + unit * k for k in tier) <= total)


def column_widths(table: Table, ncols: int, total: float, unit: float, pad: float) -> list[float]:
    """Column widths filling ``total``, in its unit: ``unit`` is one display column (half a Chinese
    character) and ``pad`` a cell's margins and air. A table whose lines all fit keeps its columns'
    proportions; a wider one gives each column what must not break (a number and two Chinese characters; then,
    where the page has room, a short heading over narrower cells; then every Latin word) and shares the rest
    by how much text each column holds, so a rule's text gets room to be read beside a long arithmetic and no
    column is a few characters wide."""
    want, tiers, total_text, body = _measure(table, ncols)
    floors = [[pad + unit * k for k in tier] for tier in tiers]  # two Chinese characters at least
    most = [pad + unit * w for w in want]
    if sum(most) <= total:
        return [w * total / sum(most) for w in most]
    if sum(floors[0]) >= total:
        return [w * total / sum(floors[0]) for w in floors[0]]
    least = [tier for tier in floors if sum(tier) <= total][-1]  # the most that can be kept whole
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
