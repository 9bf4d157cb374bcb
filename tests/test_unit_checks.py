"""Slips of a form filled in by hand that used to score silently: a share written against a percentage, a target
and an actual in different units, spending above the budget and a fourth quarter that is not the year.

The unit is the invented project self-evaluation a new user filled in (``tests/fixtures/project-self``), with
one slip written into a copy each time; the shipped department-years (real reports) raise none of these."""

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from perfkit import Report
from perfkit.analysis.targets import diagnose
from perfkit.core.quantity import parse_quantity
from perfkit.core.unit_checks import share_side, units_differ, written_alone
from perfkit.load import discover, load
from perfkit.core.scoring import score_bundle

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "parameters"
FIXTURE = Path(__file__).parent / "fixtures" / "project-self" / "civil-affairs-demo"
NEW = ("VALUE_LOOKS_LIKE_A_SHARE", "VALUE_WITHOUT_MAGNITUDE", "UNITS_DIFFER", "SPENT_ABOVE_BUDGET", "QUARTERLY_SPENT_MISMATCH", "AMOUNT_IN_YUAN")


def trial(tmp_path, *edits: tuple[str, str]) -> Path:
    """A parameters folder with the trial unit, each (old, new) replaced once in its file."""
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    shutil.copytree(FIXTURE, params / "civil-affairs-demo")
    f = params / "civil-affairs-demo" / "2024.yaml"
    text = f.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    f.write_text(text, encoding="utf-8")
    return params


def findings(params: Path, code: str | None = None):
    (r,) = score_bundle(load(str(params / "civil-affairs-demo" / "2024.yaml")))
    return r, [f for f in r.findings if code is None or f.code == code]


def line_of(params: Path, needle: str) -> int:
    lines = (params / "civil-affairs-demo" / "2024.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, s in enumerate(lines, 1) if needle in s)


SATISFACTION = ('        actual: "92.3%"  #', "        actual: 0.923  #")


def test_the_trial_as_shipped_raises_none_of_them(tmp_path):
    r, found = findings(trial(tmp_path))
    assert not [f for f in found if f.code in NEW]
    assert round(r.total, 2) == 90.66


def test_a_share_against_a_percentage_target_is_named_with_the_score_it_would_get(tmp_path):
    params = trial(tmp_path, SATISFACTION)
    r, (f,) = findings(params, "VALUE_LOOKS_LIKE_A_SHARE")
    # scored as written (0.923 against 90: 10 × 0.923/90), never rescaled
    assert r.leaf_score["satisfaction-1"] == pytest.approx(10 * 0.923 / 90)
    assert (f.severity, f.indicator, f.data["side"], f.data["against"]) == ("warning", "satisfaction-1", "actual", "≥90%")
    assert f.data["value"] == 0.923 and f.data["as_percent"] == pytest.approx(92.3)
    assert f.data["score"] == pytest.approx(0.10256, abs=1e-5) and f.data["score_as_percent"] == 10.0
    assert f.data["line"] == line_of(params, "actual: 0.923")
    assert f.data["field"] == "evaluations[0].indicators.satisfaction-1.actual"


def test_a_share_as_the_target_against_a_percentage_actual(tmp_path):
    # 时效指标一: "100%" written as 1; 91.67% then meets it (10.00) where as percent it scores 9.17
    r, (f,) = findings(trial(tmp_path, ('        target: "100%"  #', "        target: 1  #")),
                       "VALUE_LOOKS_LIKE_A_SHARE")
    assert (f.indicator, f.data["side"], f.data["value"]) == ("timeliness-1", "target", 1.0)
    assert f.data["score"] == 10.0 and f.data["score_as_percent"] == pytest.approx(9.167)


def test_units_that_differ_are_named_and_unit_settles_them(tmp_path):
    params = trial(tmp_path, ('        actual: "2760人"  #', '        actual: "2760户"  #'))
    _, (f,) = findings(params, "UNITS_DIFFER")
    assert (f.indicator, f.data["target_unit"], f.data["actual_unit"]) == ("quantity-1", "人", "户")
    assert f.data["line"] == line_of(params, 'actual: "2760户"')
    settled = trial(tmp_path / "b", ('        actual: "2760人"  #', '        actual: "2760户"\n        unit: 人  #'))
    assert findings(settled, "UNITS_DIFFER")[1] == []


def test_a_target_row_with_a_share_is_named_with_whether_it_was_met(tmp_path):
    # the row's actual differs from its leaf's, so it is not the leaf's finding said twice
    params = trial(tmp_path, ('target: "≥95%", actual: "96.5%", indicator: quality-1',
                              'target: "≥95%", actual: 0.965, indicator: quality-1'))
    _, (f,) = findings(params, "VALUE_LOOKS_LIKE_A_SHARE")
    assert (f.data["row"], f.data["met"], f.data["met_as_percent"]) == ("服务质量抽查合格率", False, True)
    assert f.data["field"] == "evaluations[0].targets[1].actual"


ROW = 'target: "≥3000人", actual: "2760人", indicator: quantity-1'


@pytest.mark.parametrize("target,actual,flagged,met,met_scaled", [
    ("≥10万人次", "98000", True, True, False),     # 98000 taken as 98000万人次: met; as 9.8万人次: missed
    ("≥0.5亿元", "42000000", True, True, False),
    ("≥10万人次", "9.8", False, None, None),        # a bare figure of the target's size: the unit written once
    ("≥10万人次", "98000人次", False, None, None),  # its unit written: rescaled, nothing to warn of
    ("≥3000人", "2760", False, None, None),         # no magnitude in the target
])
def test_a_bare_actual_a_thousand_times_a_target_in_wan_is_named(tmp_path, target, actual, flagged, met, met_scaled):
    params = trial(tmp_path, (ROW, f'target: "{target}", actual: {actual}, indicator: quantity-1'))
    r, found = findings(params, "VALUE_WITHOUT_MAGNITUDE")
    assert bool(found) is flagged
    if flagged:
        (f,) = found
        assert (f.data["met"], f.data["met_scaled"], f.data["field"]) == (met, met_scaled,
                                                                           "evaluations[0].targets[0].actual")
        from perfkit.report.sentences import NodeNames, finding_sentence
        from perfkit.report.text import Text
        for lang, words in (("zh", ("未写单位", "已完成", "未完成")), ("en", ("without a unit", "met", "missed"))):
            t = Text(lang, escape=False)
            said = str(finding_sentence(t, r, f, NodeNames(r, t.lang)))
            assert all(w in said for w in words), said


@pytest.mark.parametrize("actual,doubt,ratio,low", [
    ("130000", "VALUE_WITHOUT_MAGNITUDE", None, False),  # 13万万人次 as written, 13万人次 if in 人次: not judged
    ("13", None, 1.3, True),                               # 13万人次 against 10万: 1.3 times, judged
    ("13万人次", None, 1.3, True),
])
def test_no_ambition_is_read_from_an_actual_a_data_warning_doubts(tmp_path, actual, doubt, ratio, low):
    params = trial(tmp_path, (ROW, f'target: "≥10万人次", actual: "{actual}", indicator: quantity-1'))
    r, found = findings(params, "VALUE_WITHOUT_MAGNITUDE")
    assert bool(found) is (doubt is not None)
    (d,) = [d for d in diagnose(r) if d.source == "target_table" and d.target_text == "≥10万人次"]
    assert d.doubt == doubt and ("low_ambition" in d.flags) is low
    assert d.ratio == (pytest.approx(ratio) if ratio else None)
    assert d.actual is not None  # shown as written


def test_the_report_prints_a_doubted_actual_as_written_and_calls_no_target_low(tmp_path):
    params = trial(tmp_path, (ROW, 'target: "≥10万人次", actual: "130000", indicator: quantity-1'))
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    said = zh.section("analysis").markdown() + zh.targets_section().markdown() + str(zh.targets_section().blocks)
    assert "享受居家养老服务补贴老年人数（目标≥10万人次，完成130000）" in said  # not "130000万人次"
    assert "130000万人次" not in said and "130,000万人次" in zh.reconciliation().markdown()  # the warning's reading
    assert "目标可能偏低" not in said
    plain = Report.load("civil-affairs-demo", 2024, params_dir=str(trial(
        tmp_path / "b", (ROW, 'target: "≥10万人次", actual: "13", indicator: quantity-1'))))
    assert "完成13万人次" in plain.section("analysis").markdown()  # a bare figure of the target's size takes its unit
    assert "目标可能偏低" in str(plain.targets_section().blocks)  # 1.3 times: the flag as before


def test_a_share_against_a_percentage_judges_no_ambition_on_the_leaf_or_the_row(tmp_path):
    # 时效指标一 target "100%" written as 1: 91.67% against 1 would read as 91.67 times the target
    r, _ = findings(trial(tmp_path, ('        target: "100%"  #', "        target: 1  #")))
    (d,) = [d for d in diagnose(r) if d.source == "scored" and d.indicator == "timeliness-1"]
    assert d.doubt == "VALUE_LOOKS_LIKE_A_SHARE" and d.ratio is None and "low_ambition" not in d.flags
    params = trial(tmp_path / "b", ('target: "≥95%", actual: "96.5%", indicator: quality-1',
                                    'target: "≥95%", actual: 0.965, indicator: quality-1'))
    r, _ = findings(params)
    (d,) = [d for d in diagnose(r) if d.source == "target_table" and d.name == "服务质量抽查合格率"]
    assert d.doubt == "VALUE_LOOKS_LIKE_A_SHARE" and d.ratio is None


def test_a_row_restating_a_flagged_leaf_is_said_once(tmp_path):
    params = trial(tmp_path, SATISFACTION, ('target: "≥90%", actual: "92.3%", indicator: satisfaction-1',
                                            'target: "≥90%", actual: 0.923, indicator: satisfaction-1'))
    assert len(findings(params, "VALUE_LOOKS_LIKE_A_SHARE")[1]) == 1


def test_spending_above_the_budget_and_a_fourth_quarter_that_is_not_the_year(tmp_path):
    params = trial(tmp_path, ("  spent: 468.35", "  spent: 568.35"))
    r, found = findings(params)
    (over,) = [f for f in found if f.code == "SPENT_ABOVE_BUDGET"]
    (quarter,) = [f for f in found if f.code == "QUARTERLY_SPENT_MISMATCH"]
    assert over.data["execution_rate"] == pytest.approx(113.67, abs=0.005) and over.data["adjusted"] == 500.0
    assert (quarter.data["fourth_quarter"], quarter.data["spent"]) == (468.35, 568.35)
    assert r.leaf_score["execution-rate"] == 10.0  # the rate rule caps at 100%: the finding is what says it
    # spent equal to the fourth quarter and within the budget: neither
    _, found = findings(trial(tmp_path / "b", ("  spent: 468.35", "  spent: 468.354")))
    assert not [f for f in found if f.code in NEW]


def test_the_shipped_real_reports_raise_none_of_them():
    for path in discover(str(PARAMS)):
        for r in score_bundle(load(path)):
            assert not [f.message for f in r.findings if f.code in NEW], path


@pytest.mark.parametrize("text, alone", [("≥3000人", True), ("2760户", True), ("95%及以上", True),
                                         ("对首批1000家次中小微企业进行监测", False), ("准入与前置共50件审批工作。", False),
                                         ("显著提升", False)])
def test_a_unit_counts_only_where_the_cell_is_its_figure_and_unit(text, alone):
    assert written_alone(text, parse_quantity(text)) is alone


def test_which_side_is_a_share_and_which_units_differ():
    q = parse_quantity
    assert share_side(q("≥90%"), q(0.923), 90, 0.923) == "actual"
    assert share_side(q(0.9), q("92.3%"), 0.9, 92.3) == "target"
    assert share_side(q("≥90%"), q("92.3%"), 90, 92.3) is None
    assert share_side(q(90), q(0.923), 90, 0.923) is None  # no percent written: could be a count
    assert share_side(q("≥0.5%"), q(0.4), 0.5, 0.4) is None  # a target below 1%: the actual may well be 0.4%
    assert units_differ("≥3000人", "2760户", q("≥3000人"), q("2760户"))
    assert not units_differ("≥50万元", "420000元", q("≥50万元"), q("420000元"))  # one unit, two magnitudes
    assert not units_differ("≥130亿", "654亿元", q("≥130亿"), q("654亿元"))


def test_the_report_lists_them_as_data_problems_and_states_the_overspending(tmp_path):
    params = trial(tmp_path, SATISFACTION, ("  spent: 468.35", "  spent: 568.35"),
                   ('        actual: "2760人"  #', '        actual: "2760户"  #'))
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    annex = zh.reconciliation().markdown()
    assert "发现4处评价数据问题" in annex and "**评价数据问题**" in annex
    assert "“服务对象满意度”的实际完成值0.923与“≥90%”比较时读作0.923%，得0.10分；若为比例（即92.3%），应得10.00分。" in annex
    assert "计量单位不同（人、户）" in annex and "超支未在得分中体现" in annex
    assert "第四季度末累计支出为468.35万元，与全年实际支出568.35万元不一致。" in annex
    assert not any(w in annex for w in ("actual", "UNITS_DIFFER", "unit", "share"))  # no tool words in Chinese
    problems = zh.problems().markdown()
    assert "实际支出超过预算：全年支出568.35万元，超过调整后预算500.00万元，超支68.35万元，预算执行率为113.67%。" in problems
    assert "严格按预算安排支出" in zh.recommendations().markdown()
    en = Report.load("civil-affairs-demo", 2024, language="en", params_dir=str(params))
    annex = en.reconciliation().markdown()
    assert "Problems in the evaluation data" in annex and "four problems in the evaluation data" in annex
    assert "read as a share (92.3%) it would score 10.00 points" in annex
    assert "Spending exceeded the budget: 568.35 (in 10,000 yuan)" in en.problems().markdown()


def test_validate_prints_them_without_v_with_file_and_line(tmp_path):
    params = trial(tmp_path, SATISFACTION)
    out = run_cli("validate", str(params / "civil-affairs-demo" / "2024.yaml"))
    assert out.returncode == 0
    assert "valid (1 warning on the figures entered)" in out.stdout
    assert f"2024.yaml:{line_of(params, 'actual: 0.923')} evaluations[0].indicators.satisfaction-1.actual" in out.stdout
    assert "[warning] VALUE_LOOKS_LIKE_A_SHARE" in out.stdout and "it would score 10.00" in out.stdout


# ---- the trial's wording, read as a client would -----------------------------------------------------------------

def test_a_project_self_evaluation_is_titled_after_itself_and_says_one_of_everything_once(tmp_path):
    params = trial(tmp_path)
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    opening = zh.title().markdown()
    assert "# 某市民政局2024年度社区居家养老服务补贴项目支出绩效自评报告" in opening
    assert "1项" not in opening and "本报告对某市民政局2024年度社区居家养老服务补贴项目支出绩效自评（项目支出绩效自评）计分并分析" in opening
    assert "2024年度绩效目标为：" in zh.background().markdown()
    # 二 names the framework and its points; 三 adds its first-level blocks instead of saying it again
    assert "采用“项目支出绩效自评表（财预〔2020〕10号）”" in zh.section("work").markdown()
    results = zh.results_section().markdown()
    assert "采用“" not in results and "9个末级评分指标分属4个一级指标：“预算执行率”、“产出指标”、“效益指标”、“满意度指标”。" in results
    en = Report.load("civil-affairs-demo", 2024, language="en", params_dir=str(params))
    assert "The performance goal for 2024 was:" in en.background().markdown()
    assert "these 1" not in en.background().markdown()
    # no English title for the evaluation: the department's title, not a Chinese one
    assert "# Municipal Civil Affairs Bureau: evaluation report of project expenditure for 2024" in en.title().markdown()


def test_a_qualitative_tier_is_shown_with_the_evaluator_s_score(tmp_path):
    from perfkit.report.rules_text import inputs_text

    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(trial(tmp_path)))
    r = zh.main[0]
    i = next(k for k, lf in enumerate(r.compiled.leaves) if lf.id == "social-1")
    assert inputs_text(zh.t, r, i) == "评为“部分达成”，评价人评分7.00"


def test_an_appendix_s_subsections_are_marked_as_the_appendix_s_in_english():
    import re

    en = Report.load("shenzhen-lfsb", 2020, language="en")
    heads = re.findall(r"^#+ (.*)", en.section("targets").markdown(), re.M)
    assert heads[0].startswith("Annex 2") and heads[1].startswith("A2.1 ") and heads[2].startswith("A2.1.1 ")
    assert re.findall(r"^### (\S+)", en.section("analysis").markdown(), re.M)[:2] == ["4.1", "4.2"]  # the body's
    zh = Report.load("shenzhen-lfsb", 2020)
    assert re.findall(r"^### (（.）)", zh.section("targets").markdown(), re.M)[:2] == ["（一）", "（二）"]


def test_a_missing_tier_is_called_missing_not_none(tmp_path):
    params = trial(tmp_path, ("        tier: 部分达成  #", "        tier:  #"))
    out = run_cli("validate", str(params / "civil-affairs-demo" / "2024.yaml"))
    assert out.returncode == 1 and "None" not in out.stderr
    assert (f"2024.yaml:{line_of(params, 'tier:  #')}: evaluations[0].indicators.social-1.tier: expected one of the "
            "tiers 达成, 部分达成, 未达成 (the tier the evaluator chose; it is missing)") in out.stderr


@pytest.mark.parametrize("text, value, unit, scale", [("约2760人", 2760, "人", 1), ("两千七百余人", 2700, "人", 1),
                                                      ("2760余人", 2760, "人", 1), ("近2000家", 2000, "家", 1),
                                                      ("1000多万元", 1000, "元", 1e4), ("约为95%", 95, "%", 1)])
def test_an_approximate_figure_is_read_as_the_figure_with_a_note_and_its_own_unit(text, value, unit, scale):
    from perfkit.core.target_text import read_target

    r = read_target(text)
    assert (r.value, r.unit, r.scale, r.note_codes) == (value, unit, scale, ("approximate_figure",))
    # "余人" is 人, so against "≥3000人" it is one unit, not two
    assert not units_differ("≥3000人", "2760余人", parse_quantity("≥3000人"), parse_quantity("2760余人"))
    assert read_target("超过3000人").note_codes == () and read_target("3000人").note_codes == ()


def test_raising_targets_stops_a_share_at_100_percent(tmp_path):
    import numpy as np

    from perfkit import sensitivity as S

    params = trial(tmp_path)
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    model = S.build_model(zh.main[0])
    raised = dict(zip(model.ids, model.scaled(np.full(model.n_targets, 1.5))))
    # ≥95% 合格率 and ≥90% 满意度 stop at 100%, not 142.5% and 135%; 人 and 万元 grow; the cost ceiling falls
    assert (raised["quality-1"], raised["satisfaction-1"]) == (100.0, 100.0)
    assert (raised["quantity-1"], raised["economic-1"]) == (4500.0, 75.0)
    assert raised["cost-1"] == pytest.approx(1600 / 1.5)
    blocks = " ".join(str(b) for b in zh.targets_section().blocks)
    assert "目标值统一提高到原来的1.50倍（越低越好的目标降至原来的1/1.50，百分比目标最高为100%）" in blocks
    from perfkit.analysis.sensitivity.model import share_limit
    from perfkit.analysis.targets import TargetDiagnostic

    def diag(text, unit=None, direction="positive", target=80.0):
        return TargetDiagnostic(id="x", name="x", source="scored", indicator=None, row=None, direction=direction,
                                unit=unit, target_text=text, actual_text=None, prior_text=None, target=target,
                                actual=None, prior_actual=None, initial_target=None, ratio=None, flags=())

    assert share_limit(diag("≥80%")) == 100.0 and share_limit(diag("80", unit="%")) == 100.0
    assert share_limit(diag("较上年增长80%")) == float("inf")  # a growth may pass 100%
    assert share_limit(diag("≥120%", target=120.0)) == float("inf")  # already above 100: not a share
    assert share_limit(diag("≤80%", direction="negative")) == float("inf")


def test_the_score_sheet_says_why_its_printed_scores_do_not_add_up(tmp_path):
    import openpyxl

    from perfkit.report.export import write_xlsx

    params = trial(tmp_path)
    bundle = load(str(params / "civil-affairs-demo" / "2024.yaml"))
    book = openpyxl.load_workbook(write_xlsx(bundle, score_bundle(bundle), tmp_path / "s.xlsx"))
    # the trial raises no finding: its findings sheet says so under its header instead of standing empty
    assert [c.value for c in book["核对发现"][2]][0] == "未发现需要说明的问题。"
    ws = book["评分表"]
    cells = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    total_row = next(i for i, row in enumerate(cells) if row and row[0] == "合计")
    assert round(cells[total_row][2], 2) == 90.66
    assert cells[total_row + 2] == ["表中及评分明细中的得分均保留两位小数；所列一级指标得分之和为90.67分，合计90.66分按未经四舍五入的"
                                    "各项得分计算，两者相差0.01分，系四舍五入所致。"]
    luohu = load(str(PARAMS / "luohu-fsa" / "2022.yaml"))  # its scores add up as printed: no note
    book = openpyxl.load_workbook(write_xlsx(luohu, score_bundle(luohu), tmp_path / "l.xlsx"))
    assert not any("四舍五入" in str(c) for row in book.worksheets[1].iter_rows(values_only=True) for c in row if c)
    assert "未发现需要说明的问题。" not in [c.value for c in book.worksheets[2]["A"]]


def test_a_budget_amount_typed_in_yuan_is_named_with_what_it_would_be_in_wan(tmp_path):
    _, (f,) = findings(trial(tmp_path, ("  initial: 520.00", "  initial: 5200000")), "AMOUNT_IN_YUAN")
    assert (f.data["field"], f.data["as_wan"], round(f.data["times"])) == ("initial", 520.0, 10400)
    # the adjusted budget itself in 元 beside the others in 万元
    _, (f,) = findings(trial(tmp_path / "b", ("  adjusted: 500.00", "  adjusted: 5000000")), "AMOUNT_IN_YUAN")
    assert (f.data["field"], f.data["as_wan"]) == ("adjusted", 500.0)
    # a near-zero spending is not an amount in 元: the adjusted budget 520 times it is not flagged
    _, found = findings(trial(tmp_path / "c", ("  spent: 468.35", "  spent: 0.96")))
    assert not [g for g in found if g.code == "AMOUNT_IN_YUAN"]


@pytest.mark.parametrize("field, zh, en", [
    ("carry_over", "结转结余填为600,000.00万元", "The carry-over is given as 600,000.00"),
    ("spent", "实际支出填为4,683,500.00万元", "The spending is given as 4,683,500.00"),
])
def test_an_amount_typed_in_yuan_is_said_in_the_report_whatever_its_field_is_called(tmp_path, field, zh, en):
    # carry_over: a field name with an underscore, which the sentence looks its words up by (it was escaped
    # as text, and the report stopped at its first section)
    edit = ("  spent: 468.35", "  spent: 468.35\n  carry_over: 600000") if field == "carry_over" else \
        ("  spent: 468.35", "  spent: 4683500")
    params = trial(tmp_path, edit)
    _, (f,) = findings(params, "AMOUNT_IN_YUAN")
    assert f.data["field"] == field
    for language, words in (("zh", zh), ("en", en)):
        report = Report.load("civil-affairs-demo", 2024, language=language, params_dir=str(params))
        text = "".join(s.markdown() for s in (report.background(), report.reconciliation()))
        assert words in text


def test_a_missed_deadline_in_the_target_table_is_counted_as_missed(tmp_path):
    row = ('    goals:', '      - {name: 年度补贴发放完成时间, category: [产出指标, 时效指标], target: "2024年10月底前", '
           'actual: "2024年11月"}\n    goals:')
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(trial(tmp_path, row)))
    text = zh.targets_section().markdown()
    assert "本项评价共列示9项目标" in text and "其中7项目标值与完成值均可量化比较" in text
    assert "5项未达到目标" in text and "年度补贴发放完成时间（目标2024年10月底前，完成2024年11月）" in text
    blocks = " ".join(str(b) for b in zh.targets_section().blocks)
    assert '<td class="name">年度补贴发放完成时间</td><td>绩效目标表</td><td>2024年10月底前</td><td>2024年11月</td><td>—</td>' \
           '<td class="num">—</td><td>未达成</td>' in blocks
    on_time = trial(tmp_path / "b", (row[0], row[1].replace("2024年11月", "2024年9月")))
    assert "4项未达到目标" in Report.load("civil-affairs-demo", 2024, params_dir=str(on_time)).targets_section().markdown()


def test_a_cut_budget_is_an_adjustment_too_and_gets_its_own_recommendation(tmp_path):
    # the department's own budget (a project's evaluation states the department's budget but is not judged on it)
    params = trial(tmp_path, ("  initial: 520.00", "  initial: 800.00"), ("    kind: project", "    kind: department"))
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    assert "年中预算调整幅度大：调整后预算比年初预算减少300.00万元（37.50%）" in zh.problems().markdown()
    rec = zh.recommendations().markdown()
    assert "避免年中大幅调减" in rec and "减少年中大额追加" not in rec


def test_the_tornado_chart_leaves_out_of_its_legend_a_side_with_no_bars():
    import pandas as pd

    from perfkit.report import plots

    table = pd.DataFrame({"name": ["a", "b"], "total_low": [90.0, 90.0], "total_high": [89.0, 88.5]})
    fig = plots.tornado_chart(table, 90.0, "zh", review=False)
    ax = fig.axes[0]
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["目标提高"]
    assert ax.get_xlabel() == "总分的变化（分；基准90.00分）"
    table["total_low"] = [90.5, 90.0]
    fig = plots.tornado_chart(table, 90.0, "en", review=True)
    ax = fig.axes[0]
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["target lowered", "target raised"]
    assert ax.get_xlabel() == "change in the recomputed total (points; 90.00 as set)"


def test_a_report_that_gives_its_total_alone_is_said_to_once(tmp_path):
    params = trial(tmp_path, ('    framework: "mof-project-self-2020"',
                              '    framework: "mof-project-self-2020"\n    reported: {total: 91.50, grade: 优}'))
    r, found = findings(params, "NO_REPORTED_SCORE")
    assert len(found) == 1 and found[0].data == {"all": True, "n": 9} and found[0].indicator is None
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    assert "报告只给出总分，未给出各指标的得分（共9项指标）。" in zh.reconciliation().markdown()
    # one leaf scored in the report: the others are named one by one, as before
    one = trial(tmp_path / "b", ('    framework: "mof-project-self-2020"',
                                 '    framework: "mof-project-self-2020"\n    reported: {total: 91.50, grade: 优}'),
                ("        score: 7.0  #", "        score: 7.0\n        reported_score: 7.0  #"))
    assert {f.indicator for f in findings(one, "NO_REPORTED_SCORE")[1]} == \
        {"execution-rate", "quantity-1", "quality-1", "timeliness-1", "cost-1", "economic-1", "sustainable-1",
         "satisfaction-1"}


def test_units_that_differ_on_a_target_row_name_the_row(tmp_path):
    params = trial(tmp_path, ('target: "≥3000人", actual: "2760人", indicator: quantity-1',
                              'target: "≥3000人", actual: "2760户", indicator: quantity-1'))
    _, (f,) = findings(params, "UNITS_DIFFER")
    assert (f.indicator, f.data["row"], f.data["field"]) == ("quantity-1", "享受居家养老服务补贴老年人数",
                                                            "evaluations[0].targets[0].actual")
    assert f.message.startswith("target row 享受居家养老服务补贴老年人数: the target '≥3000人' and the actual '2760户'")


def test_perfkit_targets_leaves_out_what_the_data_cannot_say(tmp_path):
    params = trial(tmp_path)
    out = run_cli("targets", str(params / "civil-affairs-demo" / "2024.yaml")).stdout
    # no previous-year actuals: the prior-year scenarios would only repeat the total; no flagged target to raise
    assert "if targets were: actual 90.66 (优); scaled x1.5 " in out and "prior_year" not in out
    assert "grade flip: all x1.020 -> 良" in out and "flagged:" not in out
    shenzhen = run_cli("targets", "parameters/shenzhen-lfsb/2020.yaml").stdout
    assert "if targets were: prior_year 89.34 (良); max_prior_year 89.34 (良)" in shenzhen


def test_a_required_spent_is_named_at_its_own_line(tmp_path):
    params = trial(tmp_path, ("  spent: 468.35", "  spent:"))
    out = run_cli("validate", str(params / "civil-affairs-demo" / "2024.yaml"))
    assert out.returncode == 1
    assert f"2024.yaml:{line_of(params, '  spent:')}: budget.spent: spent is required unless the report states the " \
           "execution rate" in out.stderr


def test_a_bare_actual_against_last_years_level_in_wan_is_named_and_judges_no_ambition(tmp_path):
    # 不低于上年 with last year's 1.2万人次: a bare 13000 is read as 13000万人次 (met, 10,833 times last year)
    params = trial(tmp_path, (ROW, 'target: "不低于上年", actual: 13000, prior_actual: "1.2万人次", '
                                   'indicator: quantity-1'))
    r, (f,) = findings(params, "VALUE_WITHOUT_MAGNITUDE")
    assert (f.data["met"], f.data["met_scaled"], f.data["unit"]) == (True, True, "万人次")  # 1.3万 ≥ 1.2万 too
    (d,) = [d for d in diagnose(r) if d.source == "target_table" and d.target_text == "不低于上年"]
    assert d.doubt == "VALUE_WITHOUT_MAGNITUDE" and d.ratio is None and "low_ambition" not in d.flags
