"""The score sheet (评分表) handed over beside the report: ``report.xlsx`` and ``perfkit score --xlsx``.

One workbook in the report's language: a summary sheet, one score sheet per evaluation laid out as the
published 评分表 forms are (一级指标 / 分值 / 二级指标 / 分值 / 三级指标 / 分值 / 指标解释 / 评分标准, then
perfkit's rule, inputs and arithmetic, 得分, the reported score, the difference and the reason for lost
points), with the hierarchy as merged cells, a subtotal row under each level-1 block and a 合计 row, a sheet
of every target against its actual (绩效目标, as the report's target table) and a sheet of the reconciliation
findings in sentences. Sheet names, headers and labels come from
``templates/document.<language>.yaml`` (``sheet``).

Numbers are numbers shown with two decimals (so a reader can add them up again), points as the framework
writes them (5, 1.5) and a target's ratio as a percentage; every string is a text
cell, never a formula, with Excel's quote prefix where a spreadsheet would otherwise read it as one
(:func:`text_cell`). The sheets print on A4 landscape, one page wide, with the header row on every page.
"""

from __future__ import annotations

import math
import weakref
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..analysis import targets
from ..core.framework import TOLERANCE
from ..fmt import missing, pct_ratio
from .rules_text import describe_rule, inputs_text
from .sentences import TARGET_COLUMNS, NodeNames, finding_sentence, rounding_note, target_cells
from .target_words import TargetWords
from .text import Text
from .word import document_style, xml_text

# Text beginning with one of these is read as a formula by a spreadsheet (Excel, LibreOffice) when edited or
# exported to CSV: written as text with Excel's quote prefix ('=1+1 shows as =1+1).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMAT = "0.00"
POINTS_FORMAT = "General"  # points as a framework writes them: 5, 1.5 (not 5.00)
RATIO_FORMAT = "0.00%"  # a target's ratio, as the report prints it
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F7F9FB")
THIN = Side(style="thin", color="A0A8B4")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
# Score sheet columns in order, with their widths (characters).
COLUMNS = (("level1", 12), ("level1_points", 7), ("level2", 12), ("level2_points", 7), ("level3", 16),
           ("level3_points", 7), ("note", 14), ("criteria", 40), ("rule", 30), ("inputs", 28), ("score", 8),
           ("reported", 9), ("difference", 8), ("reason", 30))
NUMERIC = {"level1_points", "level2_points", "level3_points", "score", "reported", "difference"}
HEADER_ROW = 2  # row 1 holds the sheet's title


def text_cell(cell) -> None:
    """A cell holding a string: text, never a formula (openpyxl types any string beginning with '=' as one)."""
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_START):
        cell.quotePrefix = True


def _value(x: Any) -> Any:
    """A number as a cell holds it: None for missing or NaN."""
    if x is None:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


# A cell's style in openpyxl is a row of indexes into the workbook's fonts, fills, borders, alignments and
# number formats; setting each attribute looks its value up there (hashing it), which was most of writing a
# large score sheet (Beijing 2021's 37 sheets: 2.5 s). The first cell of each combination is styled
# attribute by attribute, the others copy its row of indexes: the same workbook, written in a tenth of the time.
_STYLES: "weakref.WeakKeyDictionary[Any, dict[tuple, StyleArray]]" = weakref.WeakKeyDictionary()


def _put(ws, row: int, col: int, value: Any, *, bold: bool = False, fill=None, align=WRAP,
         number_format: str = NUMBER_FORMAT):
    cell = ws.cell(row=row, column=col)
    number = False
    if isinstance(value, str):
        cell.value = xml_text(value)
    else:
        cell.value = _value(value)
        number = isinstance(cell.value, (int, float))
    styles = _STYLES.setdefault(ws.parent, {})
    key = (number and number_format, bold, id(fill) if fill is not None else None, id(align))
    if key in styles:
        cell._style = copy(styles[key])
    else:
        if number:
            cell.number_format = number_format
        cell.border = BORDER
        cell.alignment = align
        if bold:
            cell.font = Font(bold=True)
        if fill is not None:
            cell.fill = fill
        styles[key] = copy(cell._style)
    if isinstance(value, str):
        text_cell(cell)  # after the style: its quote prefix is part of it
    return cell


def _sheet_name(text: str, used: set[str]) -> str:
    base = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "sheet"
    name, k = base, 2
    while name in used:
        name = f"{base[:28]}~{k}"
        k += 1
    used.add(name)
    return name


def _print_setup(ws, header_rows: str, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = header_rows
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True


def _title(ws, text: str, ncols: int) -> None:
    _put(ws, 1, 1, text, bold=True, align=Alignment(vertical="center"))
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 24


def _header(ws, labels: list[str], row: int = HEADER_ROW) -> None:
    for j, label in enumerate(labels, 1):
        _put(ws, row, j, label, bold=True, fill=HEADER_FILL, align=CENTER)
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def score_sheet(ws, result, t: Text, labels: dict) -> None:
    """One evaluation's 评分表 on ``ws``."""
    cell_text = t.plain
    lang = t.lang
    cols = [c for c, _ in COLUMNS]
    index = {c: j for j, c in enumerate(cols, 1)}
    has_reported = any(_value(x) is not None for x in result.table["reported_score"])
    ev = result.evaluation
    _title(ws, labels["title"].format(title=lang.pick(ev.title, ev.title_en)), len(cols))
    _header(ws, [labels["columns"][c] for c in cols])
    for c, width in COLUMNS:
        ws.column_dimensions[get_column_letter(index[c])].width = width
    names = NodeNames(result, lang)
    nodes = {r["id"]: r for r in result.node_rows}
    records = result.table_rows
    leaves = result.compiled.leaves
    row_scores = result.compiled.row_scores()
    row = HEADER_ROW + 1
    spans: dict[tuple[int, str], list[int]] = {}  # (level, node id) → rows it spans
    blocks: list[tuple[str, list[int]]] = []  # level-1 node id → the rows of its leaves

    for i, (x, leaf) in enumerate(zip(records, leaves)):
        path = list(leaf.node.path)  # ancestor ids, then the leaf's
        depth = len(path)
        for level, node_id in enumerate(path[:-1], 1):
            spans.setdefault((level, node_id), []).append(row)
        if depth > 1 and (not blocks or blocks[-1][0] != path[0]):
            blocks.append((path[0], []))
        if blocks:
            blocks[-1][1].append(row)
        for level, node_id in enumerate(path[:-1], 1):
            if level <= 2:
                _put(ws, row, index[f"level{level}"], names(node_id))
                _put(ws, row, index[f"level{level}_points"], nodes[node_id]["points"], align=CENTER,
                     number_format=POINTS_FORMAT)
        leaf_level = min(depth, 3)
        _put(ws, row, index[f"level{leaf_level}"], names(x["id"]))
        _put(ws, row, index[f"level{leaf_level}_points"], x["points"], align=CENTER, number_format=POINTS_FORMAT)
        indicator = leaf.node.indicator
        rule_words = describe_rule(cell_text, leaf.rule, x["points"], leaf.inputs, indicator.zero_if)
        _put(ws, row, index["note"], indicator.note or "")
        _put(ws, row, index["criteria"], indicator.criteria or rule_words)
        _put(ws, row, index["rule"], rule_words)
        _put(ws, row, index["inputs"], inputs_text(cell_text, result, i, row_scores))
        _put(ws, row, index["score"], float(x["score"]))
        rep = _value(x["reported_score"])
        _put(ws, row, index["reported"], rep)
        _put(ws, row, index["difference"], None if rep is None else rep - float(x["score"]))
        lost = x["points"] - x["score"]
        reason = x["reason"] if lost > TOLERANCE and isinstance(x["reason"], str) else ""
        _put(ws, row, index["reason"], reason)
        for c in cols:  # the empty cells of the row, bordered
            if ws.cell(row=row, column=index[c]).border != BORDER:
                _put(ws, row, index[c], None)
        row += 1
        # a level-1 block ends: its subtotal row
        next_top = leaves[i + 1].node.path[0] if i + 1 < len(leaves) else None
        if depth > 1 and next_top != path[0]:
            node = nodes[path[0]]
            _put(ws, row, index["level1"], labels["subtotal"].format(name=names(path[0])), bold=True,
                 fill=SUBTOTAL_FILL)
            _put(ws, row, index["level1_points"], node["points"], bold=True, fill=SUBTOTAL_FILL, align=CENTER,
                 number_format=POINTS_FORMAT)
            for c in cols[index["level1_points"]:]:
                _put(ws, row, index[c], None, fill=SUBTOTAL_FILL)
            _put(ws, row, index["score"], float(node["score"]), bold=True, fill=SUBTOTAL_FILL)
            rep_sum = _block_reported(node, blocks[-1][1], ws, index["reported"])
            _put(ws, row, index["reported"], rep_sum, bold=True, fill=SUBTOTAL_FILL)
            _put(ws, row, index["difference"], None if rep_sum is None else rep_sum - float(node["score"]),
                 bold=True, fill=SUBTOTAL_FILL)
            row += 1

    # 合计
    total_points = float(result.table["points"].sum())
    _put(ws, row, 1, labels["total"], bold=True, fill=SUBTOTAL_FILL)
    _put(ws, row, index["level1_points"], total_points, bold=True, fill=SUBTOTAL_FILL, align=CENTER,
         number_format=POINTS_FORMAT)
    for c in cols[index["level1_points"]:]:
        _put(ws, row, index[c], None, fill=SUBTOTAL_FILL)
    _put(ws, row, index["score"], float(result.total), bold=True, fill=SUBTOTAL_FILL)
    rep_total = _value(result.reported_total)
    _put(ws, row, index["reported"], rep_total, bold=True, fill=SUBTOTAL_FILL)
    _put(ws, row, index["difference"], None if rep_total is None else rep_total - float(result.total), bold=True,
         fill=SUBTOTAL_FILL)
    note = rounding_note(cell_text, result)  # the cells show two decimals; the total is the unrounded sum
    if note is not None:
        row += 2
        _put(ws, row, 1, str(note), align=Alignment(wrap_text=True, vertical="top"))
        ws.cell(row=row, column=1).border = Border()
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(cols))
        ws.row_dimensions[row].height = 32

    # the hierarchy as merged cells: a node's name and points over the rows of its leaves
    for (level, _), rows in spans.items():
        if level > 2 or len(rows) < 2 or rows[-1] - rows[0] != len(rows) - 1:
            continue
        for c in (f"level{level}", f"level{level}_points"):
            ws.merge_cells(start_row=rows[0], start_column=index[c], end_row=rows[-1], end_column=index[c])
            ws.cell(row=rows[0], column=index[c]).alignment = CENTER
    if not has_reported:  # no reported scores: the two columns say nothing
        for c in ("reported", "difference"):
            ws.column_dimensions[get_column_letter(index[c])].hidden = True
    _print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")


def _block_reported(node, rows: list[int], ws, column: int) -> float | None:
    """The reported score of a level-1 block: as the report states it, else the sum of its leaves' (None if
    none is reported)."""
    if _value(node.get("reported")) is not None:
        return float(node["reported"])
    values = [ws.cell(row=r, column=column).value for r in rows]
    values = [v for v in values if isinstance(v, (int, float))]
    return float(sum(values)) if values else None


def summary_sheet(ws, results: list, t: Text, labels: dict) -> None:
    lang = t.lang
    cols = list(labels["summary_columns"])
    _header(ws, [labels["summary_columns"][c] for c in cols], row=1)
    for k, r in enumerate(results, 2):
        ev, fw = r.evaluation, r.framework
        values = {
            "title": lang.pick(ev.title, ev.title_en),
            "kind": t.plain("kind_evaluator", kind=t.label(f"kind.{ev.kind}"), evaluator=t.label(f"evaluator.{ev.evaluator}")),
            "framework": lang.pick(fw.name, fw.name_en),
            "points": float(r.table["points"].sum()),
            "score": float(r.total),
            "grade": lang.grade_label(r.grade, fw),
            "reported": _value(r.reported_total),
            "reported_grade": lang.grade_label(r.reported_grade, fw) if r.reported_grade else "",
            "findings": len(r.findings),
        }
        for j, c in enumerate(cols, 1):
            _put(ws, k, j, values[c], number_format={"findings": "0", "points": POINTS_FORMAT}.get(c, NUMBER_FORMAT))
    for j, c in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(j)].width = {"title": 48, "kind": 22, "framework": 36}.get(c, 11)
    _print_setup(ws, "1:1")


def findings_sheet(ws, results: list, t: Text, labels: dict) -> None:
    lang = t.lang
    cols = list(labels["findings_columns"])
    _header(ws, [labels["findings_columns"][c] for c in cols], row=1)
    row = 2
    for r in results:
        names = NodeNames(r, lang)
        for f in r.findings:
            values = {"evaluation": lang.pick(r.evaluation.title, r.evaluation.title_en),
                      "indicator": names(f.indicator) if f.indicator else "",
                      "severity": labels["severity"].get(f.severity, f.severity),
                      "finding": str(finding_sentence(t.plain, r, f, names))}
            for j, c in enumerate(cols, 1):
                _put(ws, row, j, values[c])
            row += 1
    if row == 2:  # a sheet with nothing under its header says so
        _put(ws, row, 1, labels["no_findings"])
    for j, c in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(j)].width = {"evaluation": 36, "indicator": 20, "severity": 8}.get(c, 90)
    _print_setup(ws, "1:1")


def targets_sheet(ws, bundle, results: list, t: Text, labels: dict) -> None:
    """Every target of the evaluations against its actual (绩效目标), as the report's target table shows them
    (:func:`perfkit.report.sentences.target_cells`): the ratio a number shown as a percentage, ∞ for a
    target of zero, — where there is none. A 绩效目标表 row restating a scored leaf's target is left out."""
    lang = t.lang
    several = len(results) > 1
    cols = (["evaluation"] if several else []) + list(TARGET_COLUMNS)
    _header(ws, [labels["findings_columns"]["evaluation"] if c == "evaluation" else t.label(f"columns.{c}")
                 for c in cols], row=1)
    words = TargetWords(t.plain, year=bundle.year)
    row = 2
    for r in results:
        for d in targets.distinct(targets.diagnose(r)):
            values = target_cells(t, words, d)
            values["evaluation"] = lang.pick(r.evaluation.title, r.evaluation.title_en)
            if missing(d.ratio) or math.isinf(d.ratio):  # as the report prints them: —, ∞
                values["ratio"] = pct_ratio(d.ratio)
            for j, c in enumerate(cols, 1):
                _put(ws, row, j, values[c], number_format=RATIO_FORMAT)
            row += 1
    if row == 2:
        _put(ws, row, 1, labels["no_targets"])
    widths = {"evaluation": 36, "target_name": 30, "target": 24, "actual": 24, "judgement": 24}
    for j, c in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(c, 11)
    _print_setup(ws, "1:1")


def workbook(bundle, results: list, language: str = "zh") -> Workbook:
    """The score sheet workbook of a department-year's scored evaluations in ``language``."""
    t = Text(language)
    labels = document_style(language)["sheet"]
    wb = Workbook()
    used: set[str] = set()
    summary = wb.active
    summary.title = _sheet_name(labels["summary"], used)
    summary_sheet(summary, results, t, labels)
    for r in results:
        name = labels["score_sheet"] if len(results) == 1 else f"{labels['score_sheet']}-{r.evaluation.id}"
        score_sheet(wb.create_sheet(_sheet_name(name, used)), r, t, labels)
    targets_sheet(wb.create_sheet(_sheet_name(labels["targets"], used)), bundle, results, t, labels)
    findings_sheet(wb.create_sheet(_sheet_name(labels["findings"], used)), results, t, labels)
    return wb
