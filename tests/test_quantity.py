"""Targets and actuals as the reports write them."""

import pytest

from perfkit.core.quantity import chinese_numeral, direction_of, parse_quantity


@pytest.mark.parametrize("text,op,value,unit", [
    ("≥130亿", ">=", 130, "亿"),
    ("654亿元", None, 654, "亿元"),
    ("≥21000家", ">=", 21000, "家"),
    ("169161家", None, 169161, "家"),
    ("＞20%", ">", 20, "%"),
    ("=17家", "==", 17, "家"),
    ("≤100%", "<=", 100, "%"),
    ("十名以内", "<=", 10, "名"),
    ("第八名", None, 8, "名"),
    ("不少于420条", ">=", 420, "条"),
    ("1,023.52亿元", None, 1023.52, "亿元"),
])
def test_parse_targets_from_the_seeds(text, op, value, unit):
    q = parse_quantity(text)
    assert (q.op, q.value, q.unit) == (op, value, unit)


def test_ranges_and_words():
    q = parse_quantity("2-3个")
    assert (q.value, q.upper, q.unit) == (2, 3, "个")
    for vague in ("显著提升", "满意", "不适用", "明显改善"):
        assert not parse_quantity(vague).measurable


def test_directions_and_numerals():
    assert direction_of(parse_quantity("≥6家")) == "positive"
    assert direction_of(parse_quantity("十名以内")) == "negative"
    assert direction_of(parse_quantity("=2家")) == "equal"
    assert chinese_numeral("二十五") == 25 and chinese_numeral("十") == 10 and chinese_numeral("abc") is None


def test_magnitudes_compare_only_when_both_sides_name_one():
    assert parse_quantity("654亿元").comparable(parse_quantity("≥130亿")) == 654
    assert parse_quantity("0.5万亿").comparable(parse_quantity("≥130亿")) == pytest.approx(5000)
    # forms write the unit once: "153万" against "153" is the same amount
    assert parse_quantity("153").comparable(parse_quantity("153万")) == 153
    assert parse_quantity("117.610734万元").comparable(parse_quantity("117.610734万元")) == 117.610734
