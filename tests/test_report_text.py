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


def scaffolded_params(tmp: Path) -> Path:
    """A parameters directory with the shipped frameworks and ``demo-bureau/2023``: the department-year
    ``perfkit new`` scaffolds for a new user (tests/fixtures/new-department), filled minimally."""
    shutil.copytree(PARAMS / "frameworks", tmp / "frameworks")
    shutil.copytree(ROOT / "tests" / "fixtures" / "new-department" / "demo-bureau", tmp / "demo-bureau")
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
    assert md.startswith("# 深圳市罗湖区金融服务署2022年度部门整体支出绩效评价报告")
    total = f"{zh.main[0].total:.2f}"
    assert f"总分为{total}分，评价等级为“良”" in md
    # no sentence claims a comparison that was not made
    for claim in ("复核", "核对", "已发布", "报告所列", "报告得分", "重算", "报告原文", "≠"):
        assert claim not in md, claim
    en_md = en.markdown()
    assert en_md.startswith("# Luohu District Financial Services Agency, Shenzhen: evaluation report of "
                            "department-wide expenditure for 2022")
    for claim in ("review", "published", "recomput", "reconcil", "the report gives", "reported"):
        assert claim not in en_md.lower(), claim


def test_a_reproduced_report_is_a_review_leading_with_the_published_score(luohu):
    zh = luohu["zh"]
    assert zh.review
    md = zh.markdown()
    assert md.startswith("# 深圳市罗湖区金融服务署2022年度部门整体支出绩效评价复核报告")
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
    assert "review of the evaluation report of department-wide expenditure" in en.title().markdown()  # no English file: shipped


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
    assert "narrative.zh.yaml:" in line and f" {key}:" in line and message in line, line


def test_run_checks_the_templates_before_running(tmp_path):
    from conftest import run_cli

    d = _templates(tmp_path, "headings:\n  titel: x\n")
    r = run_cli("run", "luohu-fsa", "2022", "--out", str(tmp_path / "out"), "--templates", str(d))
    assert r.returncode == 2
    assert "narrative.zh.yaml:2: headings.titel: not a key of the shipped templates" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out" / "luohu-fsa").exists()
    r = run_cli("batch", "--out", str(tmp_path / "out"), "--templates", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "templates directory not found" in r.stderr


def test_templates_set_in_the_environment_are_checked_and_recorded_as_the_option_is(tmp_path, monkeypatch):
    # $PERFKIT_TEMPLATES is how a run hands its templates to the kernel; set by the user beforehand, it is taken
    # as --templates: checked before anything runs (a relative path from the current folder), and part of what a
    # batch records, so the batch that follows without it does not keep the reports it made as unchanged
    from conftest import run_cli
    from perfkit.errors import RunError
    from perfkit.run import batch

    d = _templates(tmp_path, "headings:\n  titel: x\n")
    monkeypatch.setenv("PERFKIT_TEMPLATES", str(d))
    r = run_cli("run", "luohu-fsa", "2022", "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "narrative.zh.yaml:2: headings.titel: not a key of the shipped templates" in r.stderr
    monkeypatch.setenv("PERFKIT_TEMPLATES", "nowhere")
    r = run_cli("batch", str(PARAMS), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 2 and f"{tmp_path / 'nowhere'}: templates directory not found" in r.stderr
    seen = []

    def recorded(*a, **k):
        seen.append(k["templates"])
        raise RunError("stopped here")

    monkeypatch.setattr(batch, "run_batch", recorded)
    (tmp_path / "good").mkdir()
    good = _templates(tmp_path / "good", "headings:\n  title: x\n")
    monkeypatch.setenv("PERFKIT_TEMPLATES", str(good))
    assert run_cli("batch", "--out", str(tmp_path / "out")).returncode == 2
    assert seen == [str(good)]  # what run_batch checks, resolves and records as the run's templates


# ---- the text check over every shipped unit and a new user's --------------------------------

def _family_ids() -> set[str]:
    from perfkit.rules import REGISTRY

    return set(REGISTRY)


def _units(new_user_dir: Path):
    for department, year in SHIPPED:
        for lang in ("zh", "en"):
            yield f"{department}/{year}/{lang}", Report.load(department, year, language=lang, params_dir=str(PARAMS))
    scaffolded = scaffolded_params(new_user_dir.parent / (new_user_dir.name + "-scaffolded"))
    for lang in ("zh", "en"):
        yield f"new-dept/2022/{lang}", Report.load("new-dept", 2022, language=lang, params_dir=str(new_user_dir))
        yield f"demo-bureau/2023/{lang}", Report.load("demo-bureau", 2023, language=lang, params_dir=str(scaffolded))


def _prose(report) -> list[str]:
    """The report's paragraphs and list items (Markdown), and the text of its table cells."""
    from bs4 import BeautifulSoup

    out = []
    for sec in report.sections():
        for kind, block in sec.blocks:
            if kind == "md":
                out += [p for p in block.split("\n\n") if p.strip()]
            elif kind == "html" and not block.startswith("<style"):
                out += [td.get_text() for td in BeautifulSoup(block, "html.parser").find_all(["td", "th"])]
    return out


ZERO_COUNT = re.compile(r"(?<![\d.,])(?<!完成)(?<!完成值)(?<!实际)0(?:项|处|个|次|份|家)")  # a measured actual of 0 is a fact
EN_ZERO_COUNT = re.compile(r"\bno (?:places? where|labelling defects?|matters? to note|further remarks?)\b")
ID_LIKE = re.compile(r"\b[a-z]+(?:-|\\?_)[a-z]+\b")  # year-end, overrun\_penalty, budget.assets …
LIST_ITEM = re.compile(r"^(?:\d+\. |- )", re.M)


@pytest.mark.slow  # builds the whole report of every shipped unit in both languages
def test_the_text_of_every_report_passes_the_check(tmp_path):
    families = _family_ids()
    new_dir = new_user_params(tmp_path)
    for name, report in _units(new_dir):
        prose = _prose(report)
        text = "\n".join(prose)
        assert "。，" not in text and "。；" not in text, name
        if report.language == "zh":
            assert "参数文件" not in text, name
            ids = {m for m in ID_LIKE.findall(text)} | {w for w in re.findall(r"\b[a-z_]+\b", text) if w in families}
            assert not ids, (name, sorted(ids)[:10])
            zero = ZERO_COUNT.search(text)
            assert zero is None, (name, text[max(0, zero.start() - 40):zero.end() + 10])
            assert "概率" not in text.replace("不是等级的概率", ""), name
            assert "随机种子" not in "\n".join(report.section(k).markdown() for k in document_body()), name
        else:
            assert "parameter file" not in text.lower(), name
            assert EN_ZERO_COUNT.search(text) is None, name
            assert "probability" not in text.replace("not probabilities of a grade", ""), name
            own_chinese = [p for p in prose if CJK.search(unquoted(p))]  # Chinese only where quoted, and marked
            assert not own_chinese, (name, own_chinese[:3])
        for p in prose:  # no wall of text: a paragraph (not a list) under 1,000 characters
            if not LIST_ITEM.match(p):
                assert len(p) < 1000, (name, p[:80])
        for k in document_body():  # seeds and scenario counts only in the method appendix
            body = report.section(k).markdown()
            assert "20200101" not in body and "10,000" not in body.replace("10,000 yuan", ""), (name, k)


def document_body():
    from perfkit.report.document import SECTIONS

    return list(SECTIONS)


# ---- each conditional sentence, both ways ------------------------------------------------------


@pytest.fixture(scope="module")
def shenzhen():
    return Report.load("shenzhen-lfsb", 2020, params_dir=str(PARAMS))


def test_a_grade_never_means_targets_met_beside_missed_targets(shenzhen):
    t = shenzhen.t
    assert "全面实现" in t("grades.meaning.优", n_missed=0)
    said = t("grades.meaning.优", n_missed=2)
    assert "2项可量化目标未达到" in said and "并未全面实现" in said
    md = shenzhen.results_section().markdown()  # both evaluations are 优 and miss targets
    assert "“优”表明绩效目标全面实现" not in md and "绩效目标并未全面实现" in md


def test_targets_that_move_the_total_are_never_said_not_to_matter(luohu, shenzhen):
    """'No score depends on the targets' only where no counterfactual and no one-at-a-time change moves the
    total; otherwise the sentence says the score does depend on them."""
    from perfkit.core.framework import TOLERANCE

    for report in (luohu["zh"], shenzhen):
        md = report.targets_section().markdown()
        for r in report.main:
            analysis = report.analysis(r)
            if not analysis.model.n_targets:
                continue
            moves = any(abs(c) > TOLERANCE for c in analysis.counterfactuals.table["change"])
            if moves:
                assert "各指标的得分均不依赖目标值设定的高低" not in md or len(report.main) > 1
    t = luohu["zh"].t
    assert "均不依赖目标值设定的高低" in t("sensitivity.no_at_risk", moves=False, chart=False)
    said = t("sensitivity.no_at_risk", moves=True, chart=True)
    assert "得分仍取决于目标值的设定" in said and "不依赖" not in said


def test_the_capped_ratio_remark_only_for_scored_targets(shenzhen):
    import dataclasses

    from perfkit.report.sentences import flag_sentences

    low = [d for d in shenzhen.diagnostics(shenzhen.main[0]) if "low_ambition" in d.flags]
    assert low and all(d.source == "target_table" for d in low)
    said = flag_sentences(shenzhen.t, low, ("low_ambition",))[0]
    assert "按完成比计分" not in said and "无条件得分" not in said
    scored = [dataclasses.replace(low[0], source="scored")] + low[1:]
    assert "其中1项按完成比计分且以满分为上限" in flag_sentences(shenzhen.t, scored, ("low_ambition",))[0]


def test_a_grade_flip_names_no_figure_its_grade_contradicts(shenzhen):
    from perfkit.report.sentences import printed_band_floor

    fund = shenzhen.main[1]
    fw = fund.framework
    assert printed_band_floor(89.994988, "良", fw) is None  # prints as 89.99, which is 良: stated as is
    assert printed_band_floor(89.995, "良", fw) == 90  # prints as 90.00, which is 优: "below 90"
    md = shenzhen.targets_section().markdown()
    assert "总分即降至89.99分，等级由“优”变为“良”" in md
    t = shenzhen.t
    said = t("sensitivity.flip_flagged", k=3.55, total=89.995, grade="良", below=90, flagged_only=False,
             baseline_grade="优")
    assert "总分即降至90分以下，等级由“优”变为“良”" in said and "90.00" not in said


def test_no_residual_where_the_reported_scores_add_up(shenzhen):
    from perfkit.report.sections.results import reported_sum_residual

    fund = shenzhen.main[1]
    assert fund.reported_total == 90.21 and round(fund.table["reported_score"].sum(), 2) == 90.21
    assert reported_sum_residual(fund) == 0.0
    assert "另有" not in shenzhen.results_section().markdown()
    said = shenzhen.t("results.review", reported=90.22, reported_grade="优", total=90.09, grade="优", same=False,
                      diff=0.13, items=[], residual=0.01)
    assert "另有0.01分的差异来自报告总分与各指标报告得分之和不一致" in said


def test_counts_of_nothing_are_left_out(shenzhen):
    md = shenzhen.reconciliation().markdown()
    assert "发现1处与规则或算术不一致之处、" in md and "另有0项" not in md and "0处" not in md
    assert ZERO_COUNT.search(md) is None


def test_a_scaffolded_department_year_reads_as_an_evaluation(tmp_path):
    """The department-year ``perfkit new`` writes, filled in: an evaluation report with no review vocabulary in
    its sentences, headings or labels (the severity labels, the baseline of the target scenarios included)."""
    pdir = scaffolded_params(tmp_path)
    zh = Report.load("demo-bureau", 2023, params_dir=str(pdir))
    assert not zh.review
    md = zh.markdown()
    assert md.startswith("# 示例市某某局2023年度部门整体支出绩效评价报告") and "总分为88.62分，评价等级为“良”" in md
    for word in ("复核", "核对", "已发布", "报告所列", "重算", "标注缺陷与总分差异", "≠", "参数文件"):
        assert word not in md, word
    assert any(kind == "html" and '<td class="name">按原目标</td>' in block for kind, block in zh.targets_section().blocks)
    t = zh.t
    assert t("reconciliation.severity.warning", reported=False) == "指标体系结构或标注问题"
    assert t("reconciliation.severity.warning", reported=True) == "标注缺陷与总分差异"
    en = Report.load("demo-bureau", 2023, language="en", params_dir=str(pdir)).markdown()
    assert en.startswith("# Example Bureau of a city: evaluation report of department-wide expenditure for 2023")
    for word in ("review", "published", "recomput", "reported", "Labelling defects"):
        assert word not in en, word
    assert "Spending for the year came to 1,288.20 (in 10,000 yuan) against the adjusted budget of 1,350.50" in en


def test_a_review_states_the_differences_an_evaluation_does_not(luohu, new_user):
    assert "复核发现" in luohu["zh"].reconciliation().markdown()
    checks = new_user["zh"].reconciliation().markdown()
    assert "指标体系与数据检查" in checks and "复核" not in checks


def test_amounts_carry_their_unit(shenzhen):
    html = shenzhen.scoring_table(shenzhen.main[1])
    assert "不超过1,950万元得满分，每超出1万元扣0.3分" in html and "1,950%" not in html
    md = shenzhen.targets_section().markdown()
    assert "项目完成及时性（目标43个，完成37个" in md


def test_shares_of_scenarios_not_probabilities(shenzhen):
    md = shenzhen.targets_section().markdown()
    assert "的情景占" in md and "这是上述区间内情景的占比，不是等级的概率。" in md
    method = shenzhen.section("method").markdown()
    assert "10,000个情景（随机种子20200101）" in method


# ---- the cover: evaluator, period and the report's date where the parameters give them --------


def _with_work(tmp: Path, **work) -> Path:
    pdir = new_user_params(tmp)
    path = pdir / "new-dept" / "2022.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["evaluations"][0]["work"].update(work)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return pdir


def test_the_cover_shows_the_report_date_only_where_given_in_html_and_word(tmp_path):
    import datetime
    import io

    import docx

    from perfkit.report.word import blocks_document

    dated = _with_work(tmp_path / "dated", report_date=datetime.date(2023, 3, 31), period="2023年2月至3月",
                       period_en="February to March 2023")
    zh = Report.load("new-dept", 2022, params_dir=str(dated))
    cover = zh.title().markdown()
    assert "评价机构：深圳市罗湖区金融服务署（自评）；评价时间：2023年2月至3月；报告日期：2023年3月31日。" in cover
    en = Report.load("new-dept", 2022, language="en", params_dir=str(dated)).title().markdown()
    assert "carried out February to March 2023; report dated 31 March 2023." in en
    paragraphs = [p.text for p in docx.Document(io.BytesIO(blocks_document(zh.title().blocks, "zh"))).paragraphs]
    assert any("报告日期：2023年3月31日" in p for p in paragraphs), paragraphs
    # absent: no date line, and never the day the report is rendered
    undated = Report.load("new-dept", 2022, params_dir=str(_with_work(tmp_path / "undated")))
    cover = undated.title().markdown()
    today = datetime.date.today()
    assert "报告日期" not in cover and f"{today.year}年{today.month}月{today.day}日" not in cover
    assert "评价机构：深圳市罗湖区金融服务署（自评）。" in cover


def test_a_report_date_that_is_not_a_date_is_a_one_line_error(tmp_path):
    from perfkit.errors import ParameterError

    pdir = _with_work(tmp_path, report_date="三月底")
    with pytest.raises(ParameterError) as err:
        Report.load("new-dept", 2022, params_dir=str(pdir))
    assert "2022.yaml" in str(err.value) and "report_date" in str(err.value), str(err.value)


# ---- targets in English --------------------------------------------------------------------


@pytest.mark.parametrize("cell, unit, english", [
    ("不少于6家", None, "at least 6 organisations"),
    ("7家", None, "7 organisations"),
    ("1家", None, "1 organisation"),
    ("43", "个", "43 items"),
    ("3—4个", None, "3 to 4 items"),
    ("6%左右", None, "about 6%"),
    ("95%及以上", None, "at least 95%"),
    ("＜100%", "%", "less than 100%"),
    ("=17家", "家", "exactly 17 organisations"),
    ("＞60班次", "班次", "more than 60 classes"),
    ("3个工作日内", None, "within 3 working days"),
    ("2023年12月底前", None, "by the end of December 2023"),
    ("12月", None, "December"),
    ("较上年增长10%", None, "growth of at least 10% on the previous year"),
    ("同比下降5%", None, "a decline of at least 5% on the previous year"),
    ("≤1,950万元", None, "at most 19.5 million yuan"),
    ("≥130亿", "亿元", "at least 13 billion yuan"),  # the row's unit completes a cell that writes only 亿
    ("不适用", None, "not applicable"),
    ("0次", None, "0 times"),
    ("提高至95%", None, "at least 95%"),  # a change to a level: the level  # read as at most 0 when it is a target, but written as a bare figure
    # not read completely: quoted as written, marked, never half translated
    ("显著提升", None, "“显著提升” (as written in Chinese)"),
    ("不超出财政预算100.3万元", None, "“不超出财政预算100.3万元” (as written in Chinese)"),
    ("十名以内", "名", "“十名以内” (as written in Chinese)"),  # 名: people or a rank; the glossary does not guess
    ("3-6月", None, "“3-6月” (as written in Chinese)"),
    ("第三季度", None, "“第三季度” (as written in Chinese)"),
])
def test_a_target_in_english_is_rendered_from_its_reading(cell, unit, english):
    from perfkit.report.target_words import TargetWords
    from perfkit.report.text import Text

    assert TargetWords(Text("en", escape=False), year=2022)(cell, unit) == english
    assert TargetWords(Text("zh", escape=False), year=2022)(cell, unit) == (cell + unit if cell == "43" else cell)


def test_a_firm_can_extend_the_unit_glossary(tmp_path):
    d = tmp_path / "templates"
    d.mkdir()
    (d / "narrative.en.yaml").write_text("figures:\n  units:\n    名: [person, people]\n", encoding="utf-8")
    report = Report.load("luohu-fsa", 2022, language="en", params_dir=str(PARAMS), templates=str(d))
    assert report.target_words("≥200人") == "at least 200 people"  # shipped entries kept
    assert report.target_words("十名以内") == "at most 10 people"


CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
GLOSSED = re.compile(r"\((?:优|良|中|差|万元)\)")  # a Chinese term glossed after its English: "Good (良)"


def unquoted(text: str) -> str:
    """``text`` without its quotations (“…”, nested ones included) and document titles (《…》): what the English
    report writes itself, not what it quotes from the source documents."""
    out, depth = [], 0
    for ch in text:
        if ch in "“《":
            depth += 1
        elif ch in "”》" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return GLOSSED.sub("", "".join(out))


def test_unquoted_keeps_only_the_reports_own_words():
    assert unquoted("Evidence: “引进“持牌”机构7家”, target at least 6 organisations") == \
        "Evidence: , target at least 6 organisations"
    assert unquoted("Good (良) under 《预算法》") == "Good  under "
    assert CJK.search(unquoted("target 不少于6家")) is not None


@pytest.mark.slow  # builds the whole English report
def test_the_english_luohu_report_writes_no_chinese_of_its_own(luohu):
    """Luohu's parameters give English for the department, its functions, key tasks and targets: the English
    report's prose and tables carry Chinese only inside quotations of the source documents (evidence, the
    published report's reasons, problems and recommendations, each marked) and in glosses such as “Good (良)”."""
    report = luohu["en"]
    found = [p for p in _prose(report) if CJK.search(unquoted(p))]
    assert not found, found[:5]
    text = "\n".join(_prose(report))
    assert "target at least 6 organisations, achieved 7 organisations" in text
    assert "target “不少于6家”" not in text and "target 12 items" in text  # the 12 budgeted projects


# ---- units on every number ---------------------------------------------------------------------

NUMBER = re.compile(r"(?<![\d.,A-Za-z_])(\d[\d,]*(?:\.\d+)?)(?![\d,]*[A-Za-z_])")
ZH_UNITS = ("%", "分", "万元", "元", "亿", "万", "项", "个", "处", "家", "次", "人", "年", "月", "日", "倍", "级", "名", "位",
            "期", "场", "篇", "份", "条", "件", "户", "班次", "批", "支", "版", "台", "套", "辆", "所", "座", "栋", "天", "小时", "百分点", "季度", "号", "（含）",
            "余", "多")  # 余 / 多 before the measure word: "3500 余家次", "200 多家"
YEAR_OR_CODE = re.compile(r"(?:19|20)\d\d|\d{5,}")  # a year (2019–2020), or a hotline or code written without separators
ARITHMETIC_BEFORE = re.compile(r"(?:[×÷−+/=<>≥≤(（Δ]|min\(|max\()\s*$")
ARITHMETIC_AFTER = re.compile(r"\s*[×÷−+/=)）→]")
EN_SENTENCE = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z(“])|\n")
EN_UNIT_WORDS = re.compile(r"\bpoints?\b|\byuan\b|\bfactor\b|\btimes\b|percentage points?")


def unitless_numbers(markdown: str, language: str) -> list[str]:
    """The numbers of a Markdown block (its own words, quotations left out) that carry no unit, each with its
    context. Chinese: every number is followed by its unit or measure word (分, 万元, %, 项, 个, 年 …), or is an
    ordinal (第3), a document number (〔2020〕), a list number, a term of arithmetic, or a range or list sharing the
    unit of its last figure (3—4个, 1-3月). English: every figure with decimals (an amount, a score, a rate) is
    followed by % or stands in a sentence that names its unit (points, yuan, percentage points, a factor)."""
    text = unquoted(markdown)
    out = []
    if language == "zh":
        for m in NUMBER.finditer(text):
            before, after = text[:m.start()], text[m.end():]
            if (after.lstrip(" ").startswith(ZH_UNITS) or re.match(r"\s*\\?[—–~\-至到、和与]\s*\d", after)
                    or YEAR_OR_CODE.fullmatch(m.group(1)) or re.search(r"(?:第|〔|附件|问题|表|表\d+-)$", before)
                    or ARITHMETIC_BEFORE.search(before)
                    or ARITHMETIC_AFTER.match(after) or (after.startswith(". ") and (not before or before.endswith("\n")))):
                continue
            out.append(text[max(0, m.start() - 30):m.end() + 15])
        return out
    for sentence in EN_SENTENCE.split(text):
        for m in NUMBER.finditer(sentence):
            before, after = sentence[:m.start()], sentence[m.end():]
            if ("." not in m.group(1) or re.match(r"\s?%", after) or ARITHMETIC_BEFORE.search(before)
                    or ARITHMETIC_AFTER.match(after) or EN_UNIT_WORDS.search(sentence)):
                continue
            out.append(sentence[max(0, m.start() - 40):m.end() + 20])
    return out


@pytest.mark.parametrize("language, text, found", [
    ("zh", "总分为88.62分，等级“良”；调整幅度12.54%，共15个末级指标，第3项，1-3月、1—4个", []),
    ("zh", "完成值506未达到目标值2,920，报告仍给满分", ["506", "2,920"]),
    ("zh", "依据：“预算300、实际210”（引文不查）；3 × min(506 / 2920, 1)", []),
    ("en", "The total is 88.62 points; spending came to 1,288.20 (in 10,000 yuan), 95.39% of the budget.", []),
    ("en", "Spending came to 1,288.20 against the adjusted budget of 1,350.50.", ["1,288.20", "1,350.50"]),
    ("en", "The median total is 88.26 and 90% of scenarios fall between 87.57 and 88.62.", ["88.26", "87.57", "88.62"]),
])
def test_the_units_check_finds_bare_numbers(language, text, found):
    bare = unitless_numbers(text, language)
    assert len(bare) == len(found) and all(f in b for f, b in zip(found, bare)), bare


@pytest.mark.slow  # builds the whole report of every shipped unit in both languages
def test_every_number_in_the_prose_carries_its_unit(tmp_path):
    new_dir = new_user_params(tmp_path)
    for name, report in _units(new_dir):
        bare = [b for sec in report.sections() for kind, block in sec.blocks
                if kind == "md" and not block.startswith("#") for b in unitless_numbers(block, report.language)]
        assert not bare, (name, bare[:5])


def test_a_name_without_english_is_shown_once_and_marked(tmp_path):
    pdir = new_user_params(tmp_path)
    path = pdir / "new-dept" / "2022.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["department"]["key_tasks"][1]["name_en"]  # 引进持牌金融机构
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    en = Report.load("new-dept", 2022, language="en", params_dir=str(pdir))
    md = en.section("background").markdown()
    assert "“引进持牌金融机构” (Chinese name) — target at least 6 organisations, achieved 7 organisations" in md
    assert md.count("引进持牌金融机构") == 1
    zh = Report.load("new-dept", 2022, params_dir=str(pdir)).section("background").markdown()
    assert "引进持牌金融机构（目标：不少于6家；完成：7家）" in zh and "Chinese name" not in zh


def test_previous_year_scenarios_only_where_a_previous_year_actual_exists(tmp_path, shenzhen):
    def scenarios(report, r):
        block = next(b for kind, b in report.targets_section().blocks if kind == "html" and "按原目标" in b)
        return [x for x in ("上年实际值", "上年") if x in block], block

    demo = Report.load("demo-bureau", 2023, params_dir=str(scaffolded_params(tmp_path)))
    found, block = scenarios(demo, demo.main[0])
    assert not found, block  # no target has a previous-year actual: no row that only repeats the total
    fund = [b for kind, b in shenzhen.targets_section().blocks if kind == "html" and "按原目标" in b]
    assert any("上年" in b for b in fund)  # the fund's targets have previous-year actuals


def test_the_control_rates_heading_only_over_control_rates(tmp_path, luohu):
    """主要控制率 where the budget gives a control rate or the “三公” / asset tables; execution and adjustment rates
    alone are 主要预算比率 (a new department-year's budget block holds only those)."""
    demo = Report.load("demo-bureau", 2023, params_dir=str(scaffolded_params(tmp_path))).section("background").markdown()
    assert "主要预算比率" in demo and "主要控制率" not in demo and "各项比率" in demo
    assert "主要控制率" in luohu["zh"].section("background").markdown()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_note_of_the_target_grammar_is_worded_in_each_language(lang):
    # a report words what the grammar assumed from its templates and leaves out a code it has no words for:
    # a new note without its wording would vanish from the report's list of readings
    from perfkit.core.target_text import NOTES
    from perfkit.report.text import Text

    t = Text(lang, escape=False)
    assert [c for c in NOTES if not t.has(f"targets.notes.{c}")] == []
