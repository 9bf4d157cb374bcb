"""Hostile text in parameter files (issue 10, security): markup reaches no report and no cell is a formula.

Every text field of the schema is found by walking the pydantic models (``perfkit.params``) beside a copy
of the shipped files, and gets a payload of live markup at once; the report is built as a batch builds it
and read back from the DOM headless Chromium renders. The score sheet is opened with openpyxl.
"""

from __future__ import annotations

import re
import shutil
import types
import typing
from pathlib import Path

import nbformat
import pytest
import yaml
from openpyxl import load_workbook
from pydantic import BaseModel

from perfkit import params
from perfkit.core.scoring import score_bundle
from perfkit.load import load
from perfkit.report.document import Report
from perfkit.report.export import write_xlsx
from perfkit.report.notebook_html import _clean_title, export_html
from perfkit.report.tables import Section, html_table
from perfkit.report.text import md_escape

from test_batch import open_in_chromium

ROOT = Path(__file__).resolve().parents[1]

# Each payload would, if live, leave a mark in the DOM that the probe below counts.
PAYLOAD = ("<img src=x onerror=window.pwned=1><svg onload=window.pwned=2></svg>"
           "<iframe srcdoc='<b>x</b>'></iframe><script>window.pwned=3</script>"
           "[link](javascript:window.pwned=4) <a href=\"javascript:window.pwned=5\">a</a> "
           "<javascript:window.pwned=6> ![i](x) *em* _u_ `c` $x$ & &amp; \\ | #")
# Excel would evaluate these if written as formulas.
FORMULAS = ("=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1", "=HYPERLINK(\"http://x\",\"y\")")

# String fields that are references or codes (ids, grades, units, framework and indicator links), not text.
NOT_TEXT = {"id", "framework", "grade", "unit", "tier", "indicator", "status", "include", "family", "kind",
            "evaluator", "category", "measure"}


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation admits (through unions, lists and dict values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict:
        args = args[1:]
    return [m for a in args for m in _models(a)]


def _is_mapping(annotation) -> bool:
    return typing.get_origin(annotation) is dict or any(_is_mapping(a) for a in typing.get_args(annotation))


def _is_text(annotation) -> bool:
    """``str``, ``str | None`` or ``list[str]``: text as written (not a number that may be written as text)."""
    if annotation is str:
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return len(rest) == 1 and _is_text(rest[0])
    return origin is list and args == (str,)


def text_fields(model: type[BaseModel], data, path: tuple = ()) -> list[tuple]:
    """Paths of every text field of ``data`` (a parsed YAML mapping) read as ``model``."""
    out: list[tuple] = []
    if not isinstance(data, dict):
        return out
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if _is_text(field.annotation) and name not in NOT_TEXT:
            out += ([path + (key, i) for i in range(len(value))] if isinstance(value, list) else [path + (key,)])
            continue
        for sub in _models(field.annotation):
            if isinstance(value, list):
                items = [(i, v) for i, v in enumerate(value)]
            elif isinstance(value, dict) and _is_mapping(field.annotation):
                items = list(value.items())
            else:
                out += text_fields(sub, value, path + (key,))
                continue
            for k, v in items:
                out += text_fields(sub, v, path + (key, k))
        out = list(dict.fromkeys(out))
    return out


def _set(data, path: tuple, value) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def hostile_copy(tmp_path: Path, unit: str, payload: str = PAYLOAD) -> tuple[Path, list[tuple]]:
    """A copy of ``parameters/`` with ``payload`` (numbered per field) in every text field of ``unit``
    and of the frameworks it uses; returns the copy and the fields changed."""
    pdir = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", pdir)
    path = pdir / f"{unit}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = [("unit",) + f for f in text_fields(params.DepartmentYear, data)]
    for f in fields:
        _set(data, f[1:], payload)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    frameworks = {e["framework"] for e in data.get("evaluations", [])}
    for fid in frameworks:
        fpath = pdir / "frameworks" / f"{fid}.yaml"
        fdata = yaml.safe_load(fpath.read_text(encoding="utf-8"))
        ff = text_fields(params.Framework, fdata)
        for f in ff:
            _set(fdata, f, payload)
        fields += [(fid,) + f for f in ff]
        fpath.write_text(yaml.safe_dump(fdata, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return pdir, fields


# --------------------------------------------------------------------------------------------
# Quick: the escaping functions and the blocks of a report
# --------------------------------------------------------------------------------------------


def test_md_escape_leaves_no_tag_entity_or_link():
    out = md_escape(PAYLOAD)
    assert "<" not in out and ">" not in out
    assert not re.search(r"&(?!amp;|lt;|gt;)", out), "a bare & could start a character reference"
    assert not re.search(r"(?<!\\)[\[\]`*_|#]", out), "Markdown punctuation left unescaped"
    assert _clean_title("**" + md_escape(PAYLOAD) + "**") == " ".join(PAYLOAD.split())


def test_section_escapes_text_that_is_not_template_output():
    sec = Section().heading(3, PAYLOAD).md(PAYLOAD).bullets([PAYLOAD]).strong(PAYLOAD)
    assert "<" not in sec.markdown() and "](" not in sec.markdown().replace("\\](", "")
    assert "<" not in html_table([PAYLOAD], [[PAYLOAD]], caption=PAYLOAD).replace("<t", "").replace(
        "</t", "").replace("<caption>", "").replace("</caption>", "")


def test_schema_walk_finds_the_text_fields():
    data = yaml.safe_load((ROOT / "parameters/luohu-fsa/2022.yaml").read_text(encoding="utf-8"))
    fields = {tuple(k for k in f if isinstance(k, str)) for f in text_fields(params.DepartmentYear, data)}
    for expected in [("department", "name"), ("department", "functions"), ("department", "key_tasks", "name"),
                     ("evaluations", "title"), ("evaluations", "problems"), ("budget", "by_category", "name")]:
        assert expected in fields, expected
    assert not any(f[-1] in NOT_TEXT for f in fields)


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
@pytest.mark.parametrize("unit", ["luohu-fsa/2022", "beijing-lfsb/2021"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_text_field_is_escaped_in_the_markdown(tmp_path, unit, language):
    pdir, fields = hostile_copy(tmp_path, unit)
    assert len(fields) > 20
    department, year = unit.split("/")
    report = Report.load(department, int(year), language=language, params_dir=str(pdir))
    md = report.markdown()
    assert md_escape(PAYLOAD) in md
    assert "<" not in md.replace("<style>", "")
    for sec in report.sections():
        for kind, block in sec.blocks:
            if kind == "html" and not block.startswith("<style>"):
                assert "<img" not in block and "<svg" not in block and "<script" not in block


@pytest.mark.parametrize("formula", FORMULAS)
def test_score_sheet_writes_text_as_text(tmp_path, formula):
    pdir, _ = hostile_copy(tmp_path, "luohu-fsa/2022", payload=formula)
    bundle = load(pdir / "luohu-fsa" / "2022.yaml", str(pdir))
    wb = load_workbook(write_xlsx(bundle, score_bundle(bundle), str(tmp_path / "score.xlsx")))
    cells = [(ws.title, c) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    for sheet, c in cells:
        assert c.data_type != "f", f"{sheet}!{c.coordinate} is a formula: {c.value!r}"
        if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert c.quotePrefix, f"{sheet}!{c.coordinate} {c.value!r} has no quote prefix"
        elif c.value is not None:  # cells share styles (score_sheet._put): a prefix must not leak to others
            assert not c.quotePrefix, f"{sheet}!{c.coordinate} {c.value!r} has a quote prefix"
        if isinstance(c.value, float):
            # scores 0.00, counts 0, points as written (General), a target's ratio 0.00%
            assert c.number_format in ("0.00", "0", "General", "0.00%") and c.border.left.style == "thin", \
                f"{sheet}!{c.coordinate}"
    assert any(isinstance(c.value, str) and c.value.strip() == formula.strip() for _, c in cells), "text lost"
    assert any(isinstance(c.value, float) for _, c in cells), "numbers must stay numbers"


# --------------------------------------------------------------------------------------------
# Slow: the report as a batch builds it, rendered by Chromium
# --------------------------------------------------------------------------------------------

PROBE = """<script>window.addEventListener('load', function () {
  var pre = document.createElement('pre');
  pre.id = 'perfkit-probe';
  pre.textContent = JSON.stringify({
    title: document.title, text: document.body.innerText, pwned: window.pwned || 0,
    img: document.querySelectorAll('img[src="x"], img[onerror]').length,
    svg: document.querySelectorAll('svg[onload]').length,
    iframe: document.querySelectorAll('iframe').length,
    js_links: document.querySelectorAll('a[href^="javascript:" i]').length,
    scripts: document.scripts.length,
    handlers: Array.prototype.filter.call(document.querySelectorAll('*'), function (e) {
      return Array.prototype.some.call(e.attributes, function (a) { return /^on/i.test(a.name); });
    }).length});
  document.body.appendChild(pre);
});</script>"""


def render(page_html: str, tmp_path: Path) -> dict:
    """What headless Chromium renders of a page: its title, text and the elements payloads would make.

    ``test_batch.open_in_chromium`` loads the page; this probe runs before its own (both on load), so the
    first probe element in the DOM is this one."""
    cut = page_html.rindex("</body>")
    page = tmp_path / "page.html"
    page.write_text(page_html[:cut] + PROBE + page_html[cut:], encoding="utf-8")
    (tmp_path / "chromium").mkdir()
    return open_in_chromium(page, tmp_path / "chromium")


@pytest.mark.slow
@pytest.mark.parametrize("unit, language", [("luohu-fsa/2022", "zh"), ("beijing-lfsb/2021", "en")])
def test_payload_in_every_text_field_is_text_in_the_rendered_report(tmp_path, unit, language):
    from perfkit.run import batch

    pdir, fields = hostile_copy(tmp_path, unit)
    department, year = unit.split("/")
    out = tmp_path / "reports"
    rec = batch.run_unit(department, int(year), language, params_dir=pdir, out_dir=out)
    assert rec.status == "ok", rec.error
    report_html = next(out.rglob("*.html")).read_text(encoding="utf-8")
    # the template's own scripts: the same export of a notebook with no outputs
    (tmp_path / "empty").mkdir()
    (tmp_path / "page").mkdir()
    template_scripts = render(export_html(nbformat.v4.new_notebook(), "t", language), tmp_path / "empty")["scripts"]
    page = render(report_html, tmp_path / "page")
    assert page["pwned"] == 0
    assert page["img"] == page["svg"] == page["iframe"] == page["js_links"] == page["handlers"] == 0, page
    assert page["scripts"] == template_scripts
    visible = " ".join(PAYLOAD.split())
    assert visible in " ".join(page["text"].split()), "the payload is not shown as text"
    assert visible in page["title"]
