"""Scoring a portfolio of department-years that share one framework: compiled once, one vectorised pass
(``perfkit.score_portfolio``), the same totals and grades as scoring each one on its own."""

import numpy as np
import pytest

import perfkit


@pytest.fixture(scope="module")
def luohu():
    [result] = perfkit.evaluate(perfkit.load_unit("luohu-fsa", 2022))
    return result


def test_the_template_itself_scores_as_evaluate_does(luohu):
    rows = len(luohu.compiled.rows)
    scores = perfkit.score_portfolio(luohu, {"actual": np.full((1, rows), np.nan)})
    assert round(float(scores.totals[0]), 2) == 86.53 == round(luohu.total, 2)  # the seed's recomputed total
    assert list(scores.grades) == ["良"] and scores.leaf_scores.shape == (1, len(luohu.compiled.leaves))


def test_a_generated_portfolio_matches_one_at_a_time(luohu):
    c = luohu.compiled
    rng = np.random.default_rng(7)
    n = 500
    inputs = {name: c.row_vector(name) * rng.uniform(0.3, 1.7, (n, len(c.rows))) for name in ("target", "actual")}
    scores = perfkit.score_portfolio(luohu, inputs)
    one_by_one = np.array([c.totals({k: v[i] for k, v in inputs.items()}) for i in range(n)])
    assert np.allclose(scores.totals, one_by_one) and scores.totals.shape == (n,)
    assert np.isfinite(scores.totals).all() and (scores.totals <= 100).all()
    assert scores.totals.min() < luohu.total - 2 and scores.totals.max() <= luohu.total + 1e-9
    assert [str(g) for g in scores.grades[:20]] == [perfkit.grade_of(t, luohu.framework) for t in one_by_one[:20]]


def test_inputs_of_the_wrong_shape_name_the_argument(luohu):
    with pytest.raises(ValueError, match=r"inputs\['actual'\] has shape \(2, 3\); expected \(evaluations, 25\)"):
        perfkit.score_portfolio(luohu, {"actual": np.zeros((2, 3))})
    rows = len(luohu.compiled.rows)
    with pytest.raises(ValueError, match="disagree on the number of evaluations"):
        perfkit.score_portfolio(luohu, {"actual": np.zeros((2, rows)), "target": np.zeros((3, rows))})


@pytest.mark.parametrize("mode", ["rescale", "siblings"])
def test_a_template_with_an_indicator_left_out_totals_as_evaluate_does(tmp_path, mode):
    # Luohu 2022 with 预算执行率 marked not applicable: the portfolio adds leaves as score() does (rescaled, or
    # shared among siblings), not their plain sum
    import shutil
    from pathlib import Path

    import yaml

    shutil.copytree(Path(__file__).resolve().parent.parent / "parameters", tmp_path / "p")
    fw_path = tmp_path / "p" / "frameworks" / "luohu-department-2022.yaml"
    fw_path.write_text(fw_path.read_text(encoding="utf-8") + f"\nnot_applicable: {mode}\n", encoding="utf-8")
    unit = tmp_path / "p" / "luohu-fsa" / "2022.yaml"
    data = yaml.safe_load(unit.read_text(encoding="utf-8"))
    ev = data["evaluations"][0]
    leaf = next(k for k, v in ev["indicators"].items() if isinstance(v, dict) and "reported_score" in v)
    ev["indicators"][leaf] = {"not_applicable": "不涉及"}
    unit.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    [result] = perfkit.evaluate(perfkit.load_unit("luohu-fsa", 2022, params_dir=str(tmp_path / "p")))
    plain = np.nansum([r["score"] for r in result.leaf_records])
    assert result.total > plain + 0.5   # the left-out points are given back, one way or the other
    rows = len(result.compiled.rows)
    scores = perfkit.score_portfolio(result, {"actual": np.full((1, rows), np.nan)})
    assert float(scores.totals[0]) == pytest.approx(result.total)
