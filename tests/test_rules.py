"""Every rule family, with figures from the seed reports, plus property tests over random inputs."""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.analysis import sensitivity as S
from perfkit.params import IndicatorInput
from perfkit.report.rules_text import describe_rule
from perfkit.report.text import Text, load_templates
from perfkit.rules import REGISTRY
from perfkit.schema import model_schemas
from perfkit.rules.bands import bands
from perfkit.rules.base_slope import base_slope
from perfkit.rules.checklist import checklist
from perfkit.rules.deduct_per_item import deduct_per_item
from perfkit.rules.inverse_ratio import inverse_ratio
from perfkit.rules.judgement import judgement
from perfkit.rules.milestone import MilestoneRule, milestone, month_index
from perfkit.rules.low_target_penalty import LowTargetPenalty, PenaltyBand, low_target_deduction
from perfkit.rules.overrun_penalty import overrun_penalty
from perfkit.rules.qualitative_tiers import qualitative_tier_bounds
from perfkit.rules.rate_weight import rate_weight
from perfkit.rules.ratio import RatioRule, ratio
from perfkit.rules.schedule_progress import schedule_progress
from perfkit.rules.sum import sum_of_parts
from perfkit.rules.zero_if import zero_if


def test_registry_names_every_family_once():
    assert set(REGISTRY) == {
        "ratio", "inverse_ratio", "bands", "deduct_per_item", "checklist", "overrun_penalty",
        "schedule_progress", "rate_weight", "base_slope", "qualitative_tiers", "judgement", "sum", "milestone",
        "spending_ceiling", "target_completion", "target_deduct", "target_share",
    }
    for name, fam in REGISTRY.items():
        assert fam.name == name and fam.formula and fam.source and fam.term
        assert fam.settings.model_fields["family"].annotation.__args__ == (name,)
    assert {n for n, f in REGISTRY.items() if f.target_based} == {
        "ratio", "inverse_ratio", "base_slope", "milestone", "spending_ceiling", "target_completion", "target_deduct",
        "target_share"}
    assert {n for n, f in REGISTRY.items() if f.ceiling} == {"inverse_ratio", "milestone", "spending_ceiling"}
    assert {n for n, f in REGISTRY.items() if f.table_scored} == {"target_completion", "target_deduct", "target_share"}
    assert {n for n, f in REGISTRY.items() if f.overlay} == {"ratio"}


# ---- ratio / inverse ratio --------------------------------------------------------------------

def test_ratio_beijing_d0_outputs():
    # Beijing D0: 37/39 × 10 = 9.49, 36/37 × 10 = 9.73, 35/38 × 5 = 4.61 (vectorised in one call)
    got = ratio([10, 10, 5], [39, 37, 38], [37, 36, 35])
    np.testing.assert_allclose(np.round(got, 2), [9.49, 9.73, 4.61])


def test_ratio_caps_overachievement_shenzhen_projects():
    # Shenzhen 000 项目完成及时性: 37 of 43 → 5.16; and a target beaten 5× still scores only W
    assert round(float(ratio(6, 43, 37)), 2) == 5.16
    assert float(ratio(6, 130, 654)) == 6.0


def test_inverse_ratio_lower_is_better_and_zero_actual():
    assert float(inverse_ratio(10, 10, 20)) == 5.0
    assert float(inverse_ratio(10, 10, 5)) == 10.0
    # Beijing S35: 故障率 0 against ≤10% — the form's A/B divides by zero; zero meets any ceiling
    assert float(inverse_ratio(10, 10, 0)) == 10.0


# ---- bands ------------------------------------------------------------------------------------

FIXED_ASSETS = dict(lower=[90, 75, 60, np.nan], upper=[np.nan, 90, 75, 60],
                    lower_inclusive=[True, True, True, True], upper_inclusive=[False, False, False, False],
                    band_points=[1, 0.7, 0.4, 0])


def test_bands_fixed_asset_use_shenzhen():
    # Shenzhen 000: 623.95 / 781.01 = 79.89% → 0.7; Luohu 100% → 1; boundary 75 is inclusive
    values = np.array([[623.95 / 781.01 * 100], [100.0], [75.0], [59.99]])
    got = bands(1, values, **FIXED_ASSETS)
    np.testing.assert_allclose(got, [0.7, 1.0, 0.7, 0.0])


def test_bands_contract_staff_inclusive_both_ends():
    # <5% → 1, [5, 10] → 0.5, >10% → 0; Luohu 4/(20+4) = 16.67% → 0
    kw = dict(lower=[np.nan, 5, 10], upper=[5, 10, np.nan], lower_inclusive=[True, True, False],
              upper_inclusive=[False, True, False], band_points=[1, 0.5, 0])
    vals = np.array([[0.0], [5.0], [10.0], [10.01], [4 / 24 * 100]])
    np.testing.assert_allclose(bands(1, vals, **kw), [1, 0.5, 0.5, 0, 0])


def test_bands_spending_less_earns_more():
    # 三公 control: <90% → 3, [90,100] → 2, >100 → 0. Shenzhen 98.91% → 2; Luohu 64.40% → 3
    kw = dict(lower=[np.nan, 90, 100], upper=[90, 100, np.nan], lower_inclusive=[True, True, False],
              upper_inclusive=[False, True, False], band_points=[3, 2, 0])
    np.testing.assert_allclose(bands(3, np.array([[98.91], [64.40], [100.0], [100.5]]), **kw), [2, 3, 2, 0])


def test_bands_gap_gives_nan_not_a_guess():
    got = bands(1, np.array([[50.0]]), lower=[90], upper=[np.nan], lower_inclusive=[True],
                      upper_inclusive=[False], band_points=[1])
    assert np.isnan(got).all()


# ---- deduct per item, checklist, overrun -------------------------------------------------------

def test_deduct_per_item_floors_at_zero():
    # −4 per unfinished key task out of 8: 0 → 8, 1 → 4, 3 → 0 (扣完为止)
    np.testing.assert_allclose(deduct_per_item(8, [0, 1, 3], 4), [8, 4, 0])


def test_checklist_luohu_indicator_clarity():
    # 绩效指标明确性 2+2+1+1+1 with the two measurability items failed → 5
    assert float(checklist(7, [2, 2, 1, 1, 1], [1, 1, 0, 1, 0])) == 5.0
    # disclosure tiers: 1.5 compliant + 1 (late) of 1.5 → met share 2/3
    assert round(float(checklist(3, [1.5, 1.5], [1, 1 / 1.5])), 6) == 2.5


def test_overrun_penalty_adjustment_and_satisfaction():
    # Luohu: adjustment of 1,629% against a 10% threshold at −0.1 per point → floor 0
    assert float(overrun_penalty(1, 1629.09, 10, 0.1)) == 0.0
    assert float(overrun_penalty(1, 14.0, 10, 0.1)) == pytest.approx(0.6)
    # Shenzhen fund D41 individuals: 87.14% against 95%, −2% of 1.5 per point → 1.26
    assert round(float(overrun_penalty(1.5, 87.14, 95, 0.02 * 1.5, penalise_above=False)), 2) == 1.26


# ---- schedule progress ------------------------------------------------------------------------

LUOHU_Q = [3043.02 / 20179.71 * 100, 4943.98 / 20179.71 * 100, 8305.30 / 20179.71 * 100, 20011.39 / 20179.71 * 100]


def test_schedule_progress_luohu_as_written_and_year_end():
    s = [25, 50, 75, 100]
    written = schedule_progress(LUOHU_Q, s, [1, 1, 1, 1], 2.0)
    year_end = schedule_progress(LUOHU_Q, s, [1, 1, 1, 1], 2.0, year_end_average=True)
    assert round(float(written), 2) == 3.53      # the rule as written
    assert round(float(year_end), 2) == 4.62     # what the report awarded


def test_schedule_progress_shenzhen_caps_each_quarter():
    q = [29.68, 58.03, 77.36, 98.62]
    assert round(float(schedule_progress(q, [25, 50, 75, 100], [1] * 4, 2.0)), 2) == 5.30
    uncapped = schedule_progress(q, [25, 50, 75, 100], [1] * 4, 2.0, cap_quarters=False)
    assert round(float(uncapped), 2) == 5.68


# ---- rate × weight, base plus slope ------------------------------------------------------------

def test_rate_weight_beijing():
    assert round(float(rate_weight(20, 96.91)), 2) == 19.38          # Beijing D0
    assert round(float(rate_weight(10, 75.33)), 2) == 7.53           # form S25
    assert float(rate_weight(10, 0)) == 0.0                          # form S27


def test_base_slope_shenzhen_fund():
    # As applied: clamp(W·b + W·b·0.05·x, 0, W)
    assert round(float(base_slope(3, 17.45 - 10.32, 0.7)), 2) == 2.85   # D11 as the report computed
    assert round(float(base_slope(2, 5.25 - 5, 0.7)), 2) == 1.42       # D23, pp above target
    assert float(base_slope(2, (10.2 - 8) / 8 * 100, 0.5)) == 2.0      # D16 capped
    assert float(base_slope(2, -34.92, 0.5)) == 0.0                    # D32 floored
    assert round(float(base_slope(2, 1, 0.8, slope=0.10)), 2) == 1.76  # D25 rank up one place
    # the literal reading (5% of W instead of the base) differs
    assert round(float(base_slope(3, 7.13, 0.7, slope_of_base=False)), 2) == 3.0


def test_low_target_deduction_beijing_reading():
    # (B−A)/A: [200, 300) → 10%, (300, 500] → 30%; exactly 300% is in neither band as printed
    lo, hi = [200, 300], [300, 500]
    li, ui = [True, False], [False, True]
    dev = np.array([[150.0], [200.0], [250.0], [300.0], [400.0], [500.0], [600.0]])
    got = low_target_deduction(10, dev, lo, hi, li, ui, [0.1, 0.3])
    np.testing.assert_allclose(got, [0, 1, 1, 0, 3, 3, 0])


def test_one_low_target_penalty_for_framework_rules_and_sensitivity_overlays():
    # Beijing S19 金融大讲堂 20 → 50 on 3.75 points: B/A = 250% is in the 10% band of the ratio reading
    bands = [PenaltyBand(min=200, max=300, deduct_share=0.10), PenaltyBand(min=300, max=500, min_inclusive=False,
                                                                           max_inclusive=True, deduct_share=0.30)]
    rule = RatioRule(family="ratio", low_target_penalty=LowTargetPenalty(measure="ratio", bands=bands))
    args = {k: np.array([v], float) for k, v in REGISTRY["ratio"].compile(
        _Ctx(target_actual=(20.0, 50.0)), rule, 3.75, None, ()).items()}
    assert float(REGISTRY["ratio"].evaluate(np.array([3.75]), args)[0]) == pytest.approx(3.375)
    overlay = S.LowTargetOverlay("ratio-reading", "ratio", tuple(bands))
    assert float(overlay.deduction(3.75, 50 / 20)) == pytest.approx(0.375)
    assert S.PenaltyBand is PenaltyBand and S.beijing_overlay().families == ("ratio",)


def test_judgement_and_zero_if():
    np.testing.assert_allclose(judgement(25, [21, 30, -1]), [21, 25, 0])
    np.testing.assert_allclose(zero_if([1.54, 2.0], [False, True]), [1.54, 0.0])
    lo, hi = qualitative_tier_bounds(10, 80, 100)
    assert (float(lo), float(hi)) == (8.0, 10.0)


# ---- properties -------------------------------------------------------------------------------

pos = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)
nonneg = st.floats(min_value=0, max_value=1e6, allow_nan=False)
weight = st.floats(min_value=0, max_value=100, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(weight, pos, nonneg, nonneg)
def test_ratio_within_points_and_monotone_in_actual(W, A, B1, B2):
    lo, hi = sorted([B1, B2])
    s_lo, s_hi = float(ratio(W, A, lo)), float(ratio(W, A, hi))
    assert 0 <= s_lo <= W + 1e-9 and 0 <= s_hi <= W + 1e-9
    assert s_hi >= s_lo - 1e-9


@settings(max_examples=300, deadline=None)
@given(weight, pos, nonneg, nonneg)
def test_inverse_ratio_within_points_and_antitone_in_actual(W, A, B1, B2):
    lo, hi = sorted([B1, B2])
    s_lo, s_hi = float(inverse_ratio(W, A, lo)), float(inverse_ratio(W, A, hi))
    assert 0 <= s_hi <= s_lo + 1e-9 <= W + 2e-9


@settings(max_examples=200, deadline=None)
@given(weight, st.floats(-1e4, 1e4, allow_nan=False), st.floats(0.01, 1), st.floats(0, 1), st.booleans())
def test_base_slope_within_points(W, x, b, s, of_base):
    got = float(base_slope(W, x, b, s, of_base))
    assert 0 <= got <= W + 1e-9


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 200, allow_nan=False), min_size=4, max_size=4).map(sorted), st.booleans(), st.booleans())
def test_schedule_progress_within_points(rates, year_end, cap):
    got = float(schedule_progress(rates, [25, 50, 75, 100], [1, 1, 1, 1], 2.0, year_end, cap, points=6))
    assert 0 <= got <= 6 + 1e-9


@settings(max_examples=200, deadline=None)
@given(weight, st.floats(-100, 1e4, allow_nan=False), st.floats(-100, 1e3), st.floats(0, 10), st.booleans())
def test_overrun_and_deduct_within_points(W, v, t, k, above):
    assert 0 <= float(overrun_penalty(W, v, t, k, above)) <= W + 1e-9
    assert 0 <= float(deduct_per_item(W, abs(v), k)) <= W + 1e-9


# ---- milestone (按期完成) ---------------------------------------------------------------------

class _Ctx:
    """The compile context a family sees (perfkit.rules.base.Context), recording problems."""

    def __init__(self, target_actual=(None, None)):
        self.problems = []
        self._target_actual = target_actual

    def target_actual(self, inputs, loc, rule_name):
        return self._target_actual

    def problem(self, loc, message):
        self.problems.append((loc, message))


def test_milestone_reads_dates_as_forms_write_them():
    assert month_index("2022年2月") == 2022 * 12 + 1
    assert month_index("2021年12月底") == 2021 * 12 + 11
    assert month_index("2022-05") == month_index("2022.5") == month_index("2022年5月") == 2022 * 12 + 4
    assert month_index("2月", year=2021) == month_index("２月", year=2021) == 2021 * 12 + 1
    assert month_index("2月") is None  # no year, and the rule gives none
    assert month_index("显著提升") is None and month_index(None) is None and month_index("2022年13月") is None


def test_milestone_beijing_s33_late_milestones():
    # S33 局机关基础网络安全防护项目: 采购 2月→4月, 中期 8月→9月, 验收 2022年2月→5月 (2, 1 and 3 months late),
    # all given full marks in the form; at 1 point per month late on 5 points each they lose 2, 1 and 3.
    planned = [month_index(d, 2021) for d in ("2月", "8月", "2022年2月")]
    done = [month_index(d, 2021) for d in ("4月", "9月", "2022年5月")]
    late = np.subtract(done, planned)
    np.testing.assert_array_equal(late, [2, 1, 3])
    np.testing.assert_allclose(milestone(5, late, 1), [3, 4, 2])
    np.testing.assert_allclose(milestone(5, [0, -2, 9], 1), [5, 5, 0])  # on time, early, floored at 0
    # scenarios on the leading axis: per-month deductions of 0.5 and 1 in one call
    np.testing.assert_allclose(milestone(5, late, np.array([[0.5], [1.0]])), [[4, 4.5, 3.5], [3, 4, 2]])


def test_milestone_compiles_explains_and_describes():
    fam = REGISTRY["milestone"]
    rule = MilestoneRule(family="milestone", per_month=1, year=2021)
    ctx = _Ctx()
    args = fam.compile(ctx, rule, 5, IndicatorInput(target="2022年2月", actual="2022年5月"), ("indicators", "o2"))
    assert ctx.problems == [] and args["done"] - args["planned"] == 3
    stacked = {k: np.array([v], float) for k, v in args.items()}
    assert float(fam.evaluate(np.array([5.0]), stacked)[0]) == 2.0
    assert fam.explain(args, 5, 2.0) == "5 − 1 × 3 (2022-02 → 2022-05)"
    undated = MilestoneRule(family="milestone", per_month=1)
    assert fam.compile(ctx, undated, 5, IndicatorInput(target="2月", actual="4月"), ("o2",)) is None
    assert [loc for loc, _ in ctx.problems] == [("o2", "target"), ("o2", "actual")]
    assert "`year`" in ctx.problems[0][1]
    zh, en = Text("zh", escape=False), Text("en", escape=False)
    assert describe_rule(zh, rule, 5) == "按期完成得满分，每延期1个月扣1分，扣完为止"
    assert describe_rule(en, rule, 5) == ("full marks when done on or before the planned date, then 1 point off "
                                          "for each month late, down to zero")


# ---- qualitative tiers, sum --------------------------------------------------------------------

def test_qualitative_tiers_check_the_score_against_the_named_tier():
    fam = REGISTRY["qualitative_tiers"]
    rule = fam.settings(family="qualitative_tiers")
    assert fam.checks(rule, 10, {"score": 8.5, "tier": "达成"}) == []
    [check] = fam.checks(rule, 10, {"score": 7.0, "tier": "达成"})
    assert check.code == "TIER_MISMATCH" and check.message == "7 of 10 (70.00%) lies outside the tier 达成 [80, 100]%"


def test_sum_of_parts_shenzhen_procurement():
    # Shenzhen 政府采购执行率: rate × 1 (327.8 / 611.8) plus policy 1, at most the leaf's 2 points
    rate = float(rate_weight(1, 100 * 327.8 / 611.8))
    assert round(float(sum_of_parts(2, [rate, 1.0])), 2) == 1.54
    assert float(sum_of_parts(1.5, [1.0, 1.0])) == 1.5


# ---- every family is complete: schema, tests, docs, templates ----------------------------------

def test_every_registered_family_has_schema_tests_docs_and_templates():
    root = Path(__file__).resolve().parent.parent
    schemas = model_schemas()
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (root / "tests").glob("test_*.py"))
    docs = (root / "docs" / "parameters.md").read_text(encoding="utf-8")
    templates = [load_templates(lang) for lang in ("zh", "en")]
    for name, fam in REGISTRY.items():
        assert fam.settings.__name__ in schemas, f"{name}: settings model missing from the published schema"
        assert re.search(rf"def test_\w*{name}", tests), f"{name}: no test in tests/ names it"
        assert f"`{name}`" in docs, f"{name}: no entry in docs/parameters.md"
        for lang in templates:
            entry = lang["rules"].get(name)
            assert isinstance(entry, dict) and set(entry) == {"name", "text"} and all(entry.values()), \
                f"{name}: no rules.{name} template {{name: …, text: …}}"


# ---- a value written as a share against a rule in percent ---------------------------------------

LUOHU = Path(__file__).resolve().parent.parent / "parameters" / "luohu-fsa" / "2022.yaml"


def luohu_copy(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """parameters/luohu-fsa/2022.yaml with text replaced (each old text must occur), in a parameters folder
    of its own under ``tmp_path`` beside the shipped frameworks; the path of the copy."""
    text = LUOHU.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    params = tmp_path / "parameters"
    (params / "luohu-fsa").mkdir(parents=True)
    (params / "frameworks").symlink_to(LUOHU.parent.parent / "frameworks", target_is_directory=True)
    (params / "luohu-fsa" / "2022.yaml").write_text(text, encoding="utf-8")
    return params / "luohu-fsa" / "2022.yaml"


def _department(path: Path):
    from perfkit.core.scoring import score_bundle
    from perfkit.load import load

    return {r.evaluation.id: r for r in score_bundle(load(path))}["department"]


SATISFACTION_AS = ("        score: 4\n        reason: >-\n          未开展正式满意度调查",
                   "        value: {}\n        reason: >-\n          未开展正式满意度调查")


def test_bands_value_written_as_a_share_is_scored_as_written_and_named(tmp_path):
    # Luohu satisfaction: ≥95 → 6, [90,95) → 4, [80,90) → 2, else 1; 0.95 meant 95%.
    r = _department(luohu_copy(tmp_path, (SATISFACTION_AS[0], SATISFACTION_AS[1].format(0.95))))
    assert r.table.set_index("id").loc["satisfaction", "score"] == 1.0  # scored as written, not rescaled
    found = [f for f in r.findings if f.code == "VALUE_LOOKS_LIKE_A_SHARE"]
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.indicator) == ("warning", "satisfaction")
    assert f.data == {"value": 0.95, "score": 1.0, "as_percent": 95.0, "score_as_percent": 6.0}
    assert "0.95" in f.message and "95%" in f.message


@pytest.mark.parametrize("value", [95, 1.5, 0])
def test_bands_value_in_percent_raises_no_share_finding(tmp_path, value):
    r = _department(luohu_copy(tmp_path, (SATISFACTION_AS[0], SATISFACTION_AS[1].format(value))))
    assert not [f for f in r.findings if f.code == "VALUE_LOOKS_LIKE_A_SHARE"]


def test_share_check_of_rate_weight_and_overrun_penalty_and_budget_measures():
    rw, op, bd = REGISTRY["rate_weight"], REGISTRY["overrun_penalty"], REGISTRY["bands"]
    rule = rw.settings(family="rate_weight")
    (c,) = rw.checks(rule, 10, {"rate": 0.9691})
    assert c.code == "VALUE_LOOKS_LIKE_A_SHARE" and c.data["score_as_percent"] == pytest.approx(9.691)
    assert c.data["score"] == pytest.approx(0.09691)
    assert rw.checks(rule, 10, {"rate": 96.91}) == []
    assert rw.checks(rw.settings(family="rate_weight", measure="budget.execution_rate"), 10, {"rate": 0.5}) == []
    rule = op.settings(family="overrun_penalty", threshold=95, direction="below", per_unit_share=0.02)
    args = {"value": 0.95, "threshold": 95.0, "per_unit": 0.2, "above": False}
    (c,) = op.checks(rule, 10, args)
    assert (c.data["score"], c.data["score_as_percent"]) == (0.0, 10.0)
    # bands whose bounds are all within [0, 1] are in shares already: nothing to say
    rule = bd.settings(family="bands", bands=[{"min": 0.9, "points": 2}, {"max": 0.9, "points": 0}])
    from perfkit.rules.base import interval_arrays
    assert bd.checks(rule, 2, {"value": 0.95, **interval_arrays(rule.bands), "band_points": [2, 0]}) == []


def test_share_finding_has_a_sentence_in_both_languages():
    for lang in ("zh", "en"):
        t = load_templates(lang)
        assert t["findings"]["VALUE_LOOKS_LIKE_A_SHARE"] and t["finding_short"]["VALUE_LOOKS_LIKE_A_SHARE"]
