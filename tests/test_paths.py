"""Ids are names, never paths; nothing is written outside --out and nothing is read through `include:` from
outside the parameters directory (issue 10, Paths).

Each member of the kind: `..`, absolute paths, `/`, backslashes, empty, dots, unicode look-alikes, and links
(a department folder, a year file, an include, an output folder, a report, the manifest) that point elsewhere.
No test here starts a kernel: every case is refused before one would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfkit.errors import ParameterError, RunError
from perfkit.load import find_unit, load
from perfkit.run import batch, executors, units
from perfkit.run.manifest import UnitRecord, write_manifest

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
SECRET = "SECRET-CONTENT-never-echoed"

BAD_DEPARTMENTS = ["../outside/x", "../../etc", "/tmp/x", "/", "a/b", "a\\b", "..\\outside", "", ".", "..", "...",
                   "luohu-fsa/..", "luohu-fsa/", "Luohu-fsa", "luohu fsa", "luohu_fsa", "-luohu", "luohu--fsa",
                   "luohu-fsa\n", "luohu\u2010fsa", "luohu\u2011fsa", "lu\u043ehu-fsa", "ｌｕｏｈｕ-fsa", "~", "~/x"]
BAD_YEARS = ["", "22", "20222", "2022x", "+2022", " 2022", "2022 ", "2022\n", "0999", "../2022", "2022/..", "/2022",
             ".", "..", "２０２２", "٢٠٢٢", "2022.0", "1e3", "-2022"]


@pytest.fixture()
def params(tmp_path) -> Path:
    """frameworks/ and luohu-fsa/ of the shipped parameters, in tmp_path/parameters."""
    root = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", root / "frameworks")
    shutil.copytree(PARAMS / "luohu-fsa", root / "luohu-fsa")
    return root


@pytest.fixture()
def outside(tmp_path) -> Path:
    """A folder beside the parameters and the output, with a file no error may echo."""
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.yaml").write_text(f"{SECRET}: {SECRET}\n", encoding="utf-8")
    (d / "2022.yaml").write_text((PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return d


@pytest.fixture()
def no_kernel(monkeypatch, kernels_started):
    monkeypatch.setitem(executors.EXECUTORS, "inline",
                        executors.Executor(lambda fn, tasks, workers, **_options: map(fn, tasks)))


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


# --------------------------------------------------------------------------------------------
# Ids and years are names: the CLI, run_unit, find_unit
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("department", BAD_DEPARTMENTS)
def test_run_refuses_a_department_that_is_not_an_id(department, params, tmp_path):
    out, before = tmp_path / "out", _tree(tmp_path)
    r = run_cli("run", "--params", params, "--out", out, "--", department, "2022")  # "--": "-luohu" too
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("perfkit run: department "), r.stderr
    assert "is not a department id" in r.stderr and "never paths" in r.stderr
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("year", BAD_YEARS)
def test_run_refuses_a_year_that_is_not_four_digits(year, params, tmp_path):
    out = tmp_path / "out"
    r = run_cli("run", "--params", params, "--out", out, "--", "luohu-fsa", year)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("perfkit run: year "), r.stderr
    assert not out.exists()


def test_look_alikes_are_shown_escaped():
    with pytest.raises(RunError, match=r"luohu\\u2010fsa"):
        units.unit_name("luohu\u2010fsa", 2022)


@pytest.mark.parametrize("department, year", [*((d, 2022) for d in BAD_DEPARTMENTS), *(("luohu-fsa", y) for y in BAD_YEARS),
                                              ("luohu-fsa", 999), ("luohu-fsa", 10000), ("luohu-fsa", True),
                                              ("luohu-fsa", 2022.0), ("luohu-fsa", None), (None, 2022)])
def test_run_unit_and_find_unit_refuse_names_that_are_not_ids(department, year, params, tmp_path, no_kernel):
    before = _tree(tmp_path)
    with pytest.raises(RunError, match="is not a (department id|year)"):
        batch.run_unit(department, year, "zh", params, tmp_path / "out", notebook=NOTEBOOK)
    with pytest.raises(ParameterError, match="is not a (department id|year)"):
        find_unit(params, department, year)
    assert _tree(tmp_path) == before


def test_good_names_pass(params):
    assert units.unit_name("luohu-fsa", "2022") == ("luohu-fsa", 2022)
    assert units.unit_name("a1-2b", 2022) == ("a1-2b", 2022)
    assert find_unit(params, "luohu-fsa", "2022").endswith("2022.yaml")


# --------------------------------------------------------------------------------------------
# Links in the parameters directory: a department folder or a year file pointing elsewhere
# --------------------------------------------------------------------------------------------


def test_a_linked_department_folder_pointing_outside_is_refused(params, outside, tmp_path, no_kernel):
    (params / "elsewhere").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ParameterError, match="outside the parameters directory"):
        find_unit(params, "elsewhere", 2022)
    r = run_cli("run", "elsewhere", "2022", "--params", params, "--out", tmp_path / "out")
    assert r.returncode == 1 and "outside the parameters directory" in r.stderr and SECRET not in r.stderr
    assert not (tmp_path / "out").exists()
    # In a batch: found, reported as invalid with the reason, nothing written; the others still run.
    shutil.rmtree(params / "luohu-fsa")  # no kernel
    (params / "other-dept").mkdir()
    (params / "other-dept" / "2022.yaml").write_text("department: {id: other-dept}\n", encoding="utf-8")
    result = batch.run_batch(params, tmp_path / "out", languages="zh", executor="inline", progress=False)
    by_unit = {(r.department, r.year): r for r in result.records}
    assert by_unit[("elsewhere", 2022)].status == "invalid"
    assert "outside the parameters directory" in by_unit[("elsewhere", 2022)].error["summary"]
    assert by_unit[("other-dept", 2022)].status == "invalid"
    assert not (tmp_path / "out" / "elsewhere").exists()


def test_a_linked_year_file_pointing_outside_is_refused(params, outside):
    (params / "linked").mkdir()
    (params / "linked" / "2022.yaml").symlink_to(outside / "2022.yaml")
    with pytest.raises(ParameterError, match="outside the parameters directory"):
        find_unit(params, "linked", 2022)


def test_a_link_inside_the_parameters_directory_is_allowed(params):
    (params / "alias").symlink_to(params / "luohu-fsa", target_is_directory=True)
    assert Path(find_unit(params, "alias", 2022)).name == "2022.yaml"


@pytest.mark.parametrize("folder", ["Luohu-FSA", "luohu fsa", "luohu\u2010fsa", "a\\b", "luohu_fsa"])
def test_a_batch_reports_a_misnamed_folder_and_goes_on(folder, params, tmp_path, no_kernel):
    (params / folder).mkdir()
    shutil.copy(params / "luohu-fsa" / "2022.yaml", params / folder / "2022.yaml")
    broken = params / "luohu-broken"
    broken.mkdir()
    (broken / "2022.yaml").write_text("department: {id: luohu-broken}\n", encoding="utf-8")
    shutil.rmtree(params / "luohu-fsa")  # no kernel: every unit here is refused before one would start
    out = tmp_path / "out"
    result = batch.run_batch(params, out, languages="all", executor="inline", progress=False)
    statuses = {(r.department, r.language): r.status for r in result.records}
    assert statuses == {(folder, "zh"): "invalid", (folder, "en"): "invalid",
                        ("luohu-broken", "zh"): "invalid", ("luohu-broken", "en"): "invalid"}
    rec = next(r for r in result.records if r.department == folder)
    assert "is not a department id" in rec.error["summary"] and str(params / folder) in rec.error["summary"]
    assert batch.describe_failure(rec).startswith(f"{folder} 2022 [zh] invalid: ")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["summary"] == {"units": 4, "invalid": 4}
    assert [f for f in _tree(out) if not f.startswith(".")] == ["index.html", "manifest.json"]


def test_the_batch_command_names_the_misnamed_folder(params, tmp_path, no_kernel):
    (params / "Bad").mkdir()
    (params / "Bad" / "2022.yaml").write_text("x: 1\n", encoding="utf-8")
    shutil.rmtree(params / "luohu-fsa")
    r = run_cli("batch", params, "--out", tmp_path / "out", "--executor", "inline", "--no-progress")
    assert r.returncode == 1, r.stderr
    assert "Bad 2022 [zh, en] invalid" in r.stderr and "is not a department id" in r.stderr
    assert "Traceback" not in r.stderr


# --------------------------------------------------------------------------------------------
# Outputs: every path written resolves inside --out
# --------------------------------------------------------------------------------------------


def test_a_linked_output_folder_pointing_outside_is_refused(params, outside, tmp_path, no_kernel):
    out = tmp_path / "out"
    out.mkdir()
    (out / "luohu-fsa").symlink_to(outside, target_is_directory=True)
    before = _tree(outside)
    with pytest.raises(RunError, match="outside the output directory"):
        batch.run_unit("luohu-fsa", 2022, "zh", params, out, notebook=NOTEBOOK)
    r = run_cli("run", "luohu-fsa", "2022", "--params", params, "--out", out)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "outside the output directory" in r.stderr
    assert _tree(outside) == before and not (out / "manifest.json").exists()


@pytest.mark.parametrize("name", ["report.html", "report.ipynb", "report.failed.ipynb", ".report.{pid}.tmp.ipynb"])
def test_a_linked_report_file_pointing_outside_is_refused(name, params, outside, tmp_path, no_kernel):
    import os

    udir = tmp_path / "out" / "luohu-fsa" / "2022"
    udir.mkdir(parents=True)
    (udir / name.format(pid=os.getpid())).symlink_to(outside / "secret.yaml")
    with pytest.raises(RunError, match="outside the output directory"):
        batch.run_unit("luohu-fsa", 2022, "zh", params, tmp_path / "out", notebook=NOTEBOOK)
    assert SECRET in (outside / "secret.yaml").read_text(encoding="utf-8")


def test_a_linked_manifest_pointing_outside_is_refused(outside, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").symlink_to(outside / "secret.yaml")
    with pytest.raises(RunError, match="outside the output directory"):
        write_manifest(out, [UnitRecord("luohu-fsa", 2022, "zh")])
    assert SECRET in (outside / "secret.yaml").read_text(encoding="utf-8")


def test_a_linked_output_folder_fails_its_unit_not_the_batch(params, outside, tmp_path, no_kernel):
    broken = params / "luohu-broken"
    broken.mkdir()
    (broken / "2022.yaml").write_text("department: {id: luohu-broken}\n", encoding="utf-8")
    shutil.rmtree(params / "luohu-fsa")
    (params / "other-dept").mkdir()
    (params / "other-dept" / "2022.yaml").write_text("department: {id: other-dept}\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "luohu-broken").symlink_to(outside, target_is_directory=True)
    result = batch.run_batch(params, out, languages="zh", executor="inline", progress=False)
    by_unit = {r.department: r for r in result.records}
    assert by_unit["luohu-broken"].status == "error"
    assert "outside the output directory" in by_unit["luohu-broken"].error["summary"]
    assert by_unit["other-dept"].status == "invalid"


def test_an_output_directory_that_is_itself_a_link_is_fine(params, tmp_path, no_kernel):
    real = tmp_path / "real-out"
    real.mkdir()
    (tmp_path / "out").symlink_to(real, target_is_directory=True)
    units.unit_name("luohu-fsa", 2022)
    from perfkit.run.files import check_inside

    check_inside(tmp_path / "out", *units.unit_outputs(tmp_path / "out", "luohu-fsa", 2022, "en"))


# --------------------------------------------------------------------------------------------
# include: confined to the parameters directory, and no file's content in an error
# --------------------------------------------------------------------------------------------


def _with_include(params: Path, *patterns: str) -> Path:
    path = params / "luohu-fsa" / "2022.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\ninclude: []\n" in text, "the Luohu file changed shape"
    path.write_text(text.replace("\ninclude: []\n", f"\ninclude: {json.dumps(list(patterns))}\n"), encoding="utf-8")
    return path


def _include_line(path: Path) -> int:
    return next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ln.startswith("include:"))


def _problems(path: Path) -> list[str]:
    with pytest.raises(ParameterError) as info:
        load(path)
    lines = [str(p) for p in info.value.problems]
    assert not any(SECRET in ln for ln in lines), lines
    return lines


@pytest.mark.parametrize("pattern, rule", [
    ("../../outside/secret.yaml", "outside the parameters directory"),
    ("../../outside/*.yaml", "outside the parameters directory"),
    ("../../*/secret.yaml", "outside the parameters directory"),
    ("{outside}/secret.yaml", "relative to the department's folder"),
    ("/etc/passwd", "relative to the department's folder"),
    ("/", "relative to the department's folder"),
    ("..\\..\\outside\\secret.yaml", "with '/' between folders"),
    ("", "is empty"),
    ("   ", "is empty"),
    ("linked.yaml", "outside the parameters directory"),
    ("linked-folder/*.yaml", "outside the parameters directory"),
    (".", "not a .yaml or .yml file"),
    ("..", "not a .yaml or .yml file"),
    ("notes.txt", "not a .yaml or .yml file"),
    ("../luohu-fsa", "not a .yaml or .yml file"),
])
def test_an_include_outside_the_parameters_directory_is_refused_unread(pattern, rule, params, outside):
    dept = params / "luohu-fsa"
    (dept / "linked.yaml").symlink_to(outside / "secret.yaml")
    (dept / "linked-folder").symlink_to(outside, target_is_directory=True)
    (dept / "notes.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    path = _with_include(params, pattern.format(outside=outside))
    lines = _problems(path)
    assert len(lines) == 1 or rule == "outside the parameters directory", lines
    line = _include_line(path)
    assert all(ln.startswith(f"{path}:{line}: include[0]: ") for ln in lines), lines
    assert all(rule in ln for ln in lines), lines


@pytest.mark.parametrize("content, kind", [(f"{SECRET}\n", "text"), (f"- {SECRET}\n", "a list"), ("", "an empty file"),
                                           ("42\n", "a int")])
def test_an_included_file_that_is_no_mapping_is_named_not_echoed(content, kind, params):
    (params / "luohu-fsa" / "extra.yaml").write_text(content, encoding="utf-8")
    path = _with_include(params, "extra.yaml")
    [problem] = _problems(path)
    assert problem.startswith(f"{params / 'luohu-fsa' / 'extra.yaml'}:1: expected a mapping with `evaluations:`")
    assert f"included by {path}:{_include_line(path)}" in problem and problem.endswith(f"got {kind}")


def test_an_include_elsewhere_inside_the_parameters_directory_still_works(tmp_path):
    root = tmp_path / "parameters"
    shutil.copytree(PARAMS, root)
    (root / "shared").mkdir()
    for f in (root / "shenzhen-lfsb" / "2020").iterdir():
        f.rename(root / "shared" / f.name)
    path = root / "shenzhen-lfsb" / "2020.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('include: ["2020/*.yaml"]', 'include: ["../shared/*.yaml"]'), encoding="utf-8")
    assert len(load(path).evaluations) == len(load(PARAMS / "shenzhen-lfsb" / "2020.yaml").evaluations)
    # and through a link that stays inside
    (root / "shenzhen-lfsb" / "2020").rmdir()
    (root / "shenzhen-lfsb" / "2020").symlink_to(root / "shared", target_is_directory=True)
    path.write_text(text, encoding="utf-8")
    assert len(load(path).evaluations) == len(load(PARAMS / "shenzhen-lfsb" / "2020.yaml").evaluations)


def test_validate_names_the_include_line_and_the_rule(params, outside):
    path = _with_include(params, "../../outside/secret.yaml")
    r = run_cli("validate", path)
    assert r.returncode == 1 and SECRET not in r.stdout + r.stderr
    assert f"{path}:{_include_line(path)}: include[0]: " in r.stderr and "outside the parameters directory" in r.stderr
