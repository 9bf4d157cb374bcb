"""Sensitivity moves every target a score depends on, and a more ambitious target never raises a score.

Two guarantees, on the shipped reports and on generated ones: the rows of the 绩效目标表 that a table-scored leaf is
scored from move with their targets (Luohu 重点工作完成情况), and "targets = actuals" (or any target made more
ambitious) never raises a total, even where the framework deducts for a low target (Beijing S02 内控内审)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import _scored
from perfkit.analysis import sensitivity as S
from perfkit.analysis.sensitivity.model import linked_row_met
from perfkit.report.sentences import sensitivity_sentences

AMBITIOUS_RULES = ("max_prior_year", "actual", "scaled")


@pytest.fixture(scope="module")
def beijing():
    return _scored("beijing")


@pytest.fixture(scope="module")
def luohu():
    return _scored("luohu")


def _models(unit):
    bundle, results = _scored(unit)
    return [(r.evaluation.id, S.build_model(r, bundle.data.budget)) for r in results.values()]


# ---- item 1: a more ambitious target never raises a total ---------------------------------------------------------


@pytest.mark.parametrize("unit", ["luohu", "shenzhen", "beijing"])
def test_counterfactuals_that_raise_targets_never_raise_a_shipped_total(unit):
    for ev, m in _models(unit):
        cf = S.counterfactuals(m).table.set_index("rule")
        for rule in AMBITIOUS_RULES:
            assert cf.loc[rule, "total"] <= m.baseline_total + 1e-9, (unit, ev, rule)
        # any targets more ambitious than set, drawn at random, every target at once (movable or not)
        if m.n_targets:
            mult = 1.0 + np.random.default_rng(7).exponential(0.5, (200, m.n_targets))
            totals = m.totals(m.target * mult ** m.sign)
            assert (totals <= m.baseline_total + 1e-9).all(), (unit, ev)


def test_beijing_s02_keeps_its_low_target_deduction_under_targets_equal_to_actuals(beijing):
    bundle, results = beijing
    m = S.build_model(results["s02"], bundle.data.budget)
    assert m.baseline_total == pytest.approx(87.219863, abs=1e-6)
    cf = S.counterfactuals(m)
    table = cf.table.set_index("rule")
    # o5 内审项目2-3个 → 7个: (7 − 2)/2 = 250% costs 10% of 3 points; raised to 7 the deduction would vanish
    # (87.519863, +0.30): the row keeps its 2.70 instead
    assert table.loc["actual", "total"] == pytest.approx(87.219863, abs=1e-6)
    assert table.loc["actual", "change"] == 0.0
    assert cf.kept["actual"] == ["o5"]
    i = m.ids.index("o5")
    raw = m._raw_row_scores(S.counterfactual_targets(m, "actual"))[m.rows[i]]
    assert raw == pytest.approx(3.0) and m.baseline_rows[m.rows[i]] == pytest.approx(2.7)
    # scaled × 1.5 lowers o2, o3 and o4 (1.006621 in all) and leaves o5 its 2.70 (3 − 0.30, not 3)
    assert table.loc["scaled", "change"] == pytest.approx(-1.006621, abs=1e-6)
    assert "o5" in cf.kept["scaled"]


def test_the_report_says_which_rows_keep_their_deduction(beijing):
    bundle, results = beijing
    report = S.analyse(results["s02"], bundle.data.budget, S.Settings(draws=200))
    name = results["s02"].compiled.leaves[[lf.id for lf in results["s02"].compiled.leaves].index("o5")].node.indicator.name
    zh, en = sensitivity_sentences(report, "zh")[0], sensitivity_sentences(report, "en")[0]
    assert zh.startswith("若把低于本年完成值的目标值提高到完成值（未完成的目标不变），总分为87.22分（不变），等级仍为“良”。")
    assert f"{name}已因目标值偏低被扣分，目标值提高后不再退还这一扣分" in zh
    assert "does not give that deduction back" in en
    # the Shenzhen fund has no 偏离度 deduction: its sentence says nothing of one
    sz_bundle, sz = _scored("shenzhen")
    fund = S.analyse(sz["fund"], sz_bundle.data.budget, S.Settings(draws=200))
    assert "扣分" not in sensitivity_sentences(fund, "zh")[0]
    assert "deduction" not in sensitivity_sentences(fund, "en")[0]


positive = st.floats(0.5, 5000, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(positive, positive), min_size=11, max_size=11))
def test_generated_forms_never_gain_from_targets_equal_to_actuals(beijing, figures):
    """S02's form (ratio rows with the Beijing 偏离度 deduction) with random targets and actuals on its rows."""
    bundle, results = beijing
    r = results["s02"]
    rows = list(r.compiled.rows)
    for i, (t, a) in zip(r.compiled.target_rows, figures):
        rows[i] = dataclasses.replace(rows[i], args={**rows[i].args, "target": t, "actual": a})
    compiled = dataclasses.replace(r.compiled, rows=rows, blocks={})
    m = S.build_model(dataclasses.replace(r, compiled=compiled), bundle.data.budget)
    cf = S.counterfactuals(m).table.set_index("rule")
    for rule in AMBITIOUS_RULES:
        assert cf.loc[rule, "total"] <= m.baseline_total + 1e-9, rule


# ---- item 2: table-scored leaves move with their rows' targets ----------------------------------------------------


def test_linked_rows_of_luohu_key_work_are_targets_of_the_model(luohu):
    bundle, results = luohu
    m = S.build_model(results["department"], bundle.data.budget)
    linked = {d.id: d for d in m.diagnostics if d.source == "linked"}
    # 重点工作完成情况 (target_deduct, 4 per missed row): five rows, two with an actual (≥6 → 7, ≥10 → 18)
    assert sorted(linked) == ["licensed-institutions", "other-institutions"]
    assert (linked["licensed-institutions"].target, linked["licensed-institutions"].actual) == (6.0, 7.0)
    assert all(d.indicator == "key-work" and d.movable for d in linked.values())
    # as set, each linked row is met exactly as scoring read it
    for i in np.flatnonzero(m.is_linked):
        d = m.diagnostics[i]
        met, done = linked_row_met(m.readings[i], m.target[i], m.target[i], m.actual[i])
        assert met == m.compiled.rows[d.row].args["met"][d.position] == 1.0 and done == 1.0


def test_raising_the_key_work_targets_past_their_actuals_costs_four_points_each(luohu):
    bundle, results = luohu
    m = S.build_model(results["department"], bundle.data.budget)
    base = m.baseline_total
    assert base == pytest.approx(86.533104, abs=1e-6)
    cf = S.counterfactuals(m).table.set_index("rule")
    # × 1.5: 持牌机构 9 > 7 missed (−4), 其他机构 15 ≤ 18 met; before, table rows did not move (change 0)
    assert cf.loc["scaled", "change"] == pytest.approx(-4.0)
    assert cf.loc["actual", "change"] == 0.0  # raised to 7 and 18, both still met
    flip = S.grade_flip(m)
    # the grade flips only once both rows are missed: 其他机构 past 18 at k = 1.8, 8 points, 良 → 中
    assert flip["all"]["k"] == pytest.approx(1.8, abs=1e-4)
    assert flip["all"]["grade"] == "中" and flip["all"]["total"] == pytest.approx(base - 8.0)
    i = m.ids.index("licensed-institutions")
    space = S.FactorSpace((S.Factor("target:licensed-institutions", "target", "unif", (1.2, 1.3), index=i),))
    mc = S.monte_carlo(m, space, draws=50)
    assert np.allclose(mc.totals, base - 4.0)
    tornado = S.tornado(m, 0.8, 1.2).set_index("id")
    assert tornado.loc["licensed-institutions", "total_high"] == pytest.approx(base - 4.0)  # 7.2 > 7
    assert tornado.loc["other-institutions", "swing"] == 0.0  # 12 ≤ 18


def test_a_target_row_that_may_not_be_more_ambitious_stays(tmp_path):
    from test_rules import _department, luohu_copy

    path = luohu_copy(tmp_path, ("        target_value: 6\n        actual_value: 7\n",
                                 "        target_value: 6\n        actual_value: 7\n        ambitious: false\n"))
    m = S.build_model(_department(path))
    assert not m.movable[m.ids.index("licensed-institutions")]
    cf = S.counterfactuals(m).table.set_index("rule")
    assert cf.loc["scaled", "change"] == 0.0  # 其他机构 15 ≤ 18 still met; 持牌机构 kept at 6


def test_a_linked_rate_at_100_percent_does_not_move(tmp_path):
    from test_rules import _department, luohu_copy

    row = ('        target: "不少于6家"\n        actual: "7家"\n        unit: 家\n        direction: positive\n'
           '        target_value: 6\n        actual_value: 7\n')
    path = luohu_copy(tmp_path, (row, '        target: "100%"\n        actual: "100%"\n        unit: "%"\n'
                                      '        direction: positive\n'))
    m = S.build_model(_department(path))
    i = m.ids.index("licensed-institutions")
    assert (m.target[i], m.actual[i], m.movable[i]) == (100.0, 100.0, False)
    cf = S.counterfactuals(m).table.set_index("rule")
    assert cf.loc["scaled", "change"] == 0.0  # the rate stays at 100%; 其他机构 15 ≤ 18 still met


def test_the_report_names_target_table_rows_and_counts_them_apart():
    from perfkit.report.document import Report
    from perfkit.report.sections import targets
    from perfkit.report.sentences import NodeNames, target_label

    rep = Report.load("luohu-fsa", 2022, language="zh", params_dir="parameters")
    md = [str(b[1]) for b in targets.section(rep, 3).blocks if b[0] == "md"]
    assert "本项评价有1项指标按目标值计分，另有2项绩效目标表中的目标是指标得分的依据。" in " ".join(md)
    r = rep.main[0]
    m = rep.analysis(r).model
    names = NodeNames(r, rep.lang)
    assert target_label(m, names, rep.lang, "licensed-institutions") == "引进持牌金融机构"  # the row, not its id
    assert target_label(m, names, rep.lang, "project-timeliness") == "项目完成及时性"
    # without target-table rows the sentence is the one it always was (Shenzhen fund: six indicators)
    sz = Report.load("shenzhen-lfsb", 2020, language="zh", params_dir="parameters")
    fund = next(x for x in sz.main if x.evaluation.id == "fund")
    from perfkit.report.tables import Section

    sec = Section()
    targets.sensitivity_block(sz, sec, fund)
    intro = next(str(b[1]) for b in sec.blocks if b[0] == "md")
    assert intro.startswith("本项评价有6项指标按目标值计分。") and "绩效目标表" not in intro
