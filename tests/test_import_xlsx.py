"""``perfkit import-xlsx`` (issue 12): an Excel 评分表 and 绩效目标表 read into a framework and a department-year.

The round trip exports every shipped evaluation's score sheet (``perfkit score --xlsx``) and reads it back: the
same tree (ids, names) and the same leaf points, for all 40 evaluations of the seeds."""

import openpyxl
import pytest
import yaml

from conftest import UNITS, run_cli
from perfkit.author.xlsx_import import import_workbook, parse_points, propose_rule, read_workbook
from perfkit.core.scoring import score_bundle
from perfkit.core.validate import validate_paths
from perfkit.load import load
from perfkit.report.export import write_xlsx


def tree_of(nodes, ids=True):
    return [(n.id if ids else None, n.name, n.points if not n.children else None, tree_of(n.children, ids))
            for n in nodes]


def framework_tree(tree, ids=True):
    return [(i.id if ids else None, i.name, i.points if not i.children else None, framework_tree(i.children, ids))
            for i in tree]


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_round_trip_of_every_shipped_score_sheet(unit, scored, tmp_path):
    bundle, by_id = scored(unit)
    results = list(by_id.values())
    path = write_xlsx(bundle, results, str(tmp_path / f"{unit}.xlsx"))
    imported = read_workbook(path)
    assert len(imported.score_sheets) == len(results)
    for sheet, result in zip(imported.score_sheets, results):
        tree = result.evaluation.tree or result.framework.tree
        ids = any(n.id for n in sheet.tree)  # the sheet carries perfkit's 指标路径 column: ids come back too
        assert tree_of(sheet.tree, ids) == framework_tree(tree, ids), sheet.sheet
    # the summary and findings sheets are not score sheets; a leaf's points come back as numbers
    assert {s.sheet for s in imported.score_sheets}.isdisjoint({"summary", "findings"})


def test_round_trip_counts_on_the_seeds(scored, tmp_path):
    bundle, by_id = scored("beijing")
    imported = read_workbook(write_xlsx(bundle, list(by_id.values()), str(tmp_path / "b.xlsx")))
    assert len(imported.score_sheets) == 37  # D0, E1 and the 35 project forms S01–S35
    s03 = next(s for s in imported.score_sheets if s.sheet.endswith("s03"))  # "s03", or "评分表-s03" restyled
    assert [n.name for n in s03.tree][:2] == ["预算执行率", "产出指标"]


def workbook(path, *, first_criteria="每发现一项不明确扣2分，扣完为止。", formula_points=False):
    """A 评分表 as consultants lay it out: a title row, the header on row 3, merged 一级/二级 cells and their
    分值, points as "20分" or 20, a 合计 row; and a 绩效目标表 with merged cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws.append(["某项目2024年度绩效评价评分表"])
    ws.append([])
    ws.append(["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "指标解释", "评分标准", "得分"])
    ws.append(["决策", "20分", "绩效目标", "10分", "目标明确性", "10分", "目标是否明确", first_criteria, 8])
    ws.append([None, None, "资金投入", 10, "预算编制科学性", "=5+5" if formula_points else 10, "",
               "每发现一处问题扣1分，扣完为止", 9])
    ws.append(["产出", "50分", "产出数量", 30, "培训人次", "30分", "", "按完成比例计分", 27])
    ws.append([None, None, "产出质量", 20, "合格率", 20, "", "实际完成值/目标值×分值，按完成比例计分", 20])
    ws.append(["效益", "30分", "社会效益", 30, "社会影响", "30 分", "", "达成年度指标得80%-100%；部分达成得60%-80%；"
               "未达成得0-60%", 25])
    ws.append(["合计", 100, None, None, None, None, None, None, 89])
    for rng in ("A1:I1", "A4:A5", "B4:B5", "A6:A7", "B6:B7"):
        ws.merge_cells(rng)
    t = wb.create_sheet("绩效目标表")
    t.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"])
    t.append(["产出指标", "数量指标", "培训人次", "≥1000人次", "900人次"])
    t.append([None, "质量指标", "合格率", "≥95%", "96%"])
    t.merge_cells("A2:A3")
    wb.save(path)
    return path


def test_a_consultants_workbook_imports_into_a_framework_that_scores(tmp_path):
    xlsx = workbook(tmp_path / "project2024.xlsx")
    params = tmp_path / "parameters"
    w = import_workbook(xlsx, params, department="demo-dept")
    assert w.imported.uninterpreted == [] and w.imported.skipped_subtotals == 1
    (fw_path, fw_missing), (dy_path, dy_missing) = w.frameworks[0], w.department_year
    assert fw_missing == [] and validate_paths([str(fw_path)])[0].ok
    fw = yaml.safe_load(fw_path.read_text(encoding="utf-8"))
    assert [(n["name"], n["points"]) for n in fw["tree"]] == [("决策", 20), ("产出", 50), ("效益", 30)]
    leaves = [c for n in fw["tree"] for m in n["children"] for c in m["children"]]
    assert [(c["name"], c["points"], c["rule"]["family"]) for c in leaves] == [
        ("目标明确性", 10, "deduct_per_item"), ("预算编制科学性", 10, "deduct_per_item"), ("培训人次", 30, "ratio"),
        ("合格率", 20, "ratio"), ("社会影响", 30, "qualitative_tiers")]
    assert leaves[0]["rule"]["per_item"] == 2
    # The department-year: targets and actuals from the 绩效目标表, the sheet's 得分 as reported scores.
    data = yaml.safe_load(dy_path.read_text(encoding="utf-8"))
    ev = data["evaluations"][0]
    assert ev["indicators"]["i2.1.1"] == {"target": "≥1000人次", "actual": "900人次", "reported_score": 27}
    assert [t["name"] for t in ev["targets"]] == ["培训人次", "合格率"]
    assert ev["targets"][1]["category"] == ["产出指标", "质量指标"]
    assert {m.field.rsplit(".", 1)[-1] for m in dy_missing} == {"name", "adjusted", "spent", "kind", "evaluator",
                                                                 "count", "score", "tier"}
    data["department"]["name"] = "示例局"
    data["budget"] = {"adjusted": 100.0, "spent": 98.0}
    ev.update(kind="project", evaluator="self")
    ev["indicators"]["i1.1.1"]["count"] = 1
    ev["indicators"]["i1.2.1"]["count"] = 1
    ev["indicators"]["i3.1.1"].update(score=25, tier="达成")
    dy_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (res,) = score_bundle(load(dy_path))
    # 10 − 2 + 10 − 1 + 30 × 900/1000 + 20 + 25 = 89, as the sheet's 合计
    assert res.total == pytest.approx(89) and res.grade == "良"


def test_rows_it_cannot_interpret_are_listed_with_sheet_and_cell(tmp_path):
    xlsx = workbook(tmp_path / "p2024.xlsx", first_criteria="由专家组综合评定", formula_points=True)
    r = run_cli("import-xlsx", xlsx, "--out", tmp_path / "parameters", "--department", "demo-dept")
    assert r.returncode == 0, r.stderr
    assert "评分表!H4: 目标明确性: no rule recognised in the 评分标准 text; choose its rule" in r.stderr
    # a formula is never read as text and never evaluated: its cell has no stored value, so no points
    assert "评分表!F5: 预算编制科学性: no points (分值) in this cell (a formula counts only by the value Excel " \
           "stored)" in r.stderr
    fw_text = (tmp_path / "parameters" / "frameworks" / "p2024.yaml").read_text(encoding="utf-8")
    assert "=5+5" not in fw_text
    [v] = validate_paths([str(tmp_path / "parameters" / "frameworks" / "p2024.yaml")])
    lines = [str(p) for p in v.error.problems]
    assert len(lines) == 2 and "tree[0].children[1].children[0].points: value missing (null)" in lines[1]
    assert "tree[0].children[0].children[0]: leaf indicator 'i1.1.1' needs a rule" in lines[0]


def test_header_is_found_by_its_words_not_its_position(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件2"
    ws.append(["说明：本表按评分标准打分"])
    ws.append(["评分标准", "二级指标", "一级指标", "分值"])  # columns in another order, one 分值 for the leaves
    ws.append(["按完成比例计分", "产出数量", "产出", 60])
    ws.append(["酌情扣分", "满意度", "效益", "40分"])
    ws.append(["总分", None, None, 100])
    wb.save(tmp_path / "x2023.xlsx")
    imported = read_workbook(tmp_path / "x2023.xlsx")
    [sheet] = imported.score_sheets
    assert [(n.name, [(c.name, c.points, c.rule) for c in n.children]) for n in sheet.tree] == [
        ("产出", [("产出数量", 60.0, {"family": "ratio"})]), ("效益", [("满意度", 40.0, {"family": "judgement"})])]
    assert imported.skipped_subtotals == 1


def test_blank_unmerged_level_cells_take_the_row_above(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["一级指标", "二级指标", "三级指标", "分值", "评分标准"])
    ws.append(["产出", "数量", "培训人次", "20分", "按完成比例计分"])
    ws.append([None, None, "覆盖人数", "20分", "按完成比例计分"])   # blank, not merged: same 产出 > 数量
    ws.append([None, "质量", "合格率", 10, "按完成比例计分"])
    ws.append(["效益", "满意度", "服务对象满意度", 50, "酌情扣分"])
    wb.save(tmp_path / "b2024.xlsx")
    [sheet] = read_workbook(tmp_path / "b2024.xlsx").score_sheets
    assert tree_of(sheet.tree) == [
        (None, "产出", None, [(None, "数量", None, [(None, "培训人次", 20.0, []), (None, "覆盖人数", 20.0, [])]),
                              (None, "质量", None, [(None, "合格率", 10.0, [])])]),
        (None, "效益", None, [(None, "满意度", None, [(None, "服务对象满意度", 50.0, [])])])]


def test_import_never_overwrites_and_refuses_what_is_no_workbook(tmp_path):
    xlsx = workbook(tmp_path / "w2024.xlsx")
    assert run_cli("import-xlsx", xlsx, "--out", tmp_path / "p").returncode == 0
    r = run_cli("import-xlsx", xlsx, "--out", tmp_path / "p")
    assert r.returncode == 1 and "already exists; perfkit import-xlsx never overwrites a file" in r.stderr
    bad = tmp_path / "n2024.xlsx"
    bad.write_text("not a workbook")
    r = run_cli("import-xlsx", bad, "--out", tmp_path / "p")
    assert r.returncode == 1 and r.stderr.startswith(f"{bad}: cannot be read as an .xlsx workbook")
    r = run_cli("import-xlsx", workbook(tmp_path / "noyear.xlsx"), "--out", tmp_path / "p")
    assert r.returncode == 1 and "no year in the file name; give it with --year" in r.stderr


def test_subtotal_rows_in_their_usual_forms():
    from perfkit.author.xlsx_import import is_subtotal

    assert [is_subtotal(t) for t in ("合计", "部门决策小计", "合计（100分）", "总分", "总 计", "预算执行率")] == [
        True, True, True, True, True, False]


@pytest.mark.parametrize("text, family", [
    ("按完成比例计分", "ratio"),
    ("实际完成值/目标值×分值", "ratio"),
    ("按照完成值与指标值的比例计分", "ratio"),
    ("每发现一处不规范扣0.5分，扣完为止", "deduct_per_item"),
    ("预算执行率×10分", "rate_weight"),
    ("达成年度指标记80%-100%，部分达成记60%-80%，未达成记0-60%", "qualitative_tiers"),
    ("根据调查情况酌情扣分", "judgement"),
    ("成本控制在预算内，按比例计分（反向指标）", "inverse_ratio"),
    ("由专家组综合评定", None),
])
def test_rules_proposed_from_criteria_texts(text, family):
    rule, why = propose_rule(text)
    assert (rule or {}).get("family") == family, why


def test_points_as_consultants_write_them():
    assert [parse_points(v) for v in (10, 7.5, "10分", "10 分", "（10分）", "10", "十分", None, True)] == [
        10, 7.5, 10, 10, 10, 10, None, None, None]
    # numbers no framework can hold are not points, as the text "-10分" is not (their cell is listed)
    assert [parse_points(v) for v in (-10, float("inf"), float("nan"), 1e308, 0)] == [None, None, None, None, 0]
    assert propose_rule("每发现一处不规范扣0.5分，扣完为止")[0] == {"family": "deduct_per_item", "per_item": 0.5}
    assert propose_rule(None, "checklist")[0] is None and propose_rule(None, "ratio")[0] == {"family": "ratio"}


def test_a_rate_stored_as_a_fraction_in_a_percent_cell_imports_as_the_rate_shown(tmp_path):
    # Excel keeps 96% as 0.96 with a % format: imported as 0.96 it would be 0.96% against "≥95%" and missed
    wb = openpyxl.Workbook()
    t = wb.active
    t.title = "绩效目标表"
    t.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"])
    t.append(["产出指标", "质量指标", "合格率", "≥95%", 0.96])
    t.append(["产出指标", "数量指标", "培训人次", 1000, 900])      # plain numbers stay numbers
    t.append(["效益指标", "满意度指标", "满意度", 0.9, 0.9345])
    t["E2"].number_format = "0%"
    t["D4"].number_format = "0.00%"
    t["E4"].number_format = "0.00%"
    wb.save(tmp_path / "targets2024.xlsx")
    rows = read_workbook(tmp_path / "targets2024.xlsx").targets
    assert [(r.name, r.target, r.actual) for r in rows] == [
        ("合格率", "≥95%", "96%"), ("培训人次", 1000, 900), ("满意度", "90%", "93.45%")]


def test_weights_in_percent_cells_are_points_out_of_100(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["一级指标", "二级指标", "权重", "评分标准"])
    ws.append(["产出", "产出数量", 0.6, "按完成比例计分"])
    ws.append(["效益", "满意度", 0.4, "酌情扣分"])
    for cell in ("C2", "C3"):
        ws[cell].number_format = "0%"
    wb.save(tmp_path / "weights2024.xlsx")
    [sheet] = read_workbook(tmp_path / "weights2024.xlsx").score_sheets
    assert [(c.name, c.points) for n in sheet.tree for c in n.children] == [("产出数量", 60), ("满意度", 40)]


def test_a_negative_points_cell_is_listed_not_an_internal_error(tmp_path):
    xlsx = workbook(tmp_path / "n2024.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["评分表"]
    header = next(row for row in ws.iter_rows() if any(c.value == "分值" for c in row))
    col = max(c.column for c in header if c.value == "分值")  # the leaves' points: the last 分值 column
    cell = next(ws.cell(r, col) for r in range(header[0].row + 1, ws.max_row + 1)
                if isinstance(ws.cell(r, col).value, (int, float)) and ws.cell(r, col).value > 0)
    cell.value = -cell.value
    wb.save(xlsx)
    r = run_cli("import-xlsx", xlsx, "--out", tmp_path / "p")
    assert r.returncode == 0, r.stderr
    assert f"评分表!{cell.coordinate}: " in r.stderr and "internal error" not in r.stderr


def test_an_import_that_cannot_write_everything_writes_nothing(tmp_path):
    xlsx = workbook(tmp_path / "w2024.xlsx")
    out = tmp_path / "p"
    out.mkdir()
    (out / "w2024").write_text("a file where the department's folder goes")  # its framework is written first
    r = run_cli("import-xlsx", xlsx, "--out", out)
    assert r.returncode == 2 and f"cannot use {out / 'w2024'}" in r.stderr and "internal error" not in r.stderr
    assert not (out / "frameworks" / "w2024.yaml").exists()  # taken back: the next run is not in its way
    (out / "w2024").unlink()
    assert run_cli("import-xlsx", xlsx, "--out", out).returncode == 0
