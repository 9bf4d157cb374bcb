"""Issue 9: what real frameworks and budget forms need — undefined measures, block weights, not-applicable
indicators, deduction steps, alternatives of another shape, budget bases, literal readings, several projects.
Small inputs made for each capability; figures from the seeds where the issue names them."""

import json
import math

import pytest

from perfkit.core.framework import leaf_factors, walk
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
