"""Running it: `perfkit batch` and `perfkit run` over the real evaluation notebook, and the client HTML in a browser.

One batch over a copy of the shipped parameters plus a deliberately broken department-year (a copy of Luohu
whose budget has a word where a number belongs) is shared by the tests of this module; it runs with two
workers, in both languages, as `./run.sh` does.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from perfkit.errors import RunError
from perfkit.report.language import LANGUAGES as REPORT_LANGUAGES
from perfkit.run import batch, executors, manifest, units
from perfkit.load import load
from perfkit.core.scoring import score_bundle

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"
SHIPPED = [("beijing-lfsb", 2021), ("luohu-fsa", 2022), ("shenzhen-lfsb", 2020)]
BROKEN = ("luohu-broken", 2022)


def perfkit(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfkit.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def params(tmp_path_factory) -> Path:
    """A copy of parameters/ with one more department-year, broken on purpose at budget.adjusted."""
    root = tmp_path_factory.mktemp("params") / "parameters"
    shutil.copytree(PARAMS, root)
    text = (PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8")
    broken = re.sub(r"(?m)^  id: luohu-fsa$", "  id: luohu-broken", text)
    broken, n = re.subn(r"(?m)^  adjusted: [0-9.]+$", "  adjusted: lots", broken, count=1)
    assert n == 1, "the Luohu file changed shape: pick another field to break"
    (root / BROKEN[0]).mkdir()
    (root / BROKEN[0] / f"{BROKEN[1]}.yaml").write_text(broken, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def run(params, tmp_path_factory):
    """`perfkit batch PARAMS --out OUT --workers 2` once for the module: (process, out dir, manifest)."""
    out = tmp_path_factory.mktemp("reports")
    proc = perfkit("batch", str(params), "--out", str(out), "--workers", "2", "--no-progress")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8")) if (out / "manifest.json").exists() else None
    return proc, out, manifest


def _entry(manifest, department, year, language="zh"):
    found = [u for u in manifest["units"] if (u["department"], u["year"], u["language"]) == (department, year, language)]
    assert len(found) == 1, f"manifest has {len(found)} entries for {department} {year} {language}"
    return found[0]


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_batch_finishes_the_others_and_reports_the_broken_unit(run):
    proc, out, manifest = run
    assert manifest is not None, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    # Every shipped unit is written, in Chinese and in English.
    for dept, year in SHIPPED:
        for lang in ("zh", "en"):
            entry = _entry(manifest, dept, year, lang)
            assert entry["status"] == "ok", entry["error"]
            names = units.LANGUAGES[lang]
            for name in (names.notebook, names.html):
                assert (out / dept / str(year) / name).stat().st_size > 0
    # The broken one is named with its cause (file, line, field) and nothing of it is written.
    line = next(ln for ln in proc.stderr.splitlines() if "luohu-broken 2022" in ln and "invalid" in ln)
    assert "luohu-broken/2022.yaml" in line and "budget.adjusted" in line and "'lots'" in line, line
    assert not (out / "luohu-broken" / "2022").exists() or not any((out / "luohu-broken" / "2022").iterdir())
    for lang in ("zh", "en"):
        entry = _entry(manifest, *BROKEN, lang)
        assert entry["status"] == "invalid"
        assert entry["error"]["kind"] == "invalid_parameters"
        assert any("budget.adjusted" in p and "luohu-broken/2022.yaml" in p for p in entry["error"]["problems"])
        assert entry["outputs"] == {}
    assert manifest["summary"] == {"units": 8, "ok": 6, "invalid": 2}
    assert "6 of 8 reports written" in proc.stdout


@pytest.mark.slow
def test_manifest_records_timings_input_hashes_and_versions(run, params):
    _, out, manifest = run
    entry = _entry(manifest, "luohu-fsa", 2022)
    for key in ("started", "finished"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry[key])
    assert entry["started"] <= entry["finished"] and entry["duration_s"] > 0
    # The hash covers every file the unit reads and the notebook, named independently of where they live.
    bundle = load(params / "luohu-fsa" / "2022.yaml")
    files = entry["inputs"]["files"]
    for f in bundle.input_files():
        name = "params/" + Path(f).resolve().relative_to(params.resolve()).as_posix()
        assert files[name] == hashlib.sha256(Path(f).read_bytes()).hexdigest()
    assert files[f"notebook/{NOTEBOOK.name}"] == hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest()
    assert len(files) == len(bundle.input_files()) + 1
    assert set(entry["versions"]) >= {"perfkit", "python", "pandas", "numpy", "matplotlib", "papermill"}
    assert entry["kernel"]["name"] == "python3"
    assert entry["outputs"] == {name: f"luohu-fsa/2022/report.{name if name != 'notebook' else 'ipynb'}"
                                for name in ("notebook", "html", "docx", "xlsx", "pdf")}
    assert entry["title"] and entry["error"] is None
    en = _entry(manifest, "luohu-fsa", 2022, "en")
    assert en["outputs"]["html"] == "luohu-fsa/2022/report.en.html"
    assert en["inputs"] == entry["inputs"]  # the same files, whatever the language


@pytest.mark.slow
def test_reports_are_moved_into_place_whole(run):
    _, out, _ = run
    leftovers = [p for p in out.rglob("*") if ".tmp" in p.name]
    assert not leftovers
    nb = nbformat.read(out / "luohu-fsa" / "2022" / "report.ipynb", as_version=4)
    nbformat.validate(nb)
    # What varies between runs of the same inputs is in the manifest, not in the report.
    assert "start_time" not in nb.metadata["papermill"] and "duration" not in nb.metadata["papermill"]
    assert all("execution" not in c.metadata for c in nb.cells)


@pytest.mark.slow
def test_report_ipynb_names_no_checkout(run, params, tmp_path):
    _, out, _ = run
    nb = nbformat.read(out / "luohu-fsa" / "2022" / "report.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    # The parameters directory reaches the kernel in its environment ($PERFKIT_PARAMS), not in the notebook.
    assert nb.metadata["papermill"]["parameters"]["params_dir"] == ""
    assert 'params_dir = ""' in injected.source and str(params.parent) not in injected.source, injected.source
    # Two checkouts with identical files, and a copy of the parameters elsewhere run with this checkout's
    # notebook, give identical reports, byte for byte.
    made = [(out / "luohu-fsa" / "2022" / "report.ipynb").read_bytes()]
    for checkout, own_notebook in ((tmp_path / "one", True), (tmp_path / "two" / "deeper", True),
                                   (tmp_path / "elsewhere" / "copy", False)):
        small = checkout / "parameters"
        shutil.copytree(params / "frameworks", small / "frameworks")
        shutil.copytree(params / "luohu-fsa", small / "luohu-fsa")
        notebook = NOTEBOOK
        if own_notebook:
            (checkout / "notebooks").mkdir()
            notebook = Path(shutil.copy(NOTEBOOK, checkout / "notebooks" / NOTEBOOK.name))
        result = batch.run_batch(small, checkout / "reports", workers=1, languages="zh", progress=False,
                                 notebook=notebook)
        assert result.ok, [r.error for r in result.records]
        made.append((checkout / "reports" / "luohu-fsa" / "2022" / "report.ipynb").read_bytes())
        assert str(tmp_path).encode() not in made[-1] and str(params.parent).encode() not in made[-1]
    assert made[1:] == [made[0]] * 3


def test_the_manifest_is_written_as_each_unit_finishes(params, tmp_path, monkeypatch, kernels_started):
    """An interrupted batch leaves a manifest that records the units finished before the interruption."""

    def interrupted(fn, tasks, workers, **_options):
        yield fn(tasks[0])
        raise KeyboardInterrupt

    monkeypatch.setitem(executors.EXECUTORS, "interrupted", executors.Executor(interrupted))
    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    shutil.copytree(params / BROKEN[0], small / BROKEN[0])  # invalid: recorded without a kernel
    shutil.copytree(params / "luohu-fsa", small / "luohu-fsa")
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(small, tmp_path / "out", languages="all", executor="interrupted", progress=False)
    written = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert written["format"] == manifest.MANIFEST_FORMAT and written["summary"] == {"units": 1, "invalid": 1}
    assert [(u["department"], u["year"], u["language"]) for u in written["units"]] == [(*BROKEN, "zh")]


@pytest.mark.slow
def test_a_unit_with_both_yaml_and_yml_is_invalid_and_runs_once(params, tmp_path, monkeypatch, kernels_started):
    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    shutil.copytree(params / "luohu-fsa", small / "luohu-fsa")
    shutil.copy(small / "luohu-fsa" / "2022.yaml", small / "luohu-fsa" / "2022.yml")
    assert units.discover_units(small) == [("luohu-fsa", 2022)]
    result = batch.run_batch(small, tmp_path / "out", languages="all", progress=False)
    assert [(r.language, r.status) for r in result.records] == [("zh", "invalid"), ("en", "invalid")]
    for rec in result.records:
        assert "2022.yaml and 2022.yml both exist" in rec.error["summary"]
        assert sorted(Path(p.split(":")[0]).name for p in rec.error["problems"]) == ["2022.yaml", "2022.yml"]
    assert not (tmp_path / "out" / "luohu-fsa").exists()


def test_report_languages_are_those_of_the_narrative_templates():
    assert list(units.LANGUAGES) == list(REPORT_LANGUAGES)
    assert units.LANGUAGES["zh"] == units.Outputs("report.ipynb", "report.html", "report.failed.ipynb", "report.docx",
                                                  "report.xlsx", "report.pdf")
    assert units.LANGUAGES["en"] == units.Outputs("report.en.ipynb", "report.en.html", "report.en.failed.ipynb",
                                                  "report.en.docx", "report.en.xlsx", "report.en.pdf")
    assert units.languages_of("all") == list(REPORT_LANGUAGES) and units.languages_of("en") == ["en"]
    with pytest.raises(RunError, match="unknown language 'fr'"):
        units.languages_of("fr")


def test_a_batch_whose_units_are_all_invalid_starts_no_portfolio(params, tmp_path, monkeypatch, kernels_started):
    """The portfolio notebook runs beside the reports once a report has come back ok: with two invalid units in
    both languages and one worker (it would start after the second of four), it never starts."""
    def serial(fn, tasks, workers, *, on_error, **_options):
        for t in tasks:
            yield fn(t)

    monkeypatch.setitem(executors.EXECUTORS, "serial", executors.Executor(serial))
    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    for name in (BROKEN[0], "other-broken"):
        (small / name).mkdir(parents=True)
        text = (params / BROKEN[0] / f"{BROKEN[1]}.yaml").read_text(encoding="utf-8")
        (small / name / f"{BROKEN[1]}.yaml").write_text(text.replace(f"id: {BROKEN[0]}", f"id: {name}"),
                                                      encoding="utf-8")
    tasks = [{"department": d, "year": BROKEN[1], "language": lang}
             for d in (BROKEN[0], "other-broken") for lang in ("zh", "en")]
    assert batch.portfolio_start(tasks, 1) == 2  # a portfolio would start after two reports
    result = batch.run_batch(small, tmp_path / "out", workers=1, executor="serial", progress=False)
    assert [r.status for r in result.records] == ["invalid"] * 4
    assert kernels_started == []  # not the portfolio either
    assert not (tmp_path / "out" / "portfolio.html").exists()


def test_an_executor_is_one_registry_entry(params, tmp_path, monkeypatch, kernels_started):
    """A new executor is a function and one entry; the batch finds it by name and its check runs first."""
    seen = []

    def serial(fn, tasks, workers, *, on_error, **_options):
        seen.append(len(tasks))
        for t in tasks:
            yield fn(t)

    monkeypatch.setitem(executors.EXECUTORS, "serial", executors.Executor(serial))
    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    shutil.copytree(params / BROKEN[0], small / BROKEN[0])
    result = batch.run_batch(small, tmp_path / "out", executor="serial", progress=False)
    assert seen == [2] and [r.status for r in result.records] == ["invalid", "invalid"]
    with pytest.raises(RunError, match="unknown executor 'nope'; expected one of process, dask, serial"):
        batch.run_batch(small, tmp_path / "out", executor="nope", progress=False)


def test_an_unexpected_error_in_the_batch_loop_stops_the_portfolio_run_alongside(params, tmp_path, monkeypatch):
    """The portfolio notebook runs beside the units; whatever ends the batch's loop (here a journal that cannot be
    written) cancels it and the executor, and the error reaches the caller as it was."""
    from perfkit.run import portfolio

    said = []

    class Alongside:
        def __init__(self, *args, **kwargs):
            said.append("started")

        def cancel(self):
            said.append("cancelled")

    def one_result(fn, tasks, workers, *, on_error, **_options):
        try:
            yield batch.task_error(tasks[0], RuntimeError("the worker's result"))
            pytest.fail("the loop went on after the error")
        finally:
            said.append("executor closed")

    def cannot_write(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(portfolio, "PortfolioAlongside", Alongside)
    monkeypatch.setitem(executors.EXECUTORS, "one", executors.Executor(one_result))
    monkeypatch.setattr(batch, "_take", cannot_write)
    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    shutil.copytree(params / "luohu-fsa", small / "luohu-fsa")
    with pytest.raises(OSError, match="No space left on device"):
        batch.run_batch(small, tmp_path / "out", executor="one", progress=False)
    assert said == ["started", "executor closed", "cancelled"]


def _freeze_count(task):
    import gc
    import time

    time.sleep(0.2)  # long enough for the other worker to take tasks too (usually)
    return task["i"], os.getpid(), gc.get_freeze_count()


def test_a_process_pool_worker_freezes_what_it_holds_after_its_first_task_and_the_caller_never():
    """gc.freeze in each worker of the pool, once its first task is done; never in the calling process (a user's
    own kernel may call the batch with one worker)."""
    import gc

    tasks = [{"i": i} for i in range(6)]
    pooled = sorted(executors.process_executor(_freeze_count, tasks, 2, on_error=lambda t, e: pytest.fail(str(e))))
    firsts: dict[int, int] = {}
    for i, pid, frozen in pooled:
        if pid not in firsts:
            firsts[pid] = frozen
            assert frozen == 0, pooled  # the worker's first task: nothing frozen yet
        else:
            assert frozen > 0, pooled  # every later task runs in a settled worker
    assert 1 <= len(firsts) <= 2 and os.getpid() not in firsts  # (one worker may take them all on a busy machine)
    before = gc.get_freeze_count()
    assert [r[2] for r in executors.process_executor(_freeze_count, tasks[:2], 1, on_error=None)] == [before] * 2
    assert gc.get_freeze_count() == before


# --------------------------------------------------------------------------------------------
# One unit
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_writes_one_report_identical_to_the_batch(run, params, tmp_path):
    _, batch_out, _ = run
    proc = perfkit("run", "luohu-fsa", "2022", "--params", str(params), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    unit = tmp_path / "luohu-fsa" / "2022"
    names = ["report.ipynb", "report.html", "report.docx", "report.xlsx", "report.pdf"]
    assert sorted(p.name for p in unit.iterdir()) == sorted(names)
    assert proc.stdout.split() == [f"{tmp_path}/luohu-fsa/2022/{name}" for name in names]
    # Reproducible: the same inputs give the same files, byte for byte (the workbook and the PDF carry the
    # time they were made).
    for name in ("report.ipynb", "report.html", "report.docx"):
        assert (unit / name).read_bytes() == (batch_out / "luohu-fsa" / "2022" / name).read_bytes(), name
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [(u["department"], u["language"], u["status"]) for u in manifest["units"]] == [("luohu-fsa", "zh", "ok")]


@pytest.mark.slow
def test_a_failing_notebook_keeps_its_executed_notebook_and_the_cause(params, tmp_path):
    unit = tmp_path / "luohu-fsa" / "2022"
    unit.mkdir(parents=True)
    (unit / "report.html").write_text("an earlier run's report", encoding="utf-8")
    (unit / "report.docx").write_text("an earlier run's Word document", encoding="utf-8")
    rec = batch.run_unit("luohu-fsa", 2022, "zh", params, tmp_path, notebook=FIXTURES / "failing.ipynb")
    assert rec.status == "failed"
    assert rec.error["ename"] == "ValueError" and rec.error["cell"] == 3
    assert rec.error["summary"] == "cell 3 (In [3]: total = 1): ValueError: no budget table for luohu-fsa 2022"
    assert sorted(p.name for p in unit.iterdir()) == ["report.failed.ipynb"]  # the stale report is gone
    kept = nbformat.read(unit / "report.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["units"][0]["outputs"] == {"failed_notebook": "luohu-fsa/2022/report.failed.ipynb"}


@pytest.mark.slow
def test_units_in_threads_of_one_process_do_not_disturb_each_other(run, params, tmp_path):
    """A Dask worker may run several units at once in threads: the kernel's environment and stderr are its
    own, and this process's environment, working directory and stderr are left alone."""
    _, batch_out, _ = run
    environ, cwd, stderr = dict(os.environ), os.getcwd(), os.fstat(2)
    with ThreadPoolExecutor(2) as pool:
        recs = list(pool.map(lambda lang: batch.run_unit("luohu-fsa", 2022, lang, params, tmp_path, record=False),
                             ["zh", "en"]))
    assert [r.status for r in recs] == ["ok", "ok"], [r.error for r in recs]
    assert dict(os.environ) == environ and os.getcwd() == cwd
    assert (os.fstat(2).st_dev, os.fstat(2).st_ino) == (stderr.st_dev, stderr.st_ino)
    for lang in ("zh", "en"):
        for name in (units.LANGUAGES[lang].notebook, units.LANGUAGES[lang].html):
            assert (tmp_path / "luohu-fsa" / "2022" / name).read_bytes() == \
                (batch_out / "luohu-fsa" / "2022" / name).read_bytes(), name


def test_run_with_a_missing_parameters_directory_says_so(tmp_path):
    proc = run_cli("run", "luohu-fsa", "2022", "--params", "no/such/dir", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "perfkit run: no/such/dir: parameters directory not found" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_invalid_parameters_fail_fast_without_a_kernel(params, tmp_path, monkeypatch):
    def no_kernel(*a, **k):
        raise AssertionError("a kernel was started for invalid parameters")

    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    rec = batch.run_unit(*BROKEN, "en", params, tmp_path, notebook=NOTEBOOK)
    assert rec.status == "invalid" and rec.error["summary"].startswith("invalid parameters: ")
    assert not (tmp_path / "luohu-broken").exists()


@pytest.mark.slow
@pytest.mark.parametrize("args, message", [
    (["run", "no-such-department", "2022"], "no department 'no-such-department'; known: "),
    (["run", "luohu-fsa", "1999"], "no such year; this department has: 2022"),
    (["run", "luohu-fsa", "2022", "--kernel", "no-such-kernel"], "no Jupyter kernel named 'no-such-kernel'"),
    (["run", "luohu-fsa", "2022", "--notebook", "no/such.ipynb"], "no/such.ipynb: notebook not found"),
    (["batch", "no/such/dir"], "no/such/dir: parameters directory not found"),
    (["run", "luohu-fsa", "2022", "--notebook", str(FIXTURES / "no-parameters.ipynb")], "has no cell tagged 'parameters'"),
])
def test_a_run_that_cannot_start_says_why_without_a_traceback(args, message, tmp_path):
    if "no-parameters.ipynb" in args[-1]:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
        nbformat.write(nb, tmp_path / "no-parameters.ipynb")
        args = [*args[:-1], str(tmp_path / "no-parameters.ipynb")]
    proc = perfkit(*args, "--out", str(tmp_path / "out"))
    assert proc.returncode in (1, 2), proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


# --------------------------------------------------------------------------------------------
# The client HTML in a browser
# --------------------------------------------------------------------------------------------

PROBE = """<script>window.addEventListener('load', function () {
  var imgs = Array.prototype.map.call(document.images, function (i) {
    var r = i.getBoundingClientRect();
    return {data: i.src.indexOf('data:image/') === 0, nw: i.naturalWidth, nh: i.naturalHeight, w: r.width, h: r.height};
  });
  var pre = document.createElement('pre');
  pre.id = 'perfkit-probe';
  pre.textContent = JSON.stringify({
    title: document.title, lang: document.documentElement.lang, text: document.body.innerText, images: imgs,
    code: document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt').length,
    scripts: Array.prototype.filter.call(document.scripts, function (s) { return s.src; }).length});
  document.body.appendChild(pre);
});</script>"""


def open_in_chromium(report: Path, tmp_path: Path) -> dict:
    """Load a report in headless Chromium and return what rendered: title, visible text, image sizes."""
    assert Path(CHROMIUM).exists(), (f"{CHROMIUM} is missing: scripts/bootstrap.sh --with-browser installs it "
                                     "(apt-get install -y chromium)")
    page = tmp_path / report.name
    text = report.read_text(encoding="utf-8")
    cut = text.rindex("</body>")
    page.write_text(text[:cut] + PROBE + text[cut:], encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="perfkit-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"chromium exited {proc.returncode} without rendering the page:\n{proc.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_report_html_renders_title_total_and_charts_in_chromium(run, params, language, tmp_path):
    _, out, manifest = run
    entry = _entry(manifest, "luohu-fsa", 2022, language)
    page = open_in_chromium(out / entry["outputs"]["html"], tmp_path)
    assert page["title"] == entry["title"]
    assert "罗湖" in page["title"] if language == "zh" else "Luohu" in page["title"]
    assert page["lang"] == language
    total = score_bundle(load(params / "luohu-fsa" / "2022.yaml"))[0].total
    assert f"{total:.2f}" in page["text"]
    assert page["images"], "no charts in the report"
    for img in page["images"]:
        assert img["data"], "a chart is not embedded as a data: URI"
        assert img["nw"] > 0 and img["nh"] > 0 and img["w"] > 0 and img["h"] > 0, img
    assert page["code"] == 0, "code cells or prompts are visible in the client report"
    assert page["scripts"] == 0, "the report loads scripts from elsewhere"


# --------------------------------------------------------------------------------------------
# The optional Dask executor
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_dask_executor_says_how_to_install_it(params, tmp_path):
    # Simulate a machine without the optional extra: importing distributed fails.
    code = ("import sys; sys.modules['distributed'] = None; from perfkit.cli import main; "
            f"sys.exit(main(['batch', {str(params)!r}, '--out', {str(tmp_path)!r}, '--executor', 'dask']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "pip install -e '.[dask]'" in proc.stderr and "Traceback" not in proc.stderr


def test_an_unreachable_dask_scheduler_is_a_usage_error(params, tmp_path):
    import dask

    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    shutil.copytree(params / "luohu-fsa", small / "luohu-fsa")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):  # distributed's default wait is 30 s
        r = run_cli("batch", small, "--out", tmp_path / "out", "--language", "zh", "--documents", "none",
                    "--no-progress", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("perfkit batch: cannot reach the Dask scheduler at tcp://127.0.0.1:1 (--scheduler)")


@pytest.mark.slow
def test_dask_executor_writes_the_same_reports(run, params, tmp_path):
    _, batch_out, _ = run
    small = tmp_path / "parameters"
    shutil.copytree(params / "frameworks", small / "frameworks")
    shutil.copytree(params / "luohu-fsa", small / "luohu-fsa")
    out = tmp_path / "reports"
    proc = perfkit("batch", str(small), "--out", str(out), "--executor", "dask", "--workers", "1", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    for name in ("report.html", "report.en.html"):  # the .ipynb names the parameters directory (relative to the notebook)
        assert (out / "luohu-fsa" / "2022" / name).read_bytes() == (batch_out / "luohu-fsa" / "2022" / name).read_bytes()
