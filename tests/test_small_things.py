"""The smaller things of issue 12 a user meets: --version, run --language all, score --strict, typed notebook
parameters (a budget code as a department id), JupyterLab as root, no parameters directory beside the checkout
picked silently, no lock file left behind."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import papermill
import pytest
import yaml

from conftest import PARAMS, ROOT, run_cli
from perfkit.errors import ParameterError
from perfkit.load import resolve_params_dir
from perfkit.run import manifest
from perfkit.run.engine import DEFAULT_KERNEL


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and re.fullmatch(r"perfkit \d+\.\d+\.\d+\S*\n", r.stdout)


def test_score_strict_exits_1_on_error_findings_only(tmp_path):
    r = run_cli("score", PARAMS / "luohu-fsa" / "2022.yaml", "--strict")
    assert r.returncode == 1 and "86.53" in r.stdout  # the scores are printed first
    assert r.stderr.strip().startswith("perfkit score --strict: 2 error finding(s)")
    assert run_cli("score", PARAMS / "luohu-fsa" / "2022.yaml").returncode == 0
    # a unit without error findings passes --strict
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    (params / "demo-dept").mkdir()
    (params / "demo-dept" / "2024.yaml").write_text(yaml.safe_dump({
        "department": {"id": "demo-dept", "name": "示例局"}, "year": 2024, "budget": {"initial": 100, "adjusted": 100, "spent": 90},
        "evaluations": [{"id": "e", "kind": "project", "evaluator": "self", "title": "示例",
                         "framework": "department-overall-common", "indicators": {
                             "goal-reasonableness": {"answers": {"fits-duties": True, "fits-budget": True,
                                                                 "values-justified": True}},
                             "indicator-clarity": {"answers": {"decomposed": True, "measurable": True,
                                                               "has-outcomes": True}},
                             "budget-preparation": {"count": 0}, "allocation": {"score": 5, "reason": "合理"},
                             "compliance": {"count": 0}, "rules-applied": {"count": 0},
                             "rules-in-place": {"answers": {"rules-exist": True, "rules-sound": True}},
                             "completion-rate": {"target": 10, "actual": 10}, "quality-rate": {"target": 1, "actual": 1},
                             "on-time-rate": {"target": 1, "actual": 1}, "cost-control": {"target": 1, "actual": 1},
                             "effectiveness": {"tier": "达成", "score": 18},
                             "beneficiary-satisfaction": {"target": 90, "actual": 95}}}]},
        allow_unicode=True), encoding="utf-8")
    r = run_cli("score", params / "demo-dept" / "2024.yaml", "--strict")
    assert r.returncode == 0, r.stdout + r.stderr


def test_run_accepts_language_all(monkeypatch):
    from perfkit.cli import build_parser

    args = build_parser().parse_args(["run", "luohu-fsa", "2022", "--language", "all"])
    assert args.language == "all"
    seen = []

    def fake_run_unit(department, year, language, *a, **k):
        seen.append(language)
        from perfkit.run.manifest import UnitRecord
        return UnitRecord(department, int(year), language, status="ok", outputs={"html": f"x/{language}.html"},
                          title="t", duration_s=0.0)

    monkeypatch.setattr("perfkit.run.batch.run_unit", fake_run_unit)
    r = run_cli("run", "luohu-fsa", "2022", "--language", "all")
    assert r.returncode == 0 and seen == ["zh", "en"] and r.stdout.split() == ["reports/x/zh.html", "reports/x/en.html"]


def test_notebook_parameters_are_typed_with_defaults():
    declared = papermill.inspect_notebook(str(ROOT / "notebooks" / "evaluation.ipynb"))
    assert {k: (v["inferred_type_name"], v["default"]) for k, v in declared.items()} == {
        "department": ("str", '"luohu-fsa"'), "year": ("int", "2022"), "language": ("str", '"zh"'),
        "params_dir": ("str", '"../parameters"')}
    folio = papermill.inspect_notebook(str(ROOT / "notebooks" / "portfolio.ipynb"))
    assert folio["params_dir"]["inferred_type_name"] == "str"


@pytest.mark.slow
def test_a_budget_code_as_department_id_runs_through_papermill(tmp_path):
    """`papermill -p department 906017` hands the notebook the number 906017; the report is the unit 906017's."""
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    (params / "906017").mkdir()
    text = (PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8").replace("  id: luohu-fsa\n", "  id: \"906017\"\n", 1)
    (params / "906017" / "2022.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([sys.executable, "-m", "papermill", str(ROOT / "notebooks" / "evaluation.ipynb"), str(out),
                           "-p", "department", "906017", "-p", "params_dir", str(params), "-k", DEFAULT_KERNEL],
                          capture_output=True, text=True, timeout=600, cwd=ROOT / "notebooks")
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = json.loads(out.read_text(encoding="utf-8"))
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert "department = 906017\n" in "".join(injected["source"])  # a number, as papermill parses it
    assert "深圳市罗湖区金融服务署" in json.dumps(nb, ensure_ascii=False)


def test_readme_jupyterlab_command_allows_root():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"`(\.venv/bin/jupyter lab[^`]*)`", readme)
    assert commands and all("--allow-root" in c for c in commands)


@pytest.mark.slow
def test_jupyterlab_starts_as_root_with_the_readme_command(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the check is about running as root")  # not a pass: the README command is tested above
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cmd = re.findall(r"`(\.venv/bin/jupyter lab[^`]*)`", readme)[0].split()
    exe = Path(sys.executable).with_name("jupyter")
    proc = subprocess.Popen([str(exe), *cmd[1:], "--no-browser", "--port=0", "--ServerApp.token=x",
                             f"--ServerApp.root_dir={ROOT}"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path)})
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "http://" in line or len(seen) > 200 or proc.poll() is not None:
                break
        assert any("http://" in ln for ln in seen), "".join(seen)[-2000:]
        assert not any("Running as root is not recommended" in ln and "--allow-root" in ln for ln in seen)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_parameters_directory_beside_the_checkout_is_not_picked_silently(tmp_path, monkeypatch):
    # "../parameters" from a folder whose parent holds another parameters directory, and from notebooks/ the
    # checkout's: two places, neither chosen.
    (tmp_path / "parameters" / "frameworks").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(ParameterError) as err:
        resolve_params_dir("../parameters")
    assert "names two parameters directories" in str(err.value) and "pass an absolute path" in str(err.value)
    assert resolve_params_dir(str(tmp_path / "parameters")) == str((tmp_path / "parameters").resolve())
    monkeypatch.chdir(ROOT / "notebooks")
    assert resolve_params_dir("../parameters") == str(PARAMS.resolve())  # one place: the checkout's


def test_no_lock_file_is_left_behind(tmp_path):
    rec = manifest.UnitRecord("luohu-fsa", 2022, "zh", status="ok")
    manifest.write_manifest(tmp_path, [rec])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_temporary_folders_left_by_killed_processes_are_removed_by_the_next_one(tmp_path, monkeypatch):
    """The socket and profile folders a run makes in the system's temporary folder carry its pid; a process that was
    killed (SIGKILL: no cleanup runs) leaves its folder, and the next process to make one with that prefix removes
    it. A live process's, another prefix's and names without a pid stay; the sweep runs once per process."""
    import tempfile
    from pathlib import Path

    from perfkit.run import files

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(files, "_SWEPT", set())
    gone_pid = 2**31 - 2  # beyond any pid_max: no such process
    dead = tmp_path / f"perfkit-cells-{gone_pid}-abc"
    dead_file = tmp_path / f"perfkit-cells-{gone_pid}-def.pickle"
    live = tmp_path / f"perfkit-cells-{os.getppid()}-abc"
    other = tmp_path / f"perfkit-kernel-{gone_pid}-abc"
    unnamed = tmp_path / "perfkit-cells-old"
    for d in (dead, live, other, unnamed):
        d.mkdir()
    (dead / "s").write_text("a socket's place")
    dead_file.write_bytes(b"x")
    made = Path(files.private_dir("perfkit-cells-"))
    assert made.parent == tmp_path and made.is_dir() and made.name.startswith(f"perfkit-cells-{os.getpid()}-")
    assert not dead.exists() and not dead_file.exists()
    assert live.exists() and other.exists() and unnamed.exists()
    dead.mkdir()  # left by another killed process meanwhile: the next process's first call removes it
    files.private_dir("perfkit-cells-")
    assert dead.exists()
    assert files.sweep_private("perfkit-cells-") == [str(dead)] and made.exists()  # this process's own stays
