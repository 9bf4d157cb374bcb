"""The report's text as a client reads it (issue 11): the kind of document the data calls for, sentences
printed only where the facts bear them out, no tool vocabulary in Chinese prose, no zero counts, units on
numbers — over every shipped unit in both languages and over a new user's department-year without
published scores."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from perfkit.report.document import Report

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"
SHIPPED = [("luohu-fsa", 2022), ("shenzhen-lfsb", 2020), ("beijing-lfsb", 2021)]
# What a published report states; a new user's first department-year has none of it.
PUBLISHED = ("reported", "reported_score", "reported_reason", "stated", "problems", "recommendations", "source",
             "other_matters")  # Luohu's other matter is a discrepancy inside its published report


def _strip(x):
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in PUBLISHED}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def new_user_params(tmp: Path) -> Path:
    """A parameters directory with the shipped frameworks and one department-year ``new-dept/2022``: the
    Luohu facts without anything a published report states (scores, stated rates, the evaluator's text)."""
    shutil.copytree(PARAMS / "frameworks", tmp / "frameworks")
    data = _strip(yaml.safe_load((PARAMS / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8")))
    data["department"]["id"] = "new-dept"
    (tmp / "new-dept").mkdir()
    (tmp / "new-dept" / "2022.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                                encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def new_user(tmp_path_factory):
    pdir = new_user_params(tmp_path_factory.mktemp("params"))
    return {lang: Report.load("new-dept", 2022, language=lang, params_dir=str(pdir)) for lang in ("zh", "en")}


@pytest.fixture(scope="module")
def luohu():
    return {lang: Report.load("luohu-fsa", 2022, language=lang, params_dir=str(PARAMS)) for lang in ("zh", "en")}


# ---- two kinds of document --------------------------------------------------------------------


def test_without_published_scores_the_report_is_an_evaluation_leading_with_its_score(new_user):
    zh, en = new_user["zh"], new_user["en"]
    assert not zh.review
    md = zh.markdown()
    assert md.startswith("# 深圳市罗湖区金融服务署2022年度预算绩效评价报告")
    total = f"{zh.main[0].total:.2f}"
    assert f"总分为{total}分，评价等级为“良”" in md
    # no sentence claims a comparison that was not made
    for claim in ("复核", "核对", "已发布", "报告所列", "报告得分", "重算", "报告原文", "≠"):
        assert claim not in md, claim
    en_md = en.markdown()
    assert en_md.startswith("# Luohu District Financial Services Agency, Shenzhen: performance evaluation report")
    for claim in ("review", "published", "recomput", "reconcil", "the report gives", "reported"):
        assert claim not in en_md.lower(), claim


def test_a_reproduced_report_is_a_review_leading_with_the_published_score(luohu):
    zh = luohu["zh"]
    assert zh.review
    md = zh.markdown()
    assert md.startswith("# 深圳市罗湖区金融服务署2022年度预算绩效评价复核报告")
    results = zh.results_section().markdown()
    published = results.index("已发布报告所列总分为88.62分（良）")
    review = results.index("复核得分为86.53分（良）")
    assert published < review
    assert "比报告总分低2.09分，差异来自2项指标" in results


# ---- a firm's own wording ---------------------------------------------------------------------


def _templates(tmp: Path, text: str, language: str = "zh") -> Path:
    d = tmp / "templates"
    d.mkdir(exist_ok=True)
    (d / f"narrative.{language}.yaml").write_text(text, encoding="utf-8")
    return d


def test_a_templates_directory_overrides_sentences_key_by_key(tmp_path):
    d = _templates(tmp_path, 'headings:\n  title_review: "{{ department }}{{ year }}年度绩效评价复核意见"\n'
                             'results:\n  review: "报告{{ reported|score }}分，复核{{ total|score }}分。"\n')
    report = Report.load("luohu-fsa", 2022, params_dir=str(PARAMS), templates=str(d))
    md = report.markdown()
    assert md.startswith("# 深圳市罗湖区金融服务署2022年度绩效评价复核意见\n")
    assert "报告88.62分，复核86.53分。" in md
    assert "基本情况" in md and "已发布报告所列总分" not in md  # other keys keep the shipped sentences
    en = Report.load("luohu-fsa", 2022, language="en", params_dir=str(PARAMS), templates=str(d))
    assert "review of the performance evaluation report" in en.title().markdown()  # no English file: shipped


@pytest.mark.parametrize("text, key, message", [
    ("headings:\n  titel: x\n", "headings.titel", "not a key of the shipped templates"),
    ('results:\n  total: "得分{{ score_total|score }}分"\n', "results.total", "{{ score_total }}"),
    ('results:\n  total: "得分{{ total|score }分"\n', "results.total", "not a valid template"),
    ('results:\n  total: "{{ total|scor }}"\n', "results.total", "not a valid template"),
    ("results: x\n", "results", "expected a group of keys"),
    ("style:\n  quotes: [a, b]\n", "style", "cannot be overridden"),
])
def test_a_bad_override_names_its_file_key_and_line(tmp_path, text, key, message):
    from perfkit.errors import ParameterError

    d = _templates(tmp_path, text)
    with pytest.raises(ParameterError) as err:
        Report.load("luohu-fsa", 2022, params_dir=str(PARAMS), templates=str(d))
    line = str(err.value)
    assert f"narrative.zh.yaml:" in line and f" {key}:" in line and message in line, line


def test_run_checks_the_templates_before_running(tmp_path):
    from conftest import run_cli

    d = _templates(tmp_path, "headings:\n  titel: x\n")
    r = run_cli("run", "luohu-fsa", "2022", "--out", str(tmp_path / "out"), "--templates", str(d))
    assert r.returncode == 2
    assert "narrative.zh.yaml:2: headings.titel: not a key of the shipped templates" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out" / "luohu-fsa").exists()
    r = run_cli("batch", "--out", str(tmp_path / "out"), "--templates", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "templates directory not found" in r.stderr
