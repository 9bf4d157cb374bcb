"""``reports/index.html`` (issue 12): one row per evaluation of every unit, sortable without a server, every text
escaped, links to the report files present; written at the end of every batch."""

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PARAMS, ROOT
from perfkit.report.index_page import index_html, index_rows, write_index

CHROMIUM = "/usr/bin/chromium"
SHIPPED = [("beijing-lfsb", 2021), ("luohu-fsa", 2022), ("shenzhen-lfsb", 2020)]


def entries(units, status="ok"):
    return [{"department": d, "year": y, "language": lang, "status": status} for d, y in units for lang in ("zh", "en")]


def test_one_row_per_evaluation_with_grades_findings_and_present_links(tmp_path):
    udir = tmp_path / "luohu-fsa" / "2022"
    udir.mkdir(parents=True)
    for name in ("report.html", "report.en.html", "report.docx", "report.xlsx", "report.failed.ipynb", "notes.txt"):
        (udir / name).write_text("x")
    rows = index_rows(tmp_path, PARAMS, entries(SHIPPED))
    assert len(rows) == 37 + 1 + 2  # Beijing D0, E1 and 35 forms; Luohu; Shenzhen department and fund
    luohu = next(r for r in rows if r.department == "luohu-fsa")
    assert (luohu.department_name, luohu.grade, round(luohu.total, 2), luohu.reported_total, luohu.reported_grade) == (
        "深圳市罗湖区金融服务署", "良", 86.53, 88.62, "良")  # the report prints no grade: the band of 88.62
    assert luohu.findings == {"error": 2, "warning": 5, "info": 1}  # as `perfkit score` lists them
    assert [label for label, _ in luohu.links] == ["report.en.html", "report.html", "report.docx", "report.xlsx"]
    beijing_d0 = next(r for r in rows if r.department == "beijing-lfsb")
    assert beijing_d0.links == [] and beijing_d0.reported_total == 90.70
    page = index_html(rows)
    assert page.count("<tr>") + page.count('<tr class="bad">') == 41  # the heading row and 40 evaluations
    assert '<a href="luohu-fsa/2022/report.docx">report.docx</a>' in page and "failed" not in page.split("<tbody>")[1]


def test_rows_from_the_records_scoring_equal_rows_from_loading_and_no_unit_is_loaded_again(tmp_path, monkeypatch):
    """A batch's records carry what the index shows of each evaluation (``scored``, from the worker's
    scoring): the page made from them is the page made by loading and scoring every unit again, and making
    it loads no unit (a batch that reran nothing pays no loading)."""
    from perfkit.core.scoring import score_bundle
    from perfkit.load import find_unit, load
    from perfkit.report import index_page

    recorded = []
    for d, y in SHIPPED:
        bundle = load(find_unit(PARAMS, d, y), str(PARAMS))
        scored = index_page.scored_rows(bundle, score_bundle(bundle))
        recorded += [{**e, "scored": json.loads(json.dumps(scored))} for e in entries([(d, y)])]  # as the manifest keeps it
    loaded = index_html(index_rows(tmp_path, PARAMS, entries(SHIPPED)))

    def refuse(*args, **kwargs):
        raise AssertionError("a unit was loaded again")

    monkeypatch.setattr(index_page, "load", refuse)
    from_records = index_html(index_rows(tmp_path, PARAMS, recorded))
    assert from_records == loaded and from_records.count("<tr") == 41


def test_a_failed_or_invalid_unit_gets_a_row_saying_so(tmp_path):
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    (params / "broken-dept").mkdir()
    (params / "broken-dept" / "2022.yaml").write_text("department: {id: broken-dept, name: x}\nyear: 2022\n"
                                                      "budget: {adjusted: lots, spent: 1}\n", encoding="utf-8")
    [row] = index_rows(tmp_path, params, entries([("broken-dept", 2022)], status="invalid"))
    assert row.evaluation is None and row.status == "invalid" and "budget.adjusted" in row.problem
    page = index_html([row])
    assert '<tr class="bad">' in page and "参数有误" in page


def test_every_text_from_a_parameter_file_is_escaped(tmp_path):
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    (params / "luohu-fsa").mkdir()
    text = (PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8")
    text = text.replace("name: 深圳市罗湖区金融服务署", "name: '<script>alert(1)</script>&\"罗湖'", 1)
    (params / "luohu-fsa" / "2022.yaml").write_text(text, encoding="utf-8")
    page = index_html(index_rows(tmp_path, params, entries([("luohu-fsa", 2022)])))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;罗湖" in page
    assert page.count("<script>") == 1  # the sorting script only


def test_write_index_leaves_no_temporary_file(tmp_path):
    path = write_index(tmp_path, PARAMS, entries([("luohu-fsa", 2022)]))
    assert path == tmp_path / "index.html" and sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


PROBE = """<script>window.addEventListener('load', function () {
  var table = document.getElementById('units'), heads = table.tHead.rows[0].cells;
  function col(i) { return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return r.cells[i].getAttribute('data-v'); }); }
  var out = {title: document.title, rows: table.tBodies[0].rows.length, first: col(4)};
  heads[4].click(); out.up = col(4);
  heads[4].click(); out.down = col(4);
  heads[0].click(); out.byDept = col(0);
  out.links = Array.prototype.map.call(document.links, function (a) { return a.getAttribute('href'); });
  out.scripts = Array.prototype.filter.call(document.scripts, function (s) { return s.src; }).length;
  var pre = document.createElement('pre'); pre.id = 'perfkit-probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});</script>"""


def open_index(page: Path, tmp_path: Path) -> dict:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/bootstrap.sh --with-browser installs it"
    text = page.read_text(encoding="utf-8")
    probe = page.with_name("probe.html")
    probe.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="perfkit-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"chromium exited {proc.returncode} without rendering the page:\n{proc.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


PAGE_PROBE = """<script>window.addEventListener('load', function () {
  var imgs = Array.prototype.map.call(document.images, function (i) {
    return {data: i.src.indexOf('data:image/') === 0, nw: i.naturalWidth}; });
  var pre = document.createElement('pre'); pre.id = 'perfkit-probe';
  pre.textContent = JSON.stringify({title: document.title, text: document.body.innerText, images: imgs,
    scripts: Array.prototype.filter.call(document.scripts, function (s) { return s.src; }).length});
  document.body.appendChild(pre);
});</script>"""


def open_page(page: Path, tmp_path: Path) -> dict:
    """A client HTML page in headless Chromium: its title, visible text, images (embedded?) and external scripts."""
    text = page.read_text(encoding="utf-8")
    probe = page.with_name("page-probe.html")
    cut = text.rindex("</body>")
    probe.write_text(text[:cut] + PAGE_PROBE + text[cut:], encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile2'}",
         "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="perfkit-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"chromium exited {proc.returncode} without rendering the page:\n{proc.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
def test_batch_writes_the_index_and_the_portfolio_and_the_index_sorts_in_chromium(tmp_path):
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    for d, _ in SHIPPED[1:]:
        shutil.copytree(PARAMS / d, params / d)
    out = tmp_path / "reports"
    proc = subprocess.run([sys.executable, "-m", "perfkit.cli", "batch", str(params), "--out", str(out), "--language", "zh",
                           "--workers", "2", "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    page = open_index(out / "index.html", tmp_path)
    assert page["title"] == "绩效评价报告总览" and page["rows"] == 3 and page["scripts"] == 0
    totals = [float(v) for v in page["up"]]
    assert totals == sorted(totals) and [float(v) for v in page["down"]] == sorted(totals, reverse=True)
    # one row per evaluation, each linking its unit's files (the HTML, and the documents a run writes beside it)
    assert page["links"].count("luohu-fsa/2022/report.html") == 1
    assert page["links"].count("shenzhen-lfsb/2020/report.html") == 2
    assert all(link.endswith((".html", ".docx", ".xlsx")) for link in page["links"])
    for link in page["links"]:
        assert (out / link).is_file()
    # the portfolio notebook ran after the units, over the same parameters
    folio = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "2 department-years, 3 evaluations" in folio and "How many 优 remain?" in folio
    assert (out / "portfolio.ipynb").is_file() and not (out / "portfolio.failed.ipynb").exists()
    shown = open_page(out / "portfolio.html", tmp_path)
    assert shown["title"] == "绩效评价总览" and shown["scripts"] == 0
    assert "How many 优 remain?" in shown["text"] and "rules_as_written" in shown["text"]
    assert len(shown["images"]) == 3 and all(i["data"] and i["nw"] > 100 for i in shown["images"])
