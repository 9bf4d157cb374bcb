"""Hostile and careless parameter files (issue 10): each gives one clean problem naming file, line and
field, in bounded time, and no number is ever half-read or non-finite."""

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import PARAMS, run_cli as run
from perfkit.core.quantity import parse_quantity
from perfkit.errors import ParameterError
from perfkit.load import read_yaml

UNIT = "luohu-fsa/2022.yaml"
FRAMEWORK = "frameworks/luohu-department-2022.yaml"


@pytest.fixture
def params(tmp_path):
    dst = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", dst / "frameworks")
    (dst / "luohu-fsa").mkdir(parents=True)
    shutil.copy(PARAMS / UNIT, dst / UNIT)
    return dst


def edit(params: Path, file: str, old: str, new: str) -> Path:
    path = params / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def problems_of(params: Path) -> str:
    r = run("validate", str(params / UNIT))
    assert r.returncode == 1, r.stdout
    assert "Traceback" not in r.stderr
    return r.stderr


def problem_of(path: Path) -> str:
    with pytest.raises(ParameterError) as info:
        read_yaml(path)
    [problem] = info.value.problems
    return str(problem)


# --- anchors, aliases and depth: bounded time and memory --------------------------------------

def billion_laughs(levels=10) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        text += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize("text,line,expect", [
    (billion_laughs(), 6, "more than 100000 values once its aliases (*name) are expanded"),
    ("department: &d [*d]\n", 1, "department[0]: the alias *d is inside the value &d names"),
    ("a: &m {b: *m}\n", 1, "a.b: the alias *m is inside"),
    ("x: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nested deeper than 50 levels"),
    ("x: " + "{a: " * 100_000 + "}" * 100_000 + "\n", 1, "nested deeper than 50 levels"),
    ("x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), 50, "nested deeper than 50 levels"),
    ("a: &a [[[[[[[[[[1]]]]]]]]]]\n" + "".join(f"l{i}: " + "[" * 45 + "*a" + "]" * 45 + "\n" for i in range(2)),
     2, "nested deeper than 50 levels"),
])
def test_aliases_and_nesting_are_refused_quickly(tmp_path, text, line, expect):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    message = problem_of(path)
    assert time.perf_counter() - start < 0.5
    assert message.startswith(f"{path}:{line}:") and expect in message


def test_billion_laughs_through_validate(params):
    path = params / UNIT
    assert run("validate", str(path)).returncode == 0  # imports done, so the time below is the file's
    path.write_text(billion_laughs(12) + path.read_text(encoding="utf-8"), encoding="utf-8")
    start = time.perf_counter()
    err = problems_of(params)
    assert time.perf_counter() - start < 1
    assert f"{path}:" in err and "aliases (*name) are expanded" in err


def test_a_few_aliases_are_still_read_and_located(tmp_path):
    """The shipped shenzhen-fund-2020 framework names a reading once and uses it four times."""
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist:\n  - 0\n  - *b\n", encoding="utf-8")
    doc = read_yaml(path)
    assert doc.data["use"] == doc.data["list"][1] == {"x": 1, "y": [1, 2]}
    assert doc.line(("use", "x")) == 2 and doc.line(("list", 1, "y", 0)) == 5  # where the alias is written


# --- duplicate keys: an error naming both lines -------------------------------------------------

@pytest.mark.parametrize("file,old,new,field,first,again", [
    (UNIT, "budget:\n", "evaluations: []\nbudget:\n", "evaluations", 43, None),
    (UNIT, "  adjusted: 20179.71\n", "  adjusted: 20179.71\n  adjusted: 1\n", "budget.adjusted", 45, 46),
    (UNIT, "three_public: {budget: 2.50,", "three_public: {budget: 2.50, budget: 9,", "budget.three_public.budget",
     None, None),
    (UNIT, "  adjusted: 20179.71\n", '  adjusted: 20179.71\n  "adjusted": 1\n', "budget.adjusted", 45, 46),
    (FRAMEWORK, "                - {min: 90, points: 1}", "                - {min: 90, min: 0, points: 1}",
     ".min", 250, 250),
])
def test_duplicate_keys_name_both_lines(params, file, old, new, field, first, again):
    path = edit(params, file, old, new)
    err = problems_of(params)
    line = next(ln for ln in err.splitlines() if "duplicate key" in ln)
    assert str(path) in line and field in line
    if first:
        assert f"first at line {first}" in line
    if again:
        assert f"again at line {again}" in line and line.startswith(f"{path}:{again}:")


def test_second_evaluations_block_at_the_end(params):
    path = params / UNIT
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "evaluations: []\n", encoding="utf-8")
    err = problems_of(params)
    last = len(text.splitlines()) + 1
    assert f"{path}:{last}: evaluations: duplicate key 'evaluations': first at line 114" in err


# --- numbers as YAML 1.2 reads them; never half-read ---------------------------------------------

@pytest.mark.parametrize("written,value", [
    ("1.2e1", 12.0), ("1e5", 100000.0), ("1E+3", 1000.0), ("-2.5e-1", -0.25), (".5", 0.5), ("5.", 5.0),
    ("010", 10), ("0x1F", 31), ("0o17", 15), ("+7", 7),
    ("1_000", "1_000"), ("1:30", "1:30"), ("0b101", "0b101"), ("'1.2e1'", "1.2e1"),
])
def test_numbers_are_read_as_yaml_1_2(tmp_path, written, value):
    path = tmp_path / "n.yaml"
    path.write_text(f"v: {written}\n", encoding="utf-8")
    got = read_yaml(path).data["v"]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text,value", [("1.2e1", 12.0), ("≥1.2e1亿", 12.0), (".5万亿", 0.5), ("-3E2", -300.0),
                                        ("1,234.5", 1234.5), ("2-3个", 2.0)])
def test_a_number_in_words_is_read_whole(text, value):
    assert parse_quantity(text).value == value


def test_a_number_in_words_that_is_not_finite_is_not_measurable():
    assert not parse_quantity("1e999亿").measurable


def test_exponent_scores_as_the_plain_number(params):
    plain = json.loads(run("score", str(params / UNIT), "--json").stdout)
    edit(params, UNIT, "adjusted: 20179.71", "adjusted: 2.017971e4")
    assert json.loads(run("score", str(params / UNIT), "--json").stdout) == plain


# --- non-finite numbers: refused in every number field ------------------------------------------

@pytest.mark.parametrize("file,old,new,field", [
    (UNIT, "adjusted: 20179.71", "adjusted: .inf", "budget.adjusted"),
    (UNIT, "spent: 20011.39", "spent: .nan", "budget.spent"),
    (UNIT, "initial: 1167.07", "initial: -.inf", "budget.initial"),
    (UNIT, "[3043.02, 4943.98", "[.Inf, 4943.98", "budget.quarterly_spent[0]"),
    (UNIT, "{budget: 2.50, spent: 1.61,", "{budget: .NaN, spent: 1.61,", "budget.three_public.budget"),
    (UNIT, "{establishment: 20, actual: 20", "{establishment: .inf, actual: 20", "budget.staff.establishment"),
    (UNIT, "{plan: 1.43, actual: 1.43}", "{plan: 1.43, actual: 1e999}", "budget.procurement.actual"),
    (UNIT, "reported_score: 5.00", "reported_score: .nan", "reported_score"),
    (FRAMEWORK, "{min: 90, points: 1}", "{min: .nan, points: 1}", ".min"),
    (FRAMEWORK, "{min: 90, points: 1}", "{min: 90, points: .inf}", ".points"),
    (FRAMEWORK, "    points: 20", "    points: .inf", "points"),
])
def test_non_finite_numbers_are_refused(params, file, old, new, field):
    path = edit(params, file, old, new)
    err = problems_of(params)
    line = next(ln for ln in err.splitlines() if "finite number" in ln)
    assert str(path) in line and field in line
    assert line.split(":")[1].isdigit(), "the line number is given"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "NaN"])
def test_non_finite_cli_numbers_are_refused(value):
    r = run("targets", str(PARAMS / UNIT), f"--k={value}")
    assert r.returncode == 2 and "a finite number" in r.stderr and "Traceback" not in r.stderr


def _strict_json(text: str):
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_a_zero_budget_under_a_rate_rule_leaves_the_total_ungraded(params):
    """A budget of 0 leaves the quarterly execution rates undefined (x / 0): the rule that needs them is not
    computed, the total leaves its points out and is not graded, and `validate` says so once (it used to print
    each warning twice; before that, the total was NaN: "total nan (差)"). Never NaN in the outputs."""
    path = edit(params, UNIT, "  adjusted: 20179.71\n  spent: 20011.39", "  adjusted: 0\n  spent: 0")
    r = run("validate", str(path))
    assert r.returncode == 0 and not r.stderr, r.stderr
    for words in ("TOTAL_NOT_GRADED: the total 84.00 leaves out 6 points that cannot be computed (budget-execution)",
                  "budget.quarterly_execution_rates (分季度累计执行率) cannot be computed: its base adjusted is 0"):
        assert r.stdout.count(words) == 1, r.stdout
    text = run("score", str(path)).stdout
    assert not re.search(r"\b(nan|inf|infinity)\b", text, re.I), text
    doc = _strict_json(run("score", str(path), "--json").stdout)
    assert doc["evaluations"][0]["total"] == pytest.approx(84.0)


@pytest.mark.parametrize("command", ["score", "targets"])
def test_json_stays_valid_with_a_zero_budget(params, command):
    """The same budget of 0 with the evaluator's judgement for the rate rule: scored, a finite total, valid JSON."""
    edit(params, UNIT, "  adjusted: 20179.71\n  spent: 20011.39", "  adjusted: 0\n  spent: 0")
    edit(params, UNIT, "      budget-execution:\n", "      budget-execution:\n        score: 4.62\n"
                                                  "        reason: 调整预算为0，执行率无从计算，取报告所给分数。\n")
    r = run(command, str(params / UNIT), "--json")
    assert r.returncode == 0, r.stderr
    doc = _strict_json(r.stdout)
    # 86.53 as shipped, + 1.09 for the judged 4.62, + 1 as an adjustment of −100% costs no points
    assert doc["evaluations"][0]["total"] == pytest.approx(88.62)
