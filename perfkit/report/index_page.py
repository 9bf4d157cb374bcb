"""``<out>/index.html``: every unit of a batch on one page, one row per evaluation, sortable without a server.

Each row: department, year, evaluation, whether the run wrote its report, the recomputed total and grade, the
reported total and grade (as printed, else the band of the printed total), the number of findings by severity, and links to the unit's report files that exist
(HTML in each language, DOCX, XLSX). Scores come from scoring the unit's parameters (the same numbers as
``perfkit score``); a unit whose parameters are invalid gets one row saying so. The page is one file: its style
and a small sorting script are inline, every text from a parameter file is escaped, and it loads nothing.
Labels are under ``index`` in the narrative templates; the page is written in the default language.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..core.result import reported_grade
from ..core.scoring import score_bundle
from ..errors import ParameterError, RunError
from ..fmt import score as fmt_score
from ..load import find_unit, load
from .language import LANGUAGES, load_templates

INDEX_NAME = "index.html"
SEVERITIES = ("error", "warning", "info")
LINK_SUFFIXES = (".html", ".docx", ".xlsx")


@dataclass
class IndexRow:
    """One evaluation of one unit (or one unit that could not be scored: ``evaluation`` None)."""

    department: str
    department_name: str
    year: int
    status: str
    evaluation: str | None = None
    total: float | None = None
    grade: str | None = None
    reported_total: float | None = None
    reported_grade: str | None = None
    findings: dict[str, int] = field(default_factory=dict)
    problem: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, path relative to the page)


def unit_links(out_dir: Path, department: str, year: int) -> list[tuple[str, str]]:
    """The report files of a unit that exist, as (label, relative path): report.html, report.en.html, *.docx, *.xlsx."""
    udir = out_dir / department / str(year)
    if not udir.is_dir():
        return []
    files = sorted(f for f in udir.iterdir() if f.is_file() and f.suffix in LINK_SUFFIXES
                   and not f.name.startswith(".") and ".failed." not in f.name)
    order = {s: i for i, s in enumerate(LINK_SUFFIXES)}
    files.sort(key=lambda f: (order[f.suffix], f.name))
    return [(f.name, f.relative_to(out_dir).as_posix()) for f in files]


def _status(entries: list[Mapping[str, Any]]) -> str:
    """A unit's status over its languages: ok only if every language is; else the first other status."""
    statuses = [e.get("status", "error") for e in entries]
    return next((s for s in statuses if s != "ok"), "ok") if statuses else "error"


def scored_rows(bundle, results) -> list[dict[str, Any]]:
    """What the page shows of each evaluation of a scored department-year, as JSON values: one dict per
    evaluation with ``department_name``, ``evaluation`` (its title), ``total``, ``grade``, ``reported_total``,
    ``reported_grade`` and ``findings`` (counts by severity). A batch keeps them in the unit's manifest
    record (``scored``), so the page of a batch that reran nothing loads and scores no unit again."""
    name = bundle.data.department.name
    return [{"department_name": name, "evaluation": r.evaluation.title, "total": r.total, "grade": r.grade,
             "reported_total": r.reported_total, "reported_grade": reported_grade(r),
             "findings": {s: sum(1 for f in r.findings if f.severity == s) for s in SEVERITIES}} for r in results]


def index_rows(out_dir: str | os.PathLike, params_dir: str | os.PathLike,
               entries: Iterable[Mapping[str, Any]]) -> list[IndexRow]:
    """The rows of the page from a batch's entries (manifest records: department, year, language, status,
    and ``scored`` (:func:`scored_rows`) where the run that wrote the unit's reports scored it; a unit
    without is loaded and scored from ``params_dir``)."""
    out_dir = Path(out_dir)
    units: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for e in entries:
        units.setdefault((str(e["department"]), int(e["year"])), []).append(e)
    rows: list[IndexRow] = []
    for (dept, year), es in sorted(units.items()):
        status, links = _status(es), unit_links(out_dir, dept, year)
        scored = next((e["scored"] for e in es if e.get("scored")), None)
        if scored is None:
            try:
                bundle = load(find_unit(params_dir, dept, year), str(params_dir))
                scored = scored_rows(bundle, score_bundle(bundle))
            except ParameterError as exc:
                rows.append(IndexRow(dept, dept, year, status,
                                     problem=str(exc.problems[0]) if exc.problems else str(exc), links=links))
                continue
        rows += [IndexRow(dept, s["department_name"], year, status, s["evaluation"], s["total"], s["grade"],
                          s["reported_total"], s["reported_grade"], dict(s["findings"]), links=links) for s in scored]
    return rows


SCRIPT = """<script>
(function () {
  var table = document.getElementById('units');
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
        var nx = parseFloat(x), ny = parseFloat(y);
        if (x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny)) { return dir * (nx - ny); }
        if (x === '') { return 1; }
        if (y === '') { return -1; }
        return dir * x.localeCompare(y, 'zh');
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
</script>"""

STYLE = """<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2em; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border: 1px solid #bbb; padding: 4px 8px; }
th { background: #eef; cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " ▲"; }
th[aria-sort=descending]::after { content: " ▼"; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fee; }
</style>"""


def _cell(text: Any, sort: Any = None, numeric: bool = False, raw: str | None = None) -> str:
    shown = "" if text is None else str(text)
    key = shown if sort is None else str(sort)
    cls = ' class="n"' if numeric else ""
    body = raw if raw is not None else html.escape(shown)
    return f'<td{cls} data-v="{html.escape(key, quote=True)}">{body}</td>'


def index_html(rows: list[IndexRow], language: str = LANGUAGES[0]) -> str:
    """The page for ``rows`` in ``language``: a sortable table, everything escaped, nothing loaded."""
    t = load_templates(language)["index"]
    columns = ["department", "year", "evaluation", "status", "total", "grade", "reported_total", "reported_grade",
               "errors", "warnings", "infos", "reports"]
    head = "".join(f"<th scope=\"col\">{html.escape(t[c])}</th>" for c in columns)
    body = []
    for r in rows:
        links = " ".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>' for label, href in r.links)
        evaluation = r.evaluation if r.evaluation is not None else r.problem
        cells = [
            _cell(r.department_name, sort=f"{r.department_name} {r.department}"),
            _cell(r.year, numeric=True),
            _cell(evaluation),
            _cell(t["statuses"].get(r.status, r.status), sort=r.status),
            _cell(None if r.total is None else fmt_score(r.total), sort=r.total if r.total is not None else "", numeric=True),
            _cell(r.grade),
            _cell(None if r.reported_total is None else fmt_score(r.reported_total),
                  sort=r.reported_total if r.reported_total is not None else "", numeric=True),
            _cell(r.reported_grade),
            *[_cell(r.findings.get(s) if r.evaluation is not None else None, numeric=True) for s in SEVERITIES],
            _cell(" ".join(label for label, _ in r.links), raw=links),
        ]
        bad = r.status != "ok" or r.evaluation is None
        body.append(("<tr class=\"bad\">" if bad else "<tr>") + "".join(cells) + "</tr>")
    n_units = len({(r.department, r.year) for r in rows})
    n_evals = sum(1 for r in rows if r.evaluation is not None)
    title = html.escape(t["title"])
    intro = html.escape(t["intro"].format(n=n_units, m=n_evals))
    return (f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'{STYLE}\n</head>\n<body>\n<h1>{title}</h1>\n<p>{intro}</p>\n<table id="units">\n<thead><tr>{head}</tr>'
            f'</thead>\n<tbody>\n' + "\n".join(body) + f"\n</tbody>\n</table>\n{SCRIPT}\n</body>\n</html>\n")


def write_index(out_dir: str | os.PathLike, params_dir: str | os.PathLike,
                entries: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``<out_dir>/index.html`` for a batch's entries (written whole to a temporary name, then moved)."""
    out = Path(out_dir)
    path = out / INDEX_NAME
    tmp = out / f".index.{os.getpid()}.tmp.html"  # the run's temporary-name pattern: a killed run's is swept
    text = index_html(index_rows(out, params_dir, entries))
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a full disk: a sentence, and no half-written temporary file
        tmp.unlink(missing_ok=True)
        raise RunError(f"cannot write the index {path}: {exc.strerror or exc}; the reports and the manifest are "
                       "written") from None
    return path
