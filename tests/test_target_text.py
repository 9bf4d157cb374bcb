"""What a target says, read by the grammar of perfkit.core.target_text: phrasings from the seeds
(Beijing forms, Shenzhen 附件2, Luohu 目标表) and from other real forms of the same kind."""

import pytest
from hypothesis import given, strategies as st

from perfkit.core.target_text import completion, describe, met, read_target, shortfall, tokens


@pytest.mark.parametrize("text,kind,comparator,lo,hi,unit", [
    # seeds
    ("≥130亿", "quantity", ">=", 130, None, "亿"),
    ("＞20%", "rate", ">", 20, None, "%"),
    ("=17家", "quantity", "==", 17, 17, "家"),
    ("≤100%", "rate", "<=", None, 100, "%"),
    ("十名以内", "quantity", "<=", None, 10, "名"),
    ("不少于6家", "quantity", ">=", 6, None, "家"),
    ("3—4个", "quantity", "range", 3, 4, "个"),
    ("2~3个", "quantity", "range", 2, 3, "个"),
    ("不超出财政预算100.3万元", "ceiling", "<=", None, 100.3, "万元"),
    ("按相关财务管理制度规定支出，不超出财政预算100.3万元。", "ceiling", "<=", None, 100.3, "万元"),
    ("项目预算控制数127.702万元", "ceiling", "<=", None, 127.702, "万元"),
    # other real forms
    ("95%及以上", "rate", ">=", 95, None, "%"),
    ("９５％及以上", "rate", ">=", 95, None, "%"),
    ("90%-95%", "rate", "range", 90, 95, "%"),
    ("90-95%", "rate", "range", 90, 95, "%"),
    ("2-3个", "quantity", "range", 2, 3, "个"),
    ("不低于98%", "rate", ">=", 98, None, "%"),
    ("不超过5%", "rate", "<=", None, 5, "%"),
    ("100人以上", "quantity", ">=", 100, None, "人"),
    ("5%以下", "rate", "<=", None, 5, "%"),
    ("3个工作日内", "duration", "<=", None, 3, "个工作日"),
    ("30天以内", "duration", "<=", None, 30, "天"),
    ("服务满意度达到90%以上", "rate", ">=", 90, None, "%"),
    ("≥１２场", "quantity", ">=", 12, None, "场"),
])
def test_quantities_rates_ceilings_and_limits(text, kind, comparator, lo, hi, unit):
    r = read_target(text)
    assert (r.kind, r.comparator, r.lo, r.hi, r.unit_text) == (kind, comparator, lo, hi, unit), describe(r)


@pytest.mark.parametrize("text,hi,year_given", [
    ("2023年12月底前", 2023 * 12 + 11, True),
    ("2021年12月底", 2021 * 12 + 11, True),
    ("2022年2月", 2022 * 12 + 1, True),
    ("2022-05", 2022 * 12 + 4, True),
    ("2021年1月至2021年12月", 2021 * 12 + 11, True),   # Beijing S01 项目实施时间: due by the period's end
    ("2021年第三季度", 2021 * 12 + 8, True),
    ("2月", 1, False),
])
def test_dates_are_deadlines_in_months_never_a_year_number(text, hi, year_given):
    r = read_target(text)
    assert (r.kind, r.comparator, r.hi, r.year_given) == ("date", "<=", hi, year_given), describe(r)


def test_a_month_without_its_year_takes_the_budget_year_and_says_so():
    r = read_target("8月", year=2021)
    assert r.hi == 2021 * 12 + 7 and r.year_given
    assert "a month without its year" in read_target("8月").notes
    assert any("deadline" in n for n in read_target("2月").notes)     # a bare date: what was understood
    assert read_target("6月底前").notes == ("a month without its year",)


@pytest.mark.parametrize("text,comparator,bound,base", [
    ("较上年增长10%", ">=", 10, "较上年"),
    ("同比下降5%", "<=", -5, "同比"),
    ("同比增长不低于8%", ">=", 8, "同比"),
    ("比上年减少不少于3个百分点", "<=", -3, "比上年"),
    ("较上年提高5%", ">=", 5, "较上年"),
])
def test_growth_and_decline_keep_their_sign(text, comparator, bound, base):
    r = read_target(text)
    assert (r.kind, r.comparator, r.base) == ("growth", comparator, base)
    assert (r.lo if comparator.startswith(">") else r.hi) == bound


def test_a_change_without_base_says_what_was_understood():
    r = read_target("提高5%")
    assert r.kind == "growth" and r.lo == 5 and len(r.notes) == 2


def test_a_sentence_with_a_base_year_is_read_for_its_change_only_when_it_leads():
    # Beijing S33: a compound sentence; its first figure is the rate limit
    r = read_target("网络故障率小于5%，普通安全事件数量较2020年降低50%以上。")
    assert (r.kind, r.comparator, r.hi) == ("rate", "<", 5)
    g = read_target("安全事件数量较2020年降低50%以上")
    assert (g.kind, g.comparator, g.hi) == ("growth", "<=", -50)


@pytest.mark.parametrize("text,kind", [("显著提升", "words"), ("满意", "words"), ("进一步完善", "words"),
                                       ("不适用", "not_applicable"), ("无", "not_applicable"),
                                       ("按全市统一要求开展内控内审工作", "words"), ("1e999亿", "words")])
def test_words_stay_words(text, kind):
    r = read_target(text)
    assert r.kind == kind and not r.measurable


def test_cost_rows_read_money_as_a_ceiling():
    assert describe(read_target("104.3万元", cost=True)) == "ceiling ≤ 104.3万元"
    assert describe(read_target(104.3, cost=True)) == "ceiling ≤ 104.3"
    assert read_target("104.3万元").kind == "quantity"         # not a cost row: an amount to reach
    assert read_target("≥50万元", cost=True).kind == "quantity"  # an explicit ≥ wins over the row


def test_tokens_split_comparisons_units_and_numbers():
    assert [t.kind for t in tokens("95%及以上")] == ["NUM", "TEXT", "SUFFIX"]
    assert [t.kind for t in tokens("90%-95%")] == ["NUM", "TEXT", "SEP", "NUM", "TEXT"]


def test_met_by_kind():
    assert met(read_target("不超出财政预算100.3万元"), 98.4) is True       # below a ceiling is met
    assert met(read_target("不超出财政预算100.3万元"), 104.3) is False
    assert met(read_target("2月", year=2021), 2021 * 12 + 3) is False       # S33 采购 2月 → 4月: late
    assert shortfall(read_target("2月", year=2021), 2021 * 12 + 3) == 2     # two months late
    assert met(read_target("90%-95%"), 97) is False and met(read_target("90%-95%"), 92) is True
    assert met(read_target("同比下降5%"), 3) is False and met(read_target("同比下降5%"), -6) is True
    assert met(read_target("=42家"), 49) is True                          # Shenzhen t26-10, 已完成
    assert met(read_target("显著提升"), 1) is None
    assert completion(read_target("≥3家"), 2) == pytest.approx(2 / 3)       # Shenzhen 金融论坛补贴 66.67%
    assert completion(read_target("不超出财政预算100.3万元"), 98.4) == 1


KINDS = ["≥95%", "不低于10家", "＞20%", "不超过5%", "十名以内", "3个工作日内", "2023年12月底前", "90%-95%",
         "2-3个", "较上年增长10%", "同比下降5%", "不超出财政预算100.3万元", "=17家", "12个", "第三季度"]


@given(text=st.sampled_from(KINDS), a=st.floats(-1e6, 1e6), b=st.floats(-1e6, 1e6))
def test_met_is_monotone_in_the_actual_in_the_right_direction(text, a, b):
    """≥ kinds: met stays met as the actual rises; ≤ kinds (ceilings, deadlines, limits, declines): as it
    falls; ranges: the met actuals form an interval (met at a and b → met between)."""
    r = read_target(text)
    lo, hi = min(a, b), max(a, b)
    d = r.direction
    if d == "positive" or d is None:
        assert not met(r, lo) or met(r, hi)
    elif d == "negative":
        assert not met(r, hi) or met(r, lo)
    else:
        mid = (lo + hi) / 2
        assert not (met(r, lo) and met(r, hi)) or met(r, mid)


def test_circled_item_numbers_are_not_figures():
    # Beijing S19 o3: "②组织培训1次…" is one training, not two
    r = read_target("②组织培训1次，共培训新入职干部30人次。")
    assert r.value == 1 and r.unit_text == "次"


@pytest.mark.parametrize("text, kind, value", [
    ("1288.2万元", "quantity", 1288.2),  # an amount with a decimal point is not the date "year 1288, month 2"
    ("2022.5万元", "quantity", 2022.5),  # nor is a plausible year followed by a unit of amount
    ("1288.2元", "quantity", 1288.2),
])
def test_an_amount_with_a_decimal_point_is_not_a_date(text, kind, value):
    r = read_target(text)
    assert (r.kind, r.value) == (kind, value)


def test_a_dotted_year_and_month_is_still_a_date():
    r = read_target("2022.2")
    assert r.kind == "date" and divmod(int(r.hi), 12) == (2022, 1)


@pytest.mark.parametrize("cell", ["0次", "0起", "零事故", "0%", "0", 0, 0.0, "0天"])
def test_a_bare_zero_target_is_read_as_none_allowed(cell):
    # Nothing counted falls below zero, so "0次" with no comparison word can only mean at most 0: read as a
    # bare figure (met at or above it) it would be met by any count at all, and a miss called met.
    r = read_target(cell)
    assert (r.comparator, r.lo, r.hi, r.direction, r.note_codes) == ("<=", None, 0, "negative", ("zero_as_limit",))
    assert met(r, 1) is False and met(r, 0) is True
    assert completion(r, 1) == 0 and shortfall(r, 2) == 2


@pytest.mark.parametrize("cell,comparator,lo,hi", [
    ("≥0", ">=", 0, None),          # a comparison written is kept
    ("0-3次", "range", 0, 3),
    ("10次", None, 10, None),       # only a zero: a bare figure promised stays met at or above it
    ("较上年增长0%", ">=", 0, None),  # a change of zero is a growth target, not a count
])
def test_zero_with_a_comparison_or_a_nonzero_figure_is_read_as_written(cell, comparator, lo, hi):
    r = read_target(cell)
    assert (r.comparator, r.lo, r.hi) == (comparator, lo, hi) and "zero_as_limit" not in r.note_codes


@pytest.mark.parametrize("cell,hi,unit,noted", [
    ("第8名", 8, "名", True),           # a place: that place or better (Shenzhen's GFCI 第8位 against 第9位)
    ("第八名", 8, "名", True),
    ("全国第一", 1, "名", True),
    ("第3位", 3, "位", True),
    ("前三名", 3, "名", False),         # the top places: certain, no note
    ("全国前三", 3, "名", False),
    ("排名前10位", 10, "位", False),
    ("进入前五", 5, "名", False),
    ("达到前三名", 3, "名", True),      # 达到 (≥) before a rank is read the rank's way, with a note
    ("前10名以内", 10, "名", False),
    ("十名以内", 10, "名", False),
])
def test_a_ranking_target_is_lower_is_better(cell, hi, unit, noted):
    r = read_target(cell)
    assert (r.comparator, r.lo, r.hi, r.unit, r.direction) == ("<=", None, hi, unit, "negative"), describe(r)
    assert ("place_as_limit" in r.note_codes) is noted
    assert met(r, hi) is True and met(r, hi + 1) is False   # one place lower misses it
    assert completion(r, hi + 1) == pytest.approx(hi / (hi + 1))


@pytest.mark.parametrize("cell,unit", [("第一批", "批"), ("前3个月", "个月")])
def test_a_figure_after_di_or_qian_with_another_unit_is_not_a_rank(cell, unit):
    r = read_target(cell)
    assert (r.comparator, r.unit) == (None, unit) and r.direction is None


@pytest.mark.parametrize("cell,kind,comparator,lo,hi,unit", [
    # a change to a level: the level is the target, not the size of the change
    ("提高至95%", "rate", ">=", 95, None, "%"),
    ("提高到95%", "rate", ">=", 95, None, "%"),
    ("较上年提高至95%", "rate", ">=", 95, None, "%"),
    ("提升至98%以上", "rate", ">=", 98, None, "%"),
    ("下降至5%以下", "rate", "<=", None, 5, "%"),
    ("下降到10%", "rate", "<=", None, 10, "%"),
    ("增加到100家", "quantity", ">=", 100, None, "家"),
    ("减少到3次以内", "quantity", "<=", None, 3, "次"),
    ("压减至100万元", "ceiling", "<=", None, 100, "万元"),
])
def test_a_change_to_a_level_is_read_as_the_level(cell, kind, comparator, lo, hi, unit):
    r = read_target(cell)
    assert (r.kind, r.comparator, r.lo, r.hi, r.unit_text) == (kind, comparator, lo, hi, unit), describe(r)
    # an actual level of 96% meets "提高至95%" (as a rise of 95% it could not be compared with a level at all)
    if cell == "提高至95%":
        assert met(r, 96) is True and met(r, 94) is False


@pytest.mark.parametrize("cell,lo,hi", [("同比增长5%", 5, None), ("较上年下降5%", None, -5), ("增长率≥5%", 5, None)])
def test_a_change_without_zhi_or_dao_is_still_a_change(cell, lo, hi):
    r = read_target(cell)
    assert (r.kind, r.lo, r.hi) == ("growth", lo, hi), describe(r)


@pytest.mark.parametrize("cell,lo,hi", [("较上年增长5%-10%", 5, 10), ("增长5%~8%", 5, 8), ("下降3-5个百分点", -5, -3)])
def test_a_range_of_changes_is_a_signed_range(cell, lo, hi):
    r = read_target(cell)
    assert (r.kind, r.comparator, r.lo, r.hi) == ("growth", "range", lo, hi), describe(r)
    assert met(r, (lo + hi) / 2) is True and met(r, lo - 1) is False


@pytest.mark.parametrize("cell,comparator,lo,hi,unit", [
    ("千分之三以下", "<=", None, 3, "‰"),   # a rate written in words: its figure, not 1000 of something
    ("万分之五", None, 0.5, None, "‰"),
    ("百分之九十五以上", ">=", 95, None, "%"),
    ("百分之百", None, 100, None, "%"),
])
def test_a_rate_written_as_a_fraction_in_words_is_read_as_its_figure(cell, comparator, lo, hi, unit):
    r = read_target(cell)
    assert (r.kind, r.comparator, r.lo, r.hi, r.unit) == ("rate", comparator, lo, hi, unit), describe(r)


@pytest.mark.parametrize("cell", ["年底前", "年底前完成", "年内完成"])
def test_the_end_of_the_year_is_the_budget_years_december(cell):
    r = read_target(cell, year=2023)
    assert (r.kind, r.hi, r.note_codes) == ("date", 2023 * 12 + 11, ()), describe(r)
    assert met(r, 2023 * 12 + 11) is True and met(r, 2024 * 12) is False
    assert read_target(cell).note_codes == ("month_without_year",)   # no year given: said so
    assert read_target("1年内").kind != "date"                         # a duration of a year, not a date


@pytest.mark.parametrize("cell", ["10:1", "1∶3", "≥10:1", "12:30前", "比例1:1"])
def test_a_ratio_or_a_time_of_day_is_not_read_as_its_first_figure(cell):
    assert read_target(cell).kind == "words"


@pytest.mark.parametrize("cell,comparator", [
    ("不低于上年", ">="), ("不低于上年水平", ">="), ("保持上年水平", ">="), ("与上年持平", ">="),
    ("不少于去年同期", ">="), ("≥上年", ">="), ("上年水平以上", ">="), ("高于上年", ">"),
    ("较上年有所提高", ">"), ("比去年进一步提升", ">"), ("不高于上年", "<="), ("不超过上年同期水平", "<="),
    ("低于上一年度", "<"), ("较上年有所下降", "<"), ("满意度不低于上年", ">="), ("力争高于上年", ">"),
    ("较上年稳中有升", ">"), ("较上年只增不减", ">="), ("群众满意度较上年有所提高", ">"),
])
def test_a_target_against_last_years_level_names_its_comparison_and_no_figure(cell, comparator):
    r = read_target(cell)
    assert (r.kind, r.comparator, r.measurable) == ("prior_level", comparator, False)


@pytest.mark.parametrize("cell", ["上年水平", "较上年增长5%", "不低于上年的两倍", "显著高于往年平均", "2023年水平",
                                  "不低于往年", "与上年基本持平"])
def test_words_near_last_year_that_are_not_such_a_target(cell):
    assert read_target(cell).kind != "prior_level"


@pytest.mark.parametrize("cell,periods", [("每月不少于2次", 12), ("每季度1次", 4), ("月均1000人次", 12), ("每周2次", 52),
                                          ("每半年1次", 2), ("全年12次", 1), ("12次", 1), ("每月巡查覆盖率100%", 1)])
def test_a_figure_for_each_period_says_how_many_periods_make_a_year(cell, periods):
    assert read_target(cell).periods == periods  # a rate is not summed over periods: 1
