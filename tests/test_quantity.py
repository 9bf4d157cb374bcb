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
    ("第八名", "<=", 8, "名"),  # a place: that place or better (the actual of 十名以内 in Shenzhen's fund table)
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


def test_an_amount_in_yuan_against_a_target_in_wan_yuan_is_scored_in_the_same_unit(tmp_path):
    """420000元 against "≥50万元" is 42万元 (8.40 of 10 by the ratio rule), not 420000 against 50 (full marks); the
    other way round too. A bare number is still read in the target's unit (forms write the unit once), and
    different units are not converted."""
    import shutil
    from pathlib import Path

    import perfkit

    root = Path(__file__).resolve().parent
    params = tmp_path / "parameters"
    shutil.copytree(root.parent / "parameters" / "frameworks", params / "frameworks")
    shutil.copytree(root / "fixtures" / "project-self" / "civil-affairs-demo", params / "civil-affairs-demo")
    unit = params / "civil-affairs-demo" / "2024.yaml"
    original = unit.read_text(encoding="utf-8")

    def economic_score(target: str, actual: str) -> float:
        text = original.replace('target: "≥50万元"  #', f'target: "{target}"  #', 1)
        text = text.replace('actual: "42万元"  #', f'actual: "{actual}"  #', 1)
        assert text.count(target) >= 1 and text.count(actual) >= 1
        unit.write_text(text, encoding="utf-8")
        (result,) = perfkit.evaluate(perfkit.load_file(unit, params))
        return float(result.table.set_index("id").loc["economic-1", "score"])

    assert economic_score("≥50万元", "42万元") == pytest.approx(8.40)
    assert economic_score("≥50万元", "420000元") == pytest.approx(8.40)
    assert economic_score("≥500000元", "42万元") == pytest.approx(8.40)
    assert economic_score("≥0.005亿元", "42万元") == pytest.approx(8.40)
    assert economic_score("≥50万元", "42") == pytest.approx(8.40)  # the unit written once, in the target
    assert parse_quantity("2760户").comparable(parse_quantity("≥3000人")) == 2760  # other units: as written
    # a magnitude alone elides the other's unit: 50万 against ≥420000元 is 500000元 (as 8000万 against ≥1亿元 is 0.8亿)
    assert parse_quantity("50万").comparable(parse_quantity("≥420000元")) == 500000
