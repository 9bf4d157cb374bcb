"""The narrative: numbers as the reports print them, templates in both languages, the Luohu figures in the
text as the scoring gives them, and the evaluation notebook run by papermill for every shipped unit."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import jinja2
import nbformat
import papermill
import pytest
import yaml

from perfkit import fmt
from perfkit.analysis import sensitivity, targets
from perfkit.core.budget import MEASURES, percent
from perfkit.core.compile import Compiled
from perfkit.core.findings import CODES
from perfkit.rules import REGISTRY
from perfkit.fmt import money, num, pct, pct_ratio, pts, ratio, score
from perfkit.load import discover, resolve_params_dir
from perfkit.report import document, rules_text, tables, text
from perfkit.report.document import Report
from perfkit.report.language import LANGUAGES, Language
from perfkit.report.sections import background
from perfkit.report.sentences import sensitivity_sentences, target_sentences, targets_paragraph
from perfkit.report.text import md_escape

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "parameters"
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def luohu():
    return {lang: Report.load("luohu-fsa", 2022, language=lang, params_dir=str(PARAMS)) for lang in ("zh", "en")}


# ---- numbers ----------------------------------------------------------------------------------


def test_money_in_wan_yuan_with_two_decimals_and_separators():
    assert money(58993.4) == "58,993.40"
    assert money(1167.07) == "1,167.07"
    assert money(20179.71 - 1167.07) == "19,012.64"
    assert money(-0.001) == "0.00"  # never −0.00
    assert money(None) == "—"


def test_rates_and_scores():
    assert pct(98.62) == "98.62%"
    assert pct(100 * 58177.14 / 58993.40) == "98.62%"
    assert pct(1629.0893) == "1,629.09%"
    assert pct_ratio(2 / 3) == "66.67%"
    assert score(86.533104) == "86.53"
    assert score(4.62) == "4.62"
    assert pts(6) == "6" and pts(1.5) == "1.5" and pts(0.25) == "0.25"
    assert num(169161) == "169,161" and num(127.702) == "127.702" and num(12.0) == "12"
    assert ratio(1.8) == "1.80" and ratio(float("inf")) == "∞"


def test_markdown_escape_and_tidy():
    assert md_escape("2~3个") == "2\\~3个"
    assert md_escape("a*b_c") == "a\\*b\\_c"
    assert text.tidy("显著提升”， 缺乏考核标准") == "显著提升”，缺乏考核标准"
    assert text.tidy("S01 金融") == "S01 金融"  # a space after Latin text stays


def test_chinese_heading_numbers():
    zh, en = Language.of("zh"), Language.of("en")
    assert zh.heading_number((1,)) == "一、"
    assert zh.heading_number((2, 12)) == "（十二）"
    assert zh.heading_number((6, 5, 37)) == "37. "
    assert zh.heading_number((6, 5, 37, 4)) == "（4）"
    assert fmt.chinese_number(37) == "三十七"
    assert en.heading_number((2, 1, 3)) == "2.1.3 "


def test_languages_are_written_as_their_style_says():
    zh, en = Language.of("zh"), Language.of("en")
    assert zh.join_list(["a", "b", "c"]) == "a、b、c" and en.join_list(["a", "b", "c"]) == "a, b and c"
    assert en.join_list(["a", "b"]) == "a and b" and en.join_list(["a", "b"], "; ") == "a; b"
    assert zh.clauses(["甲", "乙"]) == "甲；乙" and en.clauses(["a", "b"]) == "a; b"
    assert zh.sentences(["甲。", "乙。"]) == "甲。乙。" and en.sentences(["A.", "B."]) == "A. B."
    assert en.number_word(2) == "two" and en.number_word(13) == "13" and zh.number_word(2) == "2"
    assert en.the("Luohu Agency") == "the Luohu Agency" and en.the("The Bureau") == "The Bureau"
    assert zh.the("罗湖区") == "罗湖区"
    assert zh.pick("名称", "Name") == "名称" and en.pick("名称", "Name") == "Name" and en.pick("名称", None) == "名称"


# ---- templates --------------------------------------------------------------------------------


def _keys(d, prefix=""):
    out = set()
    for k, v in d.items():
        out.add(prefix + str(k))
        if isinstance(v, dict) and prefix + str(k) not in ("grades.meaning", "figures.units", "figures.magnitudes"):
            out |= _keys(v, prefix + str(k) + ".")
    return out


def test_both_languages_have_the_same_template_keys():
    zh, en = text.load_templates("zh"), text.load_templates("en")
    assert _keys(zh) == _keys(en)
    for lang in (zh, en):
        assert set(CODES) <= set(lang["findings"]), "every finding code is rendered from its data"
        assert set(CODES) <= set(lang["finding_short"])
        assert set(REGISTRY) - {"sum"} <= set(lang["rules"]) | {"sum"}
        assert set(MEASURES) <= set(lang["measures"])
    with pytest.raises(ValueError, match="unknown language"):
        text.load_templates("fr")


def test_english_templates_hold_no_chinese_beyond_quoted_terms():
    """English prose is written in English; Chinese appears only where a term is quoted deliberately."""
    text = (Path(document.__file__).parent / "templates" / "narrative.en.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    allowed = ("万元",)

    def strings(d):  # values only: keys such as grades.meaning.优 name Chinese grades on purpose
        if isinstance(d, dict):
            for v in d.values():
                yield from strings(v)
        elif isinstance(d, list):
            for v in d:
                yield from strings(v)
        elif isinstance(d, str):
            yield d

    for s in strings(data):
        for a in allowed:
            s = s.replace(a, "")
        assert not CJK.search(s), s


# ---- the Luohu report as the scoring gives it --------------------------------------------------


def test_luohu_totals_in_both_narratives(luohu):
    for lang, report in luohu.items():
        r = report.main[0]
        assert r.reported_total == 88.62  # what the published report prints
        recomputed = f"{r.total:.2f}"
        assert recomputed != "88.62"
        text = report.results_section().markdown()
        assert recomputed in text and "88.62" in text
        diff = f"{r.reported_total - r.total:.2f}"
        assert diff in text
    zh = luohu["zh"].results_section().markdown()
    assert f"复核得分为{luohu['zh'].main[0].total:.2f}分" in zh and "已发布报告所列总分为88.62分（良）" in zh
    en = luohu["en"].results_section().markdown()
    assert f"the review score is {luohu['en'].main[0].total:.2f} points" in en
    assert "The published report gives a total of 88.62 points" in en


def test_luohu_first_paragraphs(luohu):
    zh = luohu["zh"].title().markdown()
    assert zh.startswith("# 深圳市罗湖区金融服务署2022年度部门整体支出绩效评价复核报告")  # it reproduces a published report
    assert "金额单位为万元" in zh
    en = luohu["en"].title().markdown()
    assert en.startswith("# Luohu District Financial Services Agency, Shenzhen: review of the evaluation report of "
                         "department-wide expenditure for 2022")
    assert "For 2022, this report reviews one published evaluation of the Luohu District Financial Services Agency" in en


def test_luohu_budget_and_execution_sentences(luohu):
    zh = luohu["zh"].background().markdown()
    b = luohu["zh"].bundle.data.budget
    assert f"调整后预算{money(b.adjusted)}万元" in zh and f"年初预算{money(b.initial)}万元" in zh
    assert "预算执行率99.17%" in zh
    assert "15.08%、24.50%、41.16%、99.17%" in zh
    en = luohu["en"].background().markdown()
    assert "an execution rate of 99.17%" in en
    assert "behind schedule at every quarter end" in en


def test_luohu_reconciliation_names_the_year_end_reading(luohu):
    zh = luohu["zh"].reconciliation().markdown()
    assert "应得3.53分，报告给4.62分" in zh and "与报告一致" in zh
    en = luohu["en"].reconciliation().markdown()
    assert "gives 3.53 points, but the report awards 4.62" in en and "exactly the reported score" in en
    assert "Department performance is labelled 55 points, but the indicators beneath it add up to 60." in en


def test_luohu_problems_come_from_findings_scores_and_budget(luohu):
    zh = luohu["zh"].problems().markdown()
    assert "预算执行进度与序时进度差距较大" in zh
    assert "年中预算调整幅度大" in zh
    assert "评分与规则不一致" in zh
    assert "“显著提升”" in zh  # the unmeasurable target
    for p in luohu["zh"].main[0].evaluation.problems:  # evaluator text from the parameters
        assert md_escape(text.tidy(p)) in zh


@pytest.mark.slow
def test_every_finding_of_every_unit_renders_from_its_template():
    for path in discover(PARAMS):
        for lang in ("zh", "en"):
            parts = Path(path).parts
            report = Report.load(parts[-2], int(Path(path).stem), language=lang, params_dir=str(PARAMS))
            for r in report.results:
                for f in r.findings:
                    sentence = report.finding_sentence(r, f)
                    assert sentence and sentence != text.md_escape(f.message), (path, f.code)
                    if lang == "en" and f.indicator is None:
                        assert not CJK.search(sentence), sentence


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
def test_portfolio_only_for_many_project_self_evaluations():
    beijing = Report.load("beijing-lfsb", 2021, params_dir=str(PARAMS))
    assert len(beijing.portfolio) == 35
    assert {r.evaluation.id for r in beijing.main} == {"department", "e1-sme-advisor"}
    text = beijing.portfolio_section().markdown()
    assert "35个项目填报了绩效自评表" in text
    lowest = min(beijing.portfolio, key=lambda r: r.total)
    assert f"最低{lowest.total:.2f}分" in text
    luohu = Report.load("luohu-fsa", 2022, params_dir=str(PARAMS))
    assert luohu.portfolio == [] and luohu.portfolio_section().blocks == []


# ---- review fixes: escaping, shared budget measures, computed once, templates ----------------------


@pytest.fixture(scope="module")
def beijing():
    return {lang: Report.load("beijing-lfsb", 2021, language=lang, params_dir=str(PARAMS)) for lang in ("zh", "en")}


def test_text_escapes_markdown_by_default_and_plain_text_for_table_cells():
    t = text.Text("zh")
    assert t("rules.inputs.actual", actual="7*24小时") == "完成7\\*24小时"  # Markdown blocks: escaped
    assert t.plain("rules.inputs.actual", actual="7*24小时") == "完成7*24小时"
    assert t.plain is t.plain and t.plain.plain is t.plain
    assert text.Text("en", escape=False)("rules.inputs.actual", actual="a_b") == "actual a_b"


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
def test_beijing_form_rows_with_an_asterisk_print_it_in_the_scoring_table(beijing):
    """s33 安全运维: target “对局机关基础网络环境开展全年5*8小时安全运维服务” (forms-03.yaml) in an HTML cell."""
    for lang, report in beijing.items():
        r = next(r for r in report.results if r.evaluation.id == "s33")
        html = report.scoring_table(r)
        assert "5*8小时安全运维服务" in html and "7*24重点时期安全保障服务" in html, lang
        assert "\\*" not in html, lang  # no Markdown escapes where Markdown is not read
        section = report.portfolio_section()
        assert not any("\\*" in b for kind, b in section.blocks if kind == "html"), lang


@pytest.mark.slow  # builds whole reports (or starts an interpreter)
def test_explain_leaf_is_plain_text():
    report = Report.load("beijing-lfsb", 2021, params_dir=str(PARAMS))
    r = next(r for r in report.results if r.evaluation.id == "s33")
    leaf = next(lf for lf in r.compiled.leaves if "5*8" in str(getattr(lf.inputs, "target", "")))
    assert "5*8小时" in rules_text.explain_leaf(r, leaf.id, "zh")["inputs"]


def test_control_rates_print_the_figures_of_every_measure(luohu):
    budget = luohu["zh"].bundle.data.budget
    for key, m in MEASURES.items():
        value = m.compute(budget)
        if value is None or isinstance(value, list):
            continue
        assert m.parts is not None, key  # a scalar rate can show its numerator and denominator
        assert value == percent(*m.parts(budget)), key
    sec = tables.Section()
    background.controls(luohu["zh"], sec, budget)
    html = "".join(b for kind, b in sec.blocks if kind == "html")
    assert "20,011.39 / 20,179.71" in html and "99.17%" in html


def test_english_lists_are_joined_in_english(luohu):
    en = luohu["en"]
    html = en.scoring_table(en.main[0])
    assert "15.08%, 24.50%, 41.16% and 99.17%" in html
    assert not re.search(r"\d%、", html)  # “、” stays only in Chinese data text


def test_row_scores_once_per_evaluation_and_none_for_judgement_rows(luohu, monkeypatch):
    calls = []
    original = Compiled.row_scores
    monkeypatch.setattr(Compiled, "row_scores", lambda self, *a, **k: calls.append(id(self)) or original(self, *a, **k))
    report = Report.load("luohu-fsa", 2022, language="zh", params_dir=str(PARAMS))
    r = report.main[0]
    calls.clear()  # scoring itself computed them while loading
    report.scoring_table(r)
    report.scoring_table(r)
    assert calls == [id(r.compiled)]
    calls.clear()
    judged = [i for i, lf in enumerate(r.compiled.leaves)
              if all(row.family in rules_text.NOT_EXPLAINED for row in r.compiled.rows if row.leaf == i)]
    assert judged
    rules_text.inputs_text(report.t, r, judged[0])
    assert calls == []


def test_target_diagnostics_come_from_the_one_sensitivity_analysis(monkeypatch):
    calls = []
    original = sensitivity.analyse
    monkeypatch.setattr(sensitivity, "analyse", lambda *a, **k: calls.append(a[0]) or original(*a, **k))
    report = Report.load("shenzhen-lfsb", 2020, params_dir=str(PARAMS))
    report.problems()
    report.targets_section()
    report.targets_section()
    assert len(calls) == len(report.main) and {id(r) for r in calls} == {id(r) for r in report.main}
    for r in report.main:  # the analysis's, less the target-table rows that restate a scored leaf's target
        assert report.diagnostics(r) == targets.distinct(report.analysis(r).diagnostics)
        assert report.diagnostics(r) is report.diagnostics(r)  # computed once


def test_lowered_targets_are_stated_with_their_own_template(luohu):
    for lang, report in luohu.items():
        d = next(d for d in report.diagnostics(report.main[0]) if d.target is not None)
        lowered = dataclasses.replace(d, flags=("lowered_in_year",), initial_target=2 * d.target)
        text = targets_paragraph(report.t, [lowered])
        unit = d.unit or ""  # bare numbers carry the target's unit; English writes them in words
        words = {"zh": lambda x: x + unit, "en": lambda x: f"{x} items"}[lang]  # Luohu's first target row: 12个
        item = report.t("targets.lowered_item", name=report.lang.name(d.name, d.name_en),
                        initial=words(num(2 * d.target)), target=words(d.target_text), actual=words(d.actual_text),
                        unit=unit)
        assert item in text and words(num(2 * d.target)) in text, (lang, item, text)


def test_the_report_states_targets_and_sensitivity_with_the_sentences_of_sentences_py():
    """One home: the public sentence functions say what the report's section 3 says."""
    for lang in ("zh", "en"):
        report = Report.load("shenzhen-lfsb", 2020, language=lang, params_dir=str(PARAMS))
        md = report.targets_section().markdown()
        for r in report.main:
            analysis = report.analysis(r)
            for sentence in sensitivity_sentences(analysis, lang):
                assert sentence in md, (lang, sentence)
            flagged = target_sentences(analysis.diagnostics, lang)
            if flagged != target_sentences([], lang):
                for sentence in flagged:
                    assert sentence in md, (lang, sentence)


def test_a_finding_without_a_template_falls_back_but_a_broken_template_raises(luohu):
    report = Report.load("luohu-fsa", 2022, params_dir=str(PARAMS))
    r = report.main[0]
    f = next(f for f in r.findings if f.code == "SCORE_MISMATCH")
    report.t = text.Text("zh")
    report.t.data = copy.deepcopy(report.t.data)
    del report.t.data["findings"]["SCORE_MISMATCH"]
    assert report.finding_sentence(r, f) == report.t("findings.generic", message=f.message)
    report.t = text.Text("zh")
    report.t.data = copy.deepcopy(report.t.data)
    report.t.data["findings"]["SCORE_MISMATCH"] = "{{ no_such_field|score }}"
    with pytest.raises(jinja2.UndefinedError):
        report.finding_sentence(r, f)


def test_every_finding_code_has_a_template_in_both_languages():
    for lang in LANGUAGES:
        t = text.Text(lang)
        assert [c for c in CODES if not t.has(f"findings.{c}")] == [], lang


def test_params_dir_resolution(tmp_path, monkeypatch):
    assert resolve_params_dir(str(PARAMS)) == str(PARAMS.resolve())
    monkeypatch.chdir(ROOT)
    assert resolve_params_dir("parameters") == str(PARAMS.resolve())
    assert resolve_params_dir("../parameters") == str(PARAMS.resolve())  # relative to notebooks/
    monkeypatch.chdir(tmp_path)
    assert resolve_params_dir("../parameters") == str(PARAMS.resolve())
    with pytest.raises(FileNotFoundError, match="absolute path"):
        resolve_params_dir("no-such-folder")


# ---- the notebook under papermill ---------------------------------------------------------------

UNITS = [(Path(p).parent.name, int(Path(p).stem)) for p in discover(PARAMS)]


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("department,year", UNITS)
def test_papermill_runs_the_evaluation_notebook(department, year, language, tmp_path):
    """Every shipped department-year in both languages, run from the repository root with the default
    (relative) params_dir, as the batch runner would."""
    out = tmp_path / "report.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"department": department, "year": year,
                                                                   "language": language},
                               cwd=str(ROOT), kernel_name="python3", progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if "missing from font" in o.get("text", "")]  # matplotlib's glyph warning
    markdown = "\n".join(o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {}))
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    report = Report.load(department, year, language=language, params_dir=str(PARAMS))
    for r in report.main:
        assert f"{r.total:.2f}" in markdown
    assert len(images) >= 2  # budget and score charts at least
    heading = "基本情况" if language == "zh" else "Background"
    assert heading in markdown


def test_a_target_written_both_on_its_indicator_and_in_the_target_table_is_counted_once(tmp_path):
    """A new user's project self-evaluation states each quantitative target on its scored indicator and again in
    the 绩效目标表 (linked by ``indicator:``): four distinct targets were missed, not eight, and eight are listed,
    not fourteen. (Shenzhen 2020's fund evaluation does the same for D15–D18, D22 and D23.)"""
    import shutil

    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    shutil.copytree(Path(__file__).parent / "fixtures" / "project-self" / "civil-affairs-demo",
                    params / "civil-affairs-demo")
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    en = Report.load("civil-affairs-demo", 2024, language="en", params_dir=str(params))
    assert "但仍有4项可量化目标未达到" in zh.results_section().markdown()
    assert "four measurable targets were missed" in en.results_section().markdown()
    listed = zh.targets_section().markdown()
    assert "本项评价共列示8项目标" in listed and "其中6项目标值与完成值均可量化比较，2项达到或超过目标" in listed
    r = zh.main[0]
    assert len(targets.diagnose(r)) == 14 and len(zh.diagnostics(r)) == 8  # six rows restate their indicator's
    shenzhen = Report.load("shenzhen-lfsb", 2020, params_dir=str(PARAMS))
    fund = next(r for r in shenzhen.main if r.evaluation.id == "fund")
    assert {d.id for d in targets.diagnose(fund)} - {d.id for d in shenzhen.diagnostics(fund)} == \
        {"fw-D15", "fw-D16", "fw-D17", "fw-D18", "fw-D22", "fw-D23"}


def test_scores_that_do_not_add_up_as_printed_are_explained_under_the_levels_table(tmp_path):
    """The trial project's four first-level scores print as 9.37 + 47.97 + 23.32 + 10.00 … = 90.67 under a total of
    90.66 (the sum of the unrounded scores): the report says so, with both figures, rather than leave a client to
    find a sum that does not add up. Luohu 2022's add up and get no note."""
    import shutil

    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    shutil.copytree(Path(__file__).parent / "fixtures" / "project-self" / "civil-affairs-demo",
                    params / "civil-affairs-demo")
    zh = Report.load("civil-affairs-demo", 2024, params_dir=str(params))
    r = zh.main[0]
    printed = round(sum(round(x["score"], 2) for x in r.node_rows if x["level"] == 1), 2)
    assert (printed, round(r.total, 2)) == (90.67, 90.66)
    assert "所列一级指标得分之和为90.67分，合计90.66分按未经四舍五入的各项得分计算，两者相差0.01分" in \
        zh.results_section().markdown()
    en = Report.load("civil-affairs-demo", 2024, language="en", params_dir=str(params))
    assert "add up to 90.67 points; the total of 90.66 is the sum of the unrounded scores" in \
        en.results_section().markdown()
    luohu = Report.load("luohu-fsa", 2022, params_dir=str(PARAMS))
    assert "四舍五入" not in luohu.results_section().markdown()


def test_a_report_without_its_own_title_says_what_it_evaluates_when_it_is_one_evaluation():
    # one department-overall evaluation (Luohu): 部门整体支出绩效; a department and its fund (Shenzhen) or projects
    # (Beijing): the department-year's 预算绩效; the fallback title of a notebook without a heading says the same
    from perfkit.load import load
    from perfkit.report.notebook_html import fallback_title

    titles = {d: Report.load(d, y, params_dir=str(PARAMS)).title().markdown().splitlines()[0]
              for d, y in (("luohu-fsa", 2022), ("shenzhen-lfsb", 2020), ("beijing-lfsb", 2021))}
    assert titles["luohu-fsa"].endswith("2022年度部门整体支出绩效评价复核报告")
    assert titles["shenzhen-lfsb"].endswith("2020年度预算绩效评价复核报告")
    assert titles["beijing-lfsb"].endswith("2021年度预算绩效评价复核报告")
    assert fallback_title(load(PARAMS / "luohu-fsa" / "2022.yaml"), "zh") == "深圳市罗湖区金融服务署2022年度部门整体支出绩效评价报告"
    assert fallback_title(load(PARAMS / "shenzhen-lfsb" / "2020.yaml"), "zh") == "深圳市地方金融监督管理局2020年度预算绩效评价报告"
