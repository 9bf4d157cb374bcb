"""The standard frameworks shipped in parameters/frameworks/ (issue 12): they load, a small department-year
scores under each as the rules say, and a batch never takes parameters/frameworks/ for a department."""

from pathlib import Path

import pytest
import yaml

from perfkit.core.scoring import score_bundle
from perfkit.load import discover, load, load_framework

from conftest import PARAMS

STANDARD = ["mof-project-self-2020", "department-overall-common"]


def leaves(nodes):
    for n in nodes:
        yield from (leaves(n.children) if n.children else [n])


@pytest.mark.parametrize("fid", STANDARD)
def test_standard_framework_loads_and_cites_its_source(fid):
    fw, doc = load_framework(fid, str(PARAMS))
    assert "财预〔2020〕10号" in fw.source
    assert sum(leaf.points for leaf in leaves(fw.tree)) == pytest.approx(100)
    assert fw.levels == 3 and all(n.children for n in fw.tree)


def test_mof_form_has_the_weights_of_the_form():
    fw, _ = load_framework("mof-project-self-2020", str(PARAMS))
    assert [(n.name, n.points) for n in fw.tree] == [("预算执行率", 10), ("产出指标", 50), ("效益指标", 30),
                                                      ("满意度指标", 10)]
    assert [(g.grade, g.min) for g in fw.grades] == [("优", 90), ("良", 80), ("中", 60), ("差", 0)]


def write_unit(tmp_path: Path, framework: str, budget: dict, indicators: dict) -> Path:
    params = tmp_path / "parameters"
    (params / "frameworks").mkdir(parents=True)
    (params / "frameworks" / f"{framework}.yaml").write_bytes((PARAMS / "frameworks" / f"{framework}.yaml").read_bytes())
    (params / "demo-dept").mkdir()
    unit = params / "demo-dept" / "2024.yaml"
    unit.write_text(yaml.safe_dump({
        "department": {"id": "demo-dept", "name": "示例局"}, "year": 2024, "budget": budget,
        "evaluations": [{"id": "e", "kind": "project", "evaluator": "self", "title": "示例", "framework": framework,
                         "indicators": indicators}]}, allow_unicode=True), encoding="utf-8")
    return unit


def test_mof_form_scores_a_small_project(tmp_path):
    unit = write_unit(tmp_path, "mof-project-self-2020", {"adjusted": 100, "spent": 96.16}, {
        "quantity-1": {"target": 20, "actual": 18},          # 15 × 18/20 = 13.5
        "quality-1": {"target": "100%", "actual": "100%"},    # 15
        "timeliness-1": {"target": 12, "actual": 12},         # 10
        "cost-1": {"target": 50, "actual": 55},               # 10 × 50/55 = 9.0909
        "economic-1": {"target": 100, "actual": 120},         # capped: 10
        "social-1": {"tier": "达成", "score": 9},
        "sustainable-1": {"tier": "部分达成", "score": 7},
        "satisfaction-1": {"target": 90, "actual": 87.14},    # 10 × 87.14/90 = 9.6822
    })
    (res,) = score_bundle(load(unit))
    by_id = dict(zip(res.table["id"], res.table["score"]))
    assert by_id["execution-rate"] == pytest.approx(9.616)   # 96.16% × 10, as the Beijing forms
    assert by_id["cost-1"] == pytest.approx(10 * 50 / 55)
    assert res.total == pytest.approx(9.616 + 13.5 + 15 + 10 + 10 * 50 / 55 + 10 + 9 + 7 + 10 * 87.14 / 90)
    assert res.grade == "优"


def test_department_framework_scores_a_small_department(tmp_path):
    unit = write_unit(tmp_path, "department-overall-common", {"initial": 900, "adjusted": 1000, "spent": 950}, {
        "goal-reasonableness": {"answers": {"fits-duties": True, "fits-budget": True, "values-justified": False}},
        "indicator-clarity": {"answers": {"decomposed": True, "measurable": True, "has-outcomes": True}},
        "budget-preparation": {"count": 1},
        "allocation": {"score": 4, "reason": "一项资金分配依据不足"},
        "compliance": {"count": 0},
        "rules-in-place": {"answers": {"rules-exist": True, "rules-sound": True}},
        "rules-applied": {"count": 2},
        "completion-rate": {"target": 39, "actual": 37},
        "quality-rate": {"target": "100%", "actual": "95%"},
        "on-time-rate": {"target": 10, "actual": 10},
        "cost-control": {"target": 200, "actual": 180},
        "effectiveness": {"tier": "达成", "score": 17},
        "beneficiary-satisfaction": {"target": "90%", "actual": "92%"},
    })
    (res,) = score_bundle(load(unit))
    by_id = dict(zip(res.table["id"], res.table["score"]))
    assert by_id["execution-rate"] == pytest.approx(4.75)            # 95% × 5
    assert by_id["adjustment"] == pytest.approx(3 - 0.1 * (100 / 9 - 10))  # adjusted by 11.11%: 1.11 points over 10%
    assert by_id["completion-rate"] == pytest.approx(10 * 37 / 39)
    expected = 4 + 5 + 4 + 4 + 4.75 + (3 - 0.1 * (100 / 9 - 10)) + 4 + 4 + 2 + 10 * 37 / 39 + 7.6 + 6 + 6 + 17 + 10
    assert res.total == pytest.approx(expected)
    assert res.grade == "优"


def test_a_batch_never_takes_frameworks_for_a_department(tmp_path):
    """discover() (what a batch runs over) skips parameters/frameworks/, even if a file there looks like a year."""
    found = discover(PARAMS)
    assert found and not any("/frameworks/" in f for f in found)
    params = tmp_path / "p"
    (params / "frameworks").mkdir(parents=True)
    (params / "frameworks" / "2024.yaml").write_text("id: x\n")
    (params / "a-dept").mkdir()
    (params / "a-dept" / "2024.yaml").write_text("{}\n")
    assert discover(params) == [str(params / "a-dept" / "2024.yaml")]
