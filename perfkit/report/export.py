"""Results as documents: the JSON of ``perfkit score --json``, readable terminal tables, the xlsx score sheet."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..fmt import display_width, json_safe
from ..load import Bundle


def _num(x: Any) -> Any:
    """JSON-safe number: None for missing or NaN, floats rounded to six decimals."""
    if x is None:
        return None
    try:
        if isinstance(x, float) and math.isnan(x):
            return None
    except TypeError:
        pass
    if isinstance(x, float):
        return round(x, 6)
    return x


def evaluation_dict(result) -> dict[str, Any]:
    ev = result.evaluation
    return {
        "id": ev.id,
        "kind": ev.kind,
        "evaluator": ev.evaluator,
        "title": ev.title,
        "framework": result.framework.id,
        "total": _num(round(result.total, 6)),
        "grade": result.grade,
        "reported_total": _num(result.reported_total),
        "reported_grade": result.reported_grade,
        "indicators": [
            {
                "id": r["id"],
                "path": r["path"],
                "name": r["name"],
                "points": _num(r["points"]),
                "rule": r["rule"],
                "score": _num(r["score"]),
                "reported_score": _num(r["reported_score"]),
                "explanation": r["explanation"],
            }
            for r in result.table_rows
        ],
        "nodes": [
            {
                "id": r["id"],
                "path": r["path"],
                "name": r["name"],
                "level": int(r["level"]),
                "stated_points": _num(r["stated_points"]),
                "points": _num(r["points"]),
                "score": _num(r["score"]),
                "reported": _num(r["reported"]),
            }
            for r in result.node_rows
            if not r["is_leaf"]
        ],
        "findings": [f.to_dict() for f in result.findings],
    }


def bundle_dict(bundle: Bundle, results: list) -> dict[str, Any]:
    """The ``perfkit score --json`` document; valid JSON (no NaN or Infinity) whatever the figures."""
    return json_safe({
        "department": {"id": bundle.department.id, "name": bundle.department.name},
        "year": bundle.year,
        "evaluations": [evaluation_dict(r) for r in results],
    })


# --------------------------------------------------------------------------------------------
# Terminal tables that line up with Chinese text (wide characters take two columns)
# --------------------------------------------------------------------------------------------



def _fit(text: str, width: int, right: bool = False) -> str:
    if display_width(text) > width:
        out = ""
        for ch in text:
            if display_width(out + ch) > width - 1:
                break
            out += ch
        text = out + "…"
    pad = " " * (width - display_width(text))
    return pad + text if right else text + pad


def table(headers: list[str], rows: list[list[Any]], right: set[int] = frozenset(), max_width: int = 40) -> str:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [min(max([display_width(h)] + [display_width(r[i]) for r in cells]), max_width)
              for i, h in enumerate(headers)]
    lines = ["  ".join(_fit(h, w, i in right) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_fit(c, w, i in right) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    return "\n".join(lines)


def _f2(x: Any) -> str:
    x = _num(x)
    return "" if x is None else f"{x:.2f}"


def render_scores(bundle: Bundle, results: list) -> str:
    out = [f"{bundle.department.name} ({bundle.department.id}) {bundle.year}"]
    for r in results:
        ev = r.evaluation
        out.append("")
        out.append(f"== {ev.id}: {ev.title}  [{ev.kind}, {ev.evaluator}, framework {r.framework.id}]")
        rows = []
        for rec in r.table_rows:
            flag = ""
            if rec["reported_score"] is not None and abs(rec["score"] - rec["reported_score"]) > 0.005:
                flag = "≠"
            rows.append([rec["id"], rec["name"], _f2(rec["points"]), rec["rule"], _f2(rec["score"]),
                         _f2(rec["reported_score"]), flag])
        out.append(table(["id", "indicator", "points", "rule", "score", "reported", ""], rows, right={2, 4, 5}))
        line = f"total {r.total:.2f} ({r.grade})"
        if r.reported_total is not None:
            line += f"; reported {r.reported_total:.2f}" + (f" ({r.reported_grade})" if r.reported_grade else "")
        out.append(line)
        if r.findings:
            out.append("findings:")
            for f in r.findings:
                out.append(f"  [{f.severity}] {f.code}" + (f" {f.indicator}" if f.indicator else "")
                           + f": {f.located_message}")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# The xlsx score sheet (评分表) handed over beside the report
# --------------------------------------------------------------------------------------------


def write_xlsx(bundle: Bundle, results: list, path, language: str = "zh") -> str:
    """The score sheet workbook (:mod:`perfkit.report.score_sheet`) in ``language``, written to ``path``."""
    Path(path).write_bytes(xlsx_bytes(bundle, results, language))
    return str(path)


def xlsx_bytes(bundle: Bundle, results: list, language: str = "zh") -> bytes:
    """The score sheet workbook as bytes (for an atomic write)."""
    import io

    from .ooxml import reproducible
    from .score_sheet import workbook  # openpyxl (~0.4 s to import) only when a workbook is written

    buf = io.BytesIO()
    workbook(bundle, results, language).save(buf)
    return reproducible(buf.getvalue())
