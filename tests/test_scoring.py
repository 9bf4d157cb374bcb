"""Aggregation properties over random trees, and scoring under overrides (the sensitivity path)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.load import Located, YamlDoc
from perfkit.params import Evaluation, Framework
from perfkit.core.scoring import score


def make(tree, inputs):
    fw = Framework.model_validate({"id": "random", "name": "random", "total": 100, "tree": tree})
    ev = Evaluation.model_validate({"id": "e", "kind": "project", "evaluator": "self", "title": "t",
                                    "framework": "random", "indicators": inputs})
    return Located(ev, "<memory>", ("evaluations", 0), YamlDoc("<memory>", {}, {})), fw


leaf_spec = st.tuples(st.floats(0.5, 20), st.sampled_from(["ratio", "judgement", "deduct"]),
                      st.floats(0.1, 500), st.floats(0, 1000), st.floats(0, 1), st.integers(0, 5))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(leaf_spec, min_size=1, max_size=5), min_size=1, max_size=4))
def test_totals_equal_sum_of_leaves_and_stay_within_points(groups):
    tree, inputs = [], {}
    for g, leaves in enumerate(groups):
        children = []
        for k, (w, fam, target, actual, share, n) in enumerate(leaves):
            lid = f"l{g}-{k}"
            rule = {"ratio": {"family": "ratio"}, "judgement": {"family": "judgement"},
                    "deduct": {"family": "deduct_per_item", "per_item": 1}}[fam]
            children.append({"id": lid, "name": lid, "points": w, "rule": rule})
            inputs[lid] = {"ratio": {"target": target, "actual": actual},
                           "judgement": {"score": w * share, "reason": "r"},
                           "deduct": {"count": n}}[fam]
        tree.append({"id": f"g{g}", "name": f"g{g}", "points": sum(c["points"] for c in children),
                     "children": children})
    located, fw = make(tree, inputs)
    r = score(located, fw, None)
    leaves = r.table["score"].to_numpy()
    assert r.total == pytest.approx(leaves.sum())
    assert (leaves >= 0).all() and (leaves <= r.table["points"].to_numpy() + 1e-9).all()
    nodes = r.nodes.set_index("id")
    for g in range(len(groups)):
        kids = [i for i in r.table["id"] if i.startswith(f"l{g}-")]
        assert nodes.loc[f"g{g}", "score"] == pytest.approx(r.table.set_index("id").loc[kids, "score"].sum())


def test_overrides_broadcast_over_scenarios(scored):
    _, results = scored("beijing")
    c = results["department"].compiled
    base = c.totals()
    targets = c.row_vector("target")
    assert np.isfinite(targets).sum() == 3  # the three task-count ratios of D0
    scenarios = np.where(np.isfinite(targets), targets, np.nan) * np.array([[1.0], [0.5], [2.0]])
    totals = c.totals({"target": scenarios})
    assert totals.shape == (3,)
    assert totals[0] == pytest.approx(base)
    assert totals[1] > totals[0] > totals[2]  # halving the targets helps, doubling them hurts
    # 37/39·10 + 36/37·10 + 35/38·5 at double targets: each ratio halves
    assert totals[0] - totals[2] == pytest.approx((37 / 39 * 10 + 36 / 37 * 10 + 35 / 38 * 5) / 2)


def test_inputs_keep_their_words_and_score_with_the_given_number():
    # Beijing S02: "官方微博…平均每天发布信息不少于8条" is 2920 a year against 506 published, scored 3/3.
    tree = [{"id": "o4", "name": "官方微博、官方微信、官方网站信息平均发布信息", "points": 100, "rule": {"family": "ratio"}}]
    inputs = {"o4": {"target": "平均每天不少于8条", "target_value": 2920, "actual": "全年发布506条",
                     "actual_value": 506, "reported_score": 100}}
    located, fw = make(tree, inputs)
    r = score(located, fw, None)
    assert round(float(r.table["score"][0]), 2) == round(100 * 506 / 2920, 2)
    assert r.table["target"][0] == "平均每天不少于8条"  # the words stay for the report
    [full] = [f for f in r.findings if f.code == "FULL_MARKS_ON_MISSED_TARGET"]
    assert full.data["target"] == 2920 and full.data["actual"] == 506


# --- a department-year: each framework checked once for the evaluations that share it ----------------------

def test_a_bundle_checks_each_framework_once_and_scores_as_each_evaluation_alone(monkeypatch):
    from perfkit.core import scoring
    from perfkit.load import load
    from conftest import PARAMS

    bundle = load(PARAMS / "beijing-lfsb" / "2021.yaml")
    calls = []
    real = scoring.checked_framework
    monkeypatch.setattr(scoring, "checked_framework", lambda fw, doc=None: calls.append(fw.id) or real(fw, doc))
    results = scoring.score_bundle(bundle)
    assert len(results) == 37 and sorted(calls) == sorted(bundle.frameworks) and len(calls) == 3
    for located, got in zip(bundle.evaluations, results):  # as score() alone, which checks its framework itself
        fid = located.evaluation.framework
        alone = score(located, bundle.frameworks[fid], bundle.data.budget, bundle.framework_docs.get(fid))
        assert got.total == alone.total and got.grade == alone.grade
        assert str(got.table_rows) == str(alone.table_rows)  # NaN where no value, alike
        assert got.findings[:len(alone.findings)] == alone.findings  # then those across evaluations


def test_a_framework_problem_is_listed_once_for_all_the_evaluations_that_use_it(tmp_path):
    from perfkit.core.scoring import score_bundle
    from perfkit.errors import ParameterError
    from perfkit.load import load
    from conftest import params_copy

    root = params_copy(tmp_path, "beijing-lfsb")
    fw_path = root / "frameworks" / "beijing-project-self-2021.yaml"  # the template of 35 projects' forms
    text = fw_path.read_text(encoding="utf-8")
    fw_path.write_text(text.replace("rule_templates:\n", "rule_templates:\n  broken:\n    family: rate_weight\n"
                                    "    measure: budget.no_such_rate\n", 1), encoding="utf-8")
    bundle = load(root / "beijing-lfsb" / "2021.yaml")
    assert sum(e.evaluation.framework == "beijing-project-self-2021" for e in bundle.evaluations) == 35
    with pytest.raises(ParameterError) as info:
        score_bundle(bundle)
    (problem,) = info.value.problems
    assert problem.file == str(fw_path) and problem.line == 17 and "no_such_rate" in problem.message
