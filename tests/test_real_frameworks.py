"""Issue 9: what real frameworks and budget forms need — undefined measures, block weights, not-applicable
indicators, deduction steps, alternatives of another shape, budget bases, literal readings, several projects.
Small inputs made for each capability; figures from the seeds where the issue names them."""

import json
import math

import pytest

from perfkit.core.framework import leaf_factors, sibling_shares, walk
from perfkit.core.scoring import score
from perfkit.errors import ParameterError
from perfkit.load import Located, YamlDoc
from perfkit.params import Evaluation, Framework
from perfkit.report.export import evaluation_dict


def make(tree, inputs, budget=None, **fw_settings):
    fw = Framework.model_validate({"id": "fw", "name": "fw", "total": 100, "tree": tree, **fw_settings})
    ev = Evaluation.model_validate({"id": "e", "kind": "project", "evaluator": "self", "title": "t",
                                    "framework": "fw", "indicators": inputs,
                                    **({"budget": budget} if budget is not None else {})})
    return Located(ev, "<memory>", ("evaluations", 0), YamlDoc("<memory>", {}, {})), fw


def judged(id_, points, name=None, **extra):
    return {"id": id_, "name": name or id_, "points": points, "rule": {"family": "judgement"}, **extra}


# ---- 1. nothing undefined becomes a grade ------------------------------------------------------

ZERO_BUDGET = {"initial": 0, "adjusted": 0, "spent": 0}  # a form printing 年度资金总额 as 0/0/0


def execution_tree():
    return [{"id": "a", "name": "过程", "points": 100, "children": [
        {"id": "exec", "name": "预算执行率", "points": 10, "rule": {"family": "rate_weight",
                                                                "measure": "budget.execution_rate"}},
        judged("quality", 90, "质量"),
    ]}]


def test_a_zero_budget_makes_only_its_leaves_not_computable_and_the_total_ungraded():
    located, fw = make(execution_tree(), {"quality": {"score": 80, "reason": "r", "reported_score": 80},
                                          "exec": {"reported_score": 10}}, ZERO_BUDGET)
    r = score(located, fw, None)
    assert r.total == 80 and math.isfinite(r.total)  # the leaf that could be computed keeps its score
    assert r.grade is None and r.gap_points == 10 and r.not_computable == ["exec"]
    table = r.table.set_index("id")
    assert math.isnan(table.loc["exec", "score"]) and table.loc["exec", "status"] == "not_computable"
    assert table.loc["quality", "score"] == 80
    [nc] = [f for f in r.findings if f.code == "NOT_COMPUTABLE"]
    assert nc.indicator == "exec" and nc.data["fields"] == ["adjusted"] and nc.data["field_terms"] == ["调整后预算"]
    assert "budget.adjusted" in nc.message and "0.00 / 0.00" in nc.message
    [gap] = [f for f in r.findings if f.code == "TOTAL_NOT_GRADED"]
    assert gap.data["gap"] == 10 and not gap.data["graded"]
    assert not [f for f in r.findings if f.code in ("SCORE_MISMATCH", "TOTAL_MISMATCH")]
    doc = json.dumps(evaluation_dict(r), allow_nan=False)  # never a bare NaN
    assert '"grade": null' in doc


def test_a_framework_may_grade_an_incomplete_total_with_the_gap_stated():
    located, fw = make(execution_tree(), {"quality": {"score": 85, "reason": "r"}}, ZERO_BUDGET,
                       not_computable="graded_with_gap")
    r = score(located, fw, None)
    assert r.total == 85 and r.grade == "良"
    [gap] = [f for f in r.findings if f.code == "TOTAL_NOT_GRADED"]
    assert gap.data["graded"] and gap.data["grade"] == "良" and "10 points" in gap.message


def test_a_budget_with_spending_is_scored_as_before():
    located, fw = make(execution_tree(), {"quality": {"score": 80, "reason": "r"}},
                       {"adjusted": 200, "spent": 150})
    r = score(located, fw, None)
    assert r.total == pytest.approx(87.5) and r.grade == "良" and r.gap_points == 0
    assert not [f for f in r.findings if f.code in ("NOT_COMPUTABLE", "TOTAL_NOT_GRADED")]


def test_validate_warns_about_an_undefined_measure(tmp_path, capsys):
    from perfkit.cli import main

    fw_dir = tmp_path / "frameworks"
    fw_dir.mkdir()
    (fw_dir / "fw.yaml").write_text(json.dumps({"id": "fw", "name": "fw", "tree": execution_tree()},
                                               ensure_ascii=False), encoding="utf-8")
    dep = tmp_path / "dep"
    dep.mkdir()
    (dep / "2024.yaml").write_text(json.dumps({
        "department": {"id": "dep", "name": "某单位"}, "year": 2024,
        "evaluations": [{"id": "p", "kind": "project", "evaluator": "self", "title": "项目", "framework": "fw",
                         "budget": ZERO_BUDGET, "indicators": {"quality": {"score": 80, "reason": "r"}}}]},
        ensure_ascii=False), encoding="utf-8")
    main(["validate", str(dep / "2024.yaml")])
    out = capsys.readouterr().out
    assert "NOT_COMPUTABLE" in out and "TOTAL_NOT_GRADED" in out and "budget.adjusted" in out


# ---- 2. block weights and not-applicable indicators --------------------------------------------

def weighted_tree(weights=(50, 25, 25)):
    blocks = []
    for (bid, w), kids in zip(zip("ABC", weights), [(("a1", 60), ("a2", 40)), (("b1", 100),), (("c1", 100),)]):
        blocks.append({"id": bid, "name": bid, "points": 100, "weight": w,
                       "children": [judged(k, p) for k, p in kids]})
    return blocks


def test_level1_block_weights_put_children_scored_on_100_onto_a_total_of_100():
    scores = {"a1": 50, "a2": 35.4, "b1": 99, "c1": 100}  # the blocks: 85.4, 99, 100 on 100 each
    located, fw = make(weighted_tree(), {k: {"score": v, "reason": "r"} for k, v in scores.items()})
    r = score(located, fw, None)
    assert r.table["score"].sum() == pytest.approx(284.4)  # what the unweighted sum gave, "out of 100"
    assert r.total == pytest.approx(0.5 * 85.4 + 0.25 * 99 + 0.25 * 100)  # 92.45
    assert r.grade == "优"
    assert not [f for f in r.findings if f.code == "TOTAL_POINTS_MISMATCH"]
    factors = leaf_factors(walk(fw.tree), fw)
    assert factors == pytest.approx({"a1": 0.5, "a2": 0.5, "b1": 0.25, "c1": 0.25})
    located, fw = make(weighted_tree(), {k: {"score": 80 * p / 100, "reason": "r"}
                                         for k, p in (("a1", 60), ("a2", 40), ("b1", 100), ("c1", 100))})
    assert score(located, fw, None).grade == "良"  # 80 in every block is 80 in all, not 240


def test_weights_must_cover_every_sibling_and_add_up_to_100():
    with pytest.raises(ParameterError, match="add up to 100, got 90"):
        located, fw = make(weighted_tree((50, 25, 15)), {})
        score(located, fw, None)
    tree = weighted_tree()
    del tree[2]["weight"]
    with pytest.raises(ParameterError, match="expected a weight"):
        located, fw = make(tree, {})
        score(located, fw, None)


def na_tree():
    return [{"id": "all", "name": "all", "points": 100, "children": [
        judged("a", 50), judged("b", 36.70), judged("procurement", 13.30, "政府采购执行率")]}]


def test_a_not_applicable_indicator_rescales_the_total_and_a_good_stays_good():
    # 76.50 of the 86.70 applicable points: 88.24 on 100 (良); scoring the inapplicable 13.30 as 0 gave 76.50 (中)
    inputs = {"a": {"score": 45, "reason": "r"}, "b": {"score": 31.5, "reason": "r"}}
    located, fw = make(na_tree(), {**inputs, "procurement": {"not_applicable": "本项目不涉及政府采购"}})
    r = score(located, fw, None)
    assert round(r.total, 2) == 88.24 and r.grade == "良"
    [na] = [f for f in r.findings if f.code == "NOT_APPLICABLE"]
    assert na.indicator == "procurement" and na.data["reason"] == "本项目不涉及政府采购"
    row = r.table.set_index("id").loc["procurement"]
    assert row["status"] == "not_applicable" and math.isnan(row["score"])
    located, fw = make(na_tree(), {**inputs, "procurement": {"score": 0, "reason": "不适用，按0分计"}})
    workaround = score(located, fw, None)
    assert round(workaround.total, 2) == 76.50 and workaround.grade == "中"


def two_level_tree():
    return [{"id": "process", "name": "过程", "points": 40, "children": [
                judged("procurement", 10, "政府采购"), judged("management", 30, "管理")]},
            {"id": "output", "name": "产出", "points": 60, "children": [judged("quality", 60, "质量")]}]


@pytest.mark.parametrize("mode,total", [
    ("rescale", 75 / 90 * 100),   # the whole total: 75 of the 90 applicable points, on 100 → 83.33
    ("siblings", 15 * 40 / 30 + 60),  # 过程 keeps its 40: 管理's 15 of 30 is 20 of 40 → 80.00
])
def test_a_not_applicable_indicators_points_go_to_the_whole_or_to_its_siblings(mode, total):
    inputs = {"procurement": {"not_applicable": "不涉及政府采购"}, "management": {"score": 15, "reason": "r"},
              "quality": {"score": 60, "reason": "r"}}
    r = score(*make(two_level_tree(), inputs, not_applicable=mode), None)
    assert r.total == pytest.approx(total)
    [na] = [f for f in r.findings if f.code == "NOT_APPLICABLE"]
    assert na.data["siblings"] is (mode == "siblings")
    assert ("shared among the indicators beside it" in na.message) is (mode == "siblings")
    everything = {**inputs, "procurement": {"score": 10, "reason": "r"}}   # all applicable: the modes agree
    assert score(*make(two_level_tree(), everything, not_applicable=mode), None).total == pytest.approx(85)


def test_a_parent_none_of_whose_indicators_applies_is_left_out_one_level_up():
    inputs = {"procurement": {"not_applicable": "不涉及"}, "management": {"not_applicable": "不涉及"},
              "quality": {"score": 54, "reason": "r"}}
    r = score(*make(two_level_tree(), inputs, not_applicable="siblings"), None)
    assert r.total == pytest.approx(90)   # 产出 alone: 54 of 60 → 90 of 100
    shares = sibling_shares(walk(two_level_tree_fw().tree), {"procurement": 1, "management": 1, "quality": 1},
                            {"procurement": False, "management": True, "quality": True})
    assert shares == pytest.approx({"procurement": 0, "management": 4 / 3, "quality": 1})


def two_level_tree_fw():
    return Framework.model_validate({"id": "fw", "name": "fw", "total": 100, "tree": two_level_tree()})


def test_a_framework_may_forbid_leaving_an_indicator_out():
    located, fw = make(na_tree(), {"a": {"score": 45, "reason": "r"}, "b": {"score": 31.5, "reason": "r"},
                                   "procurement": {"not_applicable": "不涉及"}}, not_applicable="forbidden")
    with pytest.raises(ParameterError, match="not_applicable: forbidden"):
        score(located, fw, None)


# ---- 3. deduction steps and bands that ignore the sign -----------------------------------------

def one_leaf(rule, inputs, points=5, **fw_settings):
    return make([{"id": "all", "name": "all", "points": points, "children": [
        {"id": "x", "name": "x", "points": points, "rule": rule}]}], {"x": inputs}, **fw_settings)


def test_whole_steps_and_proportional_deductions():
    # 每超过一个百分点扣0.5分: 12.5% against 10% is 2.5 points over
    base = {"family": "overrun_penalty", "threshold": 10, "per_unit": 0.5}
    for counting, expected in (("proportional", 5 - 1.25), ("whole_steps", 5 - 1.0)):
        located, fw = one_leaf({**base, "counting": counting}, {"value": 12.5})
        assert score(located, fw, None).total == pytest.approx(expected)
    # 每相差3%扣1分: 89.9% against 95% is 5.1 points short: one whole step, or 1.7 proportionally
    rule = {"family": "overrun_penalty", "threshold": 95, "direction": "below", "step": 3, "per_step": 1,
            "counting": "whole_steps", "reading": "按整档扣分",
            "alternatives": [{"label": "按比例", "description": "不足一档按比例扣", "set": {"counting": "proportional"}}]}
    located, fw = one_leaf(rule, {"value": 89.9, "reported_score": 5 - 5.1 / 3})
    r = score(located, fw, None)
    assert r.total == pytest.approx(4.0)
    assert r.table["explanation"][0] == "5 − 1 × ⌊max(5.10, 0) / 3⌋"
    [mm] = [f for f in r.findings if f.code == "SCORE_MISMATCH"]
    assert mm.data["reproduced_by"] == "按比例"
    # exactly 6 points short is two steps, whatever the float arithmetic says
    located, fw = one_leaf(rule, {"value": 95 - 6.000000000001 + 1e-12})
    assert score(located, fw, None).total == pytest.approx(3.0)


def test_bands_and_limits_may_ignore_the_sign():
    bands = {"family": "bands", "bands": [{"min": 0, "max": 10, "max_inclusive": True, "points": 5},
                                          {"min": 10, "min_inclusive": False, "points": 2}]}
    located, fw = one_leaf(bands, {"value": -12})  # a budget cut of 12% against an adjustment-rate band
    with pytest.raises(ParameterError, match="declare `absolute: true`"):
        score(located, fw, None)
    located, fw = one_leaf({**bands, "absolute": True}, {"value": -12})
    assert score(located, fw, None).total == 2
    located, fw = one_leaf({**bands, "absolute": True}, {"value": -8})
    assert score(located, fw, None).total == 5
    limit = {"family": "overrun_penalty", "threshold": 10, "per_unit": 0.1, "absolute": True}
    located, fw = one_leaf(limit, {"value": -15})
    assert score(located, fw, None).total == pytest.approx(4.5)


# ---- 4. alternatives that change the rule's shape ----------------------------------------------

def test_an_alternative_may_restructure_a_composite_into_another_family():
    # the criteria: 资金到位 2 + 执行 3 as parts; the report instead scored "points × execution rate"
    rule = {"family": "sum", "parts": [
        {"id": "received", "name": "资金到位", "points": 2, "rule": {"family": "judgement"}},
        {"id": "executed", "name": "执行", "points": 3, "rule": {"family": "rate_weight",
                                                                "measure": "budget.execution_rate"}}],
        "alternatives": [{"label": "分值×执行率", "description": "全项按分值乘以预算执行率",
                          "rule": {"family": "rate_weight", "measure": "budget.execution_rate"}}]}
    located, fw = one_leaf(rule, {"parts": {"received": {"score": 2, "reason": "足额到位"}},
                                  "reported_score": 4.5}, budget={"adjusted": 200, "spent": 180})
    r = score(located, fw, None)
    assert r.total == pytest.approx(2 + 3 * 0.9)  # 4.70 as the criteria say
    [mm] = [f for f in r.findings if f.code == "SCORE_MISMATCH"]
    assert mm.data["reproduced_by"] == "分值×执行率"
    [alt] = mm.data["alternatives"]
    assert alt["family"] == "rate_weight" and alt["explanation"] == "5 × 90.00%"  # the figures it used
    assert "gives 4.50 (5 × 90.00%)" in mm.message


def write_unit(tmp_path, framework: str, evaluation: dict) -> str:
    (tmp_path / "frameworks").mkdir(exist_ok=True)
    (tmp_path / "frameworks" / "fw.yaml").write_text(framework, encoding="utf-8")
    (tmp_path / "dep").mkdir(exist_ok=True)
    (tmp_path / "dep" / "2024.yaml").write_text(json.dumps({
        "department": {"id": "dep", "name": "某单位"}, "year": 2024,
        "budget": {"adjusted": 200, "spent": 180},
        "evaluations": [{"id": "p", "kind": "project", "evaluator": "self", "title": "项目", "framework": "fw",
                         **evaluation}]}, ensure_ascii=False), encoding="utf-8")
    return str(tmp_path / "dep" / "2024.yaml")


FW_WITH_ALTERNATIVE = """id: fw
name: fw
tree:
  - id: x
    name: x
    points: 100
    rule:
      family: rate_weight
      measure: budget.execution_rate
      alternatives:
        - label: 分档
          description: 按分档
          {alt}
"""


@pytest.mark.parametrize("alt, line, message", [
    ("set: {measur: budget.execution_rate}", 13, "set.measur: unknown field"),
    ("set: {measure: budget.execution_rat}", 13, "unknown measure 'budget.execution_rat'"),
    ("rule: {family: bands, bandz: [{min: 0, points: 1}]}", 13, "bandz: unknown field"),
])
def test_alternative_settings_are_validated_like_the_rule_with_file_and_line(tmp_path, alt, line, message):
    from perfkit.core.validate import validate_paths

    path = write_unit(tmp_path, FW_WITH_ALTERNATIVE.format(alt=alt), {})
    [outcome] = validate_paths([path])
    assert outcome.error is not None
    text = str(outcome.error)
    assert f"fw.yaml:{line}:" in text and message in text, text


# ---- 5. budget bases -------------------------------------------------------------------------------

from perfkit.core.budget import all_measures  # noqa: E402
from perfkit.core.reconcile import rate_findings  # noqa: E402
from perfkit.params import Budget  # noqa: E402


def test_funds_received_give_both_bases_and_a_report_following_either_agrees():
    # 861.46 budgeted, 334.67 received, 300.00 spent: 到位率 38.85%, 支出/到位 89.64%, 支出/预算 34.82%
    b = Budget(adjusted=861.46, received=334.67, spent=300.00, stated={"execution_rate": 89.64})
    m = all_measures(b)
    assert round(m["funds_received_rate"], 2) == 38.85 and round(m["execution_rate_of_received"], 2) == 89.64
    assert round(m["execution_rate"], 2) == 34.82
    assert rate_findings(b, "x") == []  # 财预〔2020〕10号 附1: 预算执行率 = 支出/到位
    [wrong] = rate_findings(b.model_copy(update={"stated": {"execution_rate": 80.0}}), "x")
    assert "spent / received gives 89.64%" in wrong.message


def test_prior_year_amounts_give_change_rates_and_savings_rate_is_a_measure():
    b = Budget(adjusted=100, spent=92, carry_over=8, three_public={"budget": 3, "spent": 2.4},
               public_expense={"budget": 50, "spent": 45}, prior={"three_public": 3.0, "public_expense": 40,
                                                                    "carry_over": 10})
    m = all_measures(b)
    assert m["three_public_change_rate"] == pytest.approx(-20.0)
    assert m["public_expense_change_rate"] == pytest.approx(12.5)
    assert m["carry_over_change_rate"] == pytest.approx(-20.0)
    assert m["savings_rate"] == pytest.approx(8.0)


def test_spending_printed_only_as_rates_is_derived_and_marked():
    b = Budget(adjusted=200, stated={"execution_rate": 97.5, "quarterly_execution_rates": [20, 45, 70, 97.5]})
    assert b.spent == pytest.approx(195) and b.quarterly_spent == pytest.approx([40, 90, 140, 195])
    assert b.derived == {"spent", "quarterly_spent"}
    assert "spent" not in Budget(adjusted=200, spent=195).derived
    with pytest.raises(ValueError, match="spent is required unless"):
        Budget(adjusted=200)


def test_stated_denominators_and_printed_precision():
    # Beijing D0: 结转结余率 3.57% = 223.63 / 6,255.83 (the report's stated base), 3.09% on the adjusted budget
    d0 = Budget(adjusted=7235.39, spent=7011.77, carry_over=223.63, stated={"carry_over_rate": 3.57})
    [f] = rate_findings(d0, "x")
    assert round(f.data["computed"], 2) == 3.09
    assert rate_findings(d0.model_copy(update={"stated_bases": {"carry_over_rate": 6255.83}}), "x") == []
    # S08 prints "100%": 128.21 / 128.24 = 99.98% rounds to it at 0 decimals, not at 2
    s08 = Budget(adjusted=128.24, spent=128.21, stated={"execution_rate": 100})
    assert len(rate_findings(s08, "x")) == 1
    assert rate_findings(s08.model_copy(update={"stated_decimals": {"execution_rate": 0}}), "x") == []
    # S30: 50.38 / 52.02 is 96.85%, but amounts printed to the cent span 96.84–96.87%: 96.86 agrees, 96.90 not
    s30 = Budget(adjusted=52.02, spent=50.38, stated={"execution_rate": 96.86})
    assert rate_findings(s30, "x") == []
    assert len(rate_findings(s30.model_copy(update={"stated": {"execution_rate": 96.90}}), "x")) == 1


def test_the_beijing_seed_has_no_rate_findings_left(scored):
    _, results = scored("beijing")
    assert not [f for r in results.values() for f in r.findings if f.code == "RATE_MISMATCH"]


# ---- 6. literal readings and two scores for one indicator --------------------------------------

from perfkit.core.literal import literal_reading  # noqa: E402


def test_a_literal_reading_is_scored_beside_the_reports_computation():
    rule = {"family": "rate_weight"}
    located, fw = make([{"id": "all", "name": "all", "points": 100, "children": [
        {"id": "x", "name": "x", "points": 20, "rule": rule}, judged("y", 80)]}],
        {"x": {"value": 100, "literal": {"value": 50, "note": "字面口径"}, "reported_score": 20},
         "y": {"score": 72, "reason": "r"}})
    r = score(located, fw, None)
    assert r.total == 92 and r.grade == "优"  # the report's own computation, reproduced
    reading = literal_reading(r)
    assert reading.literal_total == 82 and reading.literal_grade == "良" and reading.grade_changes
    [lf] = reading.leaves
    assert (lf.score, lf.literal_score, lf.reason) == (20, 10, "字面口径")
    [f] = [f for f in r.findings if f.code == "LITERAL_READING"]
    assert f.data["literal_total"] == 82 and "20 × 50.00%" in f.message


def test_shenzhen_fund_read_literally_is_good_not_excellent(scored):
    _, results = scored("shenzhen")
    fund = results["fund"]
    assert round(fund.total, 2) == 90.09 and fund.grade == "优"
    reading = literal_reading(fund)
    [d33] = reading.leaves
    assert d33.id == "D33" and round(d33.score, 2) == 1.60 and round(d33.literal_score, 2) == 1.11
    assert round(reading.literal_total, 2) == 89.60 and reading.literal_grade == "良"
    conflicts = {f.indicator: f.data for f in fund.findings if f.code == "REPORTED_SCORE_CONFLICT"}
    assert conflicts["D18"]["text"] == 2 and conflicts["D18"]["reported"] == 3
    assert conflicts["D13"]["text"] == 1.95 and conflicts["D13"]["reported"] == 2.72
    assert literal_reading(results["department"]) is None


# ---- 7. several projects in one evaluation -----------------------------------------------------

from perfkit.analysis.targets import diagnose  # noqa: E402


def projects_unit(tmp_path) -> str:
    """Two projects scored jointly: A's budget was cut 40% (100 → 60), B's more than doubled (100 → 240)."""
    fw = {"id": "fw", "name": "重点项目支出评价", "tree": [{"id": "all", "name": "全部", "points": 100, "children": [
        {"id": "exec", "name": "预算执行率", "points": 20, "rule": {"family": "rate_weight",
                                                                 "measure": "budget.execution_rate"}},
        judged("output", 80, "产出")]}]}
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "fw.yaml").write_text(json.dumps(fw, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "dep").mkdir()
    unit = {"department": {"id": "dep", "name": "某局"}, "year": 2024, "evaluations": [{
        "id": "key", "kind": "project", "evaluator": "third_party", "title": "重点项目支出", "framework": "fw",
        "indicators": {"output": {"score": 72, "reason": "r"}},
        "projects": [
            {"id": "a", "name": "项目甲", "budget": {"initial": 100, "adjusted": 60, "spent": 57,
                                                    "stated": {"execution_rate": 95}},
             "targets": [{"id": "a1", "name": "培训人次", "target": "≥500人次", "actual": "520人次", "unit": "人次",
                          "initial_target": "≥500人次"}]},
            {"id": "b", "name": "项目乙", "budget": {"initial": 100, "adjusted": 240, "received": 200,
                                                    "stated": {"execution_rate": 90}}}],
        "targets": [{"id": "b1", "name": "覆盖企业", "target": "≥50家", "actual": "55家", "unit": "家",
                     "initial_target": "≥50家", "project": "b"}]}]}
    (tmp_path / "dep" / "2024.yaml").write_text(json.dumps(unit, ensure_ascii=False), encoding="utf-8")
    return str(tmp_path / "dep" / "2024.yaml")


def test_projects_have_their_own_budgets_and_the_rules_use_the_combined_one(tmp_path):
    from perfkit.core.projects import project_measures
    from perfkit.core.scoring import score_bundle
    from perfkit.load import load

    [r] = score_bundle(load(projects_unit(tmp_path)))
    per = project_measures(r.evaluation)
    assert per["a"]["execution_rate"] == pytest.approx(95) and per["b"]["execution_rate"] == pytest.approx(90)
    assert per["b"]["funds_received_rate"] == pytest.approx(200 / 240 * 100)
    combined = r.scoring_budget
    assert (combined.initial, combined.adjusted) == (200, 300)
    assert combined.spent == pytest.approx(57 + 216) and "spent" in combined.derived  # B's spending is derived
    assert r.table.set_index("id").loc["exec", "score"] == pytest.approx(20 * 273 / 300)
    assert not [f for f in r.findings if f.code == "RATE_MISMATCH"]


def test_target_rows_are_diagnosed_against_their_own_projects_budget(tmp_path):
    from perfkit.core.scoring import score_bundle
    from perfkit.load import load

    [r] = score_bundle(load(projects_unit(tmp_path)))
    diags = {d.id: d for d in diagnose(r) if d.source == "target_table"}
    # the combined budget grew 50% (200 → 300); project A's was cut 40% and B's grew 140%; both rows record
    # their initial target, so "the target stayed put" is known, not assumed
    assert diags["a1"].project == "a" and diags["a1"].budget_change == pytest.approx(-0.4)
    assert "unchanged_while_budget_grew" not in diags["a1"].flags
    assert "unchanged_while_budget_cut" in diags["a1"].flags
    assert diags["b1"].project == "b" and diags["b1"].budget_change == pytest.approx(1.4)
    assert "unchanged_while_budget_grew" in diags["b1"].flags


def test_a_target_naming_an_unknown_project_is_an_error(tmp_path):
    from perfkit.core.scoring import score_bundle
    from perfkit.load import load

    path = projects_unit(tmp_path)
    text = open(path, encoding="utf-8").read().replace('"project": "b"', '"project": "c"')
    open(path, "w", encoding="utf-8").write(text)
    with pytest.raises(ParameterError, match="no project 'c' in this evaluation; projects are a, b"):
        score_bundle(load(path))


def test_the_report_has_a_table_per_project(tmp_path):
    from perfkit.report.document import Report

    projects_unit(tmp_path)
    for language, words in (("zh", ["项目甲", "项目乙", "合计", "（推算）", "培训人次"]),
                            ("en", ["项目甲", "Combined", "(derived)", "覆盖企业"])):
        report = Report.load("dep", 2024, language, str(tmp_path))
        html = "".join(c for k, c in report.results_section().blocks if k == "html")
        for w in words:
            assert w in html, (language, w)


def test_the_report_of_an_incomplete_total_says_it_is_not_graded(tmp_path):
    from perfkit.report.document import Report

    fw = {"id": "fw", "name": "框架", "tree": execution_tree()}
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "fw.yaml").write_text(json.dumps(fw, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "dep").mkdir()
    (tmp_path / "dep" / "2024.yaml").write_text(json.dumps({
        "department": {"id": "dep", "name": "某局"}, "year": 2024,
        "evaluations": [{"id": "p", "kind": "project", "evaluator": "self", "title": "项目", "framework": "fw",
                         "budget": ZERO_BUDGET, "indicators": {"quality": {"score": 80, "reason": "r"}}}]},
        ensure_ascii=False), encoding="utf-8")
    zh = Report.load("dep", 2024, "zh", str(tmp_path)).markdown()
    assert "可计算指标的得分合计为80.00分" in zh and "不评定等级" in zh and "调整后预算" in zh
    assert "nan" not in zh.lower()
    en = Report.load("dep", 2024, "en", str(tmp_path)).markdown()
    assert "not graded" in en and "10.00 points cannot be computed" in en
