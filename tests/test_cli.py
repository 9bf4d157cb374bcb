"""The perfkit command as a user meets it: exit codes, one line per problem, JSON shape."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PARAMS, ROOT, run_cli as run


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
def test_validate_shipped_parameters():
    """Through the real command (a new interpreter, ``python -m perfkit.cli``); other tests call it in-process."""
    r = subprocess.run([sys.executable, "-m", "perfkit.cli", "validate", "parameters"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    for unit in ("luohu-fsa/2022.yaml", "shenzhen-lfsb/2020.yaml", "beijing-lfsb/2021.yaml"):
        assert f"{unit}: valid" in r.stdout


def test_score_luohu_json_as_the_issue_specifies():
    r = run("score", "parameters/luohu-fsa/2022.yaml", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # exactly one JSON document
    assert doc["department"] == {"id": "luohu-fsa", "name": "深圳市罗湖区金融服务署"}
    assert doc["year"] == 2022
    [ev] = doc["evaluations"]
    assert {"id", "kind", "title", "framework", "total", "grade", "reported_total", "reported_grade",
            "indicators", "findings"} <= set(ev)
    assert len(ev["indicators"]) == 21
    assert ev["reported_total"] == 88.62
    [ind] = [i for i in ev["indicators"] if i["name"] == "预算执行率"]
    assert {"id", "path", "name", "points", "rule", "score", "reported_score"} <= set(ind)
    assert round(ind["score"], 2) == 3.53 and ind["reported_score"] == 4.62
    hits = [f for f in ev["findings"] if f["indicator"] == ind["id"] and f["code"] == "SCORE_MISMATCH"]
    assert hits and {"code", "severity", "indicator", "message"} <= set(hits[0])
    assert "年末口径" in hits[0]["message"]


def test_score_table_is_readable():
    r = run("score", "parameters/shenzhen-lfsb/2020.yaml")
    assert r.returncode == 0, r.stderr
    assert "预算执行率" in r.stdout and "total 93.70 (优); reported 93.11 (优)" in r.stdout
    assert "SCORE_MISMATCH" in r.stdout


@pytest.fixture
def broken_params(tmp_path):
    dst = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", dst / "frameworks")
    (dst / "luohu-fsa").mkdir(parents=True)
    return dst


def write_variant(params: Path, old: str, new: str) -> Path:
    text = (PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8")
    assert old in text
    path = params / "luohu-fsa" / "2022.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,field,expect", [
    ("adjusted: 20179.71", "adjusted: lots", "budget.adjusted", "valid number"),
    ("evaluator: self", "evaluator: myself", "evaluations[0].evaluator", "'self' or 'third_party'"),
    ("framework: luohu-department-2022", "framework: luohu-department-2099",
     "evaluations[0].framework", "not found"),
])
def test_validate_names_file_field_and_expectation(broken_params, old, new, field, expect):
    path = write_variant(broken_params, old, new)
    r = run("validate", str(path))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    line = next(ln for ln in r.stderr.splitlines() if field in ln)
    assert str(path) in line and expect in r.stderr
    assert line.split(":")[1].isdigit(), "the line number is given"


def test_missing_judgement_reason_is_an_error(broken_params):
    import yaml

    data = yaml.safe_load((PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8"))
    assert data["evaluations"][0]["indicators"]["effectiveness"].pop("reason")
    path = broken_params / "luohu-fsa" / "2022.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = run("score", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "indicators.effectiveness.reason" in r.stderr and "written reason" in r.stderr


def test_unknown_checklist_answer_and_unknown_leaf(broken_params):
    path = write_variant(broken_params, "      budget-execution:", "      budget-executon:")
    r = run("score", str(path))
    assert r.returncode == 1
    assert "indicators.budget-executon: no leaf indicator 'budget-executon'" in r.stderr


def test_not_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "x" / "2022.yaml"
    bad.parent.mkdir()
    bad.write_text("department: [unclosed\n", encoding="utf-8")
    r = run("validate", str(bad))
    assert r.returncode == 1 and "not valid YAML" in r.stderr and "Traceback" not in r.stderr
    r = run("score", str(tmp_path / "nope.yaml"))
    assert r.returncode == 1 and "file not found" in r.stderr


def test_schema_is_generated_from_the_models(tmp_path):
    r = run("schema", "--out", str(tmp_path))
    assert r.returncode == 0
    doc = json.loads((tmp_path / "department-year.schema.json").read_text(encoding="utf-8"))
    assert "evaluations" in doc["properties"]
    fw = json.loads((tmp_path / "framework.schema.json").read_text(encoding="utf-8"))
    families = json.dumps(fw)
    for fam in ("schedule_progress", "base_slope", "low_target_penalty", "qualitative_tiers"):
        assert fam in families


def test_committed_schema_matches_the_code(tmp_path):
    run("schema", "--out", str(tmp_path))
    for f in tmp_path.iterdir():
        committed = ROOT / "docs" / "schema" / f.name
        assert committed.exists(), f"docs/schema/{f.name} missing: run `perfkit schema`"
        assert committed.read_text(encoding="utf-8") == f.read_text(encoding="utf-8"), \
            f"docs/schema/{f.name} is stale: run `perfkit schema`"


def test_framework_rule_errors_read_as_the_file_does(tmp_path):
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "x").mkdir()
    (tmp_path / "frameworks" / "fw.yaml").write_text(
        "id: fw\nname: t\ntree:\n"
        "  - {id: a, name: A, points: 10, rule: {family: ratoi}}\n"
        "  - {id: b, name: B, points: 90, rule: {family: bands, bands: [{min: 90, points: 1, maxx: 3}]}}\n",
        encoding="utf-8")
    (tmp_path / "x" / "2022.yaml").write_text(
        "department: {id: x, name: X}\nyear: 2022\n"
        "evaluations:\n  - {id: e, kind: project, evaluator: self, title: T, framework: fw}\n", encoding="utf-8")
    r = run("validate", str(tmp_path / "x" / "2022.yaml"))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert any("fw.yaml:4: tree[0].rule: unknown rule family 'ratoi'" in ln for ln in lines), r.stderr
    assert any("fw.yaml:5: tree[1].rule.bands[0].maxx: unknown field" in ln for ln in lines), r.stderr
    assert "tagged-union" not in r.stderr and "valid string" not in r.stderr


def test_xlsx_score_sheet(tmp_path):
    import openpyxl

    out = tmp_path / "luohu.xlsx"
    r = run("score", "parameters/luohu-fsa/2022.yaml", "--xlsx", str(out))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "评分表", "绩效目标", "核对发现"]
    ws = wb["评分表"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[1], rows[2:]
    assert list(header[:8]) == ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "指标解释", "评分标准"]
    leaves = [x for x in body if x[header.index("三级指标")]]
    assert len(leaves) == 21
    row = next(x for x in body if x[header.index("三级指标")] == "预算执行率")
    assert round(row[header.index("得分")], 2) == 3.53 and row[header.index("报告得分")] == 4.62
    total = next(x for x in body if x[0] == "合计")
    assert round(total[header.index("得分")], 2) == 86.53 and total[header.index("报告得分")] == 88.62
    subtotals = [x for x in body if isinstance(x[0], str) and x[0].endswith("小计")]
    assert len(subtotals) == 3 and round(sum(x[header.index("得分")] for x in subtotals), 2) == 86.53
    findings = [x[3] for x in wb["核对发现"].iter_rows(min_row=2, values_only=True)]
    assert any("评分标准文字写作8分" in x for x in findings)
    # points as the framework writes them (20, not 20.00), scores with two decimals
    points = ws.cell(row=3, column=header.index("分值") + 1)
    assert points.value == 20 and points.number_format == "General"
    assert ws.cell(row=3, column=header.index("得分") + 1).number_format == "0.00"
    # 绩效目标: every target against its actual, as the report's table, the ratio a number shown in percent
    targets = list(wb["绩效目标"].iter_rows(values_only=True))
    assert targets[0] == ("目标", "来源", "目标值", "完成值", "方向", "完成比", "判断")
    by_name = {x[0]: x for x in targets[1:]}
    assert by_name["引进持牌金融机构"][2:5] == ("不少于6家", "7家", "越高越好")
    assert round(by_name["引进持牌金融机构"][5], 4) == round(7 / 6, 4) and by_name["引进持牌金融机构"][6] == "达成"
    assert by_name["金融业增加值增速"][3] == "—" and by_name["金融业增加值增速"][5] == "—"
    ratio = next(c for c in wb["绩效目标"]["F"][1:] if isinstance(c.value, float))
    assert ratio.number_format == "0.00%"


def test_nested_sum_parts_are_a_clear_error(tmp_path):
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "fw.yaml").write_text(
        "id: fw\nname: t\ntree:\n"
        "  - id: a\n    name: A\n    points: 100\n    rule:\n      family: sum\n      parts:\n"
        "        - {id: p, name: P, points: 100, rule: {family: sum, parts: [{id: q, name: Q, points: 100,"
        " rule: {family: judgement}}]}}\n", encoding="utf-8")
    r = run("validate", str(tmp_path / "frameworks" / "fw.yaml"))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert "tree[0].rule.parts[0]" in r.stderr and "parts do not nest" in r.stderr


def test_building_the_parser_imports_no_scientific_or_notebook_stack():
    """`perfkit --help` starts fast: neither the CLI nor its parser imports the heavy libraries; a subcommand
    imports what it needs when it runs (or shows its own help)."""
    heavy = ("pandas", "SALib", "matplotlib", "papermill", "nbconvert")
    code = ("import sys; import perfkit.cli as cli; cli.build_parser(); "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", f"importing perfkit.cli and building its parser imported {r.stdout.strip()}"
    r = run("targets", "--help")
    assert r.returncode == 0 and "--draws DRAWS" in r.stdout and "(default 10000)" in r.stdout, r.stdout


def test_validate_paths_gives_one_outcome_per_file(broken_params):
    from perfkit.core.validate import validate_paths
    from perfkit.errors import ParameterError

    bad = write_variant(broken_params, "adjusted: 20179.71", "adjusted: lots")
    fw = sorted((broken_params / "frameworks").glob("*.yaml"))[0]
    [good, framework, broken] = validate_paths([str(PARAMS / "luohu-fsa" / "2022.yaml"), str(fw), str(bad)])
    assert good.ok and {f.code for f in good.findings} >= {"NODE_POINTS_MISMATCH"}
    assert framework.ok and framework.path == str(fw)
    assert not broken.ok and any(p.field == "budget.adjusted" for p in broken.error.problems)
    empty = broken_params / "empty"
    empty.mkdir()
    with pytest.raises(ParameterError, match="no <department>/<year>.yaml files found under this directory"):
        validate_paths([str(PARAMS / "luohu-fsa" / "2022.yaml"), str(empty)])


def test_validate_says_where_to_look_for_each_finding_on_an_indicator():
    # a finding names its indicator; the command line adds the line of its inputs (or of its node in the framework),
    # so a consultant goes there without searching; a report never shows it
    r = run("validate", "-v", "parameters/luohu-fsa/2022.yaml")
    assert r.returncode == 0, r.stderr
    lines = (ROOT / "parameters/luohu-fsa/2022.yaml").read_text(encoding="utf-8").splitlines()
    [mismatch] = [x for x in r.stdout.splitlines() if "SCORE_MISMATCH: 管理制度健全性" in x]
    where = mismatch.rsplit("(", 1)[1].rstrip(")")
    file, line = where.rsplit(":", 1)
    assert file == "parameters/luohu-fsa/2022.yaml" and lines[int(line) - 1].strip() == "rules-soundness:"
    [node] = [x for x in r.stdout.splitlines() if "NODE_POINTS_MISMATCH: 部门绩效" in x]
    file, line = node.rsplit("(", 1)[1].rstrip(")").rsplit(":", 1)
    assert file.endswith("frameworks/luohu-department-2022.yaml")
    assert Path(file).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip() == "- id: performance"
    # the report's sentence on the same finding names the indicator, not a file
    from perfkit import Report
    assert ".yaml" not in Report.load("luohu-fsa", 2022, params_dir=str(PARAMS)).markdown()


def test_findings_on_the_budget_the_reported_total_and_a_forms_targets_say_where_too():
    r = run("validate", "-v", "parameters/beijing-lfsb/2021.yaml")
    assert r.returncode == 0, r.stderr

    def line_of(code_and_name):
        [found] = [x for x in r.stdout.splitlines() if code_and_name in x]
        file, line = found.rsplit("(", 1)[1].rstrip(")").rsplit(":", 1)
        return (ROOT / file).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip()

    assert line_of("REPORTED_SUM_MISMATCH") == "total: 90.70"               # the department's reported total
    assert line_of("HIGH_SCORE_WITHOUT_EXECUTION") == "spent: 0"            # the form's budget, 0 of 40万元 spent
    assert line_of("s01/o3 项目实施时间") == "target: 2021年1月至2021年12月"   # a target in a form's own tree
    located = [x for x in r.stdout.splitlines() if x.startswith("  [")]
    unplaced = [x for x in located if not re.search(r"\.yaml:\d+\)$", x)]
    assert [x.split(":")[0].strip() for x in unplaced] == ["[info] LEVELS_MISMATCH"]  # about the whole framework
