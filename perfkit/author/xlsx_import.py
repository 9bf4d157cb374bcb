"""``perfkit import-xlsx``: a framework and a department-year read from the Excel 评分表 a consultant already has.

Reading: values only (``data_only=True``: a formula cell gives the value Excel last stored, never the formula,
which is never evaluated; macros are never loaded). The workbook is not opened read-only because merged cells
(the usual 一级/二级 hierarchy) are only known in a normal workbook: a cell inside a merged range takes the value
of the range's first cell, an empty cell outside one is empty.

A sheet is a **score sheet** (评分表) when one of its first rows, the header, names a level column (一级指标, 二级指标,
三级指标, 四级指标) and a points column (分值, 权重); it is a **target sheet** (绩效目标表) when the header names level
columns, a target (目标值, 年度指标值, 指标值) and an actual (实际完成值, 实际值). Columns are found by their words,
never by position; a 分值 column belongs to the level column left of it (一级指标 | 分值 | 二级指标 | 分值 | …), a
single 分值 to the deepest level. Rows naming 合计, 小计, 总计 or 总分 are subtotals and skipped; the table ends at
its grand total (合计, 总计, 总分), and rows below it are notes. Points are numbers
or text such as "10分"; a level name such as "产出指标（50分）" states its node's points. A target or an actual that
is a number in a cell formatted as a percentage is the rate the sheet shows (0.96 → "96%"), as Excel stores it as a
fraction; a 权重 so formatted is that share of 100 points (10% → 10).

Every data row of a score sheet is a leaf. Its rule is proposed from the 评分规则 column where it names a rule
family, else from the 评分标准 text (:func:`propose_rule`); a row whose rule, points or name cannot be read is
listed in :attr:`Imported.uninterpreted` with its sheet and cell, and its rule is left ``null`` in the framework
written, so that validation stops there.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError, Problem
from ..load import MAX_MAGNITUDE, unit_name_problem
from ..params import DEPARTMENT_ID, Framework
from ..rules import REGISTRY
from .scaffold import EvaluationSpec, evaluations_text, write_new
from .yamltext import Missing, YamlText, one_line

LEVEL_WORDS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
MAX_HEADER_ROW = 30


def _norm(v: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v))) if v is not None else ""


def column_kind(header: Any) -> tuple[str, int] | None:
    """What a header cell names: ("level", k), ("points", 0), ("criteria", 0), … or None."""
    h = _norm(header)
    if not h:
        return None
    if "指标路径" in h:
        return "path", 0
    for word, k in LEVEL_WORDS.items():
        if h.startswith(word) or h.startswith(word.replace("级", "級")):
            return "level", k
    if "重算" in h or "差异" in h or "计算过程" in h:
        return None
    if any(w in h for w in ("分值", "权重", "标准分")):
        return "points", 0
    if any(w in h for w in ("评分标准", "评分办法", "评分方法", "计分方法", "评分细则")):
        return "criteria", 0
    if any(w in h for w in ("指标解释", "指标说明", "指标内涵")):
        return "explanation", 0
    if "评分规则" in h:
        return "rule", 0
    if "扣分原因" in h or "偏差原因" in h:
        return "reason", 0
    if "得分" in h:
        return "score", 1 if "报告" in h else 0
    if any(w in h for w in ("实际完成值", "实际值", "完成值", "实际完成")):
        return "actual", 0
    if any(w in h for w in ("目标值", "指标值")):
        return "target", 0
    return None


POINTS = re.compile(r"^[（(]?\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]?$")
NAME_POINTS = re.compile(r"\s*[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")


def parse_points(v: Any) -> float | None:
    """10, 10.0, "10", "10分", "（10分）" → 10.0; anything else None, a number below 0, not finite or too large
    for a figure of perfkit's (``load.MAX_MAGNITUDE``) among them, as the text "-10分" is."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) and 0 <= v < MAX_MAGNITUDE else None
    m = POINTS.match(_norm(v))
    return float(m.group(1)) if m else None


def split_name(v: Any) -> tuple[str, float | None]:
    """"产出指标（50分）" → ("产出指标", 50.0); a name without points → (name, None)."""
    text = " ".join(str(v).split())
    m = NAME_POINTS.search(text)
    return (text[: m.start()].strip(), float(m.group(1))) if m else (text, None)


# --------------------------------------------------------------------------------------------
# Rules proposed from 评分标准 texts
# --------------------------------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"
PER_ITEM = re.compile(r"(?:每|一项|一处|一次|一个|一例)[^。；;]{0,40}?扣(?:除|减)?\s*" + _NUM + r"\s*分")


def propose_rule(criteria: str | None, rule_cell: Any = None) -> tuple[dict | None, str]:
    """A rule (as written in a framework) proposed for a 评分标准 text, and why; (None, why not) when none fits.

    - a 评分规则 cell naming a rule family whose defaults are a complete rule → that family;
    - 预算执行率 × 分值 → rate_weight on ``budget.execution_rate``;
    - 达成 / 部分达成 / 未达成 → qualitative_tiers (财预〔2020〕10号's tiers);
    - 每…扣 k 分 … 扣完为止 → deduct_per_item with ``per_item: k``;
    - 按完成比例 / 完成值与指标值的比例 / 完成率 × 分值 → ratio, or inverse_ratio for a 反向 / lower-is-better text;
    - 酌情 → judgement.
    """
    cell = _norm(rule_cell)
    if cell in REGISTRY:
        try:
            REGISTRY[cell].settings.model_validate({"family": cell})
            return {"family": cell}, f"评分规则 column: {cell}"
        except Exception:  # noqa: BLE001 - the family needs settings the sheet does not hold
            return None, f"the 评分规则 column names {cell}, whose settings are not in the sheet"
    t = _norm(criteria)
    if not t:
        return None, "no 评分标准 text"
    if "预算执行率" in t and any(w in t for w in ("×", "*", "乘以", "乘")):
        return {"family": "rate_weight", "measure": "budget.execution_rate"}, "预算执行率 × 分值"
    if "部分达成" in t and "未达成" in t:
        return {"family": "qualitative_tiers"}, "达成 / 部分达成 / 未达成"
    m = PER_ITEM.search(t)
    if m and ("扣完为止" in t or "扣完" in t or "扣至0" in t or "最低0分" in t):
        return {"family": "deduct_per_item", "per_item": float(m.group(1))}, f"每…扣{m.group(1)}分，扣完为止"
    ratio_words = ("完成比例", "按比例", "比例计分", "比例记分", "比例计算得分", "完成率×", "完成率*", "完成率乘以")
    if any(w in t for w in ratio_words) or re.search(r"完成值[与/÷][^。；]{0,6}(?:目标|指标)值", t):
        if any(w in t for w in ("反向", "越低越好", "越少越好", "目标值/实际", "指标值/实际", "指标值/完成")):
            return {"family": "inverse_ratio"}, "按比例计分（反向）"
        return {"family": "ratio"}, "按完成比例计分"
    if "酌情" in t:
        return {"family": "judgement"}, "酌情扣分"
    return None, "no rule recognised in the 评分标准 text"


# --------------------------------------------------------------------------------------------
# Reading the workbook
# --------------------------------------------------------------------------------------------


@dataclass
class Unread:
    """A row (or cell) the importer could not interpret: where, and why."""

    sheet: str
    cell: str
    why: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: {self.why}"


@dataclass
class Node:
    name: str
    id: str | None = None
    points: float | None = None  # stated (a 分值 cell or the name's "（50分）")
    criteria: str | None = None
    explanation: str | None = None
    rule: dict | None = None
    rule_why: str = ""
    reported_score: float | None = None
    cell: str = ""
    children: list["Node"] = field(default_factory=list)

    @property
    def leaf(self) -> bool:
        return not self.children

    def total(self) -> float:
        return (self.points or 0.0) if self.leaf else sum(c.total() for c in self.children)


@dataclass
class ScoreSheet:
    sheet: str
    tree: list[Node]


@dataclass
class TargetRow:
    category: list[str]
    name: str
    target: Any
    actual: Any


@dataclass
class Imported:
    score_sheets: list[ScoreSheet] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
    uninterpreted: list[Unread] = field(default_factory=list)
    skipped_subtotals: int = 0


def _merged_values(ws) -> dict[tuple[int, int], Any]:
    """(row, column) of every cell inside a merged range → the value of the range's first cell."""
    out = {}
    for rng in ws.merged_cells.ranges:
        first = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                out[(r, c)] = first
    return out


def _header(ws) -> tuple[int, dict[int, tuple[str, int]]] | None:
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=min(ws.max_row, MAX_HEADER_ROW), values_only=True), 1):
        kinds = {c: k for c, v in enumerate(row, 1) if (k := column_kind(v)) is not None}
        if any(k[0] == "level" for k in kinds.values()) and any(k[0] in ("points", "target") for k in kinds.values()):
            return r, kinds
    return None


def read_workbook(path: str | os.PathLike) -> Imported:
    """Every score sheet and target sheet of a workbook; ParameterError if it cannot be read or holds neither."""
    from openpyxl import load_workbook  # ~0.4 s: only when a workbook is read

    try:
        wb = load_workbook(path, data_only=True, keep_vba=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - not a workbook, damaged, encrypted
        raise ParameterError([Problem(str(path), "", f"cannot be read as an .xlsx workbook ({type(exc).__name__}: "
                                      f"{one_line(exc, 200)})")]) from None
    out = Imported()
    for ws in wb.worksheets:
        found = _header(ws)
        if found is None:
            continue
        row0, kinds = found
        has = {k[0] for k in kinds.values()}
        if "points" in has:
            out.score_sheets.append(_read_score_sheet(ws, row0, kinds, out))
        elif "target" in has and "actual" in has:
            out.targets += _read_target_sheet(ws, row0, kinds, out)
    if not out.score_sheets and not out.targets:
        raise ParameterError([Problem(str(path), "", "no 评分表 (a header row with 一级指标 … and 分值) and no 绩效目标表 "
                                      "(一级指标 …, 目标值, 实际完成值) found in any sheet")])
    return out


def _rows(ws, row0: int, kinds: dict[int, tuple[str, int]], out: Imported):
    """(row number, {column: value}) of the data rows, merged cells filled, subtotal and empty rows skipped."""
    merged = _merged_values(ws)
    for r in range(row0 + 1, ws.max_row + 1):
        values = {}
        for c in kinds:
            cell = ws.cell(r, c)
            v = cell.value
            if _is_number(v) and "%" in (cell.number_format or ""):  # Excel stores 96% as 0.96
                if kinds[c][0] in ("target", "actual"):
                    v = f"{v * 100:.10g}%"  # the rate as the sheet shows it, not 0.96 of a unit
                elif kinds[c][0] == "points":
                    v = round(v * 100, 10)  # a weight of 10% is 10 of the framework's 100 points
            if v is None:
                v = merged.get((r, c))
            if isinstance(v, str) and not v.strip():
                v = None
            values[c] = v
        own = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in own):
            continue
        if any(isinstance(v, str) and is_subtotal(v) for v in own):
            out.skipped_subtotals += 1
            if any(isinstance(v, str) and is_grand_total(v) for v in own):
                return  # the table ends with its total: what follows are notes (注：…, a rounding note)
            continue
        yield r, values


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_subtotal(text: str) -> bool:
    """合计, 小计, 总计, 总分 and their forms: "部门决策小计", "合计（100分）", "总分"."""
    t = re.sub(r"[（(].*?[)）]", "", _norm(text))
    return t.endswith(("合计", "小计", "总计")) or t.startswith(("合计", "小计", "总计", "总分"))


def is_grand_total(text: str) -> bool:
    """The total of the whole table: 合计, 总计, 总分 (with points or a label after them: "合计（100分）"), not a
    block's subtotal ("部门决策小计", "部门决策合计")."""
    return re.sub(r"[（(].*?[)）]", "", _norm(text)).startswith(("合计", "总计", "总分"))


def _cols(kinds, kind: str) -> list[int]:
    return [c for c, k in kinds.items() if k[0] == kind]


def _read_score_sheet(ws, row0: int, kinds: dict, out: Imported) -> ScoreSheet:
    from openpyxl.utils import get_column_letter

    levels = sorted(((k[1], c) for c, k in kinds.items() if k[0] == "level"))
    level_cols = [c for _, c in levels]
    points_of: dict[int, int] = {}  # level column → its 分值 column
    for pc in _cols(kinds, "points"):
        left = [c for c in level_cols if c < pc]
        if left:
            points_of.setdefault(max(left), pc)
    if not points_of and level_cols:
        points_of[level_cols[-1]] = _cols(kinds, "points")[0]
    path_col = next(iter(_cols(kinds, "path")), None)
    one = {name: next(iter(_cols(kinds, name)), None) for name in ("criteria", "explanation", "rule")}
    score_cols = sorted(_cols(kinds, "score"), key=lambda c: -kinds[c][1])  # 报告得分 before a plain 得分
    roots: list[Node] = []
    index: dict[tuple, Node] = {}

    def cell(c: int, r: int) -> str:
        return f"{get_column_letter(c)}{r}"

    above: dict[int, Any] = {}  # the level names of the row above, for a row that leaves them blank
    for r, v in _rows(ws, row0, kinds, out):
        names = [(c, v[c]) for c in level_cols if v[c] is not None]
        if not names:
            out.uninterpreted.append(Unread(ws.title, cell(level_cols[0], r), "a row with no indicator name"))
            continue
        ids = str(v[path_col]).split("/") if path_col and v[path_col] else None
        if ids:  # the layout perfkit writes: ancestors in 一级/二级, the leaf in the deepest column
            chain = names[:-1][: len(ids) - 1] + [names[-1]]
            while len(chain) < len(ids):  # a level the sheet has no column for: named by its id
                chain.insert(-1, (names[-1][0], ids[len(chain) - 1]))
        else:
            # levels left blank (not merged) above the first name on the row are those of the row above
            first = level_cols.index(names[0][0])
            names = [(c, above[c]) for c in level_cols[:first] if above.get(c) is not None] + names
            above = {c: n for c, n in names}
            chain = []
            for c, n in names:  # a name repeated across merged columns is one node
                if not chain or _norm(split_name(n)[0]) != _norm(split_name(chain[-1][1])[0]):
                    chain.append((c, n))
        key: tuple = ()
        siblings = roots
        for depth, (c, raw) in enumerate(chain):
            name, stated = split_name(raw)
            key = key + ((ids[depth] if ids else _norm(name)),)
            node = index.get(key)
            is_leaf = depth == len(chain) - 1
            if node is None or is_leaf:  # every data row is a leaf of its own; parents are shared
                node = Node(name, id=ids[depth] if ids else None, points=stated, cell=cell(c, r))
                index[key] = node
                siblings.append(node)
            pc = points_of.get(c)
            if pc is not None and (is_leaf or node.points is None):
                p = parse_points(v[pc])
                if p is not None:
                    node.points = p
                elif is_leaf and v[pc] is not None:
                    out.uninterpreted.append(Unread(ws.title, cell(pc, r), f"points {v[pc]!r}: expected a number or "
                                                    "text such as 10分"))
            if is_leaf:
                if node.points is None and c in points_of:
                    if v[points_of[c]] is None:  # an empty cell, or a formula whose value Excel never stored
                        out.uninterpreted.append(Unread(ws.title, cell(points_of[c], r), f"{name}: no points (分值) "
                                                        "in this cell (a formula counts only by the value Excel stored)"))
                elif node.points is None:
                    # a leaf whose level has no 分值 column: the deepest points given on its row
                    given = [parse_points(v[points_of[lc]]) for lc in level_cols if lc in points_of]
                    given = [p for p in given if p is not None]
                    node.points = given[-1] if given else None
                    if node.points is None:
                        out.uninterpreted.append(Unread(ws.title, cell(c, r), f"{name}: no points (分值) on its row"))
                node.criteria = _text(v, one["criteria"])
                node.explanation = _text(v, one["explanation"])
                for sc in score_cols:
                    if (s := parse_points(v[sc])) is not None:
                        node.reported_score = s
                        break
                node.rule, node.rule_why = propose_rule(node.criteria, v[one["rule"]] if one["rule"] else None)
                if node.rule is None:
                    where = cell(one["criteria"], r) if one["criteria"] else cell(c, r)
                    out.uninterpreted.append(Unread(ws.title, where, f"{name}: {node.rule_why}; choose its rule"))
            siblings = node.children
    return ScoreSheet(ws.title, roots)


def _text(v: dict, c: int | None) -> str | None:
    return None if c is None or v.get(c) is None else " ".join(str(v[c]).split())


def _read_target_sheet(ws, row0: int, kinds: dict, out: Imported) -> list[TargetRow]:
    level_cols = [c for _, c in sorted((k[1], c) for c, k in kinds.items() if k[0] == "level")]
    tc, ac = _cols(kinds, "target")[0], _cols(kinds, "actual")[0]
    rows = []
    for r, v in _rows(ws, row0, kinds, out):
        names = [" ".join(str(v[c]).split()) for c in level_cols if v[c] is not None]
        if not names or v[tc] is None:
            continue
        rows.append(TargetRow(names[:-1], names[-1], v[tc], v[ac]))
    return rows


# --------------------------------------------------------------------------------------------
# Writing the framework and the department-year
# --------------------------------------------------------------------------------------------


def slug(text: str, fallback: str) -> str:
    """An id from text: lowercase ASCII words joined by '-' (``fallback`` when none is left)."""
    s = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", str(text)).lower()).strip("-")
    return s if s and re.fullmatch(DEPARTMENT_ID, s) else fallback


def _assign_ids(nodes: list[Node], prefix: str | None = None) -> None:
    """Ids by position (i1, i1.2, i1.2.3) for nodes that have none (a sheet without perfkit's 指标路径 column)."""
    used: set[str] = set()
    for k, n in enumerate(nodes, 1):
        if not n.id or n.id in used:
            n.id = f"i{k}" if prefix is None else f"{prefix}.{k}"
        used.add(n.id)
        _assign_ids(n.children, n.id)


def framework_text(fid: str, sheet: ScoreSheet, workbook: str) -> tuple[str, list[Missing]]:
    """The framework read from one score sheet, as YAML; leaves without a rule get ``rule: null``."""
    _assign_ids(sheet.tree)
    depth = _depth(sheet.tree)
    w = YamlText()
    w.comment(0, f"指标体系 {fid}：由 perfkit import-xlsx 从 {Path(workbook).name} 的工作表“{sheet.sheet}”读出。",
              f"Framework {fid}, read by `perfkit import-xlsx` from sheet {sheet.sheet!r} of {Path(workbook).name}.",
              "Check every proposed rule against its 评分标准; a null rule could not be read and must be chosen.")
    w.key(0, (), "id", fid)
    w.key(0, (), "name", f"{sheet.sheet}（{Path(workbook).stem}）", note="指标体系名称，请改为正式名称 / rename as published")
    w.key(0, (), "source", f"{Path(workbook).name}, sheet {sheet.sheet}")
    w.key(0, (), "total", round(sum(n.total() for n in sheet.tree), 6))
    if 2 <= depth <= 4:
        w.key(0, (), "levels", depth)
    w.key(0, (), "tree")

    def node(n: Node, indent: int, loc: tuple) -> None:
        w.key(indent, loc, "id", n.id, item=True)
        w.key(indent + 2, loc, "name", n.name)
        if n.points is None and n.leaf:
            w.missing_value(indent + 2, loc, "points", "points (分值)", note=f"分值 / points ({sheet.sheet}!{n.cell})")
        else:
            pts = n.points if n.points is not None else n.total()
            w.key(indent + 2, loc, "points", pts, note="" if n.points is not None else "各子指标分值之和 / sum of the children")
        if n.leaf:
            if n.criteria:
                w.key(indent + 2, loc, "criteria", n.criteria)
            if n.explanation:
                w.key(indent + 2, loc, "note", f"指标解释：{n.explanation}")
            if n.rule is None:
                w.missing_value(indent + 2, loc, "rule", f"a rule for {n.name} ({sheet.sheet}!{n.cell}): {n.rule_why}",
                                note=f"未能识别评分规则 / no rule recognised: {n.rule_why}")
            else:
                w.key(indent + 2, loc, "rule", note=f"据评分标准提出，请核对 / proposed from: {n.rule_why}")
                for k, val in n.rule.items():
                    w.key(indent + 4, loc + ("rule",), k, val)
        else:
            w.key(indent + 2, loc, "children")
            for j, c in enumerate(n.children):
                node(c, indent + 4, loc + ("children", j))

    for i, n in enumerate(sheet.tree):
        node(n, 2, ("tree", i))
    return w.text(), w.missing


def _depth(nodes: list[Node]) -> int:
    return 0 if not nodes else 1 + max(_depth(n.children) for n in nodes)


def _leaves(nodes: list[Node]):
    for n in nodes:
        yield from (_leaves(n.children) if n.children else [n])


def _stand_in(fid: str, sheet: ScoreSheet) -> tuple[Framework, set[str]]:
    """The framework as a model, each leaf without a rule (or points) given a judgement to stand in while the
    department-year is written (never written itself); the ids of those leaves."""
    unruled: set[str] = set()

    def conv(n: Node) -> dict:
        d: dict[str, Any] = {"id": n.id, "name": n.name, "points": n.points if n.points is not None else n.total()}
        if n.leaf:
            if n.rule is None:
                unruled.add(n.id)
            d["rule"] = n.rule or {"family": "judgement"}
            if n.criteria:
                d["criteria"] = n.criteria
        else:
            d["children"] = [conv(c) for c in n.children]
        return d

    fw = Framework.model_validate({"id": fid, "name": sheet.sheet, "tree": [conv(n) for n in sheet.tree]})
    return fw, unruled


@dataclass
class Written:
    frameworks: list[tuple[Path, list[Missing]]]
    department_year: tuple[Path, list[Missing]]
    imported: Imported


def import_workbook(workbook: str | os.PathLike, out_dir: str | os.PathLike = "parameters", *,
                    framework_id: str | None = None, department: str | None = None,
                    year: int | None = None) -> Written:
    """Read a workbook and write ``<out>/frameworks/<id>.yaml`` per score sheet and ``<out>/<department>/<year>.yaml``
    with one evaluation per score sheet, its leaves' known targets, actuals and scores filled in.

    ``framework_id`` and ``department`` default to the workbook's file name as an id (``imported`` if it has no
    ASCII letters); ``year`` to the first 20xx in the file name, else ParameterError asks for it. Never
    overwrites a file (ParameterError)."""
    workbook = str(workbook)
    stem = Path(workbook).stem
    year = year if year is not None else _year_in(stem)
    if year is None:
        raise ParameterError([Problem(workbook, "", "no year in the file name; give it with --year")])
    fid = framework_id or slug(stem, "imported")
    department = department or slug(stem, "imported")
    for what, value in (("framework id", fid), ("department id", department)):
        if not re.fullmatch(DEPARTMENT_ID, value):
            raise ParameterError([Problem(workbook, "", f"{what} {value!r} is not an id: lowercase ASCII letters, "
                                          "digits and hyphens")])
    if (why := unit_name_problem(department, year)) is not None:  # a year of four digits; not 'frameworks'
        raise ParameterError([Problem(workbook, "", why)])
    imported = read_workbook(workbook)
    out = Path(out_dir)
    sheets = imported.score_sheets
    fids = [fid] if len(sheets) == 1 else [f"{fid}-{slug(s.sheet, f'sheet{i + 1}')}" for i, s in enumerate(sheets)]
    targets = [{"name": t.name, "category": t.category, "target": _plain(t.target), "actual": _plain(t.actual)}
               for t in imported.targets]
    by_name = {_norm(t.name): t for t in imported.targets}
    paths = [out / "frameworks" / f"{f}.yaml" for f in fids] + [out / department / f"{year}.yaml"]
    for p in paths:
        if p.exists():
            raise ParameterError([Problem(str(p), "", "already exists; perfkit import-xlsx never overwrites a file")])
    written, specs = [], []
    for i, (f, sheet) in enumerate(zip(fids, sheets)):
        text, missing = framework_text(f, sheet, workbook)
        fw, unruled = _stand_in(f, sheet)
        known = {}
        for leaf in _leaves(sheet.tree):
            k: dict[str, Any] = {}
            if (t := by_name.get(_norm(leaf.name))) is not None:
                k.update(target=_plain(t.target), actual=_plain(t.actual))
            if leaf.reported_score is not None:
                k["reported_score"] = leaf.reported_score
            known[leaf.id] = k
        specs.append(EvaluationSpec(fw, id=slug(sheet.sheet, f"evaluation-{i + 1}"), title=sheet.sheet, known=known,
                                    unruled=unruled, targets=targets if i == 0 else []))
        written.append((paths[i], text, missing))
    if not sheets:
        raise ParameterError([Problem(workbook, "", "a 绩效目标表 but no 评分表: nothing to build a framework from")])
    dy_text, dy_missing = evaluations_text(department, year, specs, source=Path(workbook).name,
                                           how="`perfkit import-xlsx`")
    write_new(*[(p, text) for p, text, _ in written], (paths[-1], dy_text))  # all or none
    return Written([(p, m) for p, _, m in written], (paths[-1], dy_missing), imported)


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v if isinstance(v, (int, float)) or v is None else " ".join(str(v).split())


def _year_in(text: str) -> int | None:
    m = re.search(r"(?<!\d)(19|20)(\d{2})(?!\d)", text)
    return int(m.group(0)) if m else None
