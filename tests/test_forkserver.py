"""Kernels forked from a warm server (perfkit.run.forkserver, the engine ``perfkit``): the same reports as
nbclient's fresh kernels, faults isolated, no process left behind.

The slow tests start real kernels: the equivalence on every shipped unit in both languages; a notebook that
raises / sleeps past its timeout / kills its kernel, each followed by a correct report from the same server;
a batch with those faults; ``papermill --engine perfkit`` through the entry point; the processes left after
a batch and after Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

import nbformat
import pytest

from perfkit.core.validated import write_validated
from perfkit.run import engine, forkserver
from perfkit.run.units import validate_unit

from conftest import ROOT, params_copy

PARAMS = ROOT / "parameters"
SHIPPED = [("luohu-fsa", 2022), ("shenzhen-lfsb", 2020), ("beijing-lfsb", 2021)]


# --------------------------------------------------------------------------------------------
# Quick
# --------------------------------------------------------------------------------------------


def test_pyproject_declares_the_papermill_entry_points():
    """``perfkit`` (cells in a forked shell: a papermill Engine of its own) and ``perfkit-kernel`` (nbclient
    with forked kernels)."""
    import importlib

    from papermill.engines import Engine, NBClientEngine

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    group = project["entry-points"]["papermill.engine"]
    assert set(group) == {"perfkit", "perfkit-kernel"} == set(engine.ENGINES) - {"nbclient"}
    found = {}
    for name, target in group.items():
        module, _, attr = target.partition(":")
        found[name] = getattr(importlib.import_module(module), attr)
    assert issubclass(found["perfkit"], Engine) and not issubclass(found["perfkit"], NBClientEngine)
    assert issubclass(found["perfkit-kernel"], NBClientEngine) and found["perfkit-kernel"] is not NBClientEngine


def test_cli_offers_both_engines_and_defaults_to_the_forked_one():
    from perfkit.cli import build_parser

    assert build_parser().parse_args(["batch"]).engine == "perfkit"
    assert build_parser().parse_args(["run", "d", "2022", "--engine", "nbclient"]).engine == "nbclient"
    assert build_parser().parse_args(["run", "d", "2022", "--engine", "perfkit-kernel"]).engine == "perfkit-kernel"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["batch", "--engine", "papermill"])


def test_only_ipykernel_on_this_interpreter_is_forked():
    py = sys.executable
    assert forkserver.forkable([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]) == \
        (["-Xfrozen_modules=off"], ["-f", "c.json"])
    assert forkserver.forkable([py, "-X", "dev", "-m", "ipykernel", "-f", "c.json"]) == (["-X", "dev"], ["-f", "c.json"])
    assert forkserver.forkable([py, "-m", "ipykernel_launcher"]) == ([], [])
    assert forkserver.forkable([py, "-m", "other_kernel", "-f", "c.json"]) is None  # another kernel
    assert forkserver.forkable([py, "-c", "import x", "-m", "ipykernel_launcher"]) is None
    assert forkserver.forkable(["/usr/bin/R", "--slave", "-m", "ipykernel_launcher"]) is None  # another program
    assert forkserver.forkable([]) is None


def test_importing_the_module_imports_no_jupyter_stack():
    code = ("import sys, perfkit.run.forkserver, perfkit.run.engine; "
            "print([m for m in ('papermill', 'nbclient', 'jupyter_client', 'pandas') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------------------------
# Slow: real kernels
# --------------------------------------------------------------------------------------------


def _comparable(nb) -> dict:
    """The notebook as JSON less what varies between runs: execution timestamps, papermill's timings and
    paths, cell ids."""
    nb = json.loads(nbformat.writes(nb))
    nb["metadata"].pop("papermill", None)
    for cell in nb["cells"]:
        cell.pop("id", None)
        cell["metadata"].pop("execution", None)
        cell["metadata"].pop("papermill", None)
    return nb


@pytest.fixture
def fresh_server():
    forkserver.shutdown()
    yield
    forkserver.shutdown()


@pytest.mark.slow
@pytest.mark.parametrize("department,year", SHIPPED)
def test_forked_engines_and_fresh_kernels_make_the_same_notebook_for_every_shipped_unit(tmp_path, fresh_server,
                                                                                        department, year):
    """Every cell and output (the PNG charts byte for byte, HTML tables, markdown) and every execution count
    equal, in both languages, whether the cells ran in a forked shell (``perfkit``, handed the unit as a
    batch validated it: perfkit.core.validated), a forked kernel (``perfkit-kernel``) or a fresh kernel
    (``nbclient``), both of which load and score the unit themselves."""
    nb_path = engine.default_notebook()
    bundle, results = validate_unit(PARAMS, department, year, with_results=True)
    handoff = tmp_path / "validated.pickle"
    write_validated(handoff, PARAMS, department, year, bundle, results)
    for language in ("zh", "en"):
        parameters = engine.notebook_parameters(department, year, language)
        runs = {}
        for name in ("perfkit", "perfkit-kernel", "nbclient"):
            run = engine.execute(nb_path, tmp_path / f"{name}-{language}.ipynb", parameters, params_dir=PARAMS,
                                 engine=name, validated=handoff if name == "perfkit" else None)
            assert run.ok, run.error
            assert run.stderr == [], (name, run.stderr)
            runs[name] = _comparable(run.notebook)
        b = runs["nbclient"]
        for name in ("perfkit", "perfkit-kernel"):
            a = runs[name]
            assert a["metadata"] == b["metadata"], name  # language_info and kernelspec included
            assert len(a["cells"]) == len(b["cells"])
            for i, (x, y) in enumerate(zip(a["cells"], b["cells"])):
                assert x == y, f"{department} {year} {language}: cell {i} differs ({name})"
            images = [o for c in a["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
            assert images, "the report draws charts: images must be among the outputs compared"
            counts = [c["execution_count"] for c in a["cells"] if c["cell_type"] == "code"]
            assert counts == list(range(1, len(counts) + 1))
    assert len(forkserver._servers) == 1  # one server forked both engines' children in this process


# What a notebook can do to its outputs, each cell compared between the forked shell and a fresh kernel.
FEATURES = [
    ('print("a")\nprint("b", flush=True)\nimport sys; sys.stdout.write("c\\n")', []),  # a flush ends an output
    ('from IPython.display import display, HTML, Markdown, clear_output\ndisplay(HTML("<b>x</b>"))\n'
     'print("after")\n1 + 1', []),
    ('h = display(Markdown("first"), display_id=True)', []),
    ('h.update(Markdown("second"))\nprint("updated in the cell above")', []),
    ('print("gone")\nclear_output(wait=True)\nprint("kept")', []),
    ('print("gone too")\nclear_output()\n"result"', []),
    ('import warnings\nwarnings.warn("careful")', []),
    ('import sys\nprint("to stderr", file=sys.stderr)', []),
    ('!echo from a shell command', []),
    ('raise KeyError("tagged")', ["raises-exception"]),
    ('raise SystemError("never run")', ["skip-execution"]),
    ('import pandas as pd\npd.DataFrame({"a": [1, 2]})', []),
    ('x = 1;', []),
    ('', []),
    ('%%capture\nprint("captured")', []),
    ('import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title("t")', []),
    ('def f():\n    return 1 / 0\nf()', []),
    ('print("not reached")', []),
]


@pytest.mark.slow
def test_the_forked_shell_gives_each_kind_of_output_as_a_fresh_kernel_does(tmp_path, fresh_server):
    """Streams (joined, split at a flush), display and its update by display_id in an earlier cell,
    clear_output with and without wait, execute results and their suppression, warnings, stderr, magics,
    a DataFrame, a chart, a tagged error that does not stop the run, a skipped cell, and the first untagged
    error: the same outputs, execution counts and tracebacks (ANSI colours included) as nbclient's; the
    run stops at the same cell with the same cause."""
    import re

    params = nbformat.v4.new_code_cell('department = ""\nyear = 0\nlanguage = "zh"\nparams_dir = ""')
    params.metadata["tags"] = ["parameters"]
    cells = [params, nbformat.v4.new_markdown_cell("# a heading")]
    for source, tags in FEATURES:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "features.ipynb")
    runs, errors = {}, {}
    for name in ("perfkit", "nbclient"):
        run = engine.execute(tmp_path / "features.ipynb", tmp_path / f"{name}.ipynb",
                             engine.notebook_parameters("d", 2022, "zh"), engine=name)
        errors[name] = run.error
        saved = (tmp_path / f"{name}.ipynb").read_text(encoding="utf-8")
        runs[name] = _comparable(nbformat.reads(re.sub(r"ipykernel_\d+", "ipykernel_PID", saved), as_version=4))
    assert errors["perfkit"] == errors["nbclient"]
    assert errors["perfkit"]["ename"] == "ZeroDivisionError" and errors["perfkit"]["cell"] == 19
    a, b = runs["perfkit"], runs["nbclient"]
    assert len(a["cells"]) == len(b["cells"])
    for i, (x, y) in enumerate(zip(a["cells"], b["cells"])):
        assert x == y, f"cell {i} differs"

    def cell(start: str) -> dict:
        return next(c for c in a["cells"] if "".join(c["source"]).startswith(start))

    assert [(o["output_type"], "".join(o.get("text", ""))) for o in cell('print("a")')["outputs"]] == \
        [("stream", "a\nb\n"), ("stream", "c\n"), ("execute_result", "")]  # write() returned 2
    assert "".join(cell("h = display")["outputs"][0]["data"]["text/markdown"]) == "second"  # updated from the next cell
    assert ["".join(o["text"]) for o in cell('print("gone")')["outputs"]] == ["kept\n"]
    assert "".join(cell('print("gone too")')["outputs"][0]["data"]["text/plain"]) == "'result'"
    assert cell('raise KeyError')["outputs"][0]["ename"] == "KeyError"
    assert cell('raise SystemError')["outputs"] == [] and cell('raise SystemError')["execution_count"] is None
    assert any("image/png" in o.get("data", {}) for o in cell("import matplotlib")["outputs"])
    assert "".join(cell("!echo")["outputs"][0]["text"]).strip() == "from a shell command"


@pytest.mark.slow
def test_what_the_processs_descriptors_receive_is_among_the_units_stderr_lines(tmp_path, fresh_server):
    """The kernel-less engine's one documented difference: text written to file descriptor 1 by another
    program (``os.system``) is not a cell output (ipykernel would forward it there) but one of the unit's
    stderr lines, which a batch records among the unit's warnings."""
    params = nbformat.v4.new_code_cell('department = ""\nyear = 0\nlanguage = "zh"\nparams_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(
        'import os\ncode = os.system("echo from the descriptor")\nprint("exit", code)')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "fd.ipynb")
    run = engine.execute(tmp_path / "fd.ipynb", tmp_path / "out.ipynb", engine.notebook_parameters("d", 2022, "zh"),
                         engine="perfkit")
    assert run.ok, run.error
    assert _stdout(run.notebook) == "exit 0\n" and run.stderr == ["from the descriptor"]


FAULTY = """\
import gc, os, sys, time
print(f"{department} {year} {language}: {mode}")
if mode == "raise":
    raise ValueError("deliberate failure 42")
if mode == "sleep":
    time.sleep(60)
if mode == "exit":
    os._exit(3)
counter = globals().get("counter", 0) + 1
print("counter", counter, "warm", "perfkit.report.plots" in sys.modules, "parent", os.getppid() != PID,
      "frozen", gc.get_freeze_count() > 10000)
"""


def _faulty_notebook(path: Path) -> Path:
    params = nbformat.v4.new_code_cell('department = ""\nyear = 0\nlanguage = "zh"\nparams_dir = ""\nmode = "ok"\n'
                                       f"PID = {os.getpid()}")
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(FAULTY)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")


FORKED = ("perfkit", "perfkit-kernel")


@pytest.mark.slow
@pytest.mark.parametrize("name", FORKED)
def test_faults_are_reported_and_the_next_report_from_the_same_server_is_correct(tmp_path, fresh_server, name):
    """raise / sleep past the timeout / os._exit: each reported with its cause; each time the next report, forked by the same server,
    runs in a process of its own: counter 1 (no state carried over), the warm modules imported already (and out of
    the garbage collector's sight), its parent the server."""
    nb_path = _faulty_notebook(tmp_path / "faulty.ipynb")

    def run(mode: str, i: int):
        parameters = {**engine.notebook_parameters("luohu-fsa", 2022, "zh"), "mode": mode}
        return engine.execute(nb_path, tmp_path / f"out-{i}-{mode}.ipynb", parameters, params_dir=PARAMS,
                              timeout=5, engine=name)

    causes = {"raise": ("notebook_error", "ValueError: deliberate failure 42"),
              "sleep": ("execution", "CellTimeoutError"),
              "exit": ("execution", "DeadKernelError")}
    servers = set()
    for i, (mode, (kind, what)) in enumerate(causes.items()):
        bad = run(mode, 2 * i)
        assert not bad.ok and bad.error["kind"] == kind and what in bad.error["summary"], bad.error
        if mode == "raise":
            assert bad.error["cell"] == 2 and bad.error["ename"] == "ValueError"  # after the injected cell
            saved = nbformat.read(tmp_path / f"out-{2 * i}-{mode}.ipynb", as_version=4)
            assert "papermill-error-cell-tag" in saved.cells[0].metadata.get("tags", [])  # papermill's error cell
        good = run("ok", 2 * i + 1)
        assert good.ok, (mode, good.error)
        text = _stdout(good.notebook)
        assert "luohu-fsa 2022 zh: ok" in text and "counter 1 warm True parent True frozen True" in text, (mode, text)
        assert [c.execution_count for c in good.notebook.cells if c.cell_type == "code"] == [1, 2, 3]
        servers |= {s.proc.pid for s in forkserver._servers.values()}
    assert len(servers) == 1  # the faults did not cost the server
    server = next(iter(forkserver._servers.values()))
    forkserver.shutdown()
    assert server.proc.poll() is not None


@pytest.mark.slow
@pytest.mark.parametrize("name", FORKED)
def test_a_dead_server_is_replaced(tmp_path, fresh_server, name):
    """The server killed between two reports (out of memory, say): the next report starts a new one."""
    nb_path = _faulty_notebook(tmp_path / "faulty.ipynb")
    parameters = engine.notebook_parameters("luohu-fsa", 2022, "zh")
    first = engine.execute(nb_path, tmp_path / "a.ipynb", parameters, params_dir=PARAMS, engine=name)
    assert first.ok, first.error
    old = next(iter(forkserver._servers.values())).proc
    old.kill()
    old.wait()
    second = engine.execute(nb_path, tmp_path / "b.ipynb", parameters, params_dir=PARAMS, engine=name)
    assert second.ok, second.error
    assert "counter 1 warm True parent True" in _stdout(second.notebook)
    assert next(iter(forkserver._servers.values())).proc.pid != old.pid


def _gone(mark: str, wait: float = 10) -> list[int]:
    """:func:`_marked` once it is empty, or after ``wait`` seconds (a killed process takes a moment to go)."""
    deadline = time.monotonic() + wait
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _marked(mark)


def _marked(mark: str) -> list[int]:
    """Processes other than this one whose environment carries ``PERFKIT_TEST_MARK=mark`` (servers and
    kernels a batch started), zombies excluded."""
    found = []
    needle = f"PERFKIT_TEST_MARK={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0") and \
                    forkserver._start_time(int(entry.name)) is not None:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


FAULT_BY_DEPARTMENT = """\
mode = {"luohu-fsa": "raise", "shenzhen-lfsb": "sleep", "beijing-lfsb": "exit"}[department] if language == "zh" else "ok"
"""


@pytest.mark.slow
def test_a_batch_with_faulty_reports_finishes_the_others_and_leaves_no_process(tmp_path):
    """``perfkit batch --workers 1``, three units in two languages: each Chinese report fails its own way,
    each English one (forked after it by the same worker's server) is ok; afterwards no server or kernel of
    the batch is alive."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "PERFKIT_TEST_MARK": mark, "PERFKIT_CHROMIUM": "none", "PYTHONPATH": str(ROOT)}
    nb_path = _faulty_notebook(tmp_path / "faulty.ipynb")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(FAULT_BY_DEPARTMENT))
    nbformat.write(nb, nb_path)
    small = params_copy(tmp_path, *(d for d, _ in SHIPPED))
    done = subprocess.run([sys.executable, "-m", "perfkit.cli", "batch", str(small), "--workers", "1", "--no-progress",
                           "--notebook", str(nb_path), "--timeout", "5", "--out", str(tmp_path / "reports")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stderr  # some units failed
    manifest = json.loads((tmp_path / "reports" / "manifest.json").read_text(encoding="utf-8"))
    by = {(u["department"], u["language"]): u for u in manifest["units"]}
    assert "ValueError: deliberate failure 42" in by["luohu-fsa", "zh"]["error"]["summary"]
    assert "CellTimeoutError" in by["shenzhen-lfsb", "zh"]["error"]["summary"]
    assert "DeadKernelError" in by["beijing-lfsb", "zh"]["error"]["summary"]
    for d, _ in SHIPPED:
        assert by[d, "en"]["status"] == "ok", by[d, "en"]
        text = (tmp_path / "reports" / by[d, "en"]["outputs"]["notebook"]).read_text(encoding="utf-8")
        assert f"{d} " in text and "counter 1 warm True parent True frozen True" in text
    assert _gone(mark) == []


@pytest.mark.slow
def test_ctrl_c_on_a_batch_leaves_no_server_or_kernel(tmp_path):
    """``perfkit batch --workers 2`` interrupted by SIGINT while its forked kernels run: none left, nor the
    servers."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "PERFKIT_TEST_MARK": mark, "PERFKIT_CHROMIUM": "none", "PYTHONPATH": str(ROOT)}
    small = params_copy(tmp_path, "luohu-fsa")
    proc = subprocess.Popen([sys.executable, "-m", "perfkit.cli", "batch", str(small), "--workers", "2", "--no-progress",
                             "--out", str(tmp_path / "b")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while len(_marked(mark)) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # the batch, its 2 workers and at least one server or kernel
        assert len(_marked(mark)) >= 4, "no server or kernel was seen running"
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _gone(mark) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", FORKED)
def test_papermill_command_line_runs_the_perfkit_engine_through_its_entry_point(tmp_path, name):
    """``papermill --engine perfkit`` (and ``perfkit-kernel``): the entry point of pyproject.toml (written as
    an installed distribution's entry_points.txt on PYTHONPATH, as pip would) names the engine papermill
    runs, and the cells run forked from the warm server (their parent is not papermill's process)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist = tmp_path / "site" / "perfkit_engine_probe-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: perfkit-engine-probe\nVersion: 0\n")
    group = project["entry-points"]["papermill.engine"]
    (dist / "entry_points.txt").write_text("[papermill.engine]\n" + "".join(f"{k} = {v}\n" for k, v in group.items()))
    nb_path = _faulty_notebook(tmp_path / "faulty.ipynb")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'site'}{os.pathsep}{ROOT}"}
    papermill = Path(sys.executable).parent / "papermill"
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([str(papermill), str(nb_path), str(out), "--engine", name, "-p", "department", "d",
                           "-p", "year", "2022", "--no-progress-bar"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "d 2022 zh: ok" in _stdout(nbformat.read(out, as_version=4))
    assert "counter 1 warm True parent True" in _stdout(nbformat.read(out, as_version=4))
    bad = subprocess.run([str(papermill), str(nb_path), str(tmp_path / "bad.ipynb"), "--engine", name,
                          "-p", "mode", "raise", "--no-progress-bar"], env=env, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode != 0 and "ValueError" in bad.stderr and "deliberate failure 42" in bad.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", FORKED)
def test_a_server_that_cannot_start_leaves_the_kernel_started_the_ordinary_way(tmp_path, fresh_server, monkeypatch,
                                                                              name):
    """The fork server failing (here: refused) costs speed, never the report: the kernel is started as
    papermill would, and the unit's stderr lines say why."""
    def refuse(python, env):
        raise forkserver.ForkServerError("the fork server exited with code 1: ImportError: deliberate")

    monkeypatch.setattr(forkserver, "server_for", refuse)
    nb_path = _faulty_notebook(tmp_path / "faulty.ipynb")
    run = engine.execute(nb_path, tmp_path / "out.ipynb", engine.notebook_parameters("luohu-fsa", 2022, "zh"),
                         params_dir=PARAMS, engine=name)
    assert run.ok, run.error
    assert "counter 1 warm False parent False" in _stdout(run.notebook)  # a fresh kernel, child of this process
    assert run.stderr == ["perfkit: the fork server exited with code 1: ImportError: deliberate; "
                          "this kernel was started the ordinary way"]


@pytest.mark.slow
def test_the_portfolio_run_alongside_the_units_is_written_only_when_a_unit_was_rerun(tmp_path):
    """The portfolio notebook runs in the batch's own process while the units run (engine ``perfkit``). A
    batch whose units all fail drops it: the portfolio of the last good batch stays as it was, byte for byte,
    and no server or forked process of the batch is left."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "PERFKIT_TEST_MARK": mark, "PERFKIT_CHROMIUM": "none", "PYTHONPATH": str(ROOT)}
    small = params_copy(tmp_path, "luohu-fsa")
    out = tmp_path / "reports"

    def batch(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "perfkit.cli", "batch", str(small), "--workers", "1",
                               "--no-progress", "--documents", "none", "--out", str(out), *extra],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)

    good = batch()
    assert good.returncode == 0, good.stderr
    folio = (out / "portfolio.html").read_bytes()
    assert "luohu-fsa" in folio.decode("utf-8") and (out / "portfolio.ipynb").is_file()
    stamp = (out / "portfolio.html").stat().st_mtime_ns
    nb_path = _faulty_notebook(tmp_path / "faulty.ipynb")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell('mode = "raise"'))
    nbformat.write(nb, nb_path)
    bad = batch("--notebook", str(nb_path), "--force")
    assert bad.returncode == 1 and "deliberate failure 42" in bad.stdout + bad.stderr
    assert (out / "portfolio.html").read_bytes() == folio and (out / "portfolio.html").stat().st_mtime_ns == stamp
    assert not (out / "portfolio.failed.ipynb").exists()
    assert _gone(mark) == []


@pytest.mark.slow
def test_a_batch_forks_every_report_of_every_worker_from_one_shared_server(tmp_path):
    """``perfkit batch --workers 2``: the batch starts one warm server and both workers fork their reports'
    children from it (every child has the same parent), not a server each; nothing is left afterwards."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "PERFKIT_TEST_MARK": mark, "PERFKIT_CHROMIUM": "none", "PYTHONPATH": str(ROOT)}
    nb_path = _faulty_notebook(tmp_path / "parent.ipynb")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('print("forked by", os.getppid())'))
    nbformat.write(nb, nb_path)
    small = params_copy(tmp_path, *(d for d, _ in SHIPPED))
    done = subprocess.run([sys.executable, "-m", "perfkit.cli", "batch", str(small), "--workers", "2", "--no-progress",
                           "--documents", "none", "--notebook", str(nb_path), "--out", str(tmp_path / "reports")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["units"]) == 6
    parents = set()
    for unit in manifest["units"]:
        text = _stdout(nbformat.read(tmp_path / "reports" / unit["outputs"]["notebook"], as_version=4))
        parents.update(int(line.split()[-1]) for line in text.splitlines() if line.startswith("forked by"))
    assert len(parents) == 1, parents  # without sharing, each worker's children have its own server as parent
    assert _gone(mark) == []


@pytest.mark.slow
def test_a_worker_the_shared_server_refuses_forks_from_a_server_of_its_own(tmp_path, fresh_server):
    """The shared server forks only for its own interpreter and environment (the imports it made depend on
    them): a client with another variable is refused, says why, and starts its own server."""
    import socket

    from perfkit.run import cells

    spec, python, args, env = cells.fork_command("python3", engine.KERNEL_ENV)
    address = forkserver.share(python, env)
    shared = next(iter(forkserver._servers.values()))

    def parent_of_a_child(server, child_env) -> int:
        """Fork a kernel-less child through ``server``; the parent it has once it has connected."""
        path = str(tmp_path / f"s{uuid.uuid4().hex[:8]}")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(path)
            listener.listen(1)
            listener.settimeout(60)
            pid, _ = server.fork(list(spec.argv), args, str(tmp_path), child_env, None, socket=path)
            conn, _ = listener.accept()
            try:
                return _parent(pid)
            finally:
                conn.close()  # the child's shell ends
                os.killpg(pid, signal.SIGKILL)

    same = forkserver.SharedServer(address, python, env)
    assert parent_of_a_child(same, env) == shared.proc.pid
    assert same.own is None and same.refused is None
    other_env = {**env, "PERFKIT_OTHER": "1"}
    other = forkserver.SharedServer(address, python, other_env)
    assert parent_of_a_child(other, other_env) == other.own.proc.pid != shared.proc.pid
    assert other.refused == "another environment (differs in PERFKIT_OTHER)"
    other.close()
    shared.proc.stdin.close()  # as when the batch's process is killed: the server ends, its socket with it
    shared.proc.wait(timeout=30)
    assert not os.path.exists(address) and not os.path.exists(os.path.dirname(address))


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode()
    except OSError:
        return None
    return int(stat[stat.rfind(")") + 2:].split()[1])
