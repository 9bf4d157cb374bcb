"""The report as Word (report.docx), as a printed page (print CSS, report.pdf) and the score sheet's layout.

The Word document is checked structurally with python-docx (no converter is installed by the test command):
its outline as Heading styles in the order of the HTML's headings, tables with header rows that repeat,
charts as pictures, an A4 page with the page number in the footer, the fonts of Chinese government
documents with fallbacks, and text from parameter files kept as literal text.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import docx
import mistune
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm
from matplotlib.figure import Figure

from perfkit import Report
from perfkit.report import notebook_html, word
from perfkit.report.layout import Cell, Row, Table, column_widths
from perfkit.report.tables import Section, html_table

from test_hostile_text import PAYLOAD, hostile_copy

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def _headings(document) -> list[tuple[int, str]]:
    """(level, text) of the Title and Heading n paragraphs: the Markdown level (# is 1, ## is 2 …)."""
    out = []
    for p in document.paragraphs:
        name = p.style.name
        if name == "Title":
            out.append((1, p.text))
        elif name.startswith("Heading "):
            out.append((int(name.split()[1]) + 1, p.text))
    return out


def _html_headings(blocks) -> list[tuple[int, str]]:
    """The headings of the HTML a report's Markdown blocks render to (mistune, as nbconvert renders them)."""
    render = mistune.create_markdown(plugins=["strikethrough", "table"])
    out = []
    for kind, content in blocks:
        if kind == "md":
            for level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", render(content), re.S):
                import html as html_lib
                out.append((int(level), html_lib.unescape(re.sub(r"<[^>]+>", "", text))))
    return out


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def _small_figure() -> Figure:
    fig = Figure(figsize=(4, 2))
    fig.subplots().plot([0, 1], [0, 1])
    return fig


def _sample_blocks(text: str = "正文") -> list:
    sec = Section()
    sec.heading(1, "报告标题").md(text)
    sec.heading(2, "一、基本情况").md("段落一。", "**加粗标签**")
    sec.bullets(["第一项", "第二项"], numbered=True)
    sec.heading(3, "（一）预算执行")
    sec.html(html_table(["项目", "金额"], [["基本支出", "816.07"], (["合计", "1,167.07"], "total")], numeric=[1]))
    sec.figure(_small_figure())
    sec.heading(4, "1. 评分明细")
    return sec.blocks


# --------------------------------------------------------------------------------------------
# Quick: the renderer on blocks made here
# --------------------------------------------------------------------------------------------


def test_outline_tables_pictures_page_and_footer():
    document = _open(word.blocks_document(_sample_blocks(), "zh", "报告标题"))
    assert _headings(document) == [(1, "报告标题"), (2, "一、基本情况"), (3, "（一）预算执行"), (4, "1. 评分明细")]
    assert [p.style.name for p in document.paragraphs if p.text.startswith("1. 第一项")] == ["Normal"]
    # the table: its header row repeats on each page, the total row is bold, numbers right-aligned
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == ["项目", "金额"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    assert [c.text for c in table.rows[2].cells] == ["合计", "1,167.07"]
    assert table.rows[2].cells[0].paragraphs[0].runs[0].bold
    assert table.rows[1].cells[1].paragraphs[0].alignment == 2  # RIGHT
    # the chart, as a PNG picture
    assert len(document.inline_shapes) == 1
    blobs = [p.blob for p in document.part.package.parts if p.partname.endswith(".png")]
    assert len(blobs) == 1 and blobs[0].startswith(b"\x89PNG")
    # A4 with the page number in the footer
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    footer = section.footer._element.xml
    assert " PAGE " in footer and 'w:fldCharType="begin"' in footer
    # a table of contents field over Heading 1-2 before the first section, updated when Word opens the file
    body = document.element.body.xml
    assert 'TOC \\o "1-2"' in body and body.index("TOC \\o") < body.index("一、基本情况</w:t>")
    assert document.settings.element.find(qn("w:updateFields")) is not None


def test_fonts_of_chinese_government_documents_with_fallbacks():
    document = _open(word.blocks_document(_sample_blocks(), "zh"))

    def east_asia(style: str) -> str:
        return document.styles[style].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east_asia("Normal") == "仿宋_GB2312"
    assert east_asia("Heading 1") == east_asia("Title") == "黑体"
    table = zipfile.ZipFile(io.BytesIO(word.blocks_document(_sample_blocks(), "zh"))).read("word/fontTable.xml").decode()
    assert re.search(r'w:name="仿宋_GB2312">\s*<w:altName w:val="仿宋"/>', table)
    assert re.search(r'w:name="黑体">\s*<w:altName w:val="SimHei"/>', table)
    english = _open(word.blocks_document(_sample_blocks("Text"), "en"))
    fonts = english.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:ascii")) == "Times New Roman" and fonts.get(qn("w:eastAsia")) == "宋体"


def test_same_blocks_same_bytes():
    blocks = _sample_blocks()
    assert word.blocks_document(blocks, "zh") == word.blocks_document(blocks, "zh")


def test_hostile_text_stays_literal_and_makes_no_field_or_link():
    control = "\x07bell\x0bvt"
    blocks = _sample_blocks(PAYLOAD + control)
    sec = Section().html(html_table([PAYLOAD], [[PAYLOAD + " { PAGE } " + control]], caption=PAYLOAD))
    document = _open(word.blocks_document(blocks + sec.blocks, "zh"))
    text = _all_text(document)
    visible = " ".join(PAYLOAD.split())
    assert visible in " ".join(text.split())  # Markdown escapes read back as the characters written
    assert "{ PAGE }" in text and "bellvt" in text  # control characters dropped, the rest kept
    body = document.element.body
    assert not body.findall(f".//{W}hyperlink") and not body.findall(f".//{W}fldSimple")
    codes = [t.text.strip() for t in body.iter(f"{W}instrText")]
    assert codes == ['TOC \\o "1-2" \\h \\z \\u']  # the only field in the body is ours


def test_column_widths_give_long_text_room_and_keep_numbers_whole():
    rule = "要点评分：预算编制、分配符合本部门职责、区委区政府方针政策和工作要求（1分）；" * 6
    rows = [Row([Cell(h) for h in ["一级指标", "二级指标", "三级指标", "分值", "评分规则", "输入与计算", "得分",
                                   "扣分原因"]], header=True)]
    for k in range(20):
        rows.append(Row([Cell("部门决策"), Cell("预算编制"), Cell("预算编制合理性"), Cell("5", numeric=True),
                         Cell(rule), Cell("1×1 + 1×1 + 1×1 + 1×1 + 1×1"), Cell("5.00", numeric=True),
                         Cell("部分项目所设定的指标未细化量化" if k == 3 else "")]))
    widths = column_widths(Table(rows), 8, total=8844, unit=105, pad=162)
    assert abs(sum(widths) - 8844) < 1
    assert widths[4] == max(widths) and widths[4] > 8844 * 0.25  # the rule's text is readable
    assert widths[3] >= 162 + 105 * 2 and widths[6] >= 162 + 105 * 5  # '5' and '5.00' on one line
    assert min(widths) >= 162 + 105 * 4  # no column narrower than two Chinese characters


def test_wide_tables_print_with_column_widths_and_narrow_ones_are_left_alone():
    long = "评分规则文字" * 40
    wide = html_table(["指标", "评分规则", "得分"], [["预算执行率", long, "3.53"]] * 3, numeric=[2])
    narrow = html_table(["项目", "金额"], [["基本支出", "816.07"]], numeric=[1])
    page = notebook_html.print_widths(f"<main>{wide}<p>x</p>{narrow}</main>")
    assert page.count('<table class="perfkit wide"><colgroup>') == 1
    shares = [float(x) for x in re.findall(r'<col style="width:([\d.]+)%">', page)]
    assert len(shares) == 3 and abs(sum(shares) - 100) < 0.1 and shares[1] == max(shares)
    assert narrow in page


# --------------------------------------------------------------------------------------------
# Slow: the reports of shipped units
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_luohu_report_as_word(language):
    report = Report.load("luohu-fsa", 2022, language=language, params_dir=str(ROOT / "parameters"))
    blocks = [b for s in report.sections() for b in s.blocks]
    document = _open(word.report_document(report))
    # the outline: every heading of the HTML, in order, as Title / Heading n
    assert _headings(document) == _html_headings(blocks)
    assert _headings(document)[0][0] == 1 and sum(1 for lv, _ in _headings(document) if lv == 2) >= 5
    # every HTML table and chart, each table with a repeating header row
    n_tables = sum(len(re.findall(r"<table\b", c)) for k, c in blocks if k == "html")
    assert len(document.tables) == n_tables >= 5
    assert all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in document.tables)
    assert len(document.inline_shapes) == sum(1 for k, _ in blocks if k == "fig") >= 3
    # the figures of the report are in it: the total as the report states it
    total = report.results[0].total
    assert f"{total:.2f}" in _all_text(document)
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and " PAGE " in section.footer._element.xml


@pytest.mark.slow
def test_hostile_parameters_stay_text_in_the_word_report(tmp_path):
    pdir, fields = hostile_copy(tmp_path, "luohu-fsa/2022")
    report = Report.load("luohu-fsa", 2022, language="zh", params_dir=str(pdir))
    document = _open(word.report_document(report))
    assert " ".join(PAYLOAD.split()) in " ".join(_all_text(document).split())
    body = document.element.body
    assert not body.findall(f".//{W}hyperlink") and not body.findall(f".//{W}fldSimple")
    assert [t.text.strip() for t in body.iter(f"{W}instrText")] == ['TOC \\o "1-2" \\h \\z \\u']


# --------------------------------------------------------------------------------------------
# The PDF: printed by Chromium where there is one, and said when not
# --------------------------------------------------------------------------------------------


def test_a_pdf_not_made_says_why(tmp_path, monkeypatch):
    from perfkit.run import documents

    page = tmp_path / "report.html"
    page.write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    monkeypatch.setenv(documents.CHROMIUM_ENV, "none")
    assert documents.print_pdf(page, tmp_path / "report.pdf") == "$PERFKIT_CHROMIUM is 'none'"
    monkeypatch.setenv(documents.CHROMIUM_ENV, str(tmp_path / "no-such-browser"))
    assert "no Chromium found" in documents.print_pdf(page, tmp_path / "report.pdf")
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv(documents.CHROMIUM_ENV, str(fake))
    why = documents.print_pdf(page, tmp_path / "report.pdf")
    assert "exited 3 without a PDF" in why and "cannot open display" in why
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.slow  # starts Chromium
def test_chromium_prints_the_report_on_a4_with_wide_tables_in_columns(tmp_path):
    from perfkit.run import documents

    assert documents.find_chromium(), "scripts/bootstrap.sh --with-browser installs Chromium"
    long = "评分规则文字" * 60
    body = html_table(["指标", "评分规则", "得分"], [["预算执行率", long, "3.53"]] * 30, numeric=[2])
    page = tmp_path / "report.html"
    page.write_text(notebook_html.export_html(_notebook_with(body), "报告", "zh"), encoding="utf-8")
    assert documents.print_pdf(page, tmp_path / "report.pdf") is None
    pdf = (tmp_path / "report.pdf").read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)  # A4
    assert len(boxes) >= 3  # the long table runs over pages


def _without_dates(pdf: bytes) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)", b"", pdf)


def _layout(pdf: bytes) -> tuple:
    """What a reader sees of a PDF's make-up: its pages' boxes in order, the fonts it embeds, its size in
    kilobytes. (Two prints of one page are usually byte for byte equal, their dates aside; one fresh-clone
    run under load differed in one content stream, so that is not what is asserted.)"""
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)
    fonts = sorted(set(re.findall(rb"/BaseFont\s*/([^\s/>]+)", pdf)))
    return (pages, boxes), fonts, round(len(pdf) / 1024)


@pytest.mark.slow  # starts Chromium
def test_the_kept_open_browser_prints_what_the_command_line_prints_and_is_reused(tmp_path):
    """Two reports' pages printed by one Chromium kept open: each PDF has the pages, page sizes and fonts
    of the command line's ``--print-to-pdf`` of the same page, and about its size; the second report starts
    no browser; a browser that died is replaced for the next report."""
    from perfkit.run import chromium, documents

    exe = documents.find_chromium()
    assert exe, "scripts/bootstrap.sh --with-browser installs Chromium"
    chromium.shutdown()
    pages = []
    for i, language in enumerate(("zh", "en")):
        body = html_table(["指标", "评分规则", "得分"], [["预算执行率", "评分规则文字" * 20, f"{i}.53"]] * 12, numeric=[2])
        page = tmp_path / f"report-{language}.html"
        page.write_text(notebook_html.export_html(_notebook_with(body), "报告", language), encoding="utf-8")
        pages.append(page)
    assert documents.print_pdf(pages[0], tmp_path / "a.pdf") is None
    browser = chromium._browsers[exe]
    assert documents.print_pdf(pages[1], tmp_path / "b.pdf") is None
    assert chromium._browsers[exe] is browser and browser.alive()  # the same process printed both
    for page, kept in ((pages[0], "a.pdf"), (pages[1], "b.pdf")):
        assert documents._print_with_command(exe, page, tmp_path / "cli.pdf", 120) is None
        ours, theirs = _layout((tmp_path / kept).read_bytes()), _layout((tmp_path / "cli.pdf").read_bytes())
        assert ours[:2] == theirs[:2] and abs(ours[2] - theirs[2]) <= max(2, theirs[2] // 50), (ours, theirs)
        assert ours[0][0] >= 1 and ours[1], ours  # a page; its text drawn in embedded fonts
    assert _without_dates((tmp_path / "a.pdf").read_bytes()) != _without_dates((tmp_path / "b.pdf").read_bytes())

    browser.proc.kill()
    browser.proc.wait()
    assert documents.print_pdf(pages[0], tmp_path / "c.pdf") is None  # a new browser
    assert chromium._browsers[exe] is not browser
    assert _layout((tmp_path / "c.pdf").read_bytes()) == _layout((tmp_path / "a.pdf").read_bytes())
    chromium.shutdown()
    assert not chromium._browsers and not os.path.exists(browser.home)


@pytest.mark.slow  # starts Chromium
def test_a_page_that_never_loads_times_out_and_the_next_report_gets_a_new_browser(tmp_path):
    from perfkit.run import chromium, documents

    exe = documents.find_chromium()
    assert exe, "scripts/bootstrap.sh --with-browser installs Chromium"
    chromium.shutdown()
    stuck = tmp_path / "stuck.html"
    stuck.write_text("<html><body><p>x</p><script>while (true) {}</script></body></html>", encoding="utf-8")
    assert documents.print_pdf(stuck, tmp_path / "stuck.pdf", timeout=3) == f"{exe} did not finish printing within 3 s"
    assert not (tmp_path / "stuck.pdf").exists()
    first = chromium._browsers[exe]
    assert not first.alive()  # killed: a page may still be running in it
    page = tmp_path / "report.html"
    page.write_text(notebook_html.export_html(_notebook_with("<p>预算执行率 98.50%</p>"), "报告", "zh"), encoding="utf-8")
    assert documents.print_pdf(page, tmp_path / "report.pdf") is None
    assert chromium._browsers[exe] is not first
    chromium.shutdown()


@pytest.mark.slow  # starts Chromium
def test_a_browser_that_cannot_be_kept_open_prints_by_command(tmp_path, monkeypatch):
    """A Chromium that refuses the DevTools pipe (here a wrapper that exits when asked for it) still
    prints the report: by the command line, the same PDF."""
    from perfkit.run import chromium, documents

    exe = documents.find_chromium()
    assert exe, "scripts/bootstrap.sh --with-browser installs Chromium"
    wrapper = tmp_path / "no-pipe-chromium"
    wrapper.write_text(f'#!/bin/sh\nfor a; do [ "$a" = --remote-debugging-pipe ] && {{ echo "no pipe" >&2; exit 5; }}; done\n'
                       f'exec {exe} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv(documents.CHROMIUM_ENV, str(wrapper))
    page = tmp_path / "report.html"
    page.write_text(notebook_html.export_html(_notebook_with("<p>预算执行率 98.50%</p>"), "报告", "zh"), encoding="utf-8")
    assert documents.print_pdf(page, tmp_path / "report.pdf") is None
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert str(wrapper) in chromium._failed and "no pipe" in chromium._failed[str(wrapper)]
    assert str(wrapper) not in chromium._browsers


@pytest.mark.slow  # a batch that prints PDFs
def test_a_batch_prints_every_pdf_with_its_workers_browsers_and_leaves_none_running(tmp_path):
    """``perfkit batch --workers 2 --documents pdf`` over two department-years: four PDFs, each worker's
    reports printed by the browser it kept open, and no Chromium process of the batch alive afterwards."""
    import json
    import subprocess
    import sys
    import uuid

    from conftest import ROOT, params_copy
    from test_forkserver import _gone, _marked

    from perfkit.run import documents

    assert documents.find_chromium(), "scripts/bootstrap.sh --with-browser installs Chromium"
    mark = uuid.uuid4().hex
    small = params_copy(tmp_path, "luohu-fsa", "shenzhen-lfsb")
    env = {**os.environ, "PERFKIT_TEST_MARK": mark, "PYTHONPATH": str(ROOT)}
    env.pop(documents.CHROMIUM_ENV, None)
    done = subprocess.run([sys.executable, "-m", "perfkit.cli", "batch", str(small), "--workers", "2", "--no-progress",
                           "--documents", "pdf", "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    pdfs = [tmp_path / "out" / u["outputs"]["pdf"] for u in manifest["units"]]
    assert len(pdfs) == 4 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert not any(w for u in manifest["units"] for w in u.get("warnings", []) if documents.PDF_NOT_MADE in w)
    assert _gone(mark) == [], [open(f"/proc/{pid}/cmdline", "rb").read()[:120] for pid in _marked(mark)]


def _notebook_with(html_text: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html_text})]
    nb.cells = [nbformat.v4.new_markdown_cell("# 报告"), cell]
    return nb


def test_document_templates_have_the_same_keys_in_every_language():
    from perfkit.report.language import LANGUAGES

    def keys(node, prefix=""):
        if not isinstance(node, dict):
            return {prefix}
        return {k for key, v in node.items() if key != "fallbacks" for k in keys(v, f"{prefix}.{key}")}

    shapes = {lang: keys(word.document_style(lang)) for lang in LANGUAGES}
    assert all(shape == shapes[LANGUAGES[0]] for shape in shapes.values())


def _dates_in_package(data: bytes) -> set:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        stamps = {info.date_time for info in z.infolist()}
        core = z.read("docProps/core.xml").decode()
    return stamps | set(re.findall(r"\d{4}-\d\d-\d\dT[\d:]+Z?", core))


def test_score_sheet_and_word_carry_no_clock_time():
    """Same inputs, same bytes: openpyxl and python-docx stamp the time of writing into the zip entries
    and docProps/core.xml; both packages come out dated 1980-01-01 only."""
    from perfkit import evaluate, load_file
    from perfkit.report.export import xlsx_bytes

    bundle = load_file(ROOT / "parameters/luohu-fsa/2022.yaml")
    results = evaluate(bundle)
    fixed = {(1980, 1, 1, 0, 0, 0), "1980-01-01T00:00:00Z"}
    assert _dates_in_package(xlsx_bytes(bundle, results, "zh")) <= fixed
    assert _dates_in_package(word.blocks_document(_sample_blocks(), "zh")) <= fixed


@pytest.mark.slow
@pytest.mark.parametrize("department,year", [("luohu-fsa", 2022), ("beijing-lfsb", 2021)])
def test_documents_from_the_validations_results_equal_those_of_a_fresh_scoring(department, year):
    """A batch worker writes a unit's Word document and score sheet from the results its validation scored
    (once for both languages, zh then en), not from a second scoring: byte for byte the same files."""
    from perfkit.core.scoring import score_bundle
    from perfkit.load import find_unit, load
    from perfkit.report.document import Report
    from perfkit.report.export import xlsx_bytes
    from perfkit.report.word import report_document
    from perfkit.run import units

    params = ROOT / "parameters"
    units._VALIDATED.clear()
    bundle, results = units.validate_unit(params, department, year, with_results=True)
    assert units.validate_unit(params, department, year, with_results=True)[1] is results  # kept, not rescored
    for language in ("zh", "en"):
        fresh = load(find_unit(params, department, year), str(params))
        fresh_results = score_bundle(fresh)
        assert report_document(Report(bundle, results, language)) == report_document(Report(fresh, fresh_results, language))
        assert xlsx_bytes(bundle, results, language) == xlsx_bytes(fresh, fresh_results, language)


# What the print layout must keep whole in a cell of a report table, measured by Chromium itself: a number or
# code (each Latin run of a body cell) and each piece of a heading (a short Chinese heading breaks only between
# its two pieces: 一级 / 指标, never 一级指 / 标). Returns [table heading, cell text, px needed, px there].
_BROKEN_IN_PRINT = r"""(() => {
  const latin = /[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+/g, out = [];
  const probe = document.createElement('span');
  probe.style.cssText = 'white-space:pre;position:absolute;visibility:hidden';
  document.body.appendChild(probe);
  for (const t of document.querySelectorAll('table.perfkit')) {
    for (const c of t.querySelectorAll('th,td')) {
      const cs = getComputedStyle(c);
      const room = c.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      probe.style.font = cs.font;
      const pieces = c.tagName === 'TH' ? [...c.querySelectorAll('span.nb')].map(x => x.innerText)
                                        : (c.innerText.match(latin) || []);
      for (const p of pieces) {
        probe.textContent = p;
        const need = probe.getBoundingClientRect().width;
        if (need > room + 0.5) out.push([t.querySelector('th').innerText, p, Math.round(need), Math.round(room)]);
      }
    }
  }
  return JSON.stringify(out);
})()"""


def _broken_in_print(page: Path) -> list:
    """:data:`_BROKEN_IN_PRINT` of a page laid out as Chromium prints it on A4 (its print styles, the
    template's printable width of 180 mm, no scroll bar)."""
    import json
    import shutil

    from perfkit.run.chromium import Browser
    from perfkit.run.documents import find_chromium

    browser = Browser(find_chromium() or shutil.which("chromium"))
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Page.enable", session=session)
        browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        browser.call("Emulation.setScrollbarsHidden", {"hidden": True}, session=session)
        browser.call("Emulation.setDeviceMetricsOverride", {"width": round(notebook_html.PRINT_WIDTH_PX),
                     "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session, 60)
        found = browser.call("Runtime.evaluate", {"expression": _BROKEN_IN_PRINT, "returnByValue": True},
                             session=session)
        return json.loads(found["result"]["value"])
    finally:
        browser.close()


@pytest.mark.slow  # starts Chromium
@pytest.mark.parametrize("unit", [("beijing-lfsb", 2021), ("luohu-fsa", 2022)])
def test_printed_tables_break_no_number_code_or_short_heading(tmp_path, unit):
    """Every table of a shipped unit's Chinese report, printed: no figure (104.30, 100.00%), project code
    (S01) or piece of a heading (全年 / 预算) is wider than its column. Seen broken before the widths were
    measured with the printed font's real sizes: S0 / 1, 9.4 / 9, 全年预 / 算 in Beijing's list of projects."""
    from perfkit.run import documents

    assert documents.find_chromium(), "scripts/bootstrap.sh --with-browser installs Chromium"
    report = Report.load(*unit, language="zh", params_dir=str(ROOT / "parameters"))
    tables = [content for s in report.sections() for kind, content in s.blocks if kind == "html"]
    page = tmp_path / "report.html"
    page.write_text(notebook_html.export_html(_notebook_with("\n".join(tables)), "报告", "zh"), encoding="utf-8")
    assert page.read_text(encoding="utf-8").count('<table class="perfkit wide') >= 3  # widths were set
    assert _broken_in_print(page) == []


def test_a_short_chinese_heading_breaks_only_between_its_two_halves():
    from perfkit.report.layout import heading_chunks

    assert heading_chunks("一级指标") == ["一级", "指标"] and heading_chunks("输入与计算") == ["输入与", "计算"]
    assert heading_chunks("执行率") == ["执行率"] and heading_chunks("Points") == ["Points"]
    assert heading_chunks("项目支出绩效自评表") == ["项目支出绩效自评表"]  # a long one breaks anywhere
    head = html_table(["全年预算", "分值"], [["1", "2"]]).split("</thead>")[0]
    assert '<th><span class="nb">全年</span><span class="nb">预算</span></th><th>分值</th>' in head
