"""The client version of an executed report notebook: its title and its self-contained HTML (nbconvert).

Owns what a client sees of ``report.ipynb``: no code, no prompts, no stderr (warnings go to the run's
manifest instead, :func:`stderr_outputs`), cells tagged ``remove-cell``/``remove-input``/``remove-output``
left out, images embedded as data URIs, titled with the report's first level-1 heading. The nbconvert
template is ``templates/nbconvert/perfkit_report`` (lab without network scripts).
"""

from __future__ import annotations

from functools import lru_cache
import html as html_lib
import re
from pathlib import Path

from lxml import html as lxml_html
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from traitlets.config import Config

from .language import LANGUAGES, Language
from .layout import TIERS, column_widths, html_table_of, natural_width, tiers_fitting
from .text import Text

# nbconvert template of the client HTML (lab without network scripts); see its index.html.j2.
TEMPLATES = Path(__file__).resolve().parent / "templates" / "nbconvert"

# Cells a notebook author can keep out of the client HTML (they stay in report.ipynb).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_INPUT_TAGS = ("remove-input", "remove_input")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")

_MD_H1 = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)
_HTML_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash-escaped ASCII punctuation mark (CommonMark)


def _clean_title(text: str) -> str:
    """A heading as plain text (the template HTML-escapes it into ``<title>``): tags dropped, Markdown
    backslash escapes and character references read as the characters they stand for."""
    text = _TAGS.sub("", text).replace("**", "").replace("__", "")
    text = html_lib.unescape(_MD_ESCAPED.sub(r"\1", text)).replace("¶", "")
    return " ".join(text.split())


def report_title(nb, fallback: str) -> str:
    """The report's title: its first level-1 heading, in a Markdown cell or a Markdown/HTML output."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = _MD_H1.search(cell.source)
            if m:
                return _clean_title(m.group(1))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data and (m := _MD_H1.search("".join(data["text/markdown"]))):
                return _clean_title(m.group(1))
            if "text/html" in data and (m := _HTML_H1.search("".join(data["text/html"]))):
                return _clean_title(m.group(1))
    return fallback


def fallback_title(bundle, language: str) -> str:
    """The title of a report whose notebook has no level-1 heading: the report's own title template
    (``headings.title_evaluation``), with the department's name in the report's language and, for a
    department-year of one evaluation, what it evaluates (部门整体支出绩效评价报告)."""
    dept = bundle.department
    name = Language.of(language).pick(dept.name, getattr(dept, "name_en", None))
    t = Text(language, escape=False)
    kind = t.label(f"kind.{bundle.evaluations[0].evaluation.kind}") if len(bundle.evaluations) == 1 else None
    return str(t("headings.title_evaluation", department=name, year=bundle.year, kind=kind))


def is_stderr(output) -> bool:
    """A cell output that is text the notebook printed on stderr (warnings)."""
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def client_notebook(nb):
    """The notebook for the client HTML: stderr (warnings) dropped; they are recorded in the manifest
    instead. A new notebook, cells and metadata, sharing the outputs it keeps with ``nb`` (the exporter
    copies what it changes)."""
    client = NotebookNode(nb)
    client.metadata = NotebookNode(nb.metadata)
    client.cells = [NotebookNode(cell, outputs=[o for o in cell.outputs if not is_stderr(o)])
                    if "outputs" in cell else cell for cell in nb.cells]
    return client


def stderr_outputs(nb, limit: int = 20, width: int = 300) -> list[str]:
    """Warnings and other stderr text the notebook printed (what :func:`client_notebook` drops)."""
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if is_stderr(o):
                text = " ".join("".join(o.get("text", "")).split())
                if text:
                    out.append(f"cell {i}: {text[:width]}{'…' if len(text) > width else ''}")
    return out[:limit]


def export_html(nb, title: str, language: str) -> str:
    """The client version: no code, no prompts, images embedded as data URIs, titled, self-contained."""
    client = client_notebook(nb)
    client.metadata["title"] = title
    alt = Text(language, escape=False)("chart.image_alt")
    body, _ = exporter(language).from_notebook_node(client, resources={"metadata": {"name": title},
                                                                       "image_alt": str(alt)})
    return print_widths(_accessible(body, str(alt)))


# What nbconvert's HTMLExporter does after its template, with BeautifulSoup (parsing and writing the whole
# page again, a quarter of a second a report): an image without a text alternative gets one (nbconvert's is
# English whatever the report's language: here the report's word for a chart), and each input and output
# area can take the keyboard's focus.
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)")
_FOCUSABLE = re.compile(r'(<div class="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?")(?=[\s>])')


def _accessible(page: str, alt: str) -> str:
    page = _IMG_WITHOUT_ALT.sub(lambda m: f'{m.group(0)} alt="{html_lib.escape(alt)}"', page)
    return _FOCUSABLE.sub(r'\1 tabindex="0"', page)


class ReportExporter(HTMLExporter):
    """nbconvert's HTMLExporter less its BeautifulSoup pass over the finished page (:func:`_accessible` does
    what it did)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", data_types)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@lru_cache(maxsize=None)
def exporter(language: str) -> HTMLExporter:
    """The HTML exporter of one report language, made once per process (its templates are loaded and
    compiled once, not for every report a batch worker writes)."""
    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.exclude_anchor_links = True
    c.HTMLExporter.optimistic_validation = True  # nbformat's schema checked once, not after every preprocessor
    c.HTMLExporter.language_code = language if language in LANGUAGES else "en"
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    return ReportExporter(config=c, extra_template_basedirs=[str(TEMPLATES)], template_name="perfkit_report")


# The printed page: A4 less the template's margins (15 mm each side) at CSS's 96 px an inch, the whole of it
# for a table (the print layout gives the page's body no margin); tables print at 0.9 em of 10.5 pt (12.6 px),
# so a display column (half a Chinese character) is 6.3 px; a cell's padding (7 px a side), border and a
# pixel of air 16 px. Measured in Chromium's print layout.
PRINT_WIDTH_PX = (210 - 30) / 25.4 * 96
PRINT_UNIT_PX, PRINT_PAD_PX = 6.3, 16.0
# A table whose numbers, headings or words would break at that size prints smaller (class ``dense``: 0.8 em,
# 11.2 px, as the template's print layout sets it), which keeps more of them whole.
DENSE_UNIT_PX = 5.6
_PERFKIT_TABLE = re.compile(r'<table class="perfkit">(?P<body>.*?)</table>', re.S)


def print_widths(page: str) -> str:
    """Each report table too wide for an A4 page gets column widths (a ``<colgroup>`` of percentages, class
    ``wide``): the same shares as the Word document's (:func:`perfkit.report.layout.column_widths`), so no
    column is squeezed to a few characters when printed. Tables that fit are left to the browser."""
    def widen(m: re.Match) -> str:
        table = html_table_of(lxml_html.fragment_fromstring(m.group(0)))
        ncols = max((len(r.cells) for r in table.rows), default=0)
        if not ncols:
            return m.group(0)
        if natural_width(table, ncols, PRINT_UNIT_PX, PRINT_PAD_PX) <= PRINT_WIDTH_PX:
            return m.group(0)
        dense = tiers_fitting(table, ncols, PRINT_WIDTH_PX, PRINT_UNIT_PX, PRINT_PAD_PX) < TIERS
        widths = column_widths(table, ncols, PRINT_WIDTH_PX, DENSE_UNIT_PX if dense else PRINT_UNIT_PX, PRINT_PAD_PX)
        cols = "".join(f'<col style="width:{100 * w / sum(widths):.2f}%">' for w in widths)
        cols = f"<colgroup>{cols}</colgroup>"
        body = m.group("body")
        at = body.find("</caption>")
        at = at + len("</caption>") if at >= 0 else 0
        return f'<table class="perfkit wide{" dense" if dense else ""}">{body[:at]}{cols}{body[at:]}</table>'

    return _PERFKIT_TABLE.sub(widen, page)
