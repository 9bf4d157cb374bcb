"""Scores from the target table, cost rows as ceilings, and the cross-checks of issue 8, with the
seeds' figures (Beijing 2021 forms, Luohu 2022, Shenzhen 2020)."""

from pathlib import Path

import numpy as np
import pytest

from perfkit.errors import ParameterError
from perfkit.rules.spending_ceiling import spending_ceiling
from perfkit.rules.target_completion import target_completion
from perfkit.rules.target_deduct import target_deduct
from perfkit.rules.target_share import target_share

NAN = np.nan
ROOT = Path(__file__).resolve().parent.parent
LUOHU = ROOT / "parameters" / "luohu-fsa" / "2022.yaml"


def codes(result, code):
    return [f for f in result.findings if f.code == code]


# ---- the families -----------------------------------------------------------------------------------

def test_spending_ceiling_met_at_or_below_and_note_2_above():
    # Beijing S10: 不超出财政预算100.3万元, 98.4 spent → 10/10 as printed (the ratio reading gave 9.81)
    assert spending_ceiling(10, 100.3, 98.4) == 10
    assert spending_ceiling(10, 100.3, 100.3) == 10
    assert spending_ceiling(10, 100.0, 125.0) == pytest.approx(8.0)       # A/B × W above the ceiling
    assert spending_ceiling(10, 100.0, 125.0, over_zero=1.0) == 0
    assert spending_ceiling(10, 40.0, 0.0) == 10                           # S27: nothing spent is within it


def test_target_deduct_counts_the_missed_rows_and_months_late():
    met = np.array([[1, 0, NAN, 0]])
    assert target_deduct(8, met, np.full((1, 4), NAN), 4, NAN) == 0      # 2 missed × 4 = 8 → 0
    assert target_deduct(8, np.array([[1, 1, NAN]]), np.full((1, 3), NAN), 4, NAN) == 8
    # per_month: S33's three late milestones (2, 1, 3 months) at 1 point per month: 10 − 6
    late = np.array([[0, 2, 1, 3]])
    assert target_deduct(10, np.array([[1, 0, 0, 0]]), late, 2.5, 1.0) == 4


def test_target_share_and_target_completion_average_the_rows():
    # Shenzhen 项目完成及时性: 37 of 43 done × 6 = 5.16
    met = np.array([1.0] * 37 + [0.0] * 6)
    assert round(float(target_share(6, met)), 2) == 5.16
    # 财预〔2020〕10号: completion capped at 1, averaged; unknown rows left out
    assert target_completion(10, np.array([1.0, 2 / 3, NAN]), np.ones(3)) == pytest.approx(10 * (1 + 2 / 3) / 2)
    assert target_completion(10, np.array([1.0, 0.5]), np.array([3.0, 1.0])) == pytest.approx(8.75)


# ---- Luohu: the key-task count derived from the table -----------------------------------------------

def _luohu(tmp_path, *replacements):
    from perfkit.core.scoring import score_bundle
    from perfkit.load import load

    text = LUOHU.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    params = tmp_path / "parameters"
    (params / "luohu-fsa").mkdir(parents=True)
    (params / "frameworks").symlink_to(ROOT / "parameters" / "frameworks", target_is_directory=True)
    path = params / "luohu-fsa" / "2022.yaml"
    path.write_text(text, encoding="utf-8")
    return {r.evaluation.id: r for r in score_bundle(load(path))}["department"]


def test_luohu_key_work_count_is_derived_and_matches_the_report(scored):
    _, results = scored("luohu")
    r = results["department"]
    row = r.table.set_index("id").loc["key-work"]
    assert row["rule"] == "target_deduct" and row["score"] == 8.00 == row["reported_score"]
    assert "0 of 2 targets missed" in row["explanation"]
    from perfkit.report.rules_text import explain_leaf
    words = explain_leaf(r, "key-work", "zh")["inputs"]
    assert "2项可衡量指标，均已完成" in words and "金融业增加值增速" in words   # the rows without an actual


def test_luohu_a_missed_key_task_deducts_and_is_named(tmp_path):
    r = _luohu(tmp_path, ('        actual: "7家"\n        unit: 家\n        direction: positive\n        target_value: 6\n'
                          '        actual_value: 7\n',
                          '        actual: "5家"\n        unit: 家\n        direction: positive\n        target_value: 6\n'
                          '        actual_value: 5\n'))
    row = r.table.set_index("id").loc["key-work"]
    assert row["score"] == 4.00
    assert "1 of 2 targets missed: 引进持牌金融机构" in row["explanation"]


def test_an_unknown_link_id_is_a_located_error(tmp_path):
    with pytest.raises(ParameterError) as exc:
        _luohu(tmp_path, ("        indicator: key-work\n        note: 实际为目标的1.8倍。",
                          "        indicator: key-wrok\n        note: 实际为目标的1.8倍。"))
    [p] = [p for p in exc.value.problems if "key-wrok" in p.message]
    assert p.field.endswith("indicator") and p.line is not None and "2022.yaml" in p.file


def test_a_table_rule_without_linked_rows_is_an_error(tmp_path):
    with pytest.raises(ParameterError) as exc:
        _luohu(tmp_path, *[("        indicator: key-work\n" + tail, "        indicator: effectiveness\n" + tail)
                           for tail in ("        status: 报告未给出完成值\n        note: 以2021年",
                                        "        note: 本行计入 key-work（重点工作完成情况）的未完成项数；此前链接到 effectiveness。\n"
                                        "      - id: other",
                                        "        note: 实际为目标的1.8倍",
                                        "        status: 报告未给出完成数\n        note: 正文列举",
                                        "        status: 报告未给出完成数\n      - id: certification")])
    [p] = [p for p in exc.value.problems if "no row of `targets` names this leaf" in p.message]
    assert "'key-work'" in p.message and p.line is not None


# ---- Beijing: ceilings, late milestones, cross-checks -----------------------------------------------

def test_beijing_cost_rows_are_ceilings_and_26_or_more_forms_reproduce(scored):
    _, results = scored("beijing")
    reported = [r for r in results.values() if r.reported_total is not None]
    reproduced = {r.evaluation.id for r in reported if r.reproduces_total()}
    assert len(reported) == 37 and len(reproduced) >= 27, sorted(reproduced)
    assert {"s10", "s18", "s31", "s33", "s34", "s35", "s03"} <= reproduced
    full = {(k, f.indicator) for k, r in results.items() for f in codes(r, "FULL_MARKS_ON_MISSED_TARGET")}
    assert full == {("s02", "o3"), ("s02", "o4"), ("s17", "o3")}        # all genuine; none below a ceiling
    s10 = results["s10"].table.set_index("id").loc["o17"]
    assert s10["rule"] == "spending_ceiling" and s10["score"] == 10


def test_beijing_a_missed_ceiling_names_whether_the_ratio_reading_reproduces(scored):
    _, results = scored("beijing")
    [m] = [f for f in codes(results["s32"], "SCORE_MISMATCH") if f.indicator == "o5"]
    assert m.data["rule"] == "spending_ceiling"
    assert [a["label"] for a in m.data["alternatives"]] == ["正向比率口径"]
    assert round(m.data["alternatives"][0]["score"], 2) == 7.55       # neither reading gives the printed 9


def test_beijing_late_milestones_of_s33_and_s34_are_findings(scored):
    _, results = scored("beijing")
    late = {(k, f.data["target"], f.data["actual"], f.data["months_late"])
            for k in ("s33", "s34") for f in codes(results[k], "LATE_DEADLINE_NOT_DEDUCTED")}
    assert late == {("s33", "2021年2月", "2021年4月", 2), ("s33", "2021年8月", "2021年9月", 1),
                    ("s33", "2022年2月", "2022年5月", 3), ("s34", "2021年6月", "2021年7月", 1),
                    ("s34", "2021年12月", "2022年8月", 8)}


def test_beijing_cost_rows_contradicting_their_budget_blocks(scored):
    _, results = scored("beijing")
    found = {k: (f.data["actual"], f.data["spent"]) for k, r in results.items()
             for f in codes(r, "COST_ACTUAL_CONTRADICTS_BUDGET")}
    assert found["s01"] == (104.3, 100.3) and found["s20"] == (117, 105)


def test_beijing_s27_scored_good_with_nothing_spent_or_delivered(scored):
    _, results = scored("beijing")
    [f] = codes(results["s27"], "HIGH_SCORE_WITHOUT_EXECUTION")
    assert f.data["execution_rate"] == 0 and f.data["output_score"] == 46 and f.data["total"] == 83


def test_shenzhen_judged_leaf_with_a_missed_linked_row_names_it(scored):
    _, results = scored("shenzhen")
    [f] = codes(results["department"], "LINKED_TARGETS_MISSED")
    assert f.indicator == "effectiveness-benefits"
    assert [r["name"] for r in f.data["rows"]] == ["金融论坛补贴数量"] and f.data["reported"] == 19.5


# ---- sensitivity: targets only move toward more ambition ---------------------------------------------

@pytest.mark.parametrize("unit,overlay", [("luohu", "framework"), ("shenzhen", "framework"), ("beijing", "none")])
def test_targets_equal_to_actuals_never_raise_a_total(scored, unit, overlay):
    """A target is raised to its actual, never lowered to a miss. (Beijing's forms carry the 偏离度 overlay,
    which an honest target lifts — S02 gains its 0.30 back — so the claim is checked there without it.)"""
    from perfkit.analysis import sensitivity as S

    _, results = scored(unit)
    for r in results.values():
        m = S.build_model(r, overlay=overlay)
        cf = S.counterfactuals(m).table.set_index("rule")
        assert cf.loc["actual", "total"] <= m.baseline_total + 1e-9, r.evaluation.id
        assert (S.counterfactual_targets(m, "actual") * m.sign >= m.target * m.sign - 1e-12).all()


def test_scaling_leaves_ceilings_full_rates_and_budget_project_counts_alone(scored):
    from perfkit.analysis import sensitivity as S

    _, results = scored("beijing")
    s01 = S.build_model(results["s01"])
    [i] = [j for j, d in enumerate(s01.diagnostics) if d.id == "o4"]     # 项目预算控制数 104.3万元, a ceiling
    assert not s01.movable[i] and S.counterfactual_targets(s01, "scaled", 2.0)[i] == 104.3
    assert S.grade_flip(s01)["all"] is None or S.grade_flip(s01)["all"]["k"] != pytest.approx(194 / 104.3, abs=0.05)
    s03 = S.build_model(results["s03"])
    full = [d.id for d, mv in zip(s03.diagnostics, s03.movable) if d.target == 100 and d.unit == "%"]
    assert full and not any(mv for d, mv in zip(s03.diagnostics, s03.movable) if d.id in full)
    _, sz = scored("shenzhen")
    dept = S.build_model(sz["department"])
    assert [d.id for d in dept.diagnostics] == ["project-timeliness"] and not dept.movable.any()  # 43 budget projects


# ---- the checks that the seeds do not trigger ---------------------------------------------------------

def test_a_target_comparison_against_its_rule_is_a_finding(tmp_path):
    r = _luohu(tmp_path, ("      project-timeliness:\n        target: 12\n        actual: 12\n        unit: 个\n"
                          "        direction: positive\n",
                          "      project-timeliness:\n        target: ≤12个\n        actual: 12\n        unit: 个\n"))
    [f] = codes(r, "TARGET_COMPARATOR_CONFLICT")
    assert f.indicator == "project-timeliness" and f.data["rule"] == "ratio"
    assert (f.data["target_direction"], f.data["rule_direction"]) == ("negative", "positive")


def test_a_target_lowered_onto_its_actual_is_a_finding_only_with_initial_target(tmp_path):
    row = ('        actual: "7家"\n        unit: 家\n        direction: positive\n        target_value: 6\n'
           '        actual_value: 7\n')
    r = _luohu(tmp_path, ('        target: "不少于6家"\n' + row, '        target: "不少于7家"\n        initial_target: "不少于9家"\n'
                          + row.replace("        target_value: 6\n", "        target_value: 7\n")))
    [f] = codes(r, "TARGET_LOWERED_TO_ACTUAL")
    assert f.data["name"] == "引进持牌金融机构" and f.data["initial_target"] == "不少于9家"
    plain = _luohu(tmp_path / "plain", ('        target: "不少于6家"\n' + row, '        target: "不少于7家"\n'
                                        + row.replace("        target_value: 6\n", "        target_value: 7\n")))
    assert not codes(plain, "TARGET_LOWERED_TO_ACTUAL")


def test_every_new_finding_has_a_sentence_in_both_languages(scored):
    from perfkit.report.document import Report

    new = {"LINKED_TARGETS_MISSED", "LATE_DEADLINE_NOT_DEDUCTED", "COST_ACTUAL_CONTRADICTS_BUDGET",
           "HIGH_SCORE_WITHOUT_EXECUTION", "QUANTITATIVE_TARGET_JUDGED"}
    for lang, words in (("zh", "延期6个月"), ("en", "6 months late")):
        rep = Report.load("beijing-lfsb", 2021, language=lang, params_dir=str(ROOT / "parameters"))
        found = {}
        for r in rep.results:
            for f in r.findings:
                if f.code in new:
                    found.setdefault(f.code, rep.finding_sentence(r, f))
        assert set(found) == new
        assert all(s and s != f.message for s in found.values())
        assert words in found["LATE_DEADLINE_NOT_DEDUCTED"]  # S21 中期考核 2021年8月 → 2022年2月


def test_checklist_answers_the_budget_contradicts(scored):
    # Luohu: 年中无大量调剂 and 未因年中调剂导致预决算差异过大 answered yes beside a 1,629.09% adjustment
    _, lh = scored("luohu")
    found = {f.data["item"]: round(f.data["adjustment_rate"], 2)
             for f in codes(lh["department"], "CHECKLIST_CONTRADICTS_BUDGET")}
    assert found == {"special-funds-detailed": 1629.09, "classification-accurate": 1629.09}
    # Shenzhen: the same two points given full marks after a +27.83% in-year increase (the scoring text itself
    # concedes 部门预决算存在一定差异)
    _, sz = scored("shenzhen")
    found = {f.data["item"]: round(f.data["adjustment_rate"], 2)
             for f in codes(sz["department"], "CHECKLIST_CONTRADICTS_BUDGET")}
    assert found == {"special-fund-detail": 27.83, "classification-accurate": 27.83}


def test_linked_rows_read_deadlines_ceilings_and_growth_by_their_kind():
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    late = linked(read_row(T(name="项目采购", target="2021年2月", actual="2021年4月")))   # S33
    assert (late.kind, late.met, late.late_months, late.completion) == ("date", False, 2, 0)
    on_time = linked(read_row(T(name="采购", target="6月底前", actual="6月"), year=2021))
    assert on_time.met is True and on_time.late_months == 0
    ceiling = linked(read_row(T(name="项目预算控制数", category=["产出指标", "成本指标"], target="104.3万元",
                                actual="100.3万元")))
    assert (ceiling.kind, ceiling.met, ceiling.completion) == ("ceiling", True, 1)
    decline = linked(read_row(T(name="投诉量", target="同比下降5%", actual="同比增长2%")))
    assert (decline.kind, decline.met) == ("growth", False)                             # a decline needs a decline
    words = linked(read_row(T(name="持证比例", target="显著提升", actual="有所提升")))
    assert words.met is None and words.completion is None
    forced = linked(read_row(T(name="x", target="50万元", actual="40万元", kind="ceiling")))
    assert forced.kind == "ceiling" and forced.met is True


# ---- a target equal to its actual while a related evaluation sets it higher (TARGET_HIGHER_ELSEWHERE) -----------

SHENZHEN = ROOT / "parameters" / "shenzhen-lfsb"
DEPT_ROW = ('name_en: "Capital increase awards to firms", category: [产出指标, 金融发展专项资金项目], target: "=6家", actual: "6家"')


def _shenzhen(tmp_path, old, new):
    """The Shenzhen 2020 department-year (department and fund) with one text replaced in the department's file."""
    import shutil

    from perfkit.core.scoring import score_bundle
    from perfkit.load import load

    params = tmp_path / "parameters"
    shutil.copytree(SHENZHEN, params / "shenzhen-lfsb")
    (params / "frameworks").symlink_to(ROOT / "parameters" / "frameworks", target_is_directory=True)
    path = params / "shenzhen-lfsb" / "2020.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return {r.evaluation.id: r for r in score_bundle(load(path))}


def test_a_target_on_its_actual_while_the_department_states_it_higher_is_a_finding(tmp_path):
    # the department's 附件2 and the fund's 目标表 both hold 增资奖励企业数量 "=6家" → 6家: nothing to say (as shipped);
    # with the department's row at "=8家", the fund's 6 = 6 sits on its actual below the department's target
    results = _shenzhen(tmp_path, DEPT_ROW, DEPT_ROW.replace('target: "=6家"', 'target: "=8家"'))
    [f] = codes(results["fund"], "TARGET_HIGHER_ELSEWHERE")
    assert f.data["target_name"] == "增资奖励企业数量" and f.data["other"] == "department"
    assert (f.data["target"], f.data["other_target"]) == ("=6家", "=8家")
    assert not codes(results["department"], "TARGET_HIGHER_ELSEWHERE")  # 8 ≠ 6: not on its actual

    from perfkit.report.sentences import finding_sentence
    from perfkit.report.text import Text

    zh = finding_sentence(Text("zh"), results["fund"], f, lambda i: i or "")
    assert "“增资奖励企业数量”的目标值=6家与完成值相同" in zh and "为同一指标定的目标值为=8家" in zh
    assert "参数" not in zh and "fund" not in zh and "department" not in zh
    en = finding_sentence(Text("en"), results["fund"], f, lambda i: i or "")
    assert "sets =8家 for the same indicator" in en


def test_the_same_indicator_in_two_projects_is_not_compared(scored):
    # Beijing S12 and S13 both hold 现场检查 (76家 → 76家, 60家 → 60家): two projects, not one target lowered
    _, bj = scored("beijing")
    assert not any(codes(r, "TARGET_HIGHER_ELSEWHERE") for r in bj.values())
    for unit in ("shenzhen", "luohu"):
        _, rs = scored(unit)
        assert not any(codes(r, "TARGET_HIGHER_ELSEWHERE") for r in rs.values())


def test_a_zero_target_row_is_missed_by_one_incident_unless_the_row_says_higher_is_better():
    from perfkit.core.target_rows import linked, read_row, unsure_readings
    from perfkit.params import PerformanceTarget as T

    incidents = read_row(T(name="安全责任事故发生次数", target="0次", actual="1次"))
    assert (linked(incidents).met, linked(incidents).completion) == (False, 0)
    assert linked(read_row(T(name="安全责任事故发生次数", target="0次", actual="0次"))).met is True
    # the row settles it: direction given, no assumption left to report
    said = read_row(T(name="新增投诉", target="0件", actual="2件", direction="negative"))
    assert linked(said).met is False and said.target.notes == ()
    more = read_row(T(name="新增合作单位", target="0家", actual="2家", direction="positive"))
    assert (linked(more).met, more.target.comparator, more.target.lo, more.target.notes) == (True, None, 0, ())

    class Evaluation:  # unsure_readings reads only the rows
        targets = [T(name="安全责任事故发生次数", target="0次", actual="1次"),
                   T(name="新增合作单位", target="0家", actual="2家", direction="positive")]
        projects = []
    assert [(u.name, u.codes) for u in unsure_readings(Evaluation())] == [("安全责任事故发生次数", ("zero_as_limit",))]


def test_a_ranking_row_is_missed_when_the_place_is_lower():
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    lower = linked(read_row(T(name="全球金融中心指数排名", target="第8名", actual="第9名")))
    assert (lower.met, lower.completion) == (False, pytest.approx(8 / 9))
    assert linked(read_row(T(name="全球金融中心指数排名", target="前十名", actual="第8名"))).met is True
    assert linked(read_row(T(name="营商环境评价排名", target="全国前三", actual="全国第五"))).met is False
    said = read_row(T(name="排名", target="第8名", actual="第9名", direction="positive"))
    assert (linked(said).met, said.target.notes) == (True, ())   # the row's direction wins over the inferred one


@pytest.mark.parametrize("target,actual,cost,expected", [
    # what a careful evaluator judges, for phrasings a new user's table held (each was judged otherwise before)
    ("≥500人次", "2024年培训480人次", False, False),          # the year is not the figure
    ("2024年培训500人次", "520人次", False, True),
    ("≥95%", "截至12月底完成85%", False, False),             # 截至 a date: when, not the figure
    ("500人", "计划500人，实际完成480人", False, False),      # the figure after 实际
    ("3000元/亩", "3200元/亩", True, False),                 # a cost per unit on a cost row is a ceiling
    ("≥1亿元", "8000万", False, False),                      # a magnitude alone: 0.8亿
    ("控制在5‰以内", "0.6%", False, False),                  # 6‰
    ("较上年增长10%", "920万元", False, None),               # an amount cannot judge a change
    ("30%-40%", "45%", False, False),
    ("大于或等于95%", "95%", False, True),
    ("次年3月底前", "2025年3月", False, True),
    ("≥2/3", "60%", False, False),
    ("不低于三分之二", "70%", False, True),
    ("≥1000万元", "较上年增长3%，达到1200万元", False, True),  # the level the change reached
    ("≥95%", "较上年提高2个百分点，达到96%", False, True),
    ("≥10000人", "1.2万余人", False, True),
    ("≥1500人", "2千人", False, True),
    ("全省排名前三", "全省第二名", False, True),
    ("2024年6月30日前", "2024.6.28", False, True),
])
def test_rows_a_new_user_wrote_are_judged_as_an_evaluator_would(target, actual, cost, expected):
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    category = ["产出指标", "成本指标"] if cost else ["产出指标"]
    row = linked(read_row(T(name="x", category=category, target=target, actual=actual), year=2024))
    assert row.met is expected
    if expected is False:
        assert row.completion < 1   # a miss never completes the row (30%-40% against 45%: 40/45)


def test_one_year_is_a_duration_not_the_years_end():
    from perfkit.core.target_text import read_target
    assert read_target("一年内", year=2024).kind != "date" and read_target("年内完成", year=2024).kind == "date"


def test_a_row_against_last_years_level_is_judged_by_its_prior_actual():
    from perfkit.analysis.targets import diagnose_target
    from perfkit.core.target_rows import linked, read_row, unsure_readings
    from perfkit.params import PerformanceTarget as T

    rate = read_row(T(name="群众满意度", target="不低于上年", actual="96.2%", prior_actual="95.5%"))
    assert (rate.target.kind, rate.target.comparator, rate.target.lo, rate.target.unit) == ("rate", ">=", 95.5, "%")
    assert linked(rate).met is True and rate.target.note_codes == ("prior_level",)
    fell = read_row(T(name="群众满意度", target="不低于上年", actual="94%", prior_actual="95.5%"))
    assert linked(fell).met is False and linked(fell).completion == pytest.approx(94 / 95.5)
    # last year's figure in 万 and this year's in plain units: compared on one scale
    count = read_row(T(name="服务人次", target="高于上年", actual="13000人次", prior_actual="1.2万人次"))
    assert (count.target.lo, count.target.lo_inclusive, count.actual_number) == (1.2, False, pytest.approx(1.3))
    assert linked(count).met is True
    fewer = read_row(T(name="投诉件数", target="不高于上年", actual="12件", prior_actual="15件"))
    assert (fewer.target.hi, linked(fewer).met) == (15, True)
    # no prior_actual: not judged, and said so where the readings are listed
    unknown = read_row(T(name="群众满意度", target="不低于上年", actual="96.2%"))
    assert linked(unknown).met is None and unknown.target.note_codes == ("prior_level_unknown",)

    class Evaluation:
        targets = [T(name="群众满意度", target="不低于上年", actual="96.2%")]
        projects = []
    assert [u.codes for u in unsure_readings(Evaluation())] == [("prior_level_unknown",)]
    # the target-setting diagnostics read the same figures: 1.3 times last year's level is flagged
    d = diagnose_target(T(name="服务人次", target="不低于上年", actual="16000人次", prior_actual="1.2万人次"))
    assert (d.target, d.actual, d.direction, d.met) == (1.2, pytest.approx(1.6), "positive", True)
    assert "low_ambition" in d.flags and "not_measurable" not in d.flags
    assert "not_measurable" in diagnose_target(T(name="x", target="不低于上年", actual="96.2%")).flags


def test_a_target_against_last_years_level_in_both_languages():
    from perfkit.report.target_words import TargetWords
    from perfkit.report.text import Text

    assert TargetWords(Text("zh", escape=False))("不低于上年") == "不低于上年"  # Chinese prints the cell as written
    en = TargetWords(Text("en", escape=False))
    assert (en("不低于上年"), en("较上年有所提高"), en("不高于去年同期")) == (
        "at least last year's level", "above last year's level", "at most last year's level")


@pytest.mark.parametrize("target,actual,number,met,code", [
    ("每月不少于2次", "全年30次", 2.5, True, "per_period_total"),      # the year's 30 is 2.5 a month
    ("每月不少于2次", "全年20次", 20 / 12, False, "per_period_total"),  # 1.67 a month: missed, not 20 ≥ 2
    ("每季度1次", "累计4次", 1.0, True, "per_period_total"),
    ("每月不超过2次", "全年30次", 2.5, False, "per_period_total"),     # a limit each month, exceeded on average
    ("每月不少于2次", "每季度6次", 2.0, True, "per_period_converted"),
    ("12次", "每月1次", 12.0, True, "per_period_converted"),          # an annual target, a monthly actual
    ("每月1次", "每月1次", 1.0, True, None),                           # one period on both sides: as written
    ("每月不少于2次", "30次", 30.0, True, "per_period_unstated"),      # the period of 30 not said: as written
])
def test_a_target_for_each_month_is_compared_with_the_actual_for_the_same_period(target, actual, number, met, code):
    from perfkit.analysis.targets import diagnose_target
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    rr = read_row(T(name="巡查次数", target=target, actual=actual))
    assert rr.actual_number == pytest.approx(number) and linked(rr).met is met
    assert rr.target.note_codes == ((code,) if code else ())
    d = diagnose_target(T(name="巡查次数", target=target, actual=actual))
    if code == "per_period_unstated":  # 30 against 2 a month: not called a target set 15 times too low
        assert d.ratio is None and "low_ambition" not in d.flags and d.doubt == code
    else:
        assert d.actual == pytest.approx(number) and d.doubt is None


@pytest.mark.parametrize("target,actual,number,met,code", [
    # the figure's own clause decides its period: 12 is the year's here, 2 a month there
    ("每月开展宣传活动，全年不少于12场", "全年14场", 14.0, True, None),
    ("1次/月", "全年10次", 10 / 12, False, "per_period_total"),         # a period written after the unit
    ("每两个月不少于1次", "全年4次", 4 / 6, False, "per_period_total"),
    ("每天不少于2次", "全年600次", 600 / 365, False, "per_period_total"),
    ("每月2次", "2024年共开展20次", 20 / 12, False, "per_period_total"),  # a year before 共 does not hide it
    ("每月2次", "1-12月开展20次", 20 / 12, False, "per_period_total"),   # the months of the year, not a date
    ("每月2次", "截至年底开展30次", 2.5, True, "per_period_total"),
    ("每季度不少于一次", "全年四次", 1.0, True, "per_period_total"),     # Chinese numerals on both sides
])
def test_the_period_of_a_figure_is_read_where_forms_write_it(target, actual, number, met, code):
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    rr = read_row(T(name="宣传活动", target=target, actual=actual))
    assert rr.actual_number == pytest.approx(number) and linked(rr).met is met
    assert code is None and "per_period_total" not in rr.target.note_codes or code in rr.target.note_codes


@pytest.mark.parametrize("cell", ["每月10日前", "每月15号前", "每季度首月10日前报送", "每月10日前完成上月数据报送"])
def test_a_day_of_each_month_is_neither_a_count_nor_a_duration(cell):
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    rr = read_row(T(name="报送", target=cell, actual="全年12次"))
    assert rr.target.kind == "words" and linked(rr).met is None


def test_last_years_level_on_a_lower_is_better_row_and_in_another_unit():
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    lower = read_row(T(name="不良率", target="优于上年", actual="3.1%", prior_actual="3.5%", direction="negative"))
    assert (lower.target.comparator, lower.target.hi, linked(lower).met) == ("<", 3.5, True)
    worse = read_row(T(name="不良率", target="优于上年", actual="3.9%", prior_actual="3.5%", direction="negative"))
    assert linked(worse).met is False
    assert linked(read_row(T(name="x", target="不低于上年（2023年）", actual="96%", prior_actual="95%"))).met is True
    other = read_row(T(name="服务对象", target="不低于上年", actual="1.3万人", prior_actual="120家"))
    assert linked(other).met is None and other.target.note_codes == ("prior_level_units",)


@pytest.mark.parametrize("target,actual,prior,change,met", [
    ("较上年增长5%", "124万元", "120万元", 100 * 4 / 120, False),   # a level, with last year's: +3.33%
    ("较上年增长5%", "1.3亿元", "12000万元", 100 * 1000 / 12000, True),  # magnitudes brought to one
    ("较上年增长5%", "124", "120", 100 * 4 / 120, False),           # bare levels of one size: levels
    ("同比下降5%", "90件", "100件", -10.0, True),
    ("提高2个百分点", "96%", "95%", 1.0, False),                    # points: the difference of two rates
    ("满意度较上年提高5%", "96%", "95%", 100 * 1 / 95, False),       # a relative change of a rate
])
def test_a_change_target_is_judged_by_this_years_level_against_last_years(target, actual, prior, change, met):
    from perfkit.analysis.targets import diagnose_target
    from perfkit.core.target_rows import linked, read_row
    from perfkit.params import PerformanceTarget as T

    row = T(name="收入", target=target, actual=actual, prior_actual=prior)
    rr = read_row(row)
    assert rr.actual_number == pytest.approx(change) and linked(rr).met is met
    assert "growth_from_prior" in rr.target.note_codes
    d = diagnose_target(row)
    assert d.actual == pytest.approx(change) and "ratchet" not in d.flags  # a change is no ratchet of a level


@pytest.mark.parametrize("actual,prior", [("8", "120"), ("8%", "120"), ("124人", "120家"), ("124万元", None)])
def test_a_figure_that_may_be_the_change_itself_is_read_as_before(actual, prior):
    from perfkit.core.target_rows import read_row
    from perfkit.params import PerformanceTarget as T

    rr = read_row(T(name="收入", target="较上年增长5%", actual=actual, prior_actual=prior))
    assert "growth_from_prior" not in rr.target.note_codes
    assert rr.actual_number == (8.0 if actual.startswith("8") else None)


def test_the_reading_of_a_change_against_last_year_names_no_wrong_figure():
    # the note's figure in the diagnostics is the target's (5), not last year's: the sentence names neither
    from perfkit.analysis.targets import diagnose_target
    from perfkit.params import PerformanceTarget as T
    from perfkit.report.sentences import reading_notes
    from perfkit.report.text import Text

    d = diagnose_target(T(name="收入", target="较上年增长5%", actual="124万元", prior_actual="120万元"))
    for lang in ("zh", "en"):
        said = " ".join(str(s) for s in reading_notes(Text(lang, escape=False), d.reading_notes, d.read_value, d.unit))
        assert said and "5" not in said and "120" not in said, said
