"""Findings on how a target and its actual are written against each other, on a scored leaf and on a 绩效目标表
row: the slips of a form filled in by hand that score silently and wrongly.

``VALUE_LOOKS_LIKE_A_SHARE``  one side is written in percent ("≥90%") and the other as a bare share (0.923), so
                              92.3% is compared as 0.923%: the leaf scores 0.10 of 10 (either side of a leaf), the
                              row counts as missed (a row's actual)
``VALUE_WITHOUT_MAGNITUDE``   a row's target writes a magnitude ("≥10万人次") and its actual is a bare number a
                              thousand times it or more (98000): taken in the target's unit it is 98000万人次 and met;
                              in 人次 (9.8万) it is missed
``UNITS_DIFFER``              both sides are a figure with its unit and the units differ ("≥3000人" against
                              "2760户"): the figures are compared as numbers, which may compare two different things

Both are warnings: the figures are scored as written, never rescaled or converted. Each finding names where the
value is (file, line, field) and how to settle it: write the share in percent, or write both sides in one unit
(or give ``unit``, which says they are in one unit). A side given as a number through ``target_value`` or
``actual_value``, or a leaf or row with ``unit``, is not compared for units (the file has settled it); the share
check still runs on the numbers compared, since ``unit: "%"`` beside 0.923 is the same slip.
"""

from __future__ import annotations

import numpy as np

from .findings import Finding
from .projects import all_targets, target_locations
from .quantity import Quantity, parse_quantity
from .target_rows import read_row
from .target_text import _scale_of, met, tokens

PERCENT = "%"


def written_alone(text, q: Quantity) -> bool:
    """Whether ``text`` is nothing but its figure and unit, with at most a comparison before or after ("≥3000人",
    "2760户", "95%及以上"): the unit read from it is a unit, not the first characters of words ("1000家次中小微企业")."""
    if q.unit is None or q.value is None or not isinstance(text, str):
        return False
    kinds = [(tok.kind, tok.text) for tok in tokens(text)]
    if kinds and kinds[0][0] == "OP":
        kinds = kinds[1:]
    if kinds and kinds[-1][0] == "SUFFIX":
        kinds = kinds[:-1]
    return len(kinds) == 2 and kinds[0][0] == "NUM" and kinds[1] == ("TEXT", q.unit)


def share_side(target: Quantity, actual: Quantity, target_number: float, actual_number: float) -> str | None:
    """Which side ("target" or "actual") looks like a share written against a percentage, or None.

    The side is a bare number in (0, 1] (no unit written); the other side is written in percent with a figure
    above 1 ("≥90%" against 0.923). ``*_number`` are the figures compared (after ``target_value`` and the like)."""
    def bare_share(q: Quantity, number: float) -> bool:
        return q.unit is None and 0 < number <= 1

    def percent(q: Quantity, number: float) -> bool:
        return q.unit == PERCENT and number > 1

    if percent(target, target_number) and bare_share(actual, actual_number):
        return "actual"
    if percent(actual, actual_number) and bare_share(target, target_number):
        return "target"
    return None


MAGNITUDE_RATIO = 1000.0  # a bare actual this many times the target's figure (or more) is suspect


def magnitude_slip(target: Quantity, actual: Quantity, target_number: float, actual_number: float) -> float | None:
    """The factor of the target's magnitude word (万: 1e4) when the actual is a bare number that, taken in the
    target's unit as forms write it once, is ``MAGNITUDE_RATIO`` times the target or more, while in plain units it
    would be of the target's size (0.1 to 10 times): 98000 against "≥10万人次". None otherwise."""
    scale = _scale_of(target.unit)[2]
    if actual.unit is not None or scale < 1e3 or not target_number or target_number <= 0 or actual_number <= 0:
        return None
    if actual_number < MAGNITUDE_RATIO * target_number or not 0.1 <= actual_number / scale / target_number <= 10:
        return None
    return scale


def units_differ(target_raw, actual_raw, target: Quantity, actual: Quantity) -> bool:
    """Both cells are a figure with its unit alone and the units differ apart from the magnitude word (人 and 户;
    not 万元 and 元, which are rescaled; not 亿 and 亿元)."""
    if not (written_alone(target_raw, target) and written_alone(actual_raw, actual)):
        return False
    a, b = target.base_unit, actual.base_unit
    return a is not None and b is not None and a != b


def _located(result, loc: tuple) -> dict:
    file, field, line = result.located.where(*loc)
    return {"file": file, "field": field, "line": line}


def _at(where: dict) -> str:
    return f"{where['file']}:{where['line']} {where['field']}" if where["line"] else f"{where['file']} {where['field']}"


def _units_differ(indicator, name: str, given, qt: Quantity, qa: Quantity, where: dict, **more) -> Finding:
    """UNITS_DIFFER on a leaf's inputs or a target row (``given``: their ``target`` and ``actual`` as written)."""
    target, actual = str(given.target), str(given.actual)
    return Finding(
        "UNITS_DIFFER", "warning", indicator,
        f"{name}: the target {target!r} and the actual {actual!r} ({_at(where)}) are in different units "
        f"({qt.unit}, {qa.unit}) and are compared as numbers; write both in one unit, or give `unit` if they are one",
        {"target": target, "actual": actual, "target_unit": qt.unit, "actual_unit": qa.unit, **more, **where})


def _leaf_checks(result) -> tuple[list[Finding], set]:
    out, flagged = [], set()
    compiled = result.compiled
    for i, leaf in enumerate(compiled.leaves):
        inp = leaf.inputs
        if inp is None or not leaf.counted or inp.target is None or inp.actual is None:
            continue
        rows = [j for j in compiled.rows_of_leaf[i]
                if compiled.rows[j].part is None and {"target", "actual"} <= compiled.rows[j].args.keys()]
        if len(rows) != 1:
            continue
        j = rows[0]
        args = compiled.rows[j].args
        qt, qa = parse_quantity(inp.target), parse_quantity(inp.actual)
        name = leaf.node.indicator.name
        side = leaf_slip(inp, float(args["target"]), float(args["actual"]))
        if side is not None:
            value = float(args[side])
            override = np.full(len(compiled.rows), np.nan)
            override[j] = value * 100
            got = float(result.leaf_score[leaf.id])
            as_percent = float(compiled.leaf_scores({side: override})[i])
            where = _located(result, leaf.loc + (side,))
            other = inp.actual if side == "target" else inp.target
            out.append(Finding(
                "VALUE_LOOKS_LIKE_A_SHARE", "warning", leaf.id,
                f"{name}: the {side} {value:g} ({_at(where)}) is compared with {str(other)!r} as {value:g}% and "
                f"scores {got:.2f}; if it is a share ({value * 100:g}%), write it in percent: it would score "
                f"{as_percent:.2f}",
                {"value": value, "score": got, "as_percent": value * 100, "score_as_percent": as_percent,
                 "side": side, "against": str(other), **where}))
            flagged.add((leaf.id, str(inp.target), str(inp.actual)))
        elif inp.unit is None and inp.target_value is None and inp.actual_value is None \
                and units_differ(inp.target, inp.actual, qt, qa):
            out.append(_units_differ(leaf.id, name, inp, qt, qa, _located(result, leaf.loc + ("actual",))))
            flagged.add((leaf.id, str(inp.target), str(inp.actual)))
    return out, flagged


def target_side(row, rr) -> Quantity:
    """The figure a row's actual is compared with, as written: its target, or last year's actual where the target
    is set against it ("不低于上年" with ``prior_actual: 1.2万``)."""
    if "prior_level" in rr.target.note_codes and row.prior_actual is not None and row.target_value is None:
        return parse_quantity(row.prior_actual)
    return parse_quantity(row.target)


def row_slip(row, rr) -> tuple[str, float] | None:
    """How a 绩效目标表 row's actual may be written in another magnitude than its target: the finding's code and
    the factor that would bring the actual onto the target's scale, ``("VALUE_LOOKS_LIKE_A_SHARE", 100.0)`` for
    0.923 against "≥90%", ``("VALUE_WITHOUT_MAGNITUDE", 1e-4)`` for 98000 against "≥10万人次"; None when the
    figures raise neither doubt. ``rr`` is the row as scoring reads it (:func:`~.target_rows.read_row`).

    One test for the finding (:func:`unit_findings`) and for the target diagnostics, which do not judge a
    target's ambition from an actual this finding doubts."""
    if row.actual is None or rr.actual_number is None or not rr.target.measurable:
        return None
    qt, qa = target_side(row, rr), parse_quantity(row.actual)
    if qt.value is None or qa.value is None:
        return None
    target_number = row.target_value if row.target_value is not None else qt.value
    if share_side(qt, qa, target_number, rr.actual_number) == "actual":
        return "VALUE_LOOKS_LIKE_A_SHARE", 100.0
    if row.unit is None and row.actual_value is None and \
            (scale := magnitude_slip(qt, qa, target_number, rr.actual_number)) is not None:
        return "VALUE_WITHOUT_MAGNITUDE", 1 / scale
    return None


def leaf_slip(inputs, target: float, actual: float) -> str | None:
    """The side ("target" or "actual") of a scored leaf's figures that looks like a share written against a
    percentage (``target`` and ``actual`` are the figures compared), or None: the test of the leaf's
    VALUE_LOOKS_LIKE_A_SHARE, shared with the target diagnostics."""
    if inputs is None or inputs.target is None or inputs.actual is None:
        return None
    return share_side(parse_quantity(inputs.target), parse_quantity(inputs.actual), target, actual)


def _row_checks(result, flagged: set) -> list[Finding]:
    out = []
    ev = result.evaluation
    for k, ((row, _), at) in enumerate(zip(all_targets(ev), target_locations(ev))):
        if row.actual is None or (row.indicator, str(row.target), str(row.actual)) in flagged:
            continue  # said once, on the scored leaf the row restates
        rr = read_row(row, k)
        if rr.actual_number is None or not rr.target.measurable:
            continue
        qt, qa = target_side(row, rr), parse_quantity(row.actual)
        if qt.value is None or qa.value is None:
            continue
        slip = row_slip(row, rr)
        if slip is not None and slip[0] == "VALUE_LOOKS_LIKE_A_SHARE":
            value = rr.actual_number
            where = _located(result, at + ("actual",))
            now, then = met(rr.target, value), met(rr.target, value * 100)
            out.append(Finding(
                "VALUE_LOOKS_LIKE_A_SHARE", "warning", row.indicator,
                f"target row {row.name}: the actual {value:g} ({_at(where)}) is compared with {str(row.target)!r} "
                f"as {value:g}% ({'met' if now else 'missed'}); if it is a share ({value * 100:g}%), write it in "
                f"percent ({'met' if then else 'missed'})",
                {"value": value, "as_percent": value * 100, "side": "actual", "against": str(row.target),
                 "row": row.name, "met": now, "met_as_percent": then, **where}))
        elif slip is not None:
            value, scale = rr.actual_number, 1 / slip[1]
            where = _located(result, at + ("actual",))
            now, then = met(rr.target, value), met(rr.target, value / scale)
            magnitude = _scale_of(qt.unit)[0]
            out.append(Finding(
                "VALUE_WITHOUT_MAGNITUDE", "warning", row.indicator,
                f"target row {row.name}: the actual {value:g} ({_at(where)}) has no unit and is compared with "
                f"{str(row.target)!r} as {value:g}{qt.unit} ({'met' if now else 'missed'}); if it is in "
                f"{qt.base_unit or 'units'} ({value / scale:g}{qt.unit}), write {value / scale:g}{magnitude} "
                f"({'met' if then else 'missed'})",
                {"value": value, "scaled": value / scale, "unit": qt.unit, "base_unit": qt.base_unit,
                 "magnitude": magnitude, "against": str(row.target), "row": row.name, "met": now,
                 "met_scaled": then, **where}))
        elif row.unit is None and row.target_value is None and row.actual_value is None \
                and units_differ(row.target, row.actual, qt, qa):
            where = _located(result, at + ("actual",))
            out.append(_units_differ(row.indicator, f"target row {row.name}", row, qt, qa, where, row=row.name))
    return out


def unit_findings(result) -> list[Finding]:
    """VALUE_LOOKS_LIKE_A_SHARE and UNITS_DIFFER on the evaluation's scored leaves, then on its 绩效目标表 rows
    (its projects' too) that do not restate a flagged leaf's target and actual."""
    leaf_findings, flagged = _leaf_checks(result)
    return leaf_findings + _row_checks(result, flagged)
