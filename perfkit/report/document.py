"""The report document: one department-year in one language, assembled from the section functions of
``perfkit.report.sections``.

:class:`Report` holds what every section shares — the bundle, its scored results split into the *main*
evaluations and the portfolio of project self-evaluations, the language and its templates, names, grade
labels, numbered headings — and the analyses computed once per evaluation. Each section is a
:class:`~perfkit.report.tables.Section` of Markdown, HTML tables and charts that
``notebooks/evaluation.ipynb`` displays as a cell's result.
"""

from __future__ import annotations

import os
from typing import Any

from ..analysis import sensitivity, targets
from ..core.result import reported_grade
from ..core.validated import load_scored
from ..load import resolve_params_dir
from .facts import has_reported
from .language import LANGUAGES
from .overrides import TEMPLATES_ENV, load_overrides
from ..fmt import chinese_number
from .sections import analysis as analysis_section
from .sections import background, method, portfolio, problems, reconciliation, results, statements, work
from .sections import targets as targets_section
from .sentences import NodeNames, finding_sentence
from .tables import Section
from .target_words import TargetWords
from .text import Safe, Text, md_text

PORTFOLIO_MIN = 5  # this many project self-evaluations or more get a summary section of their own

# The numbered sections of the body in order (the outline of 财预〔2020〕10号's 评价报告): key (its heading in
# ``headings.<key>``) → the function that writes it. A section without data returns no blocks and takes no number.
SECTIONS = {
    "background": background.section,
    "work": work.section,
    "results": results.section,
    "analysis": analysis_section.section,
    "achievements": statements.achievements,
    "problems": problems.section,
    "recommendations": problems.recommendations,
    "other_matters": statements.other_matters,
}
# The appendices (附件), numbered on their own: the findings, the target-setting analysis, the project forms
# and the method.
APPENDICES = {
    "reconciliation": reconciliation.section,
    "targets": targets_section.section,
    "portfolio": portfolio.section,
    "method": method.section,
}


class Report:
    """The narrative of one department-year in one language, section by section.

    >>> report = Report.load("luohu-fsa", 2022, language="en")   # doctest: +SKIP
    >>> report.results_section()                                 # doctest: +SKIP

    Evaluations are split in two: the *main* ones (department, special fund, third-party project
    evaluations) get sections 2–5; when a department-year has ``PORTFOLIO_MIN`` or more project
    self-evaluations, those are summarised in a section of their own, with each one's scoring.
    """

    def __init__(self, bundle, results, language: str = LANGUAGES[0], templates: str | os.PathLike | None = None):
        self.bundle = bundle
        self.results = list(results)
        self.language = language
        self.templates = templates
        self.t = Text(language, overrides=load_overrides(templates).get(language))
        projects = [r for r in self.results if r.evaluation.kind == "project" and r.evaluation.evaluator == "self"]
        self.portfolio = projects if len(projects) >= PORTFOLIO_MIN else []
        ids = {id(r) for r in self.portfolio}
        self.main = [r for r in self.results if id(r) not in ids]
        # A review (复核报告) reproduces a published report; an evaluation (评价报告) has no published scores.
        self.review = any(has_reported(r) for r in self.results)
        self._names: dict[int, NodeNames] = {}
        self._words: dict[str, TargetWords] = {}
        self._diagnostics: dict[int, list] = {}
        self._all_diagnostics: dict[int, list] = {}
        self._analyses: dict[int, Any] = {}
        self._row_scores: dict[int, Any] = {}
        self._built: dict[str, Section] | None = None
        self._in_annex = False  # building an appendix: numbered() marks its subsections (A2.1)

    @classmethod
    def load(cls, department: str, year: int, language: str = LANGUAGES[0], params_dir: str | None = "../parameters",
             templates: str | os.PathLike | None = None) -> "Report":
        """Load, score and reconcile a department-year (see :func:`perfkit.load.resolve_params_dir` for the path).

        ``templates``: a directory whose ``narrative.<language>.yaml`` override the shipped sentences key by key
        (:mod:`perfkit.report.overrides`; a bad key or placeholder is a ParameterError naming file and key);
        None reads ``$PERFKIT_TEMPLATES`` (set by ``perfkit run --templates``), and no override without it."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
        pdir = resolve_params_dir(params_dir)
        if templates is None:
            templates = os.environ.get(TEMPLATES_ENV) or None
        overrides = load_overrides(templates)  # checked before anything is loaded and scored
        bundle, results = load_scored(pdir, department, year)  # a batch's validation, when it handed it over
        return cls(bundle, results, language, templates if overrides else None)

    # ---- names, labels, headings ----------------------------------------------------------------

    @property
    def lang(self):
        return self.t.lang

    @property
    def department_name(self) -> str:
        d = self.bundle.department
        return self.lang.name(d.name, d.name_en)

    def numbered(self, numbers: tuple[int, ...], text: str) -> Safe:
        """A heading's Markdown text with its number: '一、基本情况' / '1 Background' (data text escaped)."""
        return Safe(self.lang.heading_number(numbers, annex=self._in_annex) + md_text(text))

    def heading(self, key: str) -> str:
        return self.t.label(f"headings.{key}")

    def target_words(self, text, unit: str | None = None, cell: bool = False) -> str:
        """A target or an actual as the report's language writes it (:class:`~.target_words.TargetWords`);
        ``cell``: for an HTML table cell (not Markdown-escaped)."""
        key = "cell" if cell else "md"
        if key not in self._words:
            self._words[key] = TargetWords(self.t.plain if cell else self.t, year=self.bundle.year)
        return self._words[key](text, unit)

    def names(self, result) -> NodeNames:
        """The names of an evaluation's indicators in the report's language (read once)."""
        if id(result) not in self._names:
            self._names[id(result)] = NodeNames(result, self.lang)
        return self._names[id(result)]

    def node_name(self, result, node_id: str | None) -> str:
        return self.names(result)(node_id)

    def evaluation_title(self, result, with_id: bool = False) -> str:
        ev = result.evaluation
        title = self.lang.name(ev.title, ev.title_en)
        return f"{ev.id.upper()} {title}" if with_id else title

    def main_evaluations(self, n: int, portfolio_follows: bool = False):
        """The main evaluations as section ``n`` states them one after another, each under a level-3 heading of
        its title when there are several.

        Yields ``(result, base, heading)`` for each of :attr:`main` in order: ``base`` the numbers its
        sub-headings extend — ``(n, k)`` for the k-th (from 1) when there are several, ``(n,)`` when one
        (its sub-headings are then level 3: level ``len(base) + 2``); ``heading`` its numbered title as Markdown,
        :meth:`numbered` of ``base`` ('（一）…' / '2.1 …'), when there are several, else None.
        ``portfolio_follows``: the section states the portfolio after them as subsection ``(n, len(main) + 1)``,
        so that a portfolio alone makes them several."""
        several = len(self.main) > 1 or (portfolio_follows and bool(self.portfolio))
        for k, r in enumerate(self.main, 1):
            base = (n, k) if several else (n,)
            yield r, base, self.numbered(base, self.evaluation_title(r)) if several else None

    def kind_evaluator(self, result) -> str:
        ev = result.evaluation
        return self.t("kind_evaluator", kind=self.t.label(f"kind.{ev.kind}"),
                      evaluator=self.t.label(f"evaluator.{ev.evaluator}"))

    def grade_label(self, grade: str | None, framework) -> str:
        return self.lang.grade_label(grade, framework)

    def reported_grade(self, result) -> str | None:
        return reported_grade(result)

    def finding_sentence(self, result, f) -> str:
        """One finding in a sentence of the report's language (:func:`perfkit.report.sentences.finding_sentence`)."""
        return finding_sentence(self.t, result, f, self.names(result))

    # ---- analyses, computed once ----------------------------------------------------------------

    def analysis(self, result):
        """perfkit.analysis.sensitivity's analysis of one main evaluation (computed once)."""
        if id(result) not in self._analyses:
            self._analyses[id(result)] = sensitivity.analyse(result)
        return self._analyses[id(result)]

    def diagnostics(self, result) -> list:
        """The target diagnostics of one evaluation, computed once: a main evaluation's come with its
        sensitivity analysis (which diagnoses the targets itself), a portfolio project's alone; a 绩效目标表 row that restates
        a scored leaf's target is left out (:func:`perfkit.analysis.targets.distinct`)."""
        if id(result) not in self._diagnostics:
            self._diagnostics[id(result)] = targets.distinct(self.all_diagnostics(result))
        return self._diagnostics[id(result)]

    def all_diagnostics(self, result) -> list:
        """:meth:`diagnostics` with the 绩效目标表 rows that restate a scored leaf's target: each leaf's related
        goals, as the goal table words them."""
        if any(r is result for r in self.main):
            return self.analysis(result).diagnostics
        if id(result) not in self._all_diagnostics:
            self._all_diagnostics[id(result)] = targets.diagnose(result)
        return self._all_diagnostics[id(result)]

    def row_scores(self, result):
        """``result.compiled.row_scores()``, computed once per evaluation."""
        if id(result) not in self._row_scores:
            self._row_scores[id(result)] = result.compiled.row_scores()
        return self._row_scores[id(result)]

    # ---- sections -------------------------------------------------------------------------------

    def section_heading(self, n: int, key: str) -> Safe:
        """The level-2 heading of a section: '一、基本情况' in the body, '附件一　复核发现' for an appendix."""
        if key in APPENDICES:
            if key == "reconciliation" and not self.review:
                key = "checks"
            return self.t("headings.annex", n=n, cn=chinese_number(n), title=self.heading(key))
        return self.numbered((n,), self.heading(key))

    def _build(self) -> dict[str, Section]:
        """Every section and appendix, numbered in order among those that have content (built once)."""
        if self._built is None:
            built: dict[str, Section] = {}
            try:
                for table in (SECTIONS, APPENDICES):
                    self._in_annex = table is APPENDICES  # numbered() marks an appendix's subsections
                    n = 0
                    for key, write in table.items():
                        sec = write(self, n + 1)
                        if sec.blocks:
                            n += 1
                        built[key] = sec
            finally:
                self._in_annex = False
            self._built = built
        return self._built

    def section(self, key: str) -> Section:
        """A section or appendix by its key in :data:`SECTIONS` or :data:`APPENDICES` (empty when the
        data it states is absent)."""
        return self._build()[key]

    def title(self) -> Section:
        """The report's title and opening paragraph."""
        return background.title(self)

    def background(self) -> Section:
        return self.section("background")

    def results_section(self) -> Section:
        return self.section("results")

    def targets_section(self) -> Section:
        return self.section("targets")

    def reconciliation(self) -> Section:
        return self.section("reconciliation")

    def problems(self) -> Section:
        return self.section("problems")

    def recommendations(self) -> Section:
        return self.section("recommendations")

    def portfolio_section(self) -> Section:
        return self.section("portfolio")

    def scoring_table(self, result) -> str:
        """The full scoring table of one evaluation (HTML)."""
        return results.scoring_table(self, result)

    def sections(self) -> list[Section]:
        """The title, the body's sections, then the appendices (empty ones included)."""
        return [self.title()] + [self.section(key) for key in (*SECTIONS, *APPENDICES)]

    def markdown(self) -> str:
        """The whole narrative as Markdown (tables and charts left out)."""
        return "\n\n".join(s.markdown() for s in self.sections() if s.blocks)
