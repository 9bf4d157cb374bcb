"""``perfkit new`` (issue 12): a department-year written from a framework lists every leaf with the inputs its rule
needs; it fails validation exactly at the values still missing, one line each, and validates, scores and runs once
they are filled in."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import PARAMS, run_cli
from perfkit.author.scaffold import new_department_year, new_framework
from perfkit.core.framework import walk
from perfkit.core.scoring import score_bundle
from perfkit.core.validate import validate_paths
from perfkit.load import load, load_framework


@pytest.fixture
def params(tmp_path):
    shutil.copytree(PARAMS / "frameworks", tmp_path / "parameters" / "frameworks")
    return tmp_path / "parameters"


def set_path(data, field: str, value):
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", field)]
    for p in parts[:-1]:
        data = data[p]
    data[parts[-1]] = value


FILL = {"name": "示例局", "title": "示例局2024年度部门整体绩效自评", "kind": "department", "evaluator": "self",
        "initial": 900.0, "adjusted": 1000.0, "spent": 950.0, "count": 1, "target": 10, "actual": 9,
        "reason": "证据不全", "tier": "达成", "quarterly_spent": [200.0, 450.0, 700.0, 950.0], "carry_over": 10.0,
        "budget.three_public.budget": 5.0, "budget.three_public.spent": 4.0, "budget.public_expense.budget": 50.0,
        "budget.public_expense.spent": 45.0, "plan": 100.0, "fixed_total": 200.0, "fixed_in_use": 190.0,
        "establishment": 20, "budget.staff.actual": 19, "value": 95.0, "values": [25.0, 50.0, 75.0, 100.0],
        "prior_actual": 8, "evaluations[0].targets[0].name": "年度重点工作", "evaluations[0].targets[0].target": "6项",
        "evaluations[0].targets[0].actual": "6项"}


def fill(path: Path, missing, framework_id: str, params: Path, only=None) -> None:
    """Give every missing value (or those whose field passes ``only``): a number, a word or true."""
    fw, _ = load_framework(framework_id, str(params))
    points = {n.id: n.indicator.points for n in walk(fw.tree)}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for m in missing:
        if only is not None and not only(m.field):
            continue
        key = m.field.rsplit(".", 1)[-1]
        if ".answers." in m.field:
            value = True
        elif key == "score":
            value = round(0.9 * points[m.field.split(".")[2]], 2)
        else:
            value = FILL.get(m.field, FILL.get(key))
            assert value is not None, m.field
        set_path(data, m.field, value)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problem_fields(path, missing=()) -> list[str]:
    """The fields validation names; a measure the budget cannot give yet (``budget.initial`` is optional in the
    schema) is reported at its indicator and counted as the budget field it names."""
    [v] = validate_paths([str(path)])
    if v.ok:
        return []
    budget = {m.field for m in missing if m.field.startswith("budget.")}
    out = []
    for p in v.error.problems:
        named = re.match(r"budget\.\w+ needs (budget\.\w+), which is not given", p.message)
        if "the linked rows" in p.message:  # a table-scored leaf whose placeholder row lacks its actual
            out.append(next(m.field for m in missing if re.fullmatch(r"evaluations\[0\]\.targets\[\d+\]\.actual", m.field)))
        else:
            out.append(named.group(1) if named and named.group(1) in budget else p.field)
    return out


@pytest.mark.parametrize("fid", ["department-overall-common", "mof-project-self-2020", "luohu-department-2022",
                                 "shenzhen-fund-2020"])
def test_new_fails_only_where_a_value_is_missing_and_scores_once_filled(params, fid):
    path, missing = new_department_year(params, "demo-dept", 2024, fid)
    fields = [m.field for m in missing]
    assert len(fields) == len(set(fields)) > 5
    text = path.read_text(encoding="utf-8").splitlines()
    assert all(text[m.line - 1].split(":")[0].strip().lstrip("- ") == m.field.rsplit(".", 1)[-1] for m in missing)
    # Each round names only values still missing, each once; nothing filled comes back. First what the schema
    # needs (names, budget figures, checklist answers), then the budget block's own check, then the rules' inputs.
    named: set[str] = set()
    for _ in range(4):
        now = problem_fields(path, missing)
        if not now:
            break
        assert set(now) <= set(fields) - named and len(now) == len(set(now)), now
        named |= set(now)
        fill(path, missing, fid, params, only=lambda f: f in now)
    assert problem_fields(path) == [] and named == set(fields)
    (res,) = score_bundle(load(path))
    assert 0 < res.total <= 100


def test_new_lists_every_leaf_with_its_rule_in_both_languages(params):
    path, missing = new_department_year(params, "demo-dept", 2024, "department-overall-common", kind="department",
                                        evaluator="self")
    text = path.read_text(encoding="utf-8")
    fw, _ = load_framework("department-overall-common", str(params))
    for n in walk(fw.tree):
        if n.is_leaf:
            assert f"      {n.id}:" in text and f"（{n.indicator.points:g}分）/ " in text
    assert "# 过程 > 资金管理 > 预算执行率（5分）/ Process > Fund management > Budget execution rate (5 points)" in text
    assert "execution-rate: {}" in text  # computed from the budget: nothing to give
    assert "fits-duties: null  # 部门整体绩效目标与部门职责和年度工作任务相符（2分）" in text
    assert "kind: \"department\"" in text and not any(m.field.endswith(".kind") for m in missing)
    # the budget asks for what the measures need: the adjustment rate needs the initial budget
    assert [m.field for m in missing if m.field.startswith("budget.")] == ["budget.initial", "budget.adjusted",
                                                                          "budget.spent"]


def test_new_never_overwrites_and_names_a_missing_framework(params):
    new_department_year(params, "demo-dept", 2024, "department-overall-common")
    r = run_cli("new", "demo-dept", "2024", "--framework", "department-overall-common", "--params", params)
    assert r.returncode == 1 and "already exists; perfkit new never overwrites a file" in r.stderr
    r = run_cli("new", "demo-dept", "2025", "--framework", "no-such", "--params", params)
    assert r.returncode == 1 and "no-such.yaml: framework 'no-such' not found" in r.stderr
    assert not (params / "demo-dept" / "2025.yaml").exists()
    r = run_cli("new", "demo-dept", "2025", "--params", params)
    assert r.returncode == 2 and "--framework ID is required" in r.stderr
    r = run_cli("new", "Demo/..", "2025", "--framework", "department-overall-common", "--params", params)
    assert r.returncode == 1 and "is not a department id" in r.stderr


def test_new_command_prints_the_file_and_one_line_per_missing_value(params):
    r = run_cli("new", "demo-dept", "2024", "--framework", "mof-project-self-2020", "--params", params,
                "--kind", "project", "--evaluator", "self")
    assert r.returncode == 0 and r.stdout.strip() == str(params / "demo-dept" / "2024.yaml")
    lines = [ln.strip() for ln in r.stderr.splitlines()[1:]]
    assert r.stderr.startswith("20 values to fill in") and len(lines) == 20
    assert f"{params}/demo-dept/2024.yaml:32: evaluations[0].indicators.quantity-1.actual: value missing: required by " \
           "the ratio rule: expected a number" in lines


def test_new_framework_fails_only_where_a_value_is_missing_and_loads_once_filled(params):
    r = run_cli("new", "framework", "city-project-2024", "--params", params)
    assert r.returncode == 0
    path = params / "frameworks" / "city-project-2024.yaml"
    _, missing = new_framework(params, "city-project-2025")  # the same text under another id
    fields = {m.field for m in missing}
    assert set(problem_fields(path)) <= fields
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = "某市项目支出绩效评价指标体系"
    for i, top in enumerate(data["tree"]):
        top["name"], top["points"] = f"一级{i}", 50
        mid = top["children"][0]
        mid["name"], mid["points"] = f"二级{i}", 50
        leaf = mid["children"][0]
        leaf["name"], leaf["points"], leaf["rule"] = f"三级{i}", 50, {"family": "ratio"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert problem_fields(path) == []


@pytest.mark.slow
def test_new_filled_unit_runs_into_a_report(params, tmp_path):
    path, missing = new_department_year(params, "demo-dept", 2024, "department-overall-common")
    fill(path, missing, "department-overall-common", params)
    r = run_cli("run", "demo-dept", "2024", "--params", params, "--out", tmp_path / "reports")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "reports" / "demo-dept" / "2024" / "report.html").read_text(encoding="utf-8")
    assert "示例局" in html


@pytest.mark.parametrize("kind,evaluation_id", [(None, "evaluation"), ("project", "project"),
                                                ("special_fund", "special-fund"), ("department", "department")])
def test_the_evaluation_is_named_after_its_kind_or_neutrally_while_the_kind_is_unknown(params, kind, evaluation_id):
    # a project framework scaffolded without --kind used to name its evaluation "department"
    path, _ = new_department_year(params, f"demo-{evaluation_id}", 2024, "mof-project-self-2020", kind=kind)
    [ev] = yaml.safe_load(path.read_text(encoding="utf-8"))["evaluations"]
    assert ev["id"] == evaluation_id and ev["kind"] == kind
